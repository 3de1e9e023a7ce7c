#!/usr/bin/env bash
# Model tools over HTTP: `books_list` (pages of 50 of a 100,000-row table, ordered by title) at
# page 1 and page 1,000, on SQLite and on PostgreSQL, against the same tool written by hand with
# axum and sqlx (`sqlx_books`, same SQL, same answer) and `echo` of examples/hello, in one run.
# Servers (and PostgreSQL) on core 0, wrk on core 1; the median of ROUNDS rounds. Then each
# pair again with both servers loaded at once (benches/load.sh's `paired`), which the host's
# noise hits alike. Then the in-process p50 of page 1 and page 1,000 (`model_pages`).
#
#   bash benches/model.sh [SECONDS] [ROUNDS]     (needs wrk and postgresql)
#
# With SQLX_BOOKS_TUNED=1 the hand-written handler sets up its pools and SQLite as mcp-kit does.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
cargo build --release --quiet -p hello -p bookshop -p mcp-kit-benches
bin=target/release

source benches/load.sh

work=$(mktemp -d)
pids=()
# A PostgreSQL cluster of the run's own; as root, as the `postgres` user.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=(); if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
# Killing runuser would leave postgres behind: pg_ctl stops the cluster itself.
trap 'kill "${pids[@]}" 2>/dev/null || true
  [ -d "$work/pg" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1
  rm -rf "$work"' EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres --no-sync >/dev/null
"${as_pg[@]}" taskset -c 0 "$pg_bin/postgres" -D "$work/pg" -p 18813 -k "$work" \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 600); do "$pg_bin/pg_isready" -q -h 127.0.0.1 -p 18813 && break; sleep 0.05; done
"$pg_bin/pg_isready" -q -h 127.0.0.1 -p 18813 || { echo "postgres did not start" >&2; exit 1; }
pg_url=postgres://postgres@127.0.0.1:18813/postgres

# The page-1,000 cursor is sealed by `model_pages`; the servers open it with the same key.
key=$(openssl rand -base64 32)
printf 'request_state_keys = ["%s"]\n' "$key" >"$work/mcp-kit.toml"
list='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"books_list","arguments":{"order_by":"title","limit":50'
printf '%s}}}' "$list" >"$work/page-1.json"
for backend in sqlite postgres; do
  mkdir -p "$work/$backend"; [ "$(id -u)" = 0 ] && chmod 777 "$work/$backend"
  target=$([ "$backend" = sqlite ] && echo sqlite || echo "$pg_url")
  MODEL_PAGES_KEY=$key MODEL_PAGES_OUT="$work/$backend" "$bin/model_pages" "$target" >"$work/$backend.txt"
  printf '%s,"cursor":"%s"}}}' "$list" "$(cat "$work/$backend/cursor-1000.txt")" >"$work/$backend/page-1000.json"
  position=$(python3 -c 'import json, sys; print(json.dumps(open(sys.argv[1]).read()))' "$work/$backend/position-1000.txt")
  printf '%s,"cursor":%s}}}' "$list" "$position" >"$work/$backend/hand-1000.json"
done

MCP_KIT_REQUIRE_AUTH=false taskset -c 0 "$bin/hello" serve --port 18811 2>/dev/null & pids+=($!); hello=$!
DATABASE_URL="sqlite:$work/sqlite/bookshop.db" MCP_KIT_REQUIRE_AUTH=false \
  taskset -c 0 "$bin/bookshop" --config "$work/mcp-kit.toml" serve --port 18812 2>/dev/null & pids+=($!); lite=$!
DATABASE_URL="$pg_url" MCP_KIT_REQUIRE_AUTH=false \
  taskset -c 0 "$bin/bookshop" --config "$work/mcp-kit.toml" serve --port 18814 2>/dev/null & pids+=($!); pg=$!
taskset -c 0 "$bin/sqlx_books" 18815 "sqlite:$work/sqlite/bookshop.db" & pids+=($!); hand_lite=$!
taskset -c 0 "$bin/sqlx_books" 18816 "$pg_url" & pids+=($!); hand_pg=$!
wait_port 18811; wait_port 18812; wait_port 18814; wait_port 18815; wait_port 18816

# Each server answers each request with a full page before it is timed.
full_page() { # port body
  curl -sf -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25' \
    --data-binary "@$2" | python3 -c 'import json, sys
result = json.load(sys.stdin)["result"]
assert not result["isError"] and len(result["structuredContent"]["items"]) == 50, result' \
    || { echo "port $1 did not answer $2 with a full page" >&2; exit 1; }
}
for port in 18812 18814 18815 18816; do full_page $port "$work/page-1.json"; done
full_page 18812 "$work/sqlite/page-1000.json"; full_page 18814 "$work/postgres/page-1000.json"
full_page 18815 "$work/sqlite/hand-1000.json"; full_page 18816 "$work/postgres/hand-1000.json"

all=$(mktemp)
for round in $(seq "$rounds"); do
  run echo 18811 50 "$hello" >>"$all"
  MCP_BODY="$work/page-1.json" run sqlite:1 18812 50 "$lite" benches/body.lua >>"$all"
  MCP_BODY="$work/sqlite/page-1000.json" run sqlite:1000 18812 50 "$lite" benches/body.lua >>"$all"
  MCP_BODY="$work/page-1.json" run pg:1 18814 50 "$pg" benches/body.lua >>"$all"
  MCP_BODY="$work/postgres/page-1000.json" run pg:1000 18814 50 "$pg" benches/body.lua >>"$all"
  MCP_BODY="$work/page-1.json" run hand-sqlite:1 18815 50 "$hand_lite" benches/body.lua >>"$all"
  MCP_BODY="$work/sqlite/hand-1000.json" run hand-sqlite:1000 18815 50 "$hand_lite" benches/body.lua >>"$all"
  MCP_BODY="$work/page-1.json" run hand-pg:1 18816 50 "$hand_pg" benches/body.lua >>"$all"
  MCP_BODY="$work/postgres/hand-1000.json" run hand-pg:1000 18816 50 "$hand_pg" benches/body.lua >>"$all"
done
results=$(mktemp)
sort -k1,1 -k3,3n "$all" | awk -v r="$rounds" '{ n[$1]++; if (n[$1] == int((r+1)/2)) print }' >"$results"
echo "server CPU excludes PostgreSQL's own processes"
printf "%-12s %4s %12s %10s %12s\n" tool:page conns "req/s" "p99 ms" "cpu us/req"
cat "$results"
awk '{ rps[$1]=$3; cpu[$1]=$5 }
  END { for (i = 1; i <= 2; i++) { b = i == 1 ? "sqlite" : "pg"; h = i == 1 ? "hand-sqlite" : "hand-pg";
    printf "%s: page1000/page1 req/s %.2fx; page1/echo req/s %.2fx\n", b,
      rps[b":1000"]/rps[b":1"], rps[b":1"]/rps["echo"];
    for (p = 1; p <= 1000; p += 999)
      printf "%s page %d against the hand-written handler: req/s %.2fx, cpu/req %.2fx\n", b, p,
        rps[b":"p]/rps[h":"p], cpu[b":"p]/cpu[h":"p] } }' "$results"

# The same comparison with both servers loaded at once (25 connections each), ROUNDS times.
echo
echo "side by side: mcp-kit and the hand-written handler loaded at the same time"
paired_all=$work/paired.txt
for round in $(seq "$rounds"); do
  paired sqlite:1 18812 "$lite" "$work/page-1.json" 18815 "$hand_lite" "$work/page-1.json" 25 >>"$paired_all"
  paired sqlite:1000 18812 "$lite" "$work/sqlite/page-1000.json" 18815 "$hand_lite" "$work/sqlite/hand-1000.json" 25 >>"$paired_all"
  paired pg:1 18814 "$pg" "$work/page-1.json" 18816 "$hand_pg" "$work/page-1.json" 25 >>"$paired_all"
  paired pg:1000 18814 "$pg" "$work/postgres/page-1000.json" 18816 "$hand_pg" "$work/postgres/hand-1000.json" 25 >>"$paired_all"
done
printf "%-12s %10s %10s %8s\n" tool:page "mcp-kit us" "hand us" "cpu/req"
sort -k1,1 -k4,4n "$paired_all" | awk -v r="$rounds" '{ n[$1]++; if (n[$1] == int((r+1)/2)) print }'
echo "(the median round of $rounds by ratio; every round:)"
sort -k1,1 "$paired_all" | awk '{ printf "  %s %s", $1, $4; if (++n % '"$rounds"' == 0) print "" }'

echo
cat "$work/sqlite.txt" "$work/postgres.txt"
