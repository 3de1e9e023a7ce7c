#!/usr/bin/env bash
# Start-up time with 1,000 tools: the link-time registry (1,000 `ToolDef`s turned into `Tool`s,
# each input schema generated) is built at every start.
#
# Release-builds target/bench-crates/many-tools (1,000 `#[tool]`s with plain parameters; see
# benches/generate.py) and examples/hello (a handful of tools), then measures:
#   1. with hyperfine (--warmup 3, -N, output to /dev/null): wall time of `tools list --json`
#      for both, so the registry of 1,000 tools shows as the difference; plus `--version` (no
#      registry is built) and plain `tools list` (registry built, no JSON printed) to split it;
#   2. time from process start to GET /healthz answering 200 for `serve --port P`
#      (MCP_KIT_REQUIRE_AUTH=false), ROUNDS times each, polled every millisecond with bash's
#      /dev/tcp (no process is forked while polling); min/median/max reported.
# Goal: under 50 ms with 1,000 tools.
#
#   bash benches/startup.sh [ROUNDS]            (from the repository root; ROUNDS=20)
#   MCP_KIT_TREE=DIR bash benches/startup.sh    measures another checkout's mcp-kit and hello
#
# Bounded: each server gets 10 s to answer /healthz; every server started is killed on exit.
# Other cargo/rustc/python processes seen meanwhile are reported and make it exit 3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tree=${MCP_KIT_TREE:-$root}
rounds=${1:-20}
results=$root/target/bench-results/startup
mkdir -p "$results"

source benches/watch.sh
python3 benches/generate.py --tree "$tree" >/dev/null
CARGO_TARGET_DIR=$root/target/bench-target timeout 1800 \
  cargo build -q --release --manifest-path target/bench-crates/many-tools/Cargo.toml
(cd "$tree" && env -u CARGO_TARGET_DIR timeout 1800 cargo build -q --release -p hello)
many=$root/target/bench-target/release/many-tools
hello=$tree/target/release/hello
echo "many-tools: $("$many" tools list | tail -n 1); hello: $("$hello" tools list | tail -n 1)"

pid=
trap watch_cleanup EXIT
watch_start "$results/others.log"

echo
echo "== tools list --json (hyperfine) =="
# -N: no shell in between (so nothing to calibrate away); output goes to /dev/null, as with
# `> /dev/null` (hyperfine's default --output=null).
hyperfine --style basic -N --output null --warmup 3 --export-json "$results/list.json" \
  -n "hello tools list --json" "$hello tools list --json" \
  -n "many-tools tools list --json" "$many tools list --json" \
  -n "many-tools tools list" "$many tools list" \
  -n "many-tools --version" "$many --version"

# Serving: time from start to /healthz answering.

# A descriptor that never has data: `read -t` on it sleeps without forking.
fifo=$(mktemp -u)
mkfifo "$fifo"
exec 9<>"$fifo"
rm -f "$fifo"
nap() { read -r -t "$1" -u 9 _ || true; }

healthy() { # PORT: 0 when GET /healthz answers 200
  local line
  { exec 8<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&8
  read -r -t 2 line <&8 || line=
  exec 8<&-
  [[ $line == "HTTP/1.1 200"* ]]
}

time_to_health() { # BIN PORT: sets `elapsed` (milliseconds); not run in a subshell, so the trap
  # sees the server's pid
  local bin=$1 port=$2 start end deadline
  if healthy "$port"; then echo "port $port is already taken" >&2; return 1; fi
  start=$EPOCHREALTIME
  MCP_KIT_REQUIRE_AUTH=false "$bin" serve --port "$port" 2>/dev/null &
  pid=$!
  deadline=$((${start%.*} + 10))
  until healthy "$port"; do
    if ((${EPOCHREALTIME%.*} >= deadline)) || ! kill -0 "$pid" 2>/dev/null; then
      echo "$bin did not answer /healthz on port $port within 10 s" >&2
      return 1
    fi
    nap 0.001
  done
  end=$EPOCHREALTIME
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  elapsed=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) * 1000 }')
}

echo
echo "== serve: process start to /healthz answering ($rounds rounds each, interleaved) =="
: >"$results/healthz.txt"
port=18830
for round in $(seq "$rounds"); do
  for name in hello many-tools; do
    bin=$hello; [[ $name == many-tools ]] && bin=$many
    port=$((port + 1))
    time_to_health "$bin" "$port"
    echo "$name $elapsed" >>"$results/healthz.txt"
  done
done
python3 - "$results/healthz.txt" <<'EOF'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    name, ms = line.split()
    times.setdefault(name, []).append(float(ms))
for name, v in sorted(times.items()):
    print(f"{name:<11} min {min(v):7.2f} ms  median {statistics.median(v):7.2f} ms  "
          f"max {max(v):7.2f} ms  (n={len(v)})")
EOF
python3 - "$results/list.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = lambda k: r[k]["mean"] * 1000
print()
print(f"tools list --json: many-tools {ms('many-tools tools list --json'):.2f} ms, hello "
      f"{ms('hello tools list --json'):.2f} ms, difference "
      f"{ms('many-tools tools list --json') - ms('hello tools list --json'):.2f} ms")
print(f"many-tools: --version {ms('many-tools --version'):.2f} ms, tools list "
      f"{ms('many-tools tools list'):.2f} ms (registry ≈ {ms('many-tools tools list') - ms('many-tools --version'):.2f} ms), "
      f"tools list --json {ms('many-tools tools list --json'):.2f} ms")
EOF
watch_stop
watch_report "$results/others.log" || exit 3
