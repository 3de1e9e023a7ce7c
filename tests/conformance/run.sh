#!/usr/bin/env bash
# Runs the official MCP conformance suite (every server scenario) against examples/everything
# on a loopback port, twice: as shipped (sessions, SSE), and stateless with JSON answers, the
# configuration the fast path serves. Node 22 and the suite come pinned from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
echo "conformance: node $(node --version)"

bin=${MCP_KIT_EVERYTHING_BIN:-../../target/debug/everything}
server=
trap 'kill "$server" 2>/dev/null || true' EXIT

suite() { # expected-failures file, then settings for the server as VAR=value
    local expected=$1 port
    shift
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    env "$@" MCP_KIT_REQUIRE_AUTH=false RUST_LOG=warn "$bin" serve --host 127.0.0.1 --port "$port" &
    server=$!
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        kill -0 "$server" 2>/dev/null || { echo "everything exited before listening" >&2; exit 1; }
        sleep 0.1
    done
    conformance server --suite all --url "http://127.0.0.1:$port/mcp" --expected-failures "$expected"
    kill "$server"
    wait "$server" 2>/dev/null || true
}

suite expected-failures.yaml
suite expected-failures-stateless.yaml MCP_KIT_STATELESS=true MCP_KIT_JSON_RESPONSE=true
