#!/usr/bin/env bash
# Compile-time cost of `#[tool]` against wiring the same tools by hand.
#
# Generates (benches/generate.py) three 100-tool crates into target/bench-crates/:
#   tools-hand    Args structs, one input_schema match, one dispatch match, Tool::from_schema
#   tools-macro   the same functions and structs under #[tool] (Args<T>), run!()
#   tools-params  #[tool] with plain parameters (a: i64, b: String, c: Option<bool>)
# builds their shared dependencies once into target/bench-target (CARGO_TARGET_DIR), then
# measures each with hyperfine in RUNS rounds of one run per crate, so that a slow spell of the
# host falls on all three crates alike rather than on whichever one hyperfine ran then:
#   (a) clean debug build      cargo clean -p CRATE; cargo build
#   (b) clean release build    cargo clean --release -p CRATE; cargo build --release
#   (c) no-change rebuild      touch src/main.rs; cargo build
#   (d) edit one tool          tool_50's string literal changed (from a built original); cargo build
#   (e) add one tool           tool_100 added (from a built original); cargo build
#   (f) release binary size    unstripped, and after `strip`
# and prints a table with the ratios macro/hand and params/hand against the goals
# (clean ≤ 1.1×, no-change ≤ 1.2×, edit/add ≤ 1.1×, size ≤ 1.02×).
#
#   bash benches/compile.sh                 (from the repository root; RUNS=3 by default)
#   MCP_KIT_TREE=DIR bash benches/compile.sh   measures the mcp-kit of another checkout, e.g. a
#       snapshot: git archive HEAD | tar -x -C target/bench-snapshot/REV
#
# Takes ~10 minutes on 2 cores once dependencies are built. Sources are restored on exit.
# Other cargo/rustc/python processes seen during the measurements are reported (benches/watch.sh)
# and make the script exit 3: on 2 cores they distort every figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tree=${MCP_KIT_TREE:-$root}
runs=${RUNS:-3}
crates=(tools-hand tools-macro tools-params)
names=(hand macro params)
export CARGO_TARGET_DIR=$root/target/bench-target
results=$root/target/bench-results/compile
mkdir -p "$results"
rm -f "$results"/*.json

source benches/watch.sh
python3 benches/generate.py --tree "$tree"
dir() { echo "$root/target/bench-crates/$1"; }

restore() {
  for crate in "${crates[@]}"; do
    local d; d=$(dir "$crate")
    cmp -s "$d/variants/main.rs.orig" "$d/src/main.rs" || cp "$d/variants/main.rs.orig" "$d/src/main.rs"
  done
}
trap 'watch_stop; restore' EXIT

echo "== building shared dependencies (debug and release) =="
for crate in "${crates[@]}"; do
  timeout 1800 cargo build -q --manifest-path "$(dir "$crate")/Cargo.toml"
  timeout 1800 cargo build -q --release --manifest-path "$(dir "$crate")/Cargo.toml"
done

watch_start "$results/others.log"

# measure NAME WARMUP PREPARE_TEMPLATE COMMAND_TEMPLATE: in the templates, @M@ is
# `--manifest-path …/Cargo.toml`, @C@ the crate's name, @D@ its directory.
measure() {
  local measure=$1 warmup=$2 prepare=$3 command=$4 args=() i crate d m
  for i in "${!crates[@]}"; do
    crate=${crates[$i]}
    d=$(dir "$crate")
    m="--manifest-path $d/Cargo.toml"
    args+=(-n "${names[$i]}")
    args+=(--prepare "$(sed -e "s|@M@|$m|g" -e "s|@C@|$crate|g" -e "s|@D@|$d|g" <<<"$prepare")")
  done
  for i in "${!crates[@]}"; do
    crate=${crates[$i]}
    d=$(dir "$crate")
    m="--manifest-path $d/Cargo.toml"
    args+=("$(sed -e "s|@M@|$m|g" -e "s|@C@|$crate|g" -e "s|@D@|$d|g" <<<"$command")")
  done
  echo
  echo "== $measure ($(date +%T)) =="
  local round
  for ((round = 1; round <= runs; round++)); do
    timeout 3600 hyperfine --style none --runs 1 --warmup "$((round == 1 ? warmup : 0))" \
      --export-json "$results/$measure.round$round.json" "${args[@]}" >/dev/null
  done
  # The rounds as one hyperfine export: each command's runs, mean, standard deviation, minimum.
  python3 - "$results" "$measure" <<'EOF'
import json, statistics, sys
from pathlib import Path

results, measure = Path(sys.argv[1]), sys.argv[2]
times = {}
for path in sorted(results.glob(f"{measure}.round*.json")):
    for result in json.loads(path.read_text())["results"]:
        times.setdefault(result["command"], []).extend(result["times"])
    path.unlink()
merged = [{"command": command, "times": ts, "mean": statistics.mean(ts),
           "stddev": statistics.stdev(ts) if len(ts) > 1 else 0.0, "min": min(ts)}
          for command, ts in times.items()]
(results / f"{measure}.json").write_text(json.dumps({"results": merged}))
for r in merged:
    print(f"  {r['command']:<7} {r['mean']:6.3f} s ± {r['stddev']:5.3f}   ({len(r['times'])} runs)")
EOF
}

measure clean-debug 0 "cargo clean -q @M@ -p @C@" "cargo build -q @M@"
measure clean-release 0 "cargo clean -q --release @M@ -p @C@" "cargo build -q --release @M@"

# Sizes now, while the release binaries are those of the original sources.
: >"$results/sizes.txt"
for i in "${!crates[@]}"; do
  bin=$CARGO_TARGET_DIR/release/${crates[$i]}
  strip -o "$results/${crates[$i]}.stripped" "$bin"
  echo "${names[$i]} $(stat -c %s "$bin") $(stat -c %s "$results/${crates[$i]}.stripped")" >>"$results/sizes.txt"
  rm -f "$results/${crates[$i]}.stripped"
done

measure no-change 1 "touch @D@/src/main.rs" "cargo build -q @M@"
measure edit-one-tool 1 \
  "cp @D@/variants/main.rs.orig @D@/src/main.rs && cargo build -q @M@ && cp @D@/variants/main.rs.edit @D@/src/main.rs" \
  "cargo build -q @M@"
measure add-one-tool 1 \
  "cp @D@/variants/main.rs.orig @D@/src/main.rs && cargo build -q @M@ && cp @D@/variants/main.rs.add @D@/src/main.rs" \
  "cargo build -q @M@"
watch_stop
restore
for crate in "${crates[@]}"; do cargo build -q --manifest-path "$(dir "$crate")/Cargo.toml"; done

echo
python3 - "$results" <<'EOF'
import json, statistics, sys
from pathlib import Path

results = Path(sys.argv[1])
goals = {"clean-debug": 1.1, "clean-release": 1.1, "no-change": 1.2,
         "edit-one-tool": 1.1, "add-one-tool": 1.1}
rows = []
print(f"{'measure':<15} {'hand':>14} {'macro':>14} {'params':>14} {'macro/hand':>11} {'params/hand':>12} {'goal':>6}")
for measure, goal in goals.items():
    data = json.loads((results / f"{measure}.json").read_text())["results"]
    by = {r["command"]: r for r in data}
    cells = [f"{by[n]['mean']:6.2f}±{by[n]['stddev'] or 0:4.2f} s" for n in ("hand", "macro", "params")]
    rm = by["macro"]["mean"] / by["hand"]["mean"]
    rp = by["params"]["mean"] / by["hand"]["mean"]
    verdict = lambda r: "ok" if r <= goal else "MISS"
    print(f"{measure:<15} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} "
          f"{rm:>6.3f} {verdict(rm):<4} {rp:>7.3f} {verdict(rp):<4} {goal:>5}×")
sizes = {}
for line in (results / "sizes.txt").read_text().splitlines():
    name, full, stripped = line.split()
    sizes[name] = (int(full), int(stripped))
for idx, label in ((0, "size"), (1, "size stripped")):
    h, m, p = (sizes[n][idx] for n in ("hand", "macro", "params"))
    rm, rp = m / h, p / h
    verdict = lambda r: "ok" if r <= 1.02 else "MISS"
    print(f"{label:<15} {h/2**20:>11.2f} MiB {m/2**20:>10.2f} MiB {p/2**20:>10.2f} MiB "
          f"{rm:>6.3f} {verdict(rm):<4} {rp:>7.3f} {verdict(rp):<4} {1.02:>5}×")
print("\nbytes:", {n: {"unstripped": s[0], "stripped": s[1]} for n, s in sizes.items()})
print("min (s) per measure:")
for measure in goals:
    data = json.loads((results / f"{measure}.json").read_text())["results"]
    print(f"  {measure:<15}", "  ".join(f"{r['command']}={r['min']:.2f}" for r in data))
EOF
watch_report "$results/others.log" || exit 3
