#!/usr/bin/env bash
# Memory of the example server: VmRSS (resident now) and VmHWM (peak resident) from
# /proc/PID/status, with the anonymous/file split and thread count, at three points:
#   idle         release `hello serve --port P` (MCP_KIT_REQUIRE_AUTH=false), /healthz answered
#   after 1,000  1,000 `tools/call echo` requests, one keep-alive connection (one curl process,
#                URL globbing), every answer checked to be 200
#   after wrk    2 s of wrk with benches/echo.lua, 50 connections (bounded: -d2s)
# Goal: idle RSS under 15 MB.
#
#   bash benches/rss.sh                       (from the repository root; PORT=18850)
#   MCP_KIT_TREE=DIR bash benches/rss.sh      measures another checkout's hello
#
# Bounded: the server gets 10 s to answer /healthz and is killed on exit. Other
# cargo/rustc/python processes seen meanwhile are reported and make it exit 3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tree=${MCP_KIT_TREE:-$root}
port=${PORT:-18850}
results=$root/target/bench-results/rss
mkdir -p "$results"
source benches/watch.sh
(cd "$tree" && env -u CARGO_TARGET_DIR timeout 1800 cargo build -q --release -p hello)
hello=$tree/target/release/hello

pid=
trap watch_cleanup EXIT
watch_start "$results/others.log"

if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then
  echo "port $port is taken; set PORT" >&2
  exit 1
fi
MCP_KIT_REQUIRE_AUTH=false "$hello" serve --port "$port" 2>/dev/null &
pid=$!
for _ in $(seq 200); do
  curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" && break
  kill -0 "$pid" || { echo "hello exited" >&2; exit 1; }
  sleep 0.05
done
curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" || { echo "no /healthz within 10 s" >&2; exit 1; }
sleep 0.5

report() { # LABEL
  awk -v label="$1" '
    /^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } /^RssAnon:/ { anon = $2 }
    /^RssFile:/ { file = $2 } /^Threads:/ { threads = $2 }
    END { printf "%-14s VmRSS %6.2f MiB  VmHWM %6.2f MiB  (anon %6.2f MiB, file %5.2f MiB, %d threads)\n",
          label, rss / 1024, hwm / 1024, anon / 1024, file / 1024, threads }' "/proc/$pid/status"
}

report idle

body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
codes=$(timeout 60 curl -s -o /dev/null -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H 'MCP-Protocol-Version: 2025-11-25' --data "$body" "http://127.0.0.1:$port/mcp?call=[1-1000]")
ok=$(grep -c '^200$' <<<"$codes" || true)
if [[ $ok -ne 1000 ]]; then
  echo "only $ok of 1000 calls answered 200:" >&2
  sort <<<"$codes" | uniq -c >&2
  exit 1
fi
report "after 1,000"

out=$(timeout 30 wrk -t1 -c50 -d2s -s benches/echo.lua "http://127.0.0.1:$port/mcp")
if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
report "after wrk 2s"
echo "(wrk: $(awk '/requests in/ {print $1}' <<<"$out") calls, $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s)"
watch_stop
watch_report "$results/others.log" || exit 3
