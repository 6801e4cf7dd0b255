#!/usr/bin/env bash
# Start-up time: seconds from launching the server until it answers `{__typename}` over HTTP.
#
#   bench/startup.sh [runs] -- <command…>     e.g. bench/startup.sh 3 -- node dist/server.js
#
# Run from the project's root. The environment passes through (DATABASE_URL, PGLITE_DIR, …);
# with FRESH_PGLITE=1 every run gets a new, empty PGLITE_DIR (a cold start of the embedded default).
# STARTUP_QUERY replaces the probe, e.g. '{ organizations(first: 1) { nodes { id } } }' for one
# that reads the database. Besides the seconds, each run prints the CPU seconds the started process
# used until then (user + system; the figure a loaded machine disturbs least) and its RSS.
set -euo pipefail
query=${STARTUP_QUERY:-'{__typename}'}
body=$(node -e 'process.stdout.write(JSON.stringify({ query: process.argv[1] }))' "$query")
tick=$(getconf CLK_TCK)
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
    # -f alone passes a 200 with errors: the answer must hold data and no errors.
    answer=$(curl -sf -X POST -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$port/graphql" || true)
    if [[ $answer == '{"data":'* && $answer != *'"errors"'* ]]; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  end=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo '?')
  # Fields 14 and 15 of /proc/PID/stat, counted after the command name (which may hold spaces).
  cpu=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v t="$tick" '{printf "%.2f", ($12 + $13) / t}' || echo '?')
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ -n "$dir" ] && rm -rf "$dir"
  if [ "$ok" = 1 ]; then
    printf 'run %d: %.2f s (CPU %s s, RSS %s MB)\n' "$run" "$(echo "$end - $start" | bc)" "$cpu" "$rss"
  else
    echo "run $run: the server did not answer; its output:" >&2; cat /tmp/cf-startup-$$.log >&2; exit 1
  fi
done
rm -f /tmp/cf-startup-$$.log
