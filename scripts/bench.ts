// npm run bench -- --scale 1[,10] [--duration 10] [--connections 10] [--cache off|on|both]
//
// Seeds the synthetic data set into PostgreSQL (one database per scale, derived from
// DATABASE_URL), starts the real server on it, and drives the four request shapes Q1 to Q4 below
// over HTTP with autocannon. Prints requests/s, p50, p99, SQL statements per request, the
// server's peak RSS, the scale, the database and the machine's cores.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { parse, print, type OperationDefinitionNode } from 'graphql';
import pg from 'pg';
import { openDatabase, pgConnectionFields } from '../src/db/client.js';
import { createYogaServer } from '../src/http/yoga.js';

interface Options {
  scales: number[];
  duration: number;
  connections: number;
  cache: ('off' | 'on')[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { scales: [1], duration: 10, connections: 10, cache: ['off', 'on'] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--scale') options.scales = value.split(',').map(Number);
    else if (flag === '--duration') options.duration = Number(value);
    else if (flag === '--connections') options.connections = Number(value);
    else if (flag === '--cache') options.cache = value === 'both' ? ['off', 'on'] : [value as 'off' | 'on'];
    else throw new Error(`Unknown argument ${flag}`);
  }
  const bad =
    !options.scales.length ||
    options.scales.some((s) => !(s > 0)) ||
    !(options.duration > 0) ||
    !(options.connections > 0) ||
    options.cache.some((c) => c !== 'off' && c !== 'on');
  if (bad) throw new Error('Usage: npm run bench -- --scale 1[,10] [--duration 10] [--connections 10] [--cache off|on|both]');
  return options;
}

const operations = parse(readFileSync(new URL('../test/operations/bench.graphql', import.meta.url), 'utf8'));
const operation = (name: string) =>
  print(operations.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && d.name?.value === name)!);

interface Shape {
  name: string;
  label: string;
  query: string;
  variables: () => Record<string, unknown>;
}

async function sampleShapes(prisma: Awaited<ReturnType<typeof openDatabase>>['prisma']): Promise<Shape[]> {
  // The organizations with the most articles, and the series with the most episodes: realistic
  // profile pages, not empty ones.
  const orgs = await prisma.organization.findMany({
    where: { slug: { startsWith: 'syn-' } },
    orderBy: { articles: { _count: 'desc' } },
    take: 20,
    select: { slug: true },
  });
  const series = await prisma.series.findMany({
    where: { slug: { startsWith: 'syn-' } },
    orderBy: { articles: { _count: 'desc' } },
    take: 10,
    select: { slug: true },
  });
  if (!orgs.length || !series.length) throw new Error('No synthetic data found; seeding failed?');
  let i = 0;
  const next = <T>(list: T[]) => list[i++ % list.length]!;
  const levels = [['NATIONAL'], ['PROVINCIAL'], ['MUNICIPAL'], ['DISTRICT']];
  return [
    { name: 'Q1', label: 'organization + 20 latest articles (series) + achievement count', query: operation('BenchQ1'), variables: () => ({ slug: next(orgs).slug }) },
    { name: 'Q2', label: '50 organizations x 10 latest achievements', query: operation('BenchQ2'), variables: () => ({}) },
    { name: 'Q3', label: 'series with all its articles in episode order', query: operation('BenchQ3'), variables: () => ({ slug: next(series).slug }) },
    {
      name: 'Q4',
      label: 'achievements by level and year range, 20/page + totalCount',
      query: operation('BenchQ4'),
      variables: () => ({ level: next(levels), yearFrom: 2018, yearTo: 2022 }),
    },
  ];
}

/** SQL statements one request of each shape issues, counted in-process on the same database. */
async function statementsPerRequest(url: string, shapes: Shape[]) {
  const statements: string[] = [];
  const db = await openDatabase({ kind: 'postgres', url }, { onQuery: (sql) => statements.push(sql) });
  const yoga = createYogaServer({ prisma: db.prisma, graphiql: false });
  const counts: Record<string, number> = {};
  for (const shape of shapes) {
    statements.length = 0;
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: shape.query, variables: shape.variables() }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(`${shape.name} failed: ${JSON.stringify(body.errors)}`);
    counts[shape.name] = statements.length;
  }
  await db.close();
  return counts;
}

async function ensureDatabase(url: string) {
  const fields = pgConnectionFields(url);
  const admin = new pg.Client({ ...fields, database: 'postgres' });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [fields.database]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE "${fields.database.replace(/"/g, '""')}"`);
  await admin.end();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status})`);
}

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = 4300 + Math.floor(Math.random() * 500);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // The load comes from one address, far above the public rate limit.
    env: { ...env, PORT: String(port), NODE_ENV: 'production', RATE_LIMIT: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('GraphQL API')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function load(url: string, shape: Shape, options: Options) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.duration,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: shape.query, variables: shape.variables() }) }) }],
  });
  if (result.non2xx || result.errors) throw new Error(`${shape.name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) throw new Error('Set DATABASE_URL to a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432/bench');
  const base = new URL(baseUrl);
  const machine = `${cpus().length} cores, Node ${process.version}`;
  const rows: { scale: number; cache: string; shape: string; rps: number; p50: number; p99: number; statements: number; rss: number }[] = [];

  for (const scale of options.scales) {
    const url = new URL(base);
    url.pathname = `${base.pathname.replace(/^\//, '') || 'bench'}_s${String(scale).replace('.', '_')}`;
    const env = { ...process.env, DATABASE_URL: url.toString() };
    console.log(`\n# scale ${scale}: PostgreSQL database ${url.pathname.slice(1)} on ${url.host}`);
    await ensureDatabase(url.toString());
    run('npx', ['tsx', 'scripts/db.ts', 'deploy'], env);
    run('npx', ['tsx', 'scripts/seed-synthetic.ts', '--scale', String(scale), '--reset'], env);
    spawnSync('psql', [url.toString(), '-qc', 'VACUUM ANALYZE'], { stdio: 'inherit' });

    const db = await openDatabase({ kind: 'postgres', url: url.toString() });
    const shapes = await sampleShapes(db.prisma);
    await db.close();
    const statements = await statementsPerRequest(url.toString(), shapes);

    for (const cache of options.cache) {
      const server = await startServer({ ...env, RESPONSE_CACHE: cache });
      try {
        for (const shape of shapes) {
          await load(server.url, shape, { ...options, duration: 2 }); // warm-up
          const r = await load(server.url, shape, options);
          rows.push({ scale, cache, shape: shape.name, ...r, statements: statements[shape.name]!, rss: peakRssMb(server.child.pid!) });
          console.log(
            `scale ${scale} cache ${cache} ${shape.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
              `${statements[shape.name]} SQL statements/request, peak RSS ${rows.at(-1)!.rss} MB — ${shape.label}`,
          );
        }
      } finally {
        server.child.kill('SIGTERM');
        await new Promise((resolve) => server.child.once('exit', resolve));
      }
    }
  }

  console.log(`\nMachine: ${machine}. Database: PostgreSQL at ${base.host}. ${options.connections} connections, ${options.duration} s per shape after a 2 s warm-up.`);
  console.log('| scale | response cache | shape | req/s | p50 ms | p99 ms | SQL/request | server peak RSS MB |');
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.scale} | ${r.cache} | ${r.shape} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.statements} | ${r.rss} |`);
  }
  if (options.scales.length > 1) {
    const [small, large] = [Math.min(...options.scales), Math.max(...options.scales)];
    console.log(`\nGrowth of p50 from scale ${small} to scale ${large} (target: at most 1.5x for Q1, Q3, Q4):`);
    for (const cache of options.cache) {
      for (const shape of ['Q1', 'Q2', 'Q3', 'Q4']) {
        const a = rows.find((r) => r.scale === small && r.cache === cache && r.shape === shape);
        const b = rows.find((r) => r.scale === large && r.cache === cache && r.shape === shape);
        if (a && b) console.log(`  cache ${cache} ${shape}: ${a.p50} ms → ${b.p50} ms (${(b.p50 / Math.max(a.p50, 1)).toFixed(2)}x)`);
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
