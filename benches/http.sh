#!/usr/bin/env bash
# HTTP load benchmark, all in one run. Each server is pinned to core 0 and wrk to core 1.
#   mcp-kit       examples/hello `tools/call echo` (stateless, JSON answers: the fast path)
#   mcp-kit-rmcp  the same server with the fast path off (MCP_KIT_FAST_PATH=false)
#   rmcp          `echo` as a hand-written rmcp 3.11 `ServerHandler`
#   axum          a raw axum handler returning the same JSON-RPC answer: the floor
#   list-100      `tools/list` on a server with 1,000 tools, first page of 100 (the default)
#   list-1000     the same with page_size 0: all 1,000 tools in one answer
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
export MCP_KIT_REQUIRE_AUTH=false
taskset -c 0 "$bin/hello" serve --port 18801 2>/dev/null & pids+=($!); hello=$!
MCP_KIT_FAST_PATH=false taskset -c 0 "$bin/hello" serve --port 18804 2>/dev/null & pids+=($!); hello_rmcp=$!
taskset -c 0 "$bin/rmcp_echo" 18802 & pids+=($!); rmcp=$!
taskset -c 0 "$bin/axum_echo" 18803 & pids+=($!); raw=$!
taskset -c 0 "$bin/many_tools" 18805 & pids+=($!); list100=$!
taskset -c 0 "$bin/many_tools" 18806 0 & pids+=($!); list1000=$!
for port in 18801 18802 18803 18804 18805 18806; do wait_port $port; done

for port in 18801 18802 18803 18804; do
  taskset -c 1 wrk -t1 -c50 -d2s -s benches/echo.lua "http://127.0.0.1:$port/mcp" >/dev/null
done
for port in 18805 18806; do
  taskset -c 1 wrk -t1 -c50 -d2s -s benches/list.lua "http://127.0.0.1:$port/mcp" >/dev/null
done

all=$(mktemp)
for round in $(seq "$rounds"); do
  for conns in 1 50; do
    run mcp-kit 18801 "$conns" "$hello" >>"$all"
    run mcp-kit-rmcp 18804 "$conns" "$hello_rmcp" >>"$all"
    run rmcp 18802 "$conns" "$rmcp" >>"$all"
    run axum 18803 "$conns" "$raw" >>"$all"
  done
  run list-100 18805 50 "$list100" benches/list.lua >>"$all"
  run list-1000 18806 50 "$list1000" benches/list.lua >>"$all"
done
# The median round by req/s, per server and connection count.
results=$(mktemp)
sort -k1,1 -k2,2n -k3,3n "$all" | awk -v r="$rounds" '{ key=$1" "$2; n[key]++; if (n[key] == int((r+1)/2)) print }' >"$results"
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
sort -k2,2n -k1,1 "$results"
echo
awk '{ rps[$1" "$2]=$3; p99[$1" "$2]=$4; cpu[$1" "$2]=$5 }
  END { split("1 50", cs, " ");
    for (i = 1; i <= 2; i++) { c = cs[i];
      printf "conns %2d: mcp-kit/rmcp req/s %.2fx, p99 %.2fx; mcp-kit/axum cpu/req %.2fx; fast path on/off req/s %.2fx, cpu/req %.2fx\n",
        c, rps["mcp-kit "c]/rps["rmcp "c], p99["mcp-kit "c]/p99["rmcp "c], cpu["mcp-kit "c]/cpu["axum "c],
        rps["mcp-kit "c]/rps["mcp-kit-rmcp "c], cpu["mcp-kit "c]/cpu["mcp-kit-rmcp "c] }
    printf "tools/list of 1,000 tools vs echo (50 conns): page of 100 %.2fx req/s, all 1,000 %.2fx req/s\n",
      rps["list-100 50"]/rps["mcp-kit 50"], rps["list-1000 50"]/rps["mcp-kit 50"] }' "$results"
