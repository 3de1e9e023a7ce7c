# Sourced by the HTTP benchmark scripts: load one server with wrk and report what it cost.
# Needs `seconds` set by the caller.

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}

run() { # name port connections pid [wrk script] -> "name conns rps p99_ms cpu_us"
  local name=$1 port=$2 conns=$3 pid=$4 script=${5:-benches/echo.lua} before after out rps p99 reqs
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" --latency -s "$script" "http://127.0.0.1:$port/mcp")
  after=$(cpu_ticks "$pid")
  if grep -q "Non-2xx" <<<"$out"; then echo "$name answered non-2xx responses:" >&2; echo "$out" >&2; exit 1; fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  local hz; hz=$(getconf CLK_TCK)
  awk -v n="$name" -v c="$conns" -v r="$rps" -v p="$p99" -v t=$((after - before)) -v q="$reqs" -v hz="$hz" \
    'BEGIN { printf "%-12s %4d %12.0f %10.3f %12.1f\n", n, c, r, p, t / hz * 1e6 / q }'
}

# Two servers loaded at once, each by its own wrk, so that whatever else the host does in those
# seconds falls on both alike: the ratio of their CPU per request is then steadier than that
# of two runs one after the other.
paired() { # name port_a pid_a body_a port_b pid_b body_b connections -> "name a_cpu_us b_cpu_us ratio"
  local name=$1 port_a=$2 pid_a=$3 body_a=$4 port_b=$5 pid_b=$6 body_b=$7 conns=$8
  local out; out=$(mktemp -d)
  local a0 b0 a1 b1 wa wb
  a0=$(cpu_ticks "$pid_a"); b0=$(cpu_ticks "$pid_b")
  MCP_BODY=$body_a taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" -s benches/body.lua \
    "http://127.0.0.1:$port_a/mcp" >"$out/a" & wa=$!
  MCP_BODY=$body_b taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" -s benches/body.lua \
    "http://127.0.0.1:$port_b/mcp" >"$out/b" & wb=$!
  wait "$wa" "$wb"
  a1=$(cpu_ticks "$pid_a"); b1=$(cpu_ticks "$pid_b")
  if grep -q "Non-2xx" "$out/a" "$out/b"; then echo "$name: non-2xx responses" >&2; cat "$out/a" "$out/b" >&2; exit 1; fi
  local qa qb hz; hz=$(getconf CLK_TCK)
  qa=$(awk '/requests in/ {print $1}' "$out/a"); qb=$(awk '/requests in/ {print $1}' "$out/b")
  rm -rf "$out"
  awk -v n="$name" -v ta=$((a1 - a0)) -v tb=$((b1 - b0)) -v qa="$qa" -v qb="$qb" -v hz="$hz" \
    'BEGIN { a = ta / hz * 1e6 / qa; b = tb / hz * 1e6 / qb; printf "%-12s %10.1f %10.1f %8.3f\n", n, a, b, a / b }'
}
