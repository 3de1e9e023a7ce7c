#!/usr/bin/env bash
# This tree against another commit, in one run: examples/hello's `tools/call echo` with the fast
# path on and off, and `tools/list` of 1,000 tools (benches' many_tools, first page of 100),
# each served by this tree's build and by REV's, pinned to core 0 with wrk on core 1, the two
# interleaved over ROUNDS rounds. REV is built in a git worktree under target/against/. Prints
# server CPU per request and req/s for each, and the ratios this tree / REV (median round).
#
#   bash benches/against.sh REV [SECONDS] [ROUNDS]     (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?which commit to compare against}
seconds=${2:-10}
rounds=${3:-3}
cargo build --release --quiet -p hello -p mcp-kit-benches --bin hello --bin many_tools
# REV's tree and build stay under target/against/ for the next run (`git worktree remove` and
# `rm -rf target/against` clean up).
tree=target/against/$rev
[ -d "$tree" ] || git worktree add --quiet --detach "$tree" "$rev"
(cd "$tree" && CARGO_TARGET_DIR="$PWD-target" cargo build --release --quiet -p hello -p mcp-kit-benches --bin hello --bin many_tools)
source benches/load.sh

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
export MCP_KIT_REQUIRE_AUTH=false RUST_LOG=warn
serve() { # port binary-dir [env] [args…]
  local port=$1 dir=$2 env=$3; shift 3
  env $env taskset -c 0 "$dir/$1" "${@:2}" 2>/dev/null & pids+=($!)
  wait_port "$port"
}
declare -A pid
for side in new old; do
  dir=$([ $side = new ] && echo target/release || echo "$tree-target/release")
  base=$([ $side = new ] && echo 18830 || echo 18840)
  serve $base "$dir" "" hello serve --port $base; pid[$side-fast]=${pids[-1]}
  serve $((base + 1)) "$dir" MCP_KIT_FAST_PATH=false hello serve --port $((base + 1)); pid[$side-rmcp]=${pids[-1]}
  serve $((base + 2)) "$dir" "" many_tools $((base + 2)); pid[$side-list]=${pids[-1]}
done

all=$(mktemp)
for round in $(seq "$rounds"); do
  for side in new old; do
    base=$([ $side = new ] && echo 18830 || echo 18840)
    run "$side-fast" $base 50 "${pid[$side-fast]}" >>"$all"
    run "$side-rmcp" $((base + 1)) 50 "${pid[$side-rmcp]}" >>"$all"
    run "$side-list" $((base + 2)) 50 "${pid[$side-list]}" benches/list.lua >>"$all"
  done
done
printf "%-12s %4s %12s %10s %12s\n" server conns "req/s" "p99 ms" "cpu us/req"
cat "$all"
echo
awk 'function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  { split($1, k, "-"); if (k[1] == "new") { nr[k[2]] = $3; nc[k[2]] = $5 } else { i = ++count[k[2]]; rps[k[2], i] = nr[k[2]] / $3; cpu[k[2], i] = nc[k[2]] / $5 } }
  END { split("fast rmcp list", names, " ")
    for (j = 1; j <= 3; j++) { n = names[j]; delete r; delete c
      for (i = 1; i <= count[n]; i++) { r[i] = rps[n, i]; c[i] = cpu[n, i] }
      printf "%-5s this tree / %s: req/s %.3fx, cpu per request %.3fx\n", n, rev, median(r, count[n]), median(c, count[n]) } }' rev="$rev" "$all"
