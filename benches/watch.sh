# Sourced by the benchmark scripts (not run by itself): notices builds and tests that the
# script did not start, since on a 2-core machine they make every figure meaningless.
#
#   watch_start LOG    samples once a second in the background, appending to LOG one line per
#                      cargo, rustc, python, pytest, wrk or hyperfine process that is not a
#                      descendant of the calling script
#   watch_stop         stops the sampler
#   watch_report LOG   prints a warning naming what ran alongside; returns 1 if anything did
#   watch_cleanup      for `trap … EXIT`: stops the sampler and the server whose pid is in `pid`

watch_start() {
  local log=$1
  : >"$log"
  (
    trap - EXIT
    while :; do
      for p in $(pgrep -x 'cargo|rustc|python3?|pytest|wrk|hyperfine' 2>/dev/null); do
        local q=$p stat cmd
        # Up the parent chain; a process that vanished on the way is skipped.
        while [[ $q -gt 1 && $q -ne $$ ]]; do
          stat=$(cat "/proc/$q/stat" 2>/dev/null) || { q=$$; break; }
          stat=${stat##*) }
          set -- $stat
          q=$2
        done
        [[ $q -eq $$ ]] && continue
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-150) || true
        [[ -n $cmd ]] && echo "$(date +%T) $p $cmd" >>"$log"
      done
      sleep 1
    done
  ) &
  watch_pid=$!
}

watch_stop() {
  if [[ -n ${watch_pid:-} ]]; then
    kill "$watch_pid" 2>/dev/null || true
    wait "$watch_pid" 2>/dev/null || true
    watch_pid=
  fi
}

watch_report() {
  local log=$1
  if [[ -s $log ]]; then
    echo
    echo "WARNING: other builds or tests ran during the measurements ($(wc -l <"$log") samples;" \
      "figures are not fair, re-run on a quiet machine):"
    awk '{ $1 = ""; $2 = ""; print }' "$log" | sort | uniq -c | sort -rn | head -n 8
    return 1
  fi
  echo
  echo "No other cargo, rustc, python, pytest, wrk or hyperfine process ran during the measurements."
}

watch_cleanup() {
  watch_stop
  if [[ -n ${pid:-} ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
