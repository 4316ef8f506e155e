#!/usr/bin/env bash
# Side-by-side load and connection-memory run; see bench/README.md.
#
# Starts the http-server example on every usockets backend the examples jar has, and the same toy protocol
# (every request end answered with the hello page) on Netty epoll and NIO, Vert.x NetServer and HttpServer, a JDK
# NIO server and Node's net and http servers. Then:
#   1. throughput: each server over 127.0.0.1, server and client pinned to different cores, rounds interleaved
#      (A B C, A B C, ...), and the server's CPU time per request from /proc. Each round loads every server three
#      ways: wrk, one request in flight per connection (wrk's one core is the ceiling of every fast server); the
#      examples jar's http-load (a usockets client on LOAD_BACKEND, cheaper per response than wrk, so the server's
#      core is the limit), one request in flight; and http-load with PIPELINE requests in flight per connection;
#   2. TLS: the example with --ssl on every backend, Netty with SslHandler on tcnative's BoringSSL and Node's https
#      and tls servers, all with one EC P-256 certificate generated for the run; per round and server, wrk over
#      https and http-load --ssl, unpipelined and pipelined (requests/s), then HANDSHAKE_CLIENTS parallel
#      `openssl s_time -new` (full handshakes/s, and the server's CPU time per handshake from /proc);
#   3. memory: each server alone, fresh, with IDLE idle connections from a client in its own process; heap after
#      a full GC (jcmd GC.class_histogram for the JVMs, V8 heapUsed after gc() for Node) and RSS, before and after.
#   4. with --sweep, instead of 1-3: the send-size sweep. For each response size (SIZES) every sweep server is started
#      with --response-size N (a body of N bytes made once at start), warmed up, and loaded by http-load (one
#      request in flight per connection) in interleaved rounds, plain and then over TLS; requests per second and
#      the server's CPU time per request at each size.
# Every server answers each request end (\r\n\r\n) once, so pipelined requests each get their response.
# Writes throughput.tsv, http-load-throughput.tsv, pipelined-throughput.tsv and their tls- twins, handshakes.tsv,
# memory.tsv, meta.md, results.md and PNG charts into the output directory (with --sweep: sizes.tsv, tls-sizes.tsv,
# meta.md, results.md and the sweep's four charts).
#
# Usage: bench/run.sh [--rounds N] [--duration SECONDS] [--warmup SECONDS] [--connections N] [--idle N]
#                     [--servers "a b c"] [--tls-servers "a b c"] [--handshake-clients N] [--out DIR]
#                     [--pipeline N] [--skip-http-load] [--skip-memory] [--skip-throughput] [--skip-tls]
#                     [--sweep] [--sizes "16 128 ..."]
#   --pipeline N: requests in flight per connection in the pipelined measurement (default 16, as in the
#                 TechEmpower plaintext test); 0 skips it.
#   --skip-http-load: measure with wrk only.
#   --sweep: run the send-size sweep only (plain, then TLS unless --skip-tls); its servers default to usockets on
#            native, nio and vertx-epoll, Netty epoll, Vert.x NetServer and Node net (TLS: the same with Netty's
#            SslHandler on tcnative, Vert.x's OpenSSL engine and Node tls); --servers and --tls-servers replace them.
#   --sizes: the sweep's response sizes in bytes (default: 16 128 1024 8192 65536 524288).
# Server names for --servers: usockets-BACKEND (the http-server example), usockets-io_uring-poll (io_uring reading
# by readiness, -Dusockets.uring.reads=poll), usockets-io_uring-syscall-writes (io_uring writing by send system calls,
# -Dusockets.uring.sendChunks=0), netty-epoll, netty-io_uring, netty-nio, vertx-net, vertx-http, jdk-nio,
# node-net, node-http; for --tls-servers the same with -tls (usockets-BACKEND-tls), node-https and node-tls.
# Environment: JAVA_OPTS (server JVM flags), SERVER_CPU and CLIENT_CPU (taskset lists), BASE_PORT, LOAD_BACKEND
# (http-load's backend; default native, else nio), LOAD_WARMUP (seconds http-load runs before measuring; default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES_JAR=$ROOT/examples/target/usockets-examples.jar
BENCH_JAR=$ROOT/bench/target/benchmarks.jar

ROUNDS=3
DURATION=5
WARMUP=3
CONNECTIONS=100
PIPELINE=16
IDLE=10000
OUT=$ROOT/bench/results
SERVERS=""
TLS_SERVERS=""
HANDSHAKE_CLIENTS=2
DO_THROUGHPUT=1
DO_TLS=1
DO_MEMORY=1
DO_HTTP_LOAD=1
DO_SWEEP=0
SIZES="16 128 1024 8192 65536 524288"
RESPONSE_SIZE=""
LOAD_WARMUP=${LOAD_WARMUP:-2}
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
    --pipeline) PIPELINE=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --tls-servers) TLS_SERVERS=$2; shift 2 ;;
    --handshake-clients) HANDSHAKE_CLIENTS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --skip-memory) DO_MEMORY=0; shift ;;
    --skip-throughput) DO_THROUGHPUT=0; shift ;;
    --skip-tls) DO_TLS=0; shift ;;
    --skip-http-load) DO_HTTP_LOAD=0; shift ;;
    --sweep) DO_SWEEP=1; shift ;;
    --sizes) SIZES=$2; shift 2 ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }

[ "$ROUNDS" -ge 3 ] 2>/dev/null || die "--rounds $ROUNDS: at least 3 rounds are needed for a median worth quoting"
[ "$DURATION" -ge 1 ] 2>/dev/null || die "--duration $DURATION: expected whole seconds >= 1"
[ "$PIPELINE" -ge 0 ] 2>/dev/null || die "--pipeline $PIPELINE: expected a count of requests >= 0 (0: no pipelined run)"
[ "$DO_HTTP_LOAD" = 1 ] || PIPELINE=0
for size in $SIZES; do
  [ "$size" -ge 0 ] 2>/dev/null || die "--sizes: '$size' is not a size in bytes"
done
if [ "$DO_SWEEP" = 1 ]; then
  # The sweep replaces the other measurements and needs http-load.
  DO_THROUGHPUT=0
  DO_MEMORY=0
  DO_HTTP_LOAD=1
fi
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
if [ -z "${LOAD_BACKEND:-}" ]; then
  case " $BACKENDS " in *" native "*) LOAD_BACKEND=native ;; *) LOAD_BACKEND=nio ;; esac
fi
if [ "$DO_SWEEP" = 1 ]; then
  # The sweep's usockets backends: native, nio and vertx-epoll, those of them the jar has.
  SWEEP_BACKENDS=""
  for b in native nio vertx-epoll; do
    case " $BACKENDS " in *" $b "*) SWEEP_BACKENDS="$SWEEP_BACKENDS $b" ;; esac
  done
  if [ -z "$SERVERS" ]; then
    for b in $SWEEP_BACKENDS; do SERVERS="$SERVERS usockets-$b"; done
    SERVERS="$SERVERS netty-epoll vertx-net node-net"
  fi
  if [ -z "$TLS_SERVERS" ]; then
    for b in $SWEEP_BACKENDS; do TLS_SERVERS="$TLS_SERVERS usockets-$b-tls"; done
    TLS_SERVERS="$TLS_SERVERS netty-epoll-tls vertx-net-tls node-tls"
  fi
fi
if [ -z "$SERVERS" ]; then
  for b in $BACKENDS; do SERVERS="$SERVERS usockets-$b"; done
  SERVERS="$SERVERS netty-epoll netty-io_uring netty-nio vertx-net vertx-http jdk-nio node-net node-http"
fi
echo "Servers: $SERVERS"
if [ -z "$TLS_SERVERS" ]; then
  for b in $BACKENDS; do TLS_SERVERS="$TLS_SERVERS usockets-$b-tls"; done
  TLS_SERVERS="$TLS_SERVERS netty-epoll-tls netty-io_uring-tls vertx-net-tls node-https node-tls"
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
    # io_uring's readiness route (a multishot poll and a recv per arrival), to measure against its RECV completions.
    usockets-io_uring-poll) echo "java $JAVA_OPTS -Dusockets.uring.reads=poll -jar $EXAMPLES_JAR http-server --host 127.0.0.1 --port $port --backend io_uring" ;;
    usockets-io_uring-syscall-writes) echo "java $JAVA_OPTS -Dusockets.uring.sendChunks=0 -jar $EXAMPLES_JAR http-server --host 127.0.0.1 --port $port --backend io_uring" ;;
    usockets-*) echo "java $JAVA_OPTS -jar $EXAMPLES_JAR http-server --host 127.0.0.1 --port $port --backend ${name#usockets-}" ;;
    node-net) echo "node --expose-gc $ROOT/bench/node/hello-net.js --host 127.0.0.1 --port $port" ;;
    node-http) echo "node --expose-gc $ROOT/bench/node/hello-http.js --host 127.0.0.1 --port $port" ;;
    node-https) echo "node --expose-gc $ROOT/bench/node/hello-https.js --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    node-tls) echo "node --expose-gc $ROOT/bench/node/hello-tls.js --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    *-tls) echo "java $JAVA_OPTS -cp $BENCH_JAR io.usockets.bench.servers.HelloServers $name --host 127.0.0.1 --port $port --cert $CERT --key $KEY" ;;
    *) echo "java $JAVA_OPTS -cp $BENCH_JAR io.usockets.bench.servers.HelloServers $name --host 127.0.0.1 --port $port" ;;
  esac
}

# Starts a server pinned to SERVER_CPU and waits for its "Listening on port N" line. With RESPONSE_SIZE set, the
# server answers every request with a body of that many bytes.
start_server() {
  local name=$1 port=$2 log=$WORK/$1.log
  # shellcheck disable=SC2046
  taskset -c "$SERVER_CPU" $(server_command "$name" "$port") ${RESPONSE_SIZE:+--response-size $RESPONSE_SIZE} \
    >"$log" 2>&1 &
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

# A load pinned to CLIENT_CPU; prints "requests_per_second errors". The third argument is the scheme (default
# http), the fourth the client: wrk (default), http-load (one request in flight per connection) or pipelined
# (http-load with PIPELINE in flight). A fifth, a process id, has the server's CPU time over the measured seconds
# printed as third and fourth fields, total and user space, in microseconds (http-load warms up first and says on
# standard error when its measurement starts).
run_load() {
  local port=$1 seconds=$2 scheme=${3:-http} client=${4:-wrk} pid=${5:-} out pipeline=1 tls=() cpu0="" cpu1=""
  if [ "$client" != wrk ]; then
    [ "$client" = pipelined ] && pipeline=$PIPELINE
    [ "$scheme" = https ] && tls=(--ssl)
    local log=$WORK/http-load.log
    taskset -c "$CLIENT_CPU" java -Xms256m -Xmx256m -jar "$EXAMPLES_JAR" http-load --host 127.0.0.1 \
      --port "$port" --connections "$CONNECTIONS" --pipeline "$pipeline" --duration "$seconds" \
      --warmup "$LOAD_WARMUP" --backend "$LOAD_BACKEND" "${tls[@]}" >"$log" 2>&1 &
    local client_pid=$!
    while kill -0 "$client_pid" 2>/dev/null && ! grep -q 'warm-up over' "$log"; do sleep 0.02; done
    [ -n "$pid" ] && cpu0=$(cpu_us "$pid")
    wait "$client_pid" || true
    [ -n "$pid" ] && cpu1=$(cpu_diff $cpu0 $(cpu_us "$pid"))
    local rps errors
    rps=$(awk '/^requests\/s:/ {print $2}' "$log")
    errors=$(awk '/^errors:/ {print $2}' "$log")
    if [ -z "$rps" ]; then
      echo "run.sh: http-load against port $port printed no result:" >&2
      cat "$log" >&2
    fi
    echo "${rps:-0} ${errors:-0}${cpu1:+ $cpu1}"
    return
  fi
  [ -n "$pid" ] && cpu0=$(cpu_us "$pid")
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" "$scheme://127.0.0.1:$port/")
  [ -n "$pid" ] && cpu1=$(cpu_diff $cpu0 $(cpu_us "$pid"))
  local rps errors non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
  errors=$(echo "$out" | awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}')
  non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $5}')
  echo "${rps:-0} $(( ${errors:-0} + ${non2xx:-0} ))${cpu1:+ $cpu1}"
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

# CPU time a process has used, in microseconds: "total user" (total = user + system).
cpu_us() {
  local user system
  read -r user system < <(awk '{print $14, $15}' "/proc/$1/stat")
  echo "$(( (user + system) * 1000000 / $(getconf CLK_TCK) )) $(( user * 1000000 / $(getconf CLK_TCK) ))"
}

# The difference of two cpu_us readings: "total user".
cpu_diff() {
  echo "$(( $3 - $1 )) $(( $4 - $2 ))"
}

# Full TLS handshakes: HANDSHAKE_CLIENTS `openssl s_time -new` processes pinned to CLIENT_CPU for SECONDS, each
# connecting, completing a handshake without session resumption and closing, over and over. Prints
# "handshakes_per_second errors server_cpu_us_per_handshake server_user_us_per_handshake" (errors: s_time's ERROR
# lines; the server's CPU time is taken over the same interval).
run_handshakes() {
  local port=$1 seconds=$2 pid=$3 i start end cpu0 cpu user total errors pids=""
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
  read -r cpu user < <(cpu_diff $cpu0 $(cpu_us "$pid"))
  total=$(cat "$WORK"/s_time.* | awk '/connections in .* real seconds/ {n += $1} END {print n + 0}')
  errors=$(cat "$WORK"/s_time.* | grep -c '^ERROR' || true)
  rm -f "$WORK"/s_time.*
  awk -v n="$total" -v e="$errors" -v ns=$((end - start)) -v cpu="$cpu" -v user="$user" \
    'BEGIN {printf "%.1f %d %.1f %.1f\n", n / (ns / 1e9), e, (n > 0 ? cpu / n : 0), (n > 0 ? user / n : 0)}'
}

# run_load with the server's CPU time over the measured seconds; prints
# "requests_per_second errors server_cpu_us_per_request server_user_us_per_request". The fourth argument is the
# scheme, the fifth the client.
run_load_cpu() {
  local port=$1 seconds=$2 pid=$3 scheme=$4 client=${5:-wrk} rps errors cpu user
  read -r rps errors cpu user < <(run_load "$port" "$seconds" "$scheme" "$client" "$pid")
  awk -v r="$rps" -v e="$errors" -v s="$seconds" -v cpu="${cpu:-0}" -v user="${user:-0}" \
    'BEGIN {printf "%s %d %.3f %.3f\n", r, e, (r > 0 ? cpu / (r * s) : 0), (r > 0 ? user / (r * s) : 0)}'
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
open_fds() { ls "/proc/$1/fd" | wc -l; }

{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), servers on CPU $SERVER_CPU, clients on CPU $CLIENT_CPU; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(java -version 2>&1 | head -1); server JVM flags: \`$JAVA_OPTS\`; Node $(node -v); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  if [ "$DO_SWEEP" = 1 ]; then
    echo "- send-size sweep: response bodies of $SIZES bytes; at each size every server is started afresh with --response-size, warmed up for ${WARMUP} s, then $ROUNDS interleaved rounds of ${DURATION} s of http-load --backend $LOAD_BACKEND --connections $CONNECTIONS (one request in flight per connection, after ${LOAD_WARMUP} s of its own warm-up)"
    echo "- servers: $SERVERS"
    if [ "$DO_TLS" = 1 ]; then
      echo "- TLS: the same with http-load --ssl; one EC P-256 self-signed certificate for every server"
      echo "- TLS servers: $TLS_SERVERS"
    fi
  else
    echo "- throughput: $ROUNDS rounds of ${DURATION} s per server and client, interleaved, after ${WARMUP} s of warm-up each; clients: wrk -t1 -c$CONNECTIONS$([ "$DO_HTTP_LOAD" = 1 ] && echo "; http-load --backend $LOAD_BACKEND --connections $CONNECTIONS --warmup $LOAD_WARMUP (pipeline 1$([ "$PIPELINE" -gt 0 ] && echo " and $PIPELINE"))")"
    echo "- memory: $IDLE idle connections from a separate client process"
    echo "- servers: $SERVERS"
    if [ "$DO_TLS" = 1 ]; then
      echo "- TLS: $(openssl version | cut -d' ' -f1-2) for the certificate and s_time; one EC P-256 self-signed certificate for every server; per round and server the same clients over https for ${DURATION} s each (http-load with --ssl), then $HANDSHAKE_CLIENTS \`openssl s_time -new\` for ${DURATION} s (full handshakes, no resumption; all clients on CPU $CLIENT_CPU)"
      echo "- TLS servers: $TLS_SERVERS"
    fi
  fi
} >"$OUT/meta.md"

# The clients of the throughput runs and the file suffix of each ("" for wrk).
CLIENTS="wrk"
[ "$DO_HTTP_LOAD" = 1 ] && CLIENTS="$CLIENTS http-load"
[ "$PIPELINE" -gt 0 ] && CLIENTS="$CLIENTS pipelined"
client_file() {
  case "$2" in
    wrk) echo "$OUT/$1throughput.tsv" ;;
    http-load) echo "$OUT/$1http-load-throughput.tsv" ;;
    pipelined) echo "$OUT/$1pipelined-throughput.tsv" ;;
  esac
}
client_label() {
  case "$1" in
    wrk) echo "wrk" ;;
    http-load) echo "http-load" ;;
    pipelined) echo "http-load, $PIPELINE pipelined" ;;
  esac
}

if [ "$DO_THROUGHPUT" = 1 ]; then
  for client in $CLIENTS; do
    echo -e "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request" >"$(client_file "" "$client")"
  done
  port=$BASE_PORT
  STARTED=""
  for name in $SERVERS; do
    if start_server "$name" "$port"; then STARTED="$STARTED $name"; fi
    port=$((port + 1))
  done
  for name in $STARTED; do
    echo "warm-up: $name"
    run_load "${PORT[$name]}" "$WARMUP" >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    for name in $STARTED; do
      for client in $CLIENTS; do
        read -r rps errors cpu user < <(run_load_cpu "${PORT[$name]}" "$DURATION" "${PID[$name]}" http "$client")
        echo "round $round: $name $rps requests/s ($(client_label "$client"); $errors errors), server CPU $cpu us per request ($user in user space)"
        echo -e "$round\t$name\t$rps\t$errors\t$cpu\t$user" >>"$(client_file "" "$client")"
      done
    done
  done
  for name in $STARTED; do stop_server "$name"; done
fi

if [ "$DO_TLS" = 1 ] && [ "$DO_SWEEP" = 0 ]; then
  for client in $CLIENTS; do
    echo -e "# round\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request" >"$(client_file tls- "$client")"
  done
  echo -e "# round\tserver\thandshakes_per_second\terrors\tserver_cpu_us_per_handshake\tserver_user_us_per_handshake" >"$OUT/handshakes.tsv"
  port=$((BASE_PORT + 50))
  STARTED=""
  for name in $TLS_SERVERS; do
    if start_server "$name" "$port"; then STARTED="$STARTED $name"; fi
    port=$((port + 1))
  done
  for name in $STARTED; do
    echo "warm-up: $name"
    run_load "${PORT[$name]}" "$WARMUP" https >/dev/null
    run_handshakes "${PORT[$name]}" 1 "${PID[$name]}" >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    for name in $STARTED; do
      for client in $CLIENTS; do
        read -r rps errors cpu user < <(run_load_cpu "${PORT[$name]}" "$DURATION" "${PID[$name]}" https "$client")
        echo "round $round: $name $rps requests/s over TLS ($(client_label "$client"); $errors errors), server CPU $cpu us per request ($user in user space)"
        echo -e "$round\t$name\t$rps\t$errors\t$cpu\t$user" >>"$(client_file tls- "$client")"
      done
      read -r hs errors cpu user < <(run_handshakes "${PORT[$name]}" "$DURATION" "${PID[$name]}")
      echo "round $round: $name $hs full handshakes/s ($errors errors), server CPU $cpu us per handshake ($user in user space)"
      echo -e "$round\t$name\t$hs\t$errors\t$cpu\t$user" >>"$OUT/handshakes.tsv"
    done
  done
  for name in $STARTED; do stop_server "$name"; done
fi

# The send-size sweep of one mode: sweep FILE SCHEME FIRST_PORT SERVERS...; rows of size, round, server,
# requests/s, errors, server CPU µs per request and the user-space part.
sweep() {
  local file=$1 scheme=$2 first_port=$3 size round name port rps errors cpu user
  shift 3
  echo -e "# size\tround\tserver\trequests_per_second\terrors\tserver_cpu_us_per_request\tserver_user_us_per_request" >"$file"
  for size in $SIZES; do
    RESPONSE_SIZE=$size
    port=$first_port
    STARTED=""
    for name in "$@"; do
      if start_server "$name" "$port"; then STARTED="$STARTED $name"; fi
      port=$((port + 1))
    done
    for name in $STARTED; do
      echo "warm-up: $name, $size-byte responses"
      run_load "${PORT[$name]}" "$WARMUP" "$scheme" http-load >/dev/null
    done
    for round in $(seq 1 "$ROUNDS"); do
      for name in $STARTED; do
        read -r rps errors cpu user < <(run_load_cpu "${PORT[$name]}" "$DURATION" "${PID[$name]}" "$scheme" http-load)
        echo "size $size, round $round: $name $rps requests/s ($scheme; $errors errors), server CPU $cpu us per request ($user in user space)"
        echo -e "$size\t$round\t$name\t$rps\t$errors\t$cpu\t$user" >>"$file"
      done
    done
    for name in $STARTED; do stop_server "$name"; done
  done
  RESPONSE_SIZE=""
}

if [ "$DO_SWEEP" = 1 ]; then
  # shellcheck disable=SC2086
  sweep "$OUT/sizes.tsv" http "$BASE_PORT" $SERVERS
  if [ "$DO_TLS" = 1 ]; then
    # shellcheck disable=SC2086
    sweep "$OUT/tls-sizes.tsv" https "$((BASE_PORT + 50))" $TLS_SERVERS
  fi
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
