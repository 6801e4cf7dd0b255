import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { type Database, openDatabase, pgConnectionFields } from '../src/db/client.js';
import { isDatabaseUnavailable, toExpectedError } from '../src/domain/errors.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { createBoundedMemoryCache } from '../src/http/response-cache.js';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { createTestDatabase, testBackends } from './support/database.js';
import { createOrganization, unique } from './support/factory.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

// PostgreSQL going away under a running server. The server reaches its own test database through a
// loopback proxy that the tests cut (every connection reset, new ones refused), silence (nothing
// forwarded) and restore; locks held on a direct connection keep a request in flight at the moment
// of the cut. The shared PostgreSQL server itself is never touched.

const STATEMENT_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 1_000;

interface Answer {
  status: number;
  ms: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

describe('what counts as the database being unavailable', () => {
  const code = (error: unknown) => toExpectedError(error)?.extensions.code ?? null;
  const known = (errorCode: string, meta?: Record<string, unknown>) =>
    new Prisma.PrismaClientKnownRequestError('…', { code: errorCode, clientVersion: 'test', meta });

  it('maps Prisma’s connection codes and the driver adapter’s wrappers to SERVICE_UNAVAILABLE', () => {
    for (const prismaCode of ['P1001', 'P1002', 'P1008', 'P1017', 'P2024']) expect(code(known(prismaCode))).toBe('SERVICE_UNAVAILABLE');
    expect(code(known('P2010', { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } }))).toBe('SERVICE_UNAVAILABLE');
    expect(code(known('P2010', { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } }))).toBe('SERVICE_UNAVAILABLE');
    expect(code(known('P2010', { driverAdapterError: { cause: { kind: 'postgres', code: '08006' } } }))).toBe('SERVICE_UNAVAILABLE');
  });

  it('leaves failures of a working connection, and socket errors from elsewhere, alone', () => {
    expect(code(known('P2010', { driverAdapterError: { cause: { kind: 'postgres', code: '57014' } } }))).toBeNull();
    expect(code(known('P2002', { target: ['slug'] }))).toBe('BAD_USER_INPUT');
    // An import's fetch refused is not the database.
    expect(code(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:80'), { code: 'ECONNREFUSED' }))).toBeNull();
  });

  it('knows node-postgres’ own shapes (the compiled reads turn them into SERVICE_UNAVAILABLE)', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(false);
  });
});

describe.runIf(testBackends().includes('postgres'))('database faults', () => {
  let direct: Database; // the test's own connection, never cut
  let proxy: TcpProxy;
  let served: Database; // the server's connection, through the proxy
  let compiled: YogaServer;
  let prismaPath: YogaServer;
  let cached: YogaServer;
  let editor: string;
  const lockers: pg.Client[] = [];

  beforeAll(async () => {
    direct = await createTestDatabase('postgres');
    if (direct.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const { host, port } = pgConnectionFields(direct.config.url);
    proxy = await startTcpProxy({ host, port });
    const url = new URL(direct.config.url);
    url.port = String(proxy.port);
    served = await openDatabase(
      { kind: 'postgres', url: url.toString() },
      { poolSize: 4, statementTimeoutMs: STATEMENT_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
    );
    compiled = createYogaServer({ prisma: served.prisma });
    prismaPath = createYogaServer({ prisma: served.prisma, compiledReads: false });
    cached = createYogaServer({ prisma: served.prisma, responseCache: { cache: createBoundedMemoryCache(), ttlMs: 60_000 } });
    editor = (await createCredential(direct.prisma, { kind: 'EDITOR', name: unique('editor') })).secret;
  });

  afterEach(async () => {
    for (const locker of lockers.splice(0)) await locker.end().catch(() => {});
    await proxy?.restore();
  });

  afterAll(async () => {
    await served?.close().catch(() => {});
    await proxy?.close();
    await direct?.close();
  });

  async function post(yoga: YogaServer, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> {
    const started = performance.now();
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Answer['body'];
    return { status: response.status, ms: performance.now() - started, body };
  }

  /** A direct connection holding `lock` in an open transaction, until the test ends. */
  async function hold(lock: string) {
    if (direct.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const locker = new pg.Client(pgConnectionFields(direct.config.url));
    await locker.connect();
    lockers.push(locker);
    await locker.query('BEGIN');
    await locker.query(lock);
    return locker;
  }

  /** The server's backends (connected through the proxy), as PostgreSQL lists them. */
  async function servedBackends() {
    const ports = proxy.upstreamPorts();
    return direct.prisma.$queryRawUnsafe<{ pid: number; state: string | null; wait_event_type: string | null }[]>(
      `SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE datname = current_database() AND client_port = ANY($1::int[])`,
      ports,
    );
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const waitingOnLock = () => until('a request waiting on the lock', async () => (await servedBackends()).some((b) => b.wait_event_type === 'Lock'));

  /** A clean SERVICE_UNAVAILABLE: 503, the stable code, and no driver, Prisma or SQL text. */
  function expectUnavailable(answer: Answer) {
    expect(answer.status).toBe(503);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(answer.body.errors![0]!.message).toBe('The database is unavailable right now. Retry in a few seconds.');
    expect(JSON.stringify(answer.body)).not.toMatch(/prisma|postgres|connection|ECONN|terminat|timeout|select/i);
  }

  const ORGANIZATION = 'query ($slug: String!) { organization(slug: $slug) { name version } }';
  const ORGANIZATIONS = 'query { organizations(first: 1) { totalCount } }';
  const UPDATE = `mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { name version } } }`;

  for (const [path, server] of [
    ['compiled', () => compiled],
    ['Prisma', () => prismaPath],
  ] as const) {
    it(`answers a read in flight when its connection is reset with SERVICE_UNAVAILABLE at once (${path} path)`, async () => {
      const org = await createOrganization(direct.prisma);
      expect((await post(server(), ORGANIZATION, { slug: org.slug })).body).toEqual({ data: { organization: { name: org.name, version: 1 } } });
      await hold('LOCK TABLE "Organization" IN ACCESS EXCLUSIVE MODE');
      const inFlight = post(server(), ORGANIZATION, { slug: org.slug });
      await waitingOnLock();
      const cutAt = performance.now();
      await proxy.cut();
      const answer = await inFlight;
      expectUnavailable(answer);
      expect(performance.now() - cutAt).toBeLessThan(1_000);
    });
  }

  it('answers a read in flight when PostgreSQL ends its connection (57P01, admin shutdown) with SERVICE_UNAVAILABLE', async () => {
    const org = await createOrganization(direct.prisma);
    await hold('LOCK TABLE "Organization" IN ACCESS EXCLUSIVE MODE');
    const inFlight = post(prismaPath, ORGANIZATION, { slug: org.slug });
    await waitingOnLock();
    const pids = (await servedBackends()).map((b) => b.pid);
    await direct.prisma.$queryRawUnsafe('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', pids);
    expectUnavailable(await inFlight);
  });

  it('drops connections PostgreSQL ended while they were idle, and answers the next request normally', async () => {
    const org = await createOrganization(direct.prisma);
    for (const server of [compiled, prismaPath]) expect((await post(server, ORGANIZATION, { slug: org.slug })).status).toBe(200);
    const idle = await servedBackends();
    expect(idle.length).toBeGreaterThan(0);
    await direct.prisma.$queryRawUnsafe('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', idle.map((b) => b.pid));
    await until('the terminated backends to go', async () => (await servedBackends()).every((b) => !idle.some((i) => i.pid === b.pid)));
    // The pool heard the idle connections' errors and dropped them: no request pays for them.
    for (const server of [compiled, prismaPath, compiled, prismaPath]) {
      expect((await post(server, ORGANIZATION, { slug: org.slug })).body).toEqual({ data: { organization: { name: org.name, version: 1 } } });
    }
  });

  it('answers every request while PostgreSQL refuses connections with SERVICE_UNAVAILABLE, fast', async () => {
    const org = await createOrganization(direct.prisma);
    await proxy.cut();
    for (const answer of [
      await post(compiled, ORGANIZATION, { slug: org.slug }),
      await post(prismaPath, ORGANIZATION, { slug: org.slug }),
      await post(prismaPath, ORGANIZATIONS),
      // The credential is looked up before anything runs: that fails the same way.
      await post(compiled, ORGANIZATION, { slug: org.slug }, editor),
      // With the response cache, the credential is verified by the cache's session, earlier still.
      await post(cached, ORGANIZATION, { slug: org.slug }, editor),
      await post(cached, ORGANIZATION, { slug: org.slug }),
      await post(compiled, UPDATE, { input: { id: encodeGlobalId('Organization', org.id), expectedVersion: 1, name: '新名称' } }, editor),
    ]) {
      expectUnavailable(answer);
      expect(answer.ms).toBeLessThan(500);
    }
  });

  it('answers within the connect timeout while connections to PostgreSQL hang, and within the statement timeout and a margin when a read in flight goes silent', async () => {
    const org = await createOrganization(direct.prisma);
    await post(compiled, ORGANIZATION, { slug: org.slug });
    await hold('LOCK TABLE "Organization" IN ACCESS EXCLUSIVE MODE');
    const inFlight = post(compiled, ORGANIZATION, { slug: org.slug });
    await waitingOnLock();
    proxy.blackhole();
    const silent = await inFlight;
    expectUnavailable(silent);
    expect(silent.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 2_000 + 1_500);

    // New connections are accepted by the proxy but never answered: the connect timeout decides.
    await proxy.cut();
    await proxy.restore();
    proxy.blackhole();
    const hanging = await post(prismaPath, ORGANIZATION, { slug: org.slug });
    expectUnavailable(hanging);
    expect(hanging.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500);
  });

  it('commits an editorial write cut in the middle of its transaction not at all, and the retried write once', async () => {
    const org = await createOrganization(direct.prisma);
    const id = encodeGlobalId('Organization', org.id);
    const input = { id, expectedVersion: 1, name: `改名 ${org.slug}` };
    // The update runs, then the transaction waits for the audit table: the cut falls in between.
    const locker = await hold('LOCK TABLE "AuditLogEntry" IN EXCLUSIVE MODE');
    const inFlight = post(compiled, UPDATE, { input }, editor);
    await waitingOnLock();
    const cutPorts = proxy.upstreamPorts();
    await proxy.cut();
    expectUnavailable(await inFlight);
    // PostgreSQL finds the client gone once the lock is free, and rolls the transaction back.
    await locker.query('ROLLBACK');
    await until('the cut backends to end', async () => {
      const rows = await direct.prisma.$queryRawUnsafe<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND client_port = ANY($1::int[])',
        cutPorts,
      );
      return rows[0]!.n === 0;
    });
    const audit = () => direct.prisma.auditLogEntry.findMany({ where: { entityId: org.id } });
    expect(await direct.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: org.name, version: 1 });
    expect(await audit()).toEqual([]);

    await proxy.restore();
    const retried = await post(compiled, UPDATE, { input }, editor);
    expect(retried.body).toEqual({ data: { updateOrganization: { organization: { name: input.name, version: 2 } } } });
    expect(await direct.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({ name: input.name, version: 2 });
    expect(await audit()).toHaveLength(1);
  });

  it('answers correctly again within seconds of PostgreSQL coming back, without a restart', async () => {
    const org = await createOrganization(direct.prisma);
    const expected = { data: { organization: { name: org.name, version: 1 } } };
    for (const server of [compiled, prismaPath]) expect((await post(server, ORGANIZATION, { slug: org.slug })).body).toEqual(expected);
    await proxy.cut();
    for (const server of [compiled, prismaPath]) expectUnavailable(await post(server, ORGANIZATION, { slug: org.slug }));
    await proxy.restore();
    const restoredAt = performance.now();
    for (const server of [compiled, prismaPath]) {
      let answer = await post(server, ORGANIZATION, { slug: org.slug });
      for (let attempt = 1; answer.status !== 200 && attempt < 50; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await post(server, ORGANIZATION, { slug: org.slug });
      }
      expect(answer.body).toEqual(expected);
    }
    const recoveryMs = performance.now() - restoredAt;
    console.info(`database faults: answering again ${recoveryMs.toFixed(0)} ms after PostgreSQL came back`);
    expect(recoveryMs).toBeLessThan(5_000);
  });
});
