#!/usr/bin/env bash
# Runs the official MCP conformance suite against examples/everything on a loopback port: the
# 2026-07-28 requirements (0.2.0-alpha.12, in 2026-07-28/) and every server scenario of 0.1.16,
# each twice: as shipped (sessions, SSE), and stateless with JSON answers, the configuration
# the fast path serves. Node 22 and each suite come pinned from their package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
(cd 2026-07-28 && npm ci --no-audit --no-fund --loglevel=error)

bin=${MCP_KIT_EVERYTHING_BIN:-../../target/debug/everything}
server=
trap 'kill "$server" 2>/dev/null || true' EXIT

suite() { # suite folder, its arguments, expected-failures file, settings as VAR=value
    local folder=$1 arguments=$2 expected=$3 port
    shift 3
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    env "$@" MCP_KIT_REQUIRE_AUTH=false RUST_LOG=warn "$bin" serve --host 127.0.0.1 --port "$port" &
    server=$!
    for _ in $(seq 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        kill -0 "$server" 2>/dev/null || { echo "everything exited before listening" >&2; exit 1; }
        sleep 0.1
    done
    # shellcheck disable=SC2086 # the arguments are words
    PATH="$PWD/$folder/node_modules/.bin:$PATH" conformance server $arguments \
        --url "http://127.0.0.1:$port/mcp" --expected-failures "$expected"
    kill "$server"
    wait "$server" 2>/dev/null || true
}

echo "conformance: node $(PATH="$PWD/node_modules/.bin:$PATH" node --version)"
stateless=(MCP_KIT_STATELESS=true MCP_KIT_JSON_RESPONSE=true)
revision="--requirements 2026-07-28"
suite 2026-07-28 "$revision" 2026-07-28/expected-failures.yaml
suite 2026-07-28 "$revision" 2026-07-28/expected-failures.yaml "${stateless[@]}"
suite . "--suite all" expected-failures.yaml
suite . "--suite all" expected-failures-stateless.yaml "${stateless[@]}"
