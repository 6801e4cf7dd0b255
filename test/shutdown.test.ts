import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, pgConnectionFields } from '../src/db/client.js';
import { createTestDatabase, testBackends } from './support/database.js';
import { createOrganization } from './support/factory.js';

// The server as it runs (node src/server.ts, on PostgreSQL, real HTTP on loopback) receiving
// SIGTERM with requests in flight. A lock held on a direct connection keeps a query running.

const QUERY = 'query ($slug: String!) { organization(slug: $slug) { name } }';

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

describe.runIf(testBackends().includes('postgres'))('shutdown', () => {
  let db: Database;
  const children: Running[] = [];
  const lockers: pg.Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterEach(async () => {
    for (const locker of lockers.splice(0)) await locker.end().catch(() => {});
    for (const { child } of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await db?.close();
  });

  async function startServer(env: Record<string, string> = {}): Promise<Running> {
    if (db.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', DATABASE_URL: db.config.url, REDIS_URL: '', RESPONSE_CACHE: 'off', LOG_LEVEL: 'info', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child.once('exit', (code) => resolve({ code, at: performance.now() })),
    );
    const running: Running = { child, port: 0, output: () => output, exited };
    children.push(running);
    const started = Date.now();
    let match: RegExpExecArray | null;
    while (!(match = /http:\/\/127\.0\.0\.1:(\d+)\/graphql/.exec(output))) {
      if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running.port = Number(match[1]);
    return running;
  }

  interface Reply {
    status: number;
    headers: IncomingMessage['headers'];
    body: string;
  }

  /** One POST; `socket` hands over the connection it went out on. */
  function post(port: number, body: string, { agent, socket }: { agent?: Agent; socket?: (s: Socket) => void } = {}) {
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (socket) req.on('socket', socket);
      req.end(body);
    });
  }

  async function holdOrganizations() {
    if (db.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const locker = new pg.Client(pgConnectionFields(db.config.url));
    await locker.connect();
    lockers.push(locker);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE "Organization" IN ACCESS EXCLUSIVE MODE');
    return locker;
  }

  async function waitingOnLock() {
    const started = Date.now();
    for (;;) {
      const rows = await db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if (rows[0]!.n > 0) return;
      if (Date.now() - started > 10_000) throw new Error('no request is waiting on the lock');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const refused = (port: number) =>
    post(port, JSON.stringify({ query: '{ __typename }' })).then(
      () => false,
      (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
    );

  it('lets a request in flight at SIGTERM finish, refuses new connections, closes idle keep-alive ones at once, and exits 0', async () => {
    const org = await createOrganization(db.prisma);
    const server = await startServer();
    const body = JSON.stringify({ query: QUERY, variables: { slug: org.slug } });

    // An idle keep-alive connection, left open by an earlier request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocket: Socket | undefined;
    expect((await post(server.port, body, { agent, socket: (s) => (idleSocket = s) })).status).toBe(200);
    const idleClosed = new Promise<number>((resolve) => idleSocket!.once('close', () => resolve(performance.now())));

    const locker = await holdOrganizations();
    const inFlight = post(server.port, body);
    await waitingOnLock();
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');

    expect(await idleClosed).toBeLessThan(signalledAt + 1_000);
    const started = Date.now();
    while (!(await refused(server.port))) {
      if (Date.now() - started > 2_000) throw new Error('new connections are still accepted after SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // The request is still running; it gets its whole answer once the lock is released.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.child.exitCode).toBeNull();
    await locker.query('ROLLBACK');
    const releasedAt = performance.now();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ data: { organization: { name: org.name } } });
    expect(reply.headers.connection).toBe('close');

    const exit = await server.exited;
    expect(exit.code).toBe(0);
    console.info(`shutdown: exited ${(exit.at - signalledAt).toFixed(0)} ms after SIGTERM, ${(exit.at - releasedAt).toFixed(0)} ms after the last answer could finish`);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(server.output()).toMatch(/SIGTERM: closing/);
    agent.destroy();
  }, 60_000);

  it('cuts requests still running after SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const org = await createOrganization(db.prisma);
    const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '2000' });
    // A request whose body never finishes arriving…
    const streaming = new Promise<string>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: server.port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.on('response', () => resolve('answered'));
      req.write('{"query":');
    });
    // …and one whose query waits on a lock that is never released.
    await holdOrganizations();
    const waiting = post(server.port, JSON.stringify({ query: QUERY, variables: { slug: org.slug } })).then(
      (reply) => `answered ${reply.status}`,
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    await waitingOnLock();
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');

    expect(await streaming).toBe('ECONNRESET');
    expect(await waiting).toBe('ECONNRESET');
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    console.info(`shutdown: exited ${(exit.at - signalledAt).toFixed(0)} ms after SIGTERM with requests cut at the 1000 ms bound`);
    // The bound, then the database closes once PostgreSQL cancels the abandoned statement.
    expect(exit.at - signalledAt).toBeGreaterThan(1_000);
    expect(exit.at - signalledAt).toBeLessThan(1_000 + 2_000 + 3_000);
    expect(server.output()).toMatch(/Cutting 2 request\(s\) still running after the shutdown timeout/);
  }, 60_000);
});
