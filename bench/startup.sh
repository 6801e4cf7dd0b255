#!/usr/bin/env bash
# Start-up time: seconds from launching the server until it answers `{__typename}` over HTTP.
#
#   bench/startup.sh [runs] -- <command…>     e.g. bench/startup.sh 3 -- node dist/server.js
#
# Run from the project's root. The environment passes through (DATABASE_URL, PGLITE_DIR, …);
# with FRESH_PGLITE=1 every run gets a new, empty PGLITE_DIR (a cold start of the embedded default).
set -euo pipefail
runs=3
if [ "${1:-}" != "--" ]; then runs=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [runs] -- command…" >&2; exit 2; }
port=${PORT:-$((20000 + RANDOM % 20000))}
for run in $(seq 1 "$runs"); do
  dir=""
  if [ "${FRESH_PGLITE:-}" = 1 ]; then dir=$(mktemp -d); export PGLITE_DIR=$dir/pglite; fi
  start=$(date +%s.%N)
  PORT=$port "$@" >/tmp/cf-startup-$$.log 2>&1 & pid=$!
  ok=0
  for _ in $(seq 1 1200); do
    if curl -sf -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$port/graphql"; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  end=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo '?')
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ -n "$dir" ] && rm -rf "$dir"
  if [ "$ok" = 1 ]; then
    printf 'run %d: %.2f s (RSS %s MB)\n' "$run" "$(echo "$end - $start" | bc)" "$rss"
  else
    echo "run $run: the server did not answer; its output:" >&2; cat /tmp/cf-startup-$$.log >&2; exit 1
  fi
done
rm -f /tmp/cf-startup-$$.log
