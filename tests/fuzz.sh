#!/usr/bin/env bash
# Fuzzes each target of the scripted-kernel fuzzer (ScriptedKernelFuzzTest) for 60 s with Jazzer
# (docs/RELIABILITY.md, "Scripted-kernel fuzzer"). New coverage-increasing inputs collect in
# tests/.cifuzz-corpus/io.usockets.tests.fuzz.ScriptedKernelFuzzTest/<target>/; a finding stops the target and is
# written to tests/src/test/resources/io/usockets/tests/fuzz/ScriptedKernelFuzzTestInputs/<target>/crash-*, where the
# normal build replays it from then on. Usage: tests/fuzz.sh [target...] (default: every target).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(plainSockets tlsSockets)
fi
mkdir -p tests/target
for target in "${targets[@]}"; do
  echo "== fuzzing $target for 60 s"
  # Only the fuzzer's own surefire execution (tests/pom.xml), in a JVM of its own.
  JAZZER_FUZZ=1 JAZZER_INSTRUMENT='io.usockets.**' nice -n 19 mvn -B -o -pl tests -am test-compile \
    surefire:test@scripted-kernel-fuzzer -Dtest="ScriptedKernelFuzzTest#$target" -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | tee "tests/target/fuzz-$target.log" | grep -E '^#[0-9]+|Tests run|crash|ERROR|==' || true
done
