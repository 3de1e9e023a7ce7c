#!/usr/bin/env bash
# What observability costs under load: `tools/call echo` against examples/hello with its
# request and call spans filtered out (RUST_LOG=warn), as it runs by default (spans on, at
# info), built with the `metrics` feature, and with per-call JSON log lines (RUST_LOG=
# mcp_kit=debug, log_format = json, written to /dev/null); and built with the `otel` feature,
# once with no collector configured and once exporting every request's span (and the duration
# histogram) over OTLP/HTTP to a collector on core 1 that reads and drops them. Server pinned
# to core 0, wrk to core 1, 50 connections, servers interleaved over ROUNDS rounds. This machine's speed drifts
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
cargo build --release --quiet -p hello --features mcp-kit/otel
cp target/release/hello "$out/hello-otel"

source benches/load.sh

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT
export MCP_KIT_REQUIRE_AUTH=false
RUST_LOG=warn taskset -c 0 "$out/hello-plain" serve --port 18810 2>/dev/null & pids+=($!); quiet=$!
taskset -c 0 "$out/hello-plain" serve --port 18811 2>/dev/null & pids+=($!); plain=$!
taskset -c 0 "$out/hello-metrics" serve --port 18812 2>/dev/null & pids+=($!); metrics=$!
MCP_KIT_LOG_FORMAT=json RUST_LOG=info,mcp_kit=debug taskset -c 0 "$out/hello-metrics" serve --port 18813 2>/dev/null & pids+=($!); logged=$!
# A collector that answers every export at once: what is measured is the server's side.
taskset -c 1 python3 -c '
import http.server
class Drop(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 18816), Drop).serve_forever()' & pids+=($!)
taskset -c 0 "$out/hello-otel" serve --port 18814 2>/dev/null & pids+=($!); otel_idle=$!
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:18816 taskset -c 0 "$out/hello-otel" serve --port 18815 2>/dev/null & pids+=($!); otel_export=$!
wait_port 18810; wait_port 18811; wait_port 18812; wait_port 18813; wait_port 18814; wait_port 18815; wait_port 18816
curl -sf http://127.0.0.1:18812/metrics >/dev/null || { echo "no /metrics on the metrics build" >&2; exit 1; }

for port in 18810 18811 18812 18813 18814 18815; do
  taskset -c 1 wrk -t1 -c50 -d2s -s benches/echo.lua "http://127.0.0.1:$port/mcp" >/dev/null
done
all=$(mktemp)
for round in $(seq "$rounds"); do
  run quiet 18810 50 "$quiet" >>"$all"
  run plain 18811 50 "$plain" >>"$all"
  run metrics 18812 50 "$metrics" >>"$all"
  run logged 18813 50 "$logged" >>"$all"
  run otel-idle 18814 50 "$otel_idle" >>"$all"
  run otel-export 18815 50 "$otel_export" >>"$all"
done
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
cat "$all"
echo
# Rows come in rounds of six: quiet, plain, metrics, logged, otel-idle, otel-export.
awk 'function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  { cpu[$1] = $5; rps[$1] = $3 }
  $1 == "otel-export" { n++; sp[n] = cpu["plain"] / cpu["quiet"]; sm[n] = cpu["metrics"] / cpu["plain"]; sl[n] = cpu["logged"] / cpu["plain"]
                   rm[n] = rps["metrics"] / rps["plain"]
                   oi[n] = cpu["otel-idle"] / cpu["plain"]; oe[n] = cpu["otel-export"] / cpu["plain"]; re[n] = rps["otel-export"] / rps["plain"] }
  END { printf "default (info) / RUST_LOG=warn:           cpu/req %.3fx\n", median(sp, n)
        printf "metrics / no metrics:                    cpu/req %.3fx, req/s %.3fx\n", median(sm, n), median(rm, n)
        printf "debug JSON log lines / default:          cpu/req %.3fx\n", median(sl, n)
        printf "otel feature, no collector / default:    cpu/req %.3fx\n", median(oi, n)
        printf "otel exporting every span / default:     cpu/req %.3fx, req/s %.3fx\n", median(oe, n), median(re, n) }' "$all"
