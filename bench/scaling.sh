#!/usr/bin/env bash
# One loop per core, measured (see bench/README.md, "Scaling").
#
#   1. CPU: the http-server example with --threads 1 and --threads 2 on one backend, each loaded by the examples'
#      http-load for DURATION seconds after a short warm-up, rounds interleaved (1 2, 1 2, ...); requests per second
#      and the server's CPU time per request (utime + stime from /proc, over the measured window only).
#   2. Contention: http-server --threads 2 (plain, then --ssl) under the same load, with a Java Flight Recording of
#      monitor enters, monitor waits and thread parks at a threshold of 0 ms; the events on the loop threads
#      (the example names them http-server-loop-N) are counted and printed with their monitor and stack.
#      JFR sees Java locks only; native locks are not in it.
# The server is not pinned: with --threads 2 it wants both cores, which the client shares on a 2-core machine.
# Writes scaling.tsv, contention.txt, the .jfr files and meta.md into the output directory.
#
# Usage: bench/scaling.sh [--rounds N] [--duration SECONDS] [--connections N] [--backend B] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3
DURATION=5
WARMUP=2
CONNECTIONS=100
BACKEND=native
OUT=bench/results/scaling
JAR=examples/target/usockets-examples.jar

die() { echo "scaling.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --backend) BACKEND=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "--rounds $ROUNDS: expected a whole number >= 1"
[ "$DURATION" -ge 1 ] 2>/dev/null || die "--duration $DURATION: expected whole seconds >= 1"
[ -f "$JAR" ] || die "$JAR is missing; build it first: mvn -q -B -DskipTests package"
command -v jfr >/dev/null || die "the JDK's jfr tool is missing"
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)
SERVER_PID=""
PORT=""

cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; true; }
trap cleanup EXIT

# start_server LOGNAME ARGS...: starts the example with ARGS, waits (at most 30 s) for its port line.
start_server() {
  local log=$OUT/$1.out; shift
  java -Xms512m -Xmx512m "${JVM_EXTRA[@]}" -jar "$JAR" http-server --backend "$BACKEND" --port 0 "$@" \
    >"$log" 2>"$log.err" &
  SERVER_PID=$!
  for _ in $(seq 300); do
    PORT=$(sed -n 's/^Listening on port \([0-9]*\)$/\1/p' "$log")
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(cat "$log.err")"
    sleep 0.1
  done
  die "the server printed no port line within 30 s"
}

stop_server() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# measure ARGS...: a warm-up load, then the measured load; prints "requests_per_second cpu_us_per_request".
measure() {
  java -jar "$JAR" http-load --port "$PORT" --connections "$CONNECTIONS" --duration "$WARMUP" "$@" >/dev/null
  local before after rps
  before=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
  rps=$(java -jar "$JAR" http-load --port "$PORT" --connections "$CONNECTIONS" --duration "$DURATION" "$@" \
    | sed -n 's/^requests\/s: \([0-9.]*\).*/\1/p')
  after=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
  [ -n "$rps" ] || die "http-load printed no requests/s line"
  awk -v t=$((after - before)) -v hz="$HZ" -v rps="$rps" -v d="$DURATION" \
    'BEGIN { printf "%s %.3f\n", rps, t / hz * 1e6 / (rps * d) }'
}

JVM_EXTRA=()
echo -e "# round\tthreads\trequests_per_second\tserver_cpu_us_per_request" >"$OUT/scaling.tsv"
for round in $(seq "$ROUNDS"); do
  for threads in 1 2; do
    start_server "threads-$threads" --threads "$threads"
    read -r rps cpu < <(measure)
    [ -n "${cpu:-}" ] || die "no measurement for --threads $threads"
    stop_server
    echo -e "$round\t$threads\t$rps\t$cpu" >>"$OUT/scaling.tsv"
    echo "round $round: --threads $threads: $rps requests/s, server CPU $cpu us per request"
  done
done

# A settings file with only the contention events, every one recorded (threshold 0).
cat >"$OUT/contention.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="contention" description="monitor enters, waits and parks, threshold 0">
  <event name="jdk.JavaMonitorEnter"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.JavaMonitorWait"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.ThreadPark"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
EOF
: >"$OUT/contention.txt"
for mode in plain tls; do
  ssl=()
  [ "$mode" = tls ] && ssl=(--ssl)
  JVM_EXTRA=("-XX:StartFlightRecording=filename=$OUT/threads-2-$mode.jfr,settings=$OUT/contention.jfc,dumponexit=true")
  start_server "jfr-$mode" --threads 2 "${ssl[@]}"
  read -r rps cpu < <(measure "${ssl[@]}")
  [ -n "${cpu:-}" ] || die "no measurement for the $mode recording"
  stop_server
  JVM_EXTRA=()
  events=$(jfr print --events jdk.JavaMonitorEnter,jdk.JavaMonitorWait,jdk.ThreadPark "$OUT/threads-2-$mode.jfr")
  total=$(grep -c '^jdk\.' <<<"$events" || true)
  onLoops=$(grep -c 'eventThread = "http-server-loop-' <<<"$events" || true)
  {
    echo "$mode, --threads 2, $rps requests/s under load: $total monitor-enter/monitor-wait/park events in the"
    echo "  recording, $onLoops of them on a loop thread (http-server-loop-N):"
    # Each event on a loop thread, whole: its time, monitor, notifier and stack.
    awk '/^jdk\./ { buf = $0; next } { buf = buf "\n" $0 } /^}/ { if (buf ~ /eventThread = "http-server-loop-/) print buf }' \
      <<<"$events"
  } | tee -a "$OUT/contention.txt"
done

{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)); load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(java -version 2>&1 | head -1); backend $BACKEND; $ROUNDS rounds of $DURATION s after $WARMUP s of warm-up, http-load --connections $CONNECTIONS, nothing pinned"
} >"$OUT/meta.md"
echo "Wrote $OUT/scaling.tsv, $OUT/contention.txt and $OUT/meta.md"
