#!/usr/bin/env bash
# HTTP load benchmark: `tools/call echo` against examples/hello (mcp-kit), a hand-written rmcp
# server and a raw axum handler, in one run. Each server is pinned to core 0 and wrk to core 1.
# Each measurement follows a warm-up and is repeated ROUNDS times, servers interleaved; the
# median round is reported. Prints requests/s, p99 latency, server CPU per request, and ratios.
#
#   bash benches/http.sh [SECONDS] [ROUNDS]     (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
cargo build --release --quiet -p hello -p mcp-kit-benches
bin=target/release

source benches/load.sh

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
MCP_KIT_REQUIRE_AUTH=false taskset -c 0 "$bin/hello" serve --port 18801 2>/dev/null & pids+=($!); hello=$!
taskset -c 0 "$bin/rmcp_echo" 18802 & pids+=($!); rmcp=$!
taskset -c 0 "$bin/axum_echo" 18803 & pids+=($!); raw=$!
wait_port 18801; wait_port 18802; wait_port 18803

for port in 18801 18802 18803; do
  taskset -c 1 wrk -t1 -c50 -d2s -s benches/echo.lua "http://127.0.0.1:$port/mcp" >/dev/null
done

all=$(mktemp)
for round in $(seq "$rounds"); do
  for conns in 1 50; do
    run mcp-kit 18801 "$conns" "$hello" >>"$all"
    run rmcp 18802 "$conns" "$rmcp" >>"$all"
    run axum 18803 "$conns" "$raw" >>"$all"
  done
done
# The median round by req/s, per server and connection count.
results=$(mktemp)
sort -k1,1 -k2,2n -k3,3n "$all" | awk -v r="$rounds" '{ key=$1" "$2; n[key]++; if (n[key] == int((r+1)/2)) print }' >"$results"
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
sort -k2,2n -k1,1 "$results"
echo
awk '{ rps[$1" "$2]=$3; p99[$1" "$2]=$4; cpu[$1" "$2]=$5 }
  END { for (c in a) {} ; split("1 50", cs, " ");
    for (i in cs) { c = cs[i];
      printf "conns %2d: mcp-kit/rmcp req/s %.2fx, p99 %.2fx, cpu/req %.2fx; mcp-kit/axum cpu/req %.2fx\n",
        c, rps["mcp-kit "c]/rps["rmcp "c], p99["mcp-kit "c]/p99["rmcp "c], cpu["mcp-kit "c]/cpu["rmcp "c], cpu["mcp-kit "c]/cpu["axum "c] } }' "$results"
