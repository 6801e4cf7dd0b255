// The compiled statement of each benchmark shape (BenchQ1–Q4) at scale 1 and at scale 10, timed
// on PostgreSQL alone: the statement is captured from the service for every variable set of
// bench/side-by-side/queries/side-ours.json and side10-ours.json, then run as a named prepared
// statement (as the service runs it), alternately at each scale so that both share the machine's
// load, N times each after a warm-up. Prints the medians and their ratio. No HTTP, no wrk: this
// isolates what PostgreSQL does as the data grows (docs/performance.md, "Growth: scale 10").
//
//   S1_URL=postgresql://…/db_scale1 S10_URL=postgresql://…/db_scale10 N=500 npx tsx bench/growth-statements.ts
//
// Each database: `npm run db:deploy`, `npm run seed:synthetic -- --scale 1|10 --reset`, VACUUM ANALYZE.
// EXPLAIN=1 also prints each shape's plan (ANALYZE, BUFFERS) at both scales, for its first variable set.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { createYogaServer } from '../src/http/yoga.js';

interface Statement {
  text: string;
  values: unknown[];
}

// Every compiled read goes through the pool as a named prepared statement (src/db/client.ts): record them.
const captured: Statement[] = [];
const poolQuery = pg.Pool.prototype.query;
(pg.Pool.prototype as unknown as { query: (config: unknown, ...rest: unknown[]) => unknown }).query = function (this: pg.Pool, config: unknown, ...rest: unknown[]) {
  const named = config as { name?: string; text: string; values: unknown[] };
  if (typeof named?.name === 'string' && named.name.startsWith('cf_read_')) captured.push({ text: named.text, values: named.values });
  return (poolQuery as (...args: unknown[]) => unknown).call(this, config, ...rest);
};

const N = Number(process.env.N ?? 500);
const scales = [
  { name: 'scale 1', url: process.env.S1_URL, side: 'side-ours.json' },
  { name: 'scale 10', url: process.env.S10_URL, side: 'side10-ours.json' },
];
const shapes = ['Q1', 'Q2', 'Q3', 'Q4'];
const statements = new Map<string, Statement[]>(); // `${scale} ${shape}`
const clients = new Map<string, pg.Client>();

for (const scale of scales) {
  if (!scale.url) throw new Error('Set S1_URL and S10_URL to the two databases');
  const db = await openDatabase({ kind: 'postgres', url: scale.url }, {});
  const yoga = createYogaServer({ prisma: db.prisma, graphiql: false });
  const side = JSON.parse(readFileSync(new URL(`./side-by-side/queries/${scale.side}`, import.meta.url), 'utf8')) as {
    queries: { name: string; query: string[]; variablesList: Record<string, unknown>[] }[];
  };
  for (const q of side.queries) {
    const list: Statement[] = [];
    for (const variables of q.variablesList) {
      captured.length = 0;
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q.query.join('\n'), variables }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors || captured.length !== 1) throw new Error(`${q.name} at ${scale.name}: ${captured.length} statements, ${JSON.stringify(body.errors)}`);
      list.push(captured[0]!);
    }
    statements.set(`${scale.name} ${q.name}`, list);
  }
  await db.close();
  const client = new pg.Client({ connectionString: scale.url });
  await client.connect();
  clients.set(scale.name, client);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const names = new Map<string, string>();

for (const shape of shapes) {
  if (process.env.EXPLAIN) {
    for (const scale of scales) {
      const first = statements.get(`${scale.name} ${shape}`)![0]!;
      const plan = await clients.get(scale.name)!.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${first.text}`, values: first.values });
      console.log(`--- ${shape} at ${scale.name}\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
    }
  }
  const times = new Map<string, number[]>(scales.map((scale) => [scale.name, []]));
  const run = async (scale: string, i: number, record: boolean) => {
    const list = statements.get(`${scale} ${shape}`)!;
    const { text, values } = list[i % list.length]!;
    const key = `${scale} ${text}`;
    if (!names.has(key)) names.set(key, `growth_${names.size}`);
    const started = process.hrtime.bigint();
    await clients.get(scale)!.query({ name: names.get(key), text, values });
    if (record) times.get(scale)!.push(Number(process.hrtime.bigint() - started) / 1e6);
  };
  for (let i = 0; i < N + 20; i++) for (const scale of scales) await run(scale.name, i, i >= 20);
  const [one, ten] = scales.map((scale) => median(times.get(scale.name)!));
  console.log(`${shape}: median ${one!.toFixed(3)} ms at scale 1, ${ten!.toFixed(3)} ms at scale 10: ${(ten! / one!).toFixed(2)}× (${N} executions each, alternating)`);
}
for (const client of clients.values()) await client.end();
process.exit(0);
