#!/usr/bin/env bash
# Model tools over HTTP: `books_list` (pages of 50 of a 100,000-row SQLite table, ordered by
# title) at page 1 and page 1,000, against `echo` of examples/hello as the baseline, in one run.
# Servers on core 0, wrk on core 1; the median of ROUNDS rounds. Then the in-process p50 of page
# 1 and page 1,000 on SQLite and PostgreSQL (`model_pages`).
#
#   bash benches/model.sh [SECONDS] [ROUNDS]     (needs wrk; PostgreSQL for the last part)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
cargo build --release --quiet -p hello -p bookshop -p mcp-kit-benches
bin=target/release

source benches/load.sh

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
MODEL_PAGES_OUT="$work" "$bin/model_pages" sqlite >"$work/sqlite.txt"
cursor=$(cat "$work/cursor-1000.txt")
list='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"books_list","arguments":{"order_by":"title","limit":50'
printf '%s}}}' "$list" >"$work/page-1.json"
printf '%s,"cursor":"%s"}}}' "$list" "$cursor" >"$work/page-1000.json"

MCP_KIT_REQUIRE_AUTH=false taskset -c 0 "$bin/hello" serve --port 18811 2>/dev/null & pids+=($!); hello=$!
DATABASE_URL="sqlite:$work/bookshop.db" MCP_KIT_REQUIRE_AUTH=false \
  taskset -c 0 "$bin/bookshop" serve --port 18812 2>/dev/null & pids+=($!); shop=$!
wait_port 18811; wait_port 18812

all=$(mktemp)
for round in $(seq "$rounds"); do
  run echo 18811 50 "$hello" >>"$all"
  MCP_BODY="$work/page-1.json" run page1 18812 50 "$shop" benches/body.lua >>"$all"
  MCP_BODY="$work/page-1000.json" run page1000 18812 50 "$shop" benches/body.lua >>"$all"
done
results=$(mktemp)
sort -k1,1 -k3,3n "$all" | awk -v r="$rounds" '{ n[$1]++; if (n[$1] == int((r+1)/2)) print }' >"$results"
printf "%-8s %4s %12s %10s %12s\n" tool conns "req/s" "p99 ms" "cpu us/req"
cat "$results"
awk '{ rps[$1]=$3; cpu[$1]=$5 }
  END { printf "page1000/page1 req/s %.2fx; page1/echo req/s %.2fx, cpu/req %.2fx\n",
    rps["page1000"]/rps["page1"], rps["page1"]/rps["echo"], cpu["page1"]/cpu["echo"] }' "$results"
echo
cat "$work/sqlite.txt"
"$bin/model_pages" postgres
