#!/usr/bin/env bash
# HTTP load on /mcp with a token the built-in authorization server issued (examples/connector):
# `tools/call whoami`, server pinned to core 0 and wrk to core 1, 50 connections.
#
#   bash benches/oauth.sh [SECONDS] [ROUNDS]     (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-3}
cargo build --release --quiet -p connector
source benches/load.sh

work=$(mktemp -d)
port=18931
export MCP_KIT_OAUTH_SERVER__DATABASE_URL="sqlite://$work/oauth.db?mode=rwc"
export MCP_KIT_PORT=$port MCP_KIT_RESOURCE_SERVER_URL="http://127.0.0.1:$port/mcp"
bin=target/release/connector
echo "correct horse battery" | "$bin" user create bench >/dev/null
client=$("$bin" oauth-client create --name bench --redirect-uri http://127.0.0.1:9/callback | awk '/Client ID/ {print $3}')

taskset -c 0 "$bin" serve 2>/dev/null & server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
wait_port $port
token=$(python3 benches/oauth_token.py "http://127.0.0.1:$port" "$client" bench "correct horse battery")

script="$work/whoami.lua"
cat >"$script" <<LUA
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
wrk.headers["Authorization"] = "Bearer $token"
LUA
taskset -c 1 wrk -t1 -c50 -d2s -s "$script" "http://127.0.0.1:$port/mcp" >/dev/null
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
for _ in $(seq "$rounds"); do run connector $port 50 $server "$script"; done
