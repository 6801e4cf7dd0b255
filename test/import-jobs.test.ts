// Imports as background jobs (src/jobs/): importContent queues its run and answers RUNNING; the
// embedded database's in-process runner or BullMQ workers (on PostgreSQL, or Redis with
// JOB_BACKEND=redis) run it. Workers killed mid-run, retries, exhausted attempts, resuming after a
// dead server, and the schedule. The pages come from a loopback HTTP server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main as workerCli } from '../scripts/worker.js';
import { createCredential } from '../src/auth/credentials.js';
import type { Database } from '../src/db/client.js';
import { startImportJobs, type ServerImportJobs } from '../src/http/import-jobs.js';
import { importJobSettingsFromEnv, parseInterval, type ImportJobSettings } from '../src/jobs/config.js';
import { createInProcessImportJobs } from '../src/jobs/in-process.js';
import { recordQueuedRun, runIdForJob } from '../src/jobs/import-job.js';
import { openBullImportQueue, type BullImportQueue, type BullTarget } from '../src/jobs/queue.js';
import { startImportWorker, type ImportWorker } from '../src/jobs/worker.js';
import { importJobs } from '../src/observability/metrics.js';
import { createTestApi, createTestApiOver, type TestApi } from './support/api.js';
import { runMain } from './support/cli.js';
import { createTestDatabase, testBackends } from './support/database.js';
import { unique } from './support/factory.js';
import { awaitRun } from './support/import-runs.js';
import { REDIS_URL, testStores } from './support/redis.js';
import { pause, startTestServer, type TestServer } from './fixtures/fetch/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A portal page (plain text) with this title and a body unique to the call. */
function portalPage(title: string): string {
  const body = `测试检察院办结案件${randomUUID()}件。`;
  return ['1. 首页 > 国内资讯', title, `\u3000\u3000${body}`, `\u3000\u3000该院被评为全省先进集体。(凉都检察)`, '联系我们'].join('\n\n');
}

let server: TestServer;
const savedEnv = { ...process.env };
beforeAll(async () => {
  server = await startTestServer();
  // The mutation's runs may fetch from the loopback server.
  process.env.IMPORT_ALLOW_PRIVATE_NETWORKS = 'true';
});
afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
});

/** Serves a new portal page, answered after `delayMs` and once `gate` resolves; returns its URL. */
function page(delayMs = 0, gate?: Promise<unknown>): string {
  const text = portalPage(`测试报道 ${randomUUID().slice(0, 8)}`);
  return server.route(`/${randomUUID()}`, async (_request, response) => {
    if (delayMs) await pause(response, delayMs);
    await gate;
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  });
}

/** How many import jobs the process counted with `event`. */
async function jobEvents(event: 'enqueued' | 'completed' | 'failed' | 'retried'): Promise<number> {
  const metric = await importJobs.get();
  return metric.values.find((value) => value.labels.event === event)?.value ?? 0;
}

/** Short locks and stall checks, so that a dead worker's job is taken again within seconds. */
function settings(database: 'postgres' | 'pglite', env: Record<string, string> = {}): ImportJobSettings {
  return importJobSettingsFromEnv(
    { IMPORT_JOB_BACKOFF_MS: '0', IMPORT_JOB_LOCK_MS: '2000', IMPORT_JOB_STALLED_INTERVAL_MS: '1000', ...env },
    database,
  );
}

const admin = async (api: TestApi) => ({
  authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') })).secret}`,
});

const IMPORT = /* GraphQL */ `
  mutation Import($inputs: [String!]!) {
    importContent(input: { inputs: $inputs }) { id status trigger finishedAt reason items { totalCount } }
  }
`;
const RUN = /* GraphQL */ `
  query Run($id: ID!) {
    node(id: $id) {
      ... on ImportRun {
        status
        reason
        trigger
        finishedAt
        counts { created failed }
        items { totalCount edges { node { locator status reason } } }
      }
    }
  }
`;

/** Deletes every Redis key under `prefix` (the shared Redis keeps nothing of a test). */
async function dropRedisPrefix(prefix: string) {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

type Case = { name: string; backend: 'pglite' | 'postgres'; queue?: 'postgres' | 'redis' };
const cases: Case[] = testBackends().map((backend) => ({ name: backend === 'pglite' ? 'PGlite (in-process)' : 'PostgreSQL (BullMQ)', backend }));
if (testBackends().includes('postgres') && (await testStores()).includes('redis')) {
  cases.push({ name: 'PostgreSQL with JOB_BACKEND=redis (BullMQ on Redis)', backend: 'postgres', queue: 'redis' });
}

describe.each(cases)('importContent as a background job on $name', ({ backend, queue: queueKind }) => {
  let api: TestApi;
  let queue: BullImportQueue | undefined;
  let worker: ImportWorker | undefined;
  let prefix: string | undefined;

  beforeAll(async () => {
    if (backend === 'pglite') {
      api = await createTestApi('pglite');
      return;
    }
    const db = await createTestDatabase('postgres');
    const url = db.config.kind === 'postgres' ? db.config.url : '';
    prefix = queueKind === 'redis' ? unique('cf-test-jobs') : undefined;
    const target: BullTarget = queueKind === 'redis' ? { kind: 'redis', url: REDIS_URL, prefix } : { kind: 'postgres', url };
    const jobSettings = settings('postgres', queueKind === 'redis' ? { JOB_BACKEND: 'redis', REDIS_URL } : {});
    expect(jobSettings.backend).toBe(queueKind ?? 'postgres');
    queue = openBullImportQueue(target, jobSettings);
    worker = startImportWorker(db.prisma, target, jobSettings);
    api = createTestApiOver(db, { importJobs: queue });
  });
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await api?.close();
    if (prefix) await dropRedisPrefix(prefix);
  });

  it('answers RUNNING at once, then the run ends PARTIAL with every item', async () => {
    const headers = await admin(api);
    const enqueued = await jobEvents('enqueued');
    const completed = await jobEvents('completed');
    let open!: () => void;
    const held = page(0, new Promise<void>((resolve) => (open = resolve)));
    const missing = `${server.origin}/${randomUUID()}`;
    // The held page is answered only after the mutation has answered: the run cannot end first.
    const result = await api.execute(IMPORT, { inputs: [held, page(), missing] }, headers).finally(() => open());
    expect(result.errors).toBeUndefined();
    const queued = (result.data as any).importContent;
    expect(queued).toMatchObject({ status: 'RUNNING', trigger: 'MUTATION', finishedAt: null, reason: null, items: { totalCount: 0 } });

    const run = await awaitRun<any>(api, RUN, queued.id, headers);
    expect(run).toMatchObject({ status: 'PARTIAL', reason: null, counts: { created: 2, failed: 1 }, items: { totalCount: 3 } });
    expect(run.items.edges.find((edge: any) => edge.node.status === 'FAILED').node).toMatchObject({
      locator: missing,
      reason: expect.stringMatching(/404/),
    });
    expect(await api.db.prisma.article.count()).toBe(2);
    expect(await jobEvents('enqueued')).toBe(enqueued + 1);
    // The worker counts the job completed just after the run row says so.
    await expect.poll(() => jobEvents('completed')).toBe(completed + 1);
  });

  it('refuses bad input with BAD_USER_INPUT before anything is recorded or queued', async () => {
    const headers = await admin(api);
    const before = { runs: await api.db.prisma.importRun.count(), enqueued: await jobEvents('enqueued') };
    const refused = await api.execute(IMPORT, { inputs: ['ftp://portal.example/a.txt'] }, headers);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'input.inputs.0', message: 'must be an http or https URL' }] });
    expect(await api.db.prisma.importRun.count()).toBe(before.runs);
    expect(await jobEvents('enqueued')).toBe(before.enqueued);
    if (queue) expect((await queue.counts()).waiting ?? 0).toBe(0);
  });
});

/** `npm run worker` as a child process on `databaseUrl`, its output collected. */
function spawnWorker(databaseUrl: string, env: Record<string, string> = {}) {
  const { DATABASE_URL: _url, PGLITE_DIR: _dir, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: ROOT,
    env: {
      ...inherited,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
      IMPORT_CONCURRENCY: '1',
      IMPORT_JOB_BACKOFF_MS: '0',
      IMPORT_JOB_LOCK_MS: '2000',
      IMPORT_JOB_STALLED_INTERVAL_MS: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = { child, output: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (worker.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (worker.output += chunk.toString()));
  return worker;
}

/** Waits until `check` is true, polling every 100 ms; fails after `timeoutMs` with `what`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.runIf(testBackends().includes('postgres'))('import workers on PostgreSQL', () => {
  let db: Database;
  let url: string;
  let queue: BullImportQueue;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    url = db.config.kind === 'postgres' ? db.config.url : '';
    queue = openBullImportQueue({ kind: 'postgres', url }, settings('postgres'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await queue?.close();
    await db?.close();
  });

  /** Records a MUTATION run of `inputs` and queues it, as importContent does. */
  async function queueRun(inputs: string[]): Promise<string> {
    const job = { trigger: 'MUTATION' as const, actorName: unique('admin'), inputs, documents: [], queuedAt: new Date().toISOString() };
    const runId = await recordQueuedRun(db.prisma, job);
    await queue.enqueue({ ...job, runId });
    return runId;
  }

  it(
    'retries the job of a worker killed mid-run on a second worker, which finishes the run with no duplicate article or item',
    async () => {
      const pages = Array.from({ length: 6 }, () => page(700));
      const runId = await queueRun(pages);
      const first = spawnWorker(url);
      children.push(first.child);
      const itemCount = () => db.prisma.importItem.count({ where: { runId } });
      await until('the first worker to record two items', async () => (await itemCount()) >= 2);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe(null);
      const recordedByFirst = await db.prisma.importItem.findMany({ where: { runId }, select: { locator: true } });
      expect(recordedByFirst.length).toBeLessThan(pages.length);
      expect((await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('RUNNING');

      const second = spawnWorker(url);
      children.push(second.child);
      await until('the run to end', async () => (await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).status !== 'RUNNING');
      const run = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId }, include: { items: true } });
      expect(run).toMatchObject({ status: 'SUCCEEDED', createdCount: pages.length, failedCount: 0, reason: null });
      expect(run.items).toHaveLength(pages.length);
      expect(new Set(run.items.map((item) => item.locator))).toEqual(new Set(pages));
      expect(await db.prisma.article.count()).toBe(pages.length);
      expect(await db.prisma.articleProvenance.count()).toBe(pages.length);
      // The second worker took the job as its second attempt and skipped what the first had imported.
      expect(second.output).toMatch(/"attempt":2,.*"msg":"import job started"/);
      for (const { locator } of recordedByFirst) expect(server.count(new URL(locator).pathname)).toBe(1);

      // SIGTERM: the worker closes and exits 0.
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(second.output).toMatch(/"msg":"import worker closed"/);
    },
    120_000,
  );

  it('marks the run FAILED with the reason once a job has used its attempts, counting each retry', async () => {
    const retried = await jobEvents('retried');
    const failed = await jobEvents('failed');
    const runId = await queueRun([page()]);
    // Every attempt breaks before it can import: the worker's import settings are invalid.
    process.env.IMPORT_TIMEOUT_MS = 'soon';
    const worker = startImportWorker(db.prisma, { kind: 'postgres', url }, settings('postgres', { IMPORT_JOB_ATTEMPTS: '2' }));
    try {
      await until('the run to end', async () => (await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).status !== 'RUNNING');
    } finally {
      await worker.close();
      delete process.env.IMPORT_TIMEOUT_MS;
    }
    const run = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe('FAILED');
    expect(run.reason).toMatch(/^the job gave up after 2 attempt\(s\): Invalid import settings in the environment: IMPORT_TIMEOUT_MS/);
    expect(run.finishedAt).not.toBeNull();
    expect(await jobEvents('retried')).toBe(retried + 1);
    expect(await jobEvents('failed')).toBe(failed + 1);
  });

  it('marks the run FAILED when its worker dies on its last attempt', { timeout: 120_000 }, async () => {
    const runId = await queueRun(Array.from({ length: 4 }, () => page(700)));
    const env = { IMPORT_JOB_ATTEMPTS: '1' };
    const first = spawnWorker(url, env);
    children.push(first.child);
    await until('the first worker to record an item', async () => (await db.prisma.importItem.count({ where: { runId } })) >= 1);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = spawnWorker(url, env);
    children.push(second.child);
    await until('the run to end', async () => (await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).status !== 'RUNNING');
    const run = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: 'FAILED', reason: 'the job gave up after 1 attempt(s): its worker stopped during the last one' });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('re-polls IMPORT_SCHEDULE_INPUTS on BullMQ’s job scheduler, as SCHEDULE runs, and removes the schedule when it is unset', async () => {
    const feed = page();
    const env = { IMPORT_SCHEDULE_INPUTS: feed, IMPORT_SCHEDULE_EVERY: '1s', IMPORT_JOB_LOCK_MS: '2000' };
    delete process.env.IMPORT_ALLOW_PRIVATE_NETWORKS;
    const jobs = await startImportJobs({ prisma: db.prisma, database: { kind: 'postgres', url }, responseCache: null, env });
    expect(jobs.description).toMatch(/PostgreSQL \(BullMQ\), worker in-process, schedule every 1 s/);
    const scheduled = () => db.prisma.importRun.findMany({ where: { trigger: 'SCHEDULE' }, orderBy: { startedAt: 'asc' } });
    try {
      await until('two scheduled runs to end', async () => (await scheduled()).filter((run) => run.status !== 'RUNNING').length >= 2, 20_000);
    } finally {
      await jobs.close();
      process.env.IMPORT_ALLOW_PRIVATE_NETWORKS = 'true';
    }
    const runs = await scheduled();
    // The schedule's URLs are the operator's: loopback is allowed without IMPORT_ALLOW_PRIVATE_NETWORKS.
    expect(runs[0]).toMatchObject({ actorName: 'schedule', inputs: [feed], status: 'SUCCEEDED', createdCount: 1 });
    expect(runs[1]).toMatchObject({ actorName: 'schedule', inputs: [feed], status: 'SUCCEEDED', unchangedCount: 1 });

    // A server started without the schedule removes it: no new scheduled run appears.
    const unscheduled = await startImportJobs({ prisma: db.prisma, database: { kind: 'postgres', url }, responseCache: null, env: {} });
    const count = (await scheduled()).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await unscheduled.close();
    expect((await scheduled()).length).toBeLessThanOrEqual(count + 1);
    expect((await scheduled()).every((run) => run.status !== 'RUNNING')).toBe(true);
  }, 60_000);
});

describe.runIf(testBackends().includes('pglite'))('the in-process runner on PGlite', () => {
  let db: Database;
  let jobs: ServerImportJobs | undefined;
  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  afterEach(async () => {
    await jobs?.close();
    jobs = undefined;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs again at start-up the runs a dead server left RUNNING, keeping what they had imported', async () => {
    const done = page();
    const failedBefore = page();
    const fresh = page();
    const document = { name: 'pushed.txt', contentType: 'text/plain', content: portalPage('推送的报道') };
    const runId = await recordQueuedRun(db.prisma, {
      trigger: 'MUTATION',
      actorName: 'admin-1',
      inputs: [done, failedBefore, fresh],
      documents: [document],
      queuedAt: new Date().toISOString(),
    });
    // As the dead server left it: its documents kept, one item imported, one failed.
    await db.prisma.importRun.update({ where: { id: runId }, data: { queuedDocuments: [document] } });
    await db.prisma.importItem.create({ data: { runId, locator: done, status: 'UNCHANGED' } });
    await db.prisma.importItem.create({ data: { runId, locator: failedBefore, status: 'FAILED', reason: 'timed out' } });
    const cli = await db.prisma.importRun.create({ data: { trigger: 'CLI', actorName: 'cli:someone', inputs: ['/tmp/x'] } });

    jobs = await startImportJobs({ prisma: db.prisma, database: { kind: 'pglite' }, responseCache: null, env: {} });
    expect(jobs.description).toBe('import jobs in-process');
    await until('the run to end', async () => (await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).status !== 'RUNNING', 20_000);

    const run = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId }, include: { items: true } });
    expect(run).toMatchObject({ status: 'SUCCEEDED', unchangedCount: 1, createdCount: 3, failedCount: 0, queuedDocuments: null });
    expect(run.items.map((item) => `${item.locator} ${item.status}`).sort()).toEqual(
      [`${done} UNCHANGED`, `${failedBefore} CREATED`, `${fresh} CREATED`, 'inline:pushed.txt CREATED'].sort(),
    );
    // The item kept from before was not fetched again; a CLI run is not the server's to resume.
    expect(server.count(new URL(done).pathname)).toBe(0);
    expect((await db.prisma.importRun.findUniqueOrThrow({ where: { id: cli.id } })).status).toBe('RUNNING');
  });

  it('keeps the documents of a run the database left RUNNING, for the next start to import', async () => {
    // The database fails every update that would end the run (its last update, and marking it
    // FAILED): the run stays RUNNING, and its pushed document must stay with it.
    const ending = (args: { data?: { status?: unknown } }) => args.data?.status !== undefined && args.data.status !== 'RUNNING';
    const importRun = new Proxy(db.prisma.importRun, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'update') {
          return (args: Parameters<typeof target.update>[0]) =>
            ending(args as { data?: { status?: unknown } }) ? Promise.reject(new Error('the database went away')) : target.update(args);
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const failing = new Proxy(db.prisma, {
      get: (target, property) => (property === 'importRun' ? importRun : Reflect.get(target, property, target)),
    });
    const document = { name: 'kept.txt', contentType: 'text/plain', content: portalPage('保留的推送') };
    const job = { trigger: 'MUTATION' as const, actorName: 'admin-1', inputs: [], documents: [document], queuedAt: new Date().toISOString() };
    const runId = await recordQueuedRun(db.prisma, job);
    const runner = createInProcessImportJobs(failing);
    await runner.enqueue({ ...job, runId });
    await new Promise((resolve) => setImmediate(resolve)); // the runner starts its jobs on the next turn
    await runner.idle();
    await runner.close();

    const run = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId }, include: { items: true } });
    expect(run.status).toBe('RUNNING');
    // The job did run: its item was recorded before the run's last update failed.
    expect(run.items.map((item) => item.locator)).toEqual(['inline:kept.txt']);
    expect(run.queuedDocuments).toEqual([document]);
  });

  it('records and runs a SCHEDULE run every IMPORT_SCHEDULE_EVERY', async () => {
    const feed = page();
    jobs = await startImportJobs({
      prisma: db.prisma,
      database: { kind: 'pglite' },
      responseCache: null,
      env: { IMPORT_SCHEDULE_INPUTS: ` ${feed}\n`, IMPORT_SCHEDULE_EVERY: '1s' },
    });
    expect(jobs.description).toBe('import jobs in-process, schedule every 1 s');
    const scheduled = () => db.prisma.importRun.findMany({ where: { trigger: 'SCHEDULE', inputs: { has: feed } }, orderBy: { startedAt: 'asc' } });
    await until('two scheduled runs to end', async () => (await scheduled()).filter((run) => run.status !== 'RUNNING').length >= 2, 20_000);
    const runs = await scheduled();
    expect(runs[0]).toMatchObject({ actorName: 'schedule', status: 'SUCCEEDED', createdCount: 1 });
    expect(runs[1]).toMatchObject({ actorName: 'schedule', status: 'SUCCEEDED', unchangedCount: 1 });
  });
});

describe('import job settings', () => {
  it('refuses a bad IMPORT_SCHEDULE_EVERY, schedule inputs that are not URLs, and an unknown JOB_BACKEND, naming each', () => {
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('90s')).toBe(90_000);
    for (const bad of ['soon', '0s', '500ms', '31d', '-1h', '1 hour']) expect(parseInterval(bad)).toBeNull();
    expect(() => importJobSettingsFromEnv({ IMPORT_SCHEDULE_INPUTS: 'https://portal.example/feed.xml', IMPORT_SCHEDULE_EVERY: 'soon' }, 'postgres')).toThrow(
      'Invalid import job settings in the environment: IMPORT_SCHEDULE_EVERY must be an interval from 1s to 30d such as 15m, 1h or 1d, not "soon"',
    );
    expect(() => importJobSettingsFromEnv({ IMPORT_SCHEDULE_INPUTS: '/etc/passwd', JOB_BACKEND: 'kafka', IMPORT_JOB_LOCK_MS: '5' }, 'postgres')).toThrow(
      /IMPORT_JOB_LOCK_MS must be a whole number from 1000 to 600000, not "5"; JOB_BACKEND must be postgres or redis, not "kafka"; IMPORT_SCHEDULE_INPUTS must be http\(s\) URLs; not: \/etc\/passwd/,
    );
    expect(() => importJobSettingsFromEnv({ JOB_BACKEND: 'redis' }, 'pglite')).toThrow(/JOB_BACKEND=redis needs DATABASE_URL/);
    expect(() => importJobSettingsFromEnv({ IMPORT_WORKER: 'off' }, 'pglite')).toThrow(/IMPORT_WORKER=off needs DATABASE_URL/);
    expect(importJobSettingsFromEnv({ IMPORT_SCHEDULE_INPUTS: 'https://portal.example/feed.xml' }, 'pglite')).toMatchObject({
      backend: 'in-process',
      schedule: { inputs: ['https://portal.example/feed.xml'], everyMs: 3_600_000 },
    });
    expect(importJobSettingsFromEnv({}, 'postgres')).toMatchObject({ backend: 'postgres', attempts: 3, lockMs: 30_000, serverWorker: true, schedule: null });
  });

  it('derives one run id per scheduled job, the same on every attempt', () => {
    expect(runIdForJob('repeat:import-schedule:1')).toBe(runIdForJob('repeat:import-schedule:1'));
    expect(runIdForJob('repeat:import-schedule:1')).not.toBe(runIdForJob('repeat:import-schedule:2'));
    expect(runIdForJob('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('npm run worker refuses the embedded database, and bad settings, with exit 1 and a clear message', async () => {
    const embedded = await runMain(workerCli, [], {});
    expect(embedded.code).toBe(1);
    expect(embedded.stderr).toMatch(/npm run worker needs DATABASE_URL \(PostgreSQL\)\. On the embedded database \(PGlite\) the server runs imports itself/);
    const bad = await runMain(workerCli, [], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none', IMPORT_SCHEDULE_EVERY: 'soon', IMPORT_SCHEDULE_INPUTS: 'https://a.example/' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/IMPORT_SCHEDULE_EVERY must be an interval/);
    expect((await runMain(workerCli, ['--now'], {})).code).toBe(2);
  });
});
