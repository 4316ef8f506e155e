#!/usr/bin/env bash
# The soak (see bench/README.md, "Soak"): every backend, plain and TLS, at once, under connection churn at a fixed
# rate below saturation, sampled every minute; fails when a quantity trends up or a churn operation fails.
#
#   1. Starts the http-server example once per backend and mode (plain, --ssl), each with native memory tracking
#      (-XX:NativeMemoryTracking=summary). The example closes a connection after 30 s of silence.
#   2. Runs io.usockets.bench.soak.ChurnClient against all of them for MINUTES minutes: RATE operations per second
#      per server, each a fresh connection: keep-alive requests, resets, half-closes, requests cut by a reset,
#      connections closed before sending, pipelined requests, idle connections left for the server's timeout.
#   3. Every minute, for every server: live heap after a full GC (jcmd GC.class_histogram), RSS, open descriptors,
#      NMT committed total and its "Other" category (direct buffers). The client adds the p50/p99 of the time to a
#      first response per minute.
#   4. io.usockets.bench.soak.SoakReport fits a line to each quantity after WARMUP minutes and fails on a rise
#      beyond its allowance; it writes soak.md and one PNG per server.
# Writes samples.tsv, churn.tsv, churn-errors.log, meta.md, soak.md and soak-SERVER.png into the output directory.
#
# Usage: bench/soak.sh [--minutes M] [--rate OPS] [--warmup M] [--servers "native native-tls ..."] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=30
RATE=20
WARMUP=5
SERVERS=""
OUT=bench/results/soak
JAR=examples/target/usockets-examples.jar
BENCH_JAR=bench/target/benchmarks.jar

die() { echo "soak.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[ "$MINUTES" -ge 3 ] 2>/dev/null || die "--minutes $MINUTES: expected whole minutes >= 3"
[ "$RATE" -ge 1 ] 2>/dev/null || die "--rate $RATE: expected operations per second >= 1"
[ "$WARMUP" -ge 0 ] && [ "$WARMUP" -le $((MINUTES - 3)) ] 2>/dev/null \
  || die "--warmup $WARMUP: expected 0 to $((MINUTES - 3)) minutes (three samples must follow it)"
[ -f "$JAR" ] && [ -f "$BENCH_JAR" ] || die "build the jars first: mvn -q -B -DskipTests package -pl examples,bench -am"
command -v jcmd >/dev/null || die "jcmd is missing; run with a full JDK"
mkdir -p "$OUT"
rm -f "$OUT"/soak-*.png
LOGS=$(mktemp -d /tmp/usockets-soak.XXXXXX)

if [ -z "$SERVERS" ]; then
  probe=$(java -jar "$JAR" http-server --port 0 --backend no-such-backend 2>&1 || true)
  backends=$(echo "$probe" | sed -n 's/.*expected one of //p' | tr -d ',')
  [ -n "$backends" ] || die "could not list the backends of $JAR: $probe"
  for b in $backends; do SERVERS="$SERVERS $b $b-tls"; done
fi

declare -A PID PORT
CLIENT_PID=""
cleanup() {
  [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$LOGS"
}
trap cleanup EXIT

# Starts the example for NAME (a backend, with -tls for --ssl) and waits for its port line (at most 60 s).
start_server() {
  local name=$1 ssl=() log=$LOGS/server-$1.out
  [ "${name%-tls}" != "$name" ] && ssl=(--ssl)
  java -Xms256m -Xmx256m -XX:NativeMemoryTracking=summary -jar "$JAR" http-server --host 127.0.0.1 --port 0 \
    --backend "${name%-tls}" "${ssl[@]}" >"$log" 2>"$log.err" &
  PID[$name]=$!
  for _ in $(seq 600); do
    PORT[$name]=$(sed -n 's/^Listening on port \([0-9]*\)$/\1/p' "$log")
    [ -n "${PORT[$name]}" ] && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited: $(cat "$log.err")"
    sleep 0.1
  done
  die "$name printed no port line within 60 s"
}

# One sample of a server: "heap_bytes rss_kib fds nmt_committed_kib nmt_other_kib".
sample() {
  local pid=$1 heap rss fds nmt other
  heap=$(jcmd "$pid" GC.class_histogram | awk '/^Total/ {print $3}')
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  nmt=$(jcmd "$pid" VM.native_memory summary)
  other=$(awk '/- +Other \(/ {sub(/.*committed=/, ""); sub(/KB.*/, ""); print; exit}' <<<"$nmt")
  nmt=$(awk '/^Total:/ {sub(/.*committed=/, ""); sub(/KB.*/, ""); print; exit}' <<<"$nmt")
  echo "${heap:--1} ${rss:--1} $fds ${nmt:--1} ${other:--1}"
}

targets=()
for name in $SERVERS; do
  start_server "$name"
  if [ "${name%-tls}" != "$name" ]; then targets+=(--target "$name=${PORT[$name]}:tls"); else targets+=(--target "$name=${PORT[$name]}"); fi
done
echo "Servers: $(for n in $SERVERS; do echo -n "$n:${PORT[$n]} "; done)"

{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(java -version 2>&1 | head -1); servers: http-server -Xms256m -Xmx256m -XX:NativeMemoryTracking=summary, nothing pinned"
  echo "- $MINUTES minutes, $RATE churn operations per second per server, all servers at once: $SERVERS"
  echo "- command: bench/soak.sh --minutes $MINUTES --rate $RATE --warmup $WARMUP"
} >"$OUT/meta.md"

java -Xmx512m -cp "$BENCH_JAR" io.usockets.bench.soak.ChurnClient "${targets[@]}" --rate "$RATE" \
  --minutes "$MINUTES" --out "$OUT/churn.tsv" >"$OUT/churn.out" 2>"$OUT/churn-errors.log" &
CLIENT_PID=$!

echo -e "# minute\tserver\theap_bytes\trss_kib\tfds\tnmt_committed_kib\tnmt_other_kib" >"$OUT/samples.tsv"
start=$(date +%s)
for minute in $(seq 1 "$MINUTES"); do
  # Sample at the end of each minute of load, measured from the start (a slow sample does not shift the rest).
  sleep $(( start + minute * 60 - $(date +%s) > 0 ? start + minute * 60 - $(date +%s) : 0 ))
  for name in $SERVERS; do
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name died in minute $minute: $(tail -5 "$LOGS/server-$name.out.err")"
    read -r heap rss fds nmt other < <(sample "${PID[$name]}")
    echo -e "$minute\t$name\t$heap\t$rss\t$fds\t$nmt\t$other" >>"$OUT/samples.tsv"
  done
  echo "minute $minute of $MINUTES sampled"
done

client_status=0
wait "$CLIENT_PID" || client_status=$?
CLIENT_PID=""
echo "ChurnClient exited with $client_status ($(wc -l <"$OUT/churn-errors.log") error lines)"
report_status=0
java -cp "$BENCH_JAR" io.usockets.bench.soak.SoakReport "$OUT" "$WARMUP" || report_status=$?
[ "$client_status" = 0 ] && [ "$report_status" = 0 ]
