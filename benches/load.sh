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
