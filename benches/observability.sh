#!/usr/bin/env bash
# What observability costs under load: `tools/call echo` against examples/hello with its
# request and call spans filtered out (RUST_LOG=warn), as it runs by default (spans on, at
# info), built with the `metrics` feature, and with per-call JSON log lines (RUST_LOG=
# mcp_kit=debug, log_format = json, written to /dev/null). Server pinned to core 0, wrk to
# core 1, 50 connections, servers interleaved over ROUNDS rounds. This machine's speed drifts
# between rounds, so each ratio is taken within a round, and the median ratio is reported.
#
#   bash benches/observability.sh [SECONDS] [ROUNDS]     (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
out=$(mktemp -d)
cargo build --release --quiet -p hello
cp target/release/hello "$out/hello-plain"
cargo build --release --quiet -p hello --features mcp-kit/metrics
cp target/release/hello "$out/hello-metrics"

source benches/load.sh

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT
export MCP_KIT_REQUIRE_AUTH=false
RUST_LOG=warn taskset -c 0 "$out/hello-plain" serve --port 18810 2>/dev/null & pids+=($!); quiet=$!
taskset -c 0 "$out/hello-plain" serve --port 18811 2>/dev/null & pids+=($!); plain=$!
taskset -c 0 "$out/hello-metrics" serve --port 18812 2>/dev/null & pids+=($!); metrics=$!
MCP_KIT_LOG_FORMAT=json RUST_LOG=info,mcp_kit=debug taskset -c 0 "$out/hello-metrics" serve --port 18813 2>/dev/null & pids+=($!); logged=$!
wait_port 18810; wait_port 18811; wait_port 18812; wait_port 18813
curl -sf http://127.0.0.1:18812/metrics >/dev/null || { echo "no /metrics on the metrics build" >&2; exit 1; }

for port in 18810 18811 18812 18813; do
  taskset -c 1 wrk -t1 -c50 -d2s -s benches/echo.lua "http://127.0.0.1:$port/mcp" >/dev/null
done
all=$(mktemp)
for round in $(seq "$rounds"); do
  run quiet 18810 50 "$quiet" >>"$all"
  run plain 18811 50 "$plain" >>"$all"
  run metrics 18812 50 "$metrics" >>"$all"
  run logged 18813 50 "$logged" >>"$all"
done
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
cat "$all"
echo
# Rows come in rounds of four: quiet, plain, metrics, logged.
awk 'function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  { cpu[$1] = $5; rps[$1] = $3 }
  $1 == "logged" { n++; sp[n] = cpu["plain"] / cpu["quiet"]; sm[n] = cpu["metrics"] / cpu["plain"]; sl[n] = cpu["logged"] / cpu["plain"]
                   rm[n] = rps["metrics"] / rps["plain"] }
  END { printf "default (info) / RUST_LOG=warn:           cpu/req %.3fx\n", median(sp, n)
        printf "metrics / no metrics:                    cpu/req %.3fx, req/s %.3fx\n", median(sm, n), median(rm, n)
        printf "debug JSON log lines / default:          cpu/req %.3fx\n", median(sl, n) }' "$all"
