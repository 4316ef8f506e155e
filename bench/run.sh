#!/usr/bin/env bash
# Side-by-side load and connection-memory run; see bench/README.md.
#
# Starts the http-server example on every usockets backend the examples jar has, and the same toy protocol
# (every data chunk answered with the hello page) on Netty epoll and NIO, Vert.x NetServer and HttpServer, a JDK
# NIO server and Node's net and http servers. Then:
#   1. throughput: wrk against each server over 127.0.0.1, server and wrk pinned to different cores, rounds
#      interleaved (A B C, A B C, ...), and the server's CPU time per request from /proc;
#   2. TLS: the example with --ssl on every backend, Netty with SslHandler on tcnative's BoringSSL and Node's https
#      and tls servers, all with one EC P-256 certificate generated for the run; per round and server, wrk over
#      https (requests/s), then HANDSHAKE_CLIENTS parallel `openssl s_time -new` (full handshakes/s, and the
#      server's CPU time per handshake from /proc);
#   3. memory: each server alone, fresh, with IDLE idle connections from a client in its own process; heap after
#      a full GC (jcmd GC.class_histogram for the JVMs, V8 heapUsed after gc() for Node) and RSS, before and after.
# Writes throughput.tsv, tls-throughput.tsv, handshakes.tsv, memory.tsv, meta.md, results.md and PNG charts into
# the output directory.
#
# Usage: bench/run.sh [--rounds N] [--duration SECONDS] [--warmup SECONDS] [--connections N] [--idle N]
#                     [--servers "a b c"] [--tls-servers "a b c"] [--handshake-clients N] [--out DIR]
#                     [--skip-memory] [--skip-throughput] [--skip-tls]
# Environment: JAVA_OPTS (server JVM flags), SERVER_CPU and CLIENT_CPU (taskset lists), BASE_PORT.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES_JAR=$ROOT/examples/target/usockets-examples.jar
BENCH_JAR=$ROOT/bench/target/benchmarks.jar

ROUNDS=3
DURATION=5
WARMUP=3
CONNECTIONS=100
IDLE=10000
OUT=$ROOT/bench/results
SERVERS=""
TLS_SERVERS=""
HANDSHAKE_CLIENTS=2
DO_THROUGHPUT=1
DO_TLS=1
DO_MEMORY=1
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18080}
JAVA_OPTS=${JAVA_OPTS:--Xms512m -Xmx512m}

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --tls-servers) TLS_SERVERS=$2; shift 2 ;;
    --handshake-clients) HANDSHAKE_CLIENTS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --skip-memory) DO_MEMORY=0; shift ;;
    --skip-throughput) DO_THROUGHPUT=0; shift ;;
    --skip-tls) DO_TLS=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }

[ "$ROUNDS" -ge 3 ] 2>/dev/null || die "--rounds $ROUNDS: at least 3 rounds are needed for a median worth quoting"
[ "$DURATION" -ge 1 ] 2>/dev/null || die "--duration $DURATION: expected whole seconds >= 1"
command -v wrk >/dev/null || die "wrk is missing; install it with: apt-get update && apt-get install -y wrk"
command -v node >/dev/null || die "node is missing; Node.js 18+ is needed for the node-net and node-http servers"
command -v taskset >/dev/null || die "taskset is missing (util-linux)"
command -v jcmd >/dev/null || die "jcmd is missing; run with a full JDK"
[ "$HANDSHAKE_CLIENTS" -ge 1 ] 2>/dev/null || die "--handshake-clients $HANDSHAKE_CLIENTS: expected a count >= 1"
if [ "$DO_TLS" = 1 ]; then
  command -v openssl >/dev/null || die "openssl is missing; the TLS run needs it (certificate, s_time), or pass --skip-tls"
fi
if [ ! -f "$EXAMPLES_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  echo "Building the examples and bench jars..."
  (cd "$ROOT" && mvn -B -q -DskipTests package -pl examples,bench -am) || die "the build failed"
fi

# Descriptors: the memory run's server and client each hold IDLE connections.
HARD=$(ulimit -Hn)
if [ "$HARD" != "unlimited" ] && [ "$HARD" -lt $((IDLE + 200)) ]; then
  die "the hard descriptor limit is $HARD; --idle $IDLE needs at least $((IDLE + 200))"
fi
ulimit -n "$HARD"

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/usockets-bench.XXXXXX)
declare -A PID PORT
cleanup() {
  for name in "${!PID[@]}"; do
    kill -TERM "${PID[$name]}" 2>/dev/null || true
  done
  [ -n "${CLIENT_PID:-}" ] && kill -KILL "$CLIENT_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The usockets backends: asking the examples jar for one that does not exist lists those that do.
probe=$(java -jar "$EXAMPLES_JAR" http-server --port 0 --backend no-such-backend 2>&1 || true)
BACKENDS=$(echo "$probe" | sed -n 's/.*expected one of //p' | tr -d ',')
[ -n "$BACKENDS" ] || die "could not list the backends of $EXAMPLES_JAR; it answered: $probe"
if [ -z "$SERVERS" ]; then
  for b in $BACKENDS; do SERVERS="$SERVERS usockets-$b"; done
  SERVERS="$SERVERS netty-epoll netty-nio vertx-net vertx-http jdk-nio node-net node-http"
fi
echo "Servers: $SERVERS"
if [ -z "$TLS_SERVERS" ]; then
  for b in $BACKENDS; do TLS_SERVERS="$TLS_SERVERS usockets-$b-tls"; done
  TLS_SERVERS="$TLS_SERVERS netty-epoll-tls node-https node-tls"
fi
[ "$DO_TLS" = 1 ] && echo "TLS servers: $TLS_SERVERS"

# One throw-away certificate for every TLS server of the run (EC P-256, self-signed, for localhost and 127.0.0.1);
# it lives in the run's temporary directory and is deleted with it.
CERT=$WORK/cert.pem
KEY=$WORK/key.pem
if [ "$DO_TLS" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$KEY" -out "$CERT" >"$WORK/openssl.log" 2>&1 \
    || { cat "$WORK/openssl.log" >&2; die "openssl could not make the run's certificate"; }
fi

# The command line of a server on a port.
server_command() {
  local name=$1 port=$2
  case "$name" in
    usockets-*-tls)
      local backend=${name#usockets-}
      echo "java $JAVA_OPTS -jar $EXAMPLES_JAR http-server --host 127.0.0.1 --port $port --backend ${backend%-tls} --cert $CERT --key $KEY" ;;
    usockets-*) echo "java $JAVA_OPTS -jar $EXAMPLES_JAR http-server --host 127.0.0.1 --port $port --backend ${name#usockets-}" ;;
    node-net) echo "node --expose-gc $ROOT/bench/node/hello-net.js --host 127.0.0.1 --port $port" ;;
    node-http) echo "node --expose-gc $ROOT/bench/node/hello-http.js --host 127.0.0.1 --port $port" ;;
    node-https) echo "node --expose-gc $ROOT/bench/node/hello-https.js --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    node-tls) echo "node --expose-gc $ROOT/bench/node/hello-tls.js --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    *-tls) echo "java $JAVA_OPTS -cp $BENCH_JAR io.usockets.bench.servers.HelloServers $name --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    *) echo "java $JAVA_OPTS -cp $BENCH_JAR io.usockets.bench.servers.HelloServers $name --host 127.0.0.1 --port $port" ;;
  esac
}

# Starts a server pinned to SERVER_CPU and waits for its "Listening on port N" line.
start_server() {
  local name=$1 port=$2 log=$WORK/$1.log
  # shellcheck disable=SC2046
  taskset -c "$SERVER_CPU" $(server_command "$name" "$port") >"$log" 2>&1 &
  PID[$name]=$!
  PORT[$name]=$port
  for _ in $(seq 1 300); do
    if grep -q "^Listening on port $port\$" "$log"; then return 0; fi
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "run.sh: $name did not start; its output:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  local name=$1 pid=${PID[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$name]"
}

# wrk pinned to CLIENT_CPU; prints "requests_per_second errors". The third argument is the scheme (default http).
run_wrk() {
  local port=$1 seconds=$2 scheme=${3:-http} out
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" "$scheme://127.0.0.1:$port/")
  local rps errors non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  errors=$(echo "$out" | awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}')
  non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $5}')
  echo "${rps:-0} $(( ${errors:-0} + ${non2xx:-0} ))"
}

# Live heap bytes after a full GC.
heap_bytes() {
  local name=$1 pid=${PID[$1]} log=$WORK/$1.log
  case "$name" in
    node-*)
      local before
      before=$(grep -c '^memory ' "$log" || true)
      kill -USR2 "$pid"
      for _ in $(seq 1 100); do
        [ "$(grep -c '^memory ' "$log" || true)" -gt "$before" ] && break
        sleep 0.1
      done
      grep '^memory ' "$log" | tail -1 | sed 's/.*heapUsed=\([0-9]*\).*/\1/'
      ;;
    *)
      jcmd "$pid" GC.run >/dev/null
      jcmd "$pid" GC.class_histogram | awk '/^Total/ {print $3}'
      ;;
  esac
}

# CPU time (user + system) a process has used, in microseconds.
cpu_us() {
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
  echo $(( ticks * 1000000 / $(getconf CLK_TCK) ))
}

# Full TLS handshakes: HANDSHAKE_CLIENTS `openssl s_time -new` processes pinned to CLIENT_CPU for SECONDS, each
# connecting, completing a handshake without session resumption and closing, over and over. Prints
# "handshakes_per_second errors server_cpu_us_per_handshake" (errors: s_time's ERROR lines; the server's CPU time
# is taken over the same interval).
run_handshakes() {
  local port=$1 seconds=$2 pid=$3 i start end cpu0 cpu1 total errors pids=""
  cpu0=$(cpu_us "$pid")
  start=$(date +%s%N)
  for i in $(seq 1 "$HANDSHAKE_CLIENTS"); do
    taskset -c "$CLIENT_CPU" openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" \
      >"$WORK/s_time.$i" 2>&1 &
    pids="$pids $!"
  done
  # shellcheck disable=SC2086
  wait $pids || true
  end=$(date +%s%N)
  cpu1=$(cpu_us "$pid")
  total=$(cat "$WORK"/s_time.* | awk '/connections in .* real seconds/ {n += $1} END {print n + 0}')
  errors=$(cat "$WORK"/s_time.* | grep -c '^ERROR' || true)
  rm -f "$WORK"/s_time.*
  awk -v n="$total" -v e="$errors" -v ns=$((end - start)) -v cpu=$((cpu1 - cpu0)) \
    'BEGIN {printf "%.1f %d %.1f\n", n / (ns / 1e9), e, (n > 0 ? cpu / n : 0)}'
}

# run_wrk with the server's CPU time over the same interval; prints
# "requests_per_second errors server_cpu_us_per_request". The fourth argument is the scheme.
run_wrk_cpu() {
  local port=$1 seconds=$2 pid=$3 scheme=$4 cpu0 cpu1 rps errors
  cpu0=$(cpu_us "$pid")
  read -r rps errors < <(run_wrk "$port" "$seconds" "$scheme")
  cpu1=$(cpu_us "$pid")
  awk -v r="$rps" -v e="$errors" -v s="$seconds" -v cpu=$((cpu1 - cpu0)) \
    'BEGIN {printf "%s %d %.2f\n", r, e, (r > 0 ? cpu / (r * s) : 0)}'
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
open_fds() { ls "/proc/$1/fd" | wc -l; }

{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(java -version 2>&1 | head -1); server JVM flags: \`$JAVA_OPTS\`; Node $(node -v); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "- throughput: $ROUNDS rounds of ${DURATION} s per server, interleaved, after ${WARMUP} s of warm-up each; wrk -t1 -c$CONNECTIONS"
  echo "- memory: $IDLE idle connections from a separate client process"
  echo "- servers: $SERVERS"
  if [ "$DO_TLS" = 1 ]; then
    echo "- TLS: $(openssl version | cut -d' ' -f1-2) for the certificate and s_time; one EC P-256 self-signed certificate for every server; per round and server wrk -t1 -c$CONNECTIONS over https for ${DURATION} s, then $HANDSHAKE_CLIENTS \`openssl s_time -new\` for ${DURATION} s (full handshakes, no resumption; all clients on CPU $CLIENT_CPU)"
    echo "- TLS servers: $TLS_SERVERS"
  fi
} >"$OUT/meta.md"

if [ "$DO_THROUGHPUT" = 1 ]; then
  echo -e "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request" >"$OUT/throughput.tsv"
  port=$BASE_PORT
  STARTED=""
  for name in $SERVERS; do
    if start_server "$name" "$port"; then STARTED="$STARTED $name"; fi
    port=$((port + 1))
  done
  for name in $STARTED; do
    echo "warm-up: $name"
    run_wrk "${PORT[$name]}" "$WARMUP" >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    for name in $STARTED; do
      read -r rps errors cpu < <(run_wrk_cpu "${PORT[$name]}" "$DURATION" "${PID[$name]}" http)
      echo "round $round: $name $rps requests/s ($errors errors), server CPU $cpu us per request"
      echo -e "$round\t$name\t$rps\t$errors\t$cpu" >>"$OUT/throughput.tsv"
    done
  done
  for name in $STARTED; do stop_server "$name"; done
fi

if [ "$DO_TLS" = 1 ]; then
  echo -e "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request" >"$OUT/tls-throughput.tsv"
  echo -e "# round\tserver\thandshakes_per_second\terrors\tserver_cpu_us_per_handshake" >"$OUT/handshakes.tsv"
  port=$((BASE_PORT + 50))
  STARTED=""
  for name in $TLS_SERVERS; do
    if start_server "$name" "$port"; then STARTED="$STARTED $name"; fi
    port=$((port + 1))
  done
  for name in $STARTED; do
    echo "warm-up: $name"
    run_wrk "${PORT[$name]}" "$WARMUP" https >/dev/null
    run_handshakes "${PORT[$name]}" 1 "${PID[$name]}" >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    for name in $STARTED; do
      read -r rps errors cpu < <(run_wrk_cpu "${PORT[$name]}" "$DURATION" "${PID[$name]}" https)
      echo "round $round: $name $rps requests/s over TLS ($errors errors), server CPU $cpu us per request"
      echo -e "$round\t$name\t$rps\t$errors\t$cpu" >>"$OUT/tls-throughput.tsv"
      read -r hs errors cpu < <(run_handshakes "${PORT[$name]}" "$DURATION" "${PID[$name]}")
      echo "round $round: $name $hs full handshakes/s ($errors errors), server CPU $cpu us per handshake"
      echo -e "$round\t$name\t$hs\t$errors\t$cpu" >>"$OUT/handshakes.tsv"
    done
  done
  for name in $STARTED; do stop_server "$name"; done
fi

if [ "$DO_MEMORY" = 1 ]; then
  echo -e "# server\tconnections\theap_before\theap_after\trss_before_kib\trss_after_kib" >"$OUT/memory.tsv"
  port=$((BASE_PORT + 100))
  for name in $SERVERS; do
    port=$((port + 1))
    start_server "$name" "$port" || continue
    pid=${PID[$name]}
    sleep 1
    heap0=$(heap_bytes "$name")
    rss0=$(rss_kib "$pid")
    fds0=$(open_fds "$pid")
    # shellcheck disable=SC2086
    taskset -c "$CLIENT_CPU" java -Xmx256m -cp "$BENCH_JAR" io.usockets.bench.load.IdleClient \
      --host 127.0.0.1 --port "$port" --connections "$IDLE" >"$WORK/client.log" 2>&1 &
    CLIENT_PID=$!
    ok=0
    for _ in $(seq 1 1200); do
      if [ "$(open_fds "$pid")" -ge $((fds0 + IDLE)) ] && grep -q '^Connected' "$WORK/client.log"; then ok=1; break; fi
      kill -0 "$CLIENT_PID" 2>/dev/null || break
      sleep 0.1
    done
    if [ "$ok" = 1 ]; then
      sleep 1
      heap1=$(heap_bytes "$name")
      rss1=$(rss_kib "$pid")
      echo "memory: $name heap $heap0 -> $heap1 bytes, RSS $rss0 -> $rss1 KiB for $IDLE connections"
      echo -e "$name\t$IDLE\t$heap0\t$heap1\t$rss0\t$rss1" >>"$OUT/memory.tsv"
    else
      echo "run.sh: $name did not reach $IDLE connections (open descriptors: $(open_fds "$pid")); client said:" >&2
      cat "$WORK/client.log" >&2
    fi
    kill -KILL "$CLIENT_PID" 2>/dev/null || true
    wait "$CLIENT_PID" 2>/dev/null || true
    CLIENT_PID=""
    stop_server "$name"
  done
fi

java -cp "$BENCH_JAR" io.usockets.bench.load.Report "$OUT"
