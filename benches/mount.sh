#!/usr/bin/env bash
# A tool called through a mount against the same tool called directly, in one run:
# examples/hello's `echo` on port 18820, and benches/src/bin/mount_front.rs on 18821 serving
# that same process's tools under `up`. Both servers pinned to core 0, wrk to core 1; direct and
# mounted runs interleaved over ROUNDS rounds, each ratio taken within a round, the median
# reported. CPU per request: the front's own, and the front's and the upstream's together,
# against the direct server's; p50 latency at one connection (the time a mount adds to a call),
# requests per second at 50. When nginx is installed, a third row passes the same calls through
# nginx as a plain reverse proxy (one worker, keep-alive to the upstream, on port 18822): what
# any front costs that only forwards bytes, with no MCP of its own.
#
#   bash benches/mount.sh [SECONDS] [ROUNDS]     (needs wrk; nginx optional)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
cargo build --release --quiet -p hello -p mcp-kit-benches --bin hello --bin mount_front
source benches/load.sh

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
export MCP_KIT_REQUIRE_AUTH=false RUST_LOG=warn
taskset -c 0 target/release/hello serve --port 18820 2>/dev/null & pids+=($!); upstream=$!
wait_port 18820
MCP_KIT_UPSTREAM=http://127.0.0.1:18820/mcp MCP_KIT_PORT=18821 taskset -c 0 target/release/mount_front & pids+=($!); front=$!
wait_port 18821

proxy=""
if command -v nginx >/dev/null; then
  conf=$(mktemp -d)
  cat >"$conf/nginx.conf" <<EOF
worker_processes 1;
pid $conf/nginx.pid;
error_log $conf/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $conf/body;
  proxy_temp_path $conf/proxy;
  upstream hello { server 127.0.0.1:18820; keepalive 64; }
  server {
    listen 127.0.0.1:18822;
    location /mcp {
      proxy_pass http://hello;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_buffering off;
    }
  }
}
EOF
  taskset -c 0 nginx -c "$conf/nginx.conf" -g 'daemon off;' & pids+=($!)
  wait_port 18822
  proxy=$(pgrep -P $! nginx)
fi

one() { # name port connections script [front pid] -> "name conns rps p50_ms front_us upstream_us"
  local name=$1 port=$2 conns=$3 script=$4 front=${5:-$front} f0 u0 f1 u1 out
  f0=$(cpu_ticks "$front"); u0=$(cpu_ticks "$upstream")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" --latency -s "$script" "http://127.0.0.1:$port/mcp")
  f1=$(cpu_ticks "$front"); u1=$(cpu_ticks "$upstream")
  if grep -q "Non-2xx" <<<"$out"; then echo "$name answered non-2xx responses:" >&2; echo "$out" >&2; exit 1; fi
  awk -v n="$name" -v c="$conns" -v f=$((f1 - f0)) -v u=$((u1 - u0)) -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms/, "", v); return v } sub(/s/, "", v); return v * 1000 }
    /Requests\/sec/ { rps = $2 } /requests in/ { q = $1 } $1 == "50%" { p50 = ms($2) }
    END { printf "%-8s %4d %10.0f %8.3f %10.1f %10.1f\n", n, c, rps, p50, f / hz * 1e6 / q, u / hz * 1e6 / q }' <<<"$out"
}

for port in 18820 18821; do
  script=$([ $port = 18820 ] && echo benches/echo.lua || echo benches/mount.lua)
  taskset -c 1 wrk -t1 -c50 -d2s -s "$script" "http://127.0.0.1:$port/mcp" >/dev/null
done
all=$(mktemp)
for round in $(seq "$rounds"); do
  one direct 18820 1 benches/echo.lua >>"$all"
  one mounted 18821 1 benches/mount.lua >>"$all"
  one direct 18820 50 benches/echo.lua >>"$all"
  one mounted 18821 50 benches/mount.lua >>"$all"
  if [ -n "$proxy" ]; then one nginx 18822 50 benches/echo.lua "$proxy" >>"$all"; fi
done
printf "%-8s %4s %10s %8s %10s %10s\n" server conns "req/s" "p50 ms" "front us" "upstream us"
cat "$all"
echo
# Rows come in rounds: direct and mounted at one connection, then at 50, then nginx at 50.
awk 'function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  $1 == "direct" { d[$2] = $0; dp[$2] = $4; dr[$2] = $3; du[$2] = $6 }
  $1 == "mounted" && $2 == 1 { n++; added[n] = $4 - dp[1] }
  $1 == "mounted" && $2 == 50 { front[n] = $5 / du[50]; both[n] = ($5 + $6) / du[50]; rps[n] = $3 / dr[50] }
  $1 == "nginx" { proxied++; pfront[proxied] = $5 / du[50]; pboth[proxied] = ($5 + $6) / du[50] }
  END { printf "p50 added by the mount, one connection:       %.3f ms\n", median(added, n)
        printf "front CPU per call / direct CPU per call:     %.3fx\n", median(front, n)
        printf "front + upstream CPU / direct CPU:            %.3fx\n", median(both, n)
        printf "req/s through the mount / direct, 50 conns:   %.3fx\n", median(rps, n)
        if (proxied) {
          printf "nginx CPU per call / direct CPU per call:     %.3fx\n", median(pfront, proxied)
          printf "nginx + upstream CPU / direct CPU:            %.3fx\n", median(pboth, proxied) } }' "$all"
