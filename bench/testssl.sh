#!/usr/bin/env bash
# Scans the http-server example's default TLS configuration (--ssl: a fresh self-signed certificate for localhost,
# 127.0.0.1 and ::1; the default cipher list) with testssl.sh: protocols (-p), standard cipher categories (-s) and
# vulnerabilities (-U). Writes the scan and the command to bench/results/testssl/. Needs the testssl.sh package
# (apt-get install testssl.sh) and the examples jar (mvn -B -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/testssl
mkdir -p "$out"
port=${PORT:-18443}
backend=${BACKEND:-native}
java -jar examples/target/usockets-examples.jar http-server --ssl --port "$port" --host 127.0.0.1 \
  --backend "$backend" > "$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
command=(testssl -p -s -U --color 0 --warnings off --quiet "127.0.0.1:$port")
echo "${command[*]}   # against: java -jar examples/target/usockets-examples.jar http-server --ssl --port $port --host 127.0.0.1 --backend $backend" > "$out/command.txt"
testssl --version 2>/dev/null | grep -m1 -i 'testssl' | sed 's/\x1b\[[0-9;]*m//g' >> "$out/command.txt" || true
"${command[@]}" > "$out/scan.txt" 2>&1 || true
# The certificate alone (server defaults, -S): what the self-signed certificate causes.
certificate=(testssl -S --color 0 --warnings off --quiet "127.0.0.1:$port")
echo "${certificate[*]}" >> "$out/command.txt"
"${certificate[@]}" > "$out/scan-certificate.txt" 2>&1 || true
echo "scan written to $out/scan.txt"
