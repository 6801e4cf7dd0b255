import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { openRedis } from '../src/db/redis.js';
import { redisReadiness } from '../src/http/health.js';
import { until } from './support/sse.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { createMetricsServer, operationLabel } from '../src/http/metrics.js';
import { createBoundedMemoryCache } from '../src/http/response-cache.js';
import { createMemoryRateLimitStore } from '../src/http/rate-limit.js';
import { createYogaServer, type YogaOptions, type YogaServer } from '../src/http/yoga.js';
import { createLogger } from '../src/observability/log.js';
import { createTestDatabase } from './support/database.js';
import { createOrganization } from './support/factory.js';
import { REDIS_URL, testStores } from './support/redis.js';

// Health and readiness, /metrics and its protection, request ids and the access log
// (docs/operations.md: Health, Metrics, Logs).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKEN = 'metrics-token-for-tests-0123456789';

/** A logger whose JSON lines land in `lines`. */
function capturedLogger() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger(stream, 'debug'), lines };
}

async function get(yoga: YogaServer, path: string, headers: Record<string, string> = {}) {
  const response = await yoga.fetch(`http://yoga${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text.startsWith('{') ? JSON.parse(text) : null };
}

async function post(yoga: YogaServer, query: string, headers: Record<string, string> = {}, variables?: unknown) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

/** A TCP port on loopback that nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('observability', () => {
  let db: Database;
  const others: Database[] = [];
  const serve = (options: Partial<YogaOptions> = {}, on: Database = db) =>
    createYogaServer({ prisma: on.prisma, readiness: { reuseMs: 0 }, ...options });
  const scrape = async (yoga: YogaServer) => (await get(yoga, '/metrics', { authorization: `Bearer ${TOKEN}` })).text;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    for (const other of others) await other.close().catch(() => {});
    await db?.close();
  });

  describe('health', () => {
    it('answers /healthz with 200 JSON that no cache may keep', async () => {
      const answer = await get(serve(), '/healthz');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'live' });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const head = await serve().fetch('http://yoga/healthz', { method: 'HEAD' });
      expect([head.status, await head.text()]).toEqual([200, '']);
    });

    it('answers /readyz with 200 when the database answers and its migrations are applied', async () => {
      const answer = await get(serve(), '/readyz');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', redis: 'not configured' } });
      expect(answer.headers.get('cache-control')).toBe('no-store');
    });

    it('answers whole bodies over HTTP, whichever probe came first', async () => {
      // Once, a shared headers object kept the first probe's content-length, and /readyz after
      // /healthz came cut to 17 bytes over Node's HTTP server (not through yoga.fetch).
      const server = createHttpServer(serve()).listen(0, '127.0.0.1');
      try {
        await once(server, 'listening');
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const path of ['/healthz', '/readyz', '/healthz', '/readyz']) {
          const response = await fetch(`${base}${path}`);
          const text = await response.text();
          expect(response.headers.get('content-length'), path).toBe(String(Buffer.byteLength(text)));
          expect(JSON.parse(text).status, path).toBe(path === '/healthz' ? 'live' : 'ready');
        }
      } finally {
        server.close();
      }
    });

    it('names Redis when the injected Redis check fails, throws or takes too long', async () => {
      expect((await get(serve({ readiness: { reuseMs: 0, redis: async () => true } }), '/readyz')).body.checks.redis).toBe('ok');
      for (const [redis, state] of [
        [async () => false, 'failed'],
        [async () => Promise.reject(new Error('ECONNREFUSED')), 'failed'],
        [() => new Promise<boolean>(() => {}), 'timeout'],
      ] as const) {
        const started = Date.now();
        const answer = await get(serve({ readiness: { reuseMs: 0, timeoutMs: 200, redis } }), '/readyz');
        expect(Date.now() - started).toBeLessThan(2000);
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({
          status: 'not ready',
          checks: { database: 'ok', migrations: 'ok', redis: state },
          failed: ['redis'],
        });
      }
    });

    it('names the database when it is closed', async () => {
      const closed = await createTestDatabase('pglite');
      const yoga = serve({}, closed);
      expect((await get(yoga, '/readyz')).status).toBe(200);
      await closed.close();
      const answer = await get(yoga, '/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        status: 'not ready',
        checks: { database: 'failed', migrations: 'unchecked', redis: 'not configured' },
        failed: ['database'],
      });
      // Liveness does no I/O: the process still answers.
      expect((await get(yoga, '/healthz')).status).toBe(200);
    });

    it('names the database when PostgreSQL does not answer', async () => {
      const unreachable = await openDatabase({ kind: 'postgres', url: `postgresql://postgres@127.0.0.1:${await deadPort()}/none` });
      others.push(unreachable);
      const answer = await get(serve({ readiness: { reuseMs: 0, timeoutMs: 2000 } }, unreachable), '/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body.failed).toEqual(['database']);
      expect(['failed', 'timeout']).toContain(answer.body.checks.database);
    });

    it('names the migrations when one shipped migration is not applied, and trusts them once they all were', async () => {
      const behind = await createTestDatabase('pglite');
      others.push(behind);
      const checkedEarlier = serve({}, behind);
      expect((await get(checkedEarlier, '/readyz')).status).toBe(200);
      await behind.prisma.$executeRaw`DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations)`;
      const answer = await get(serve({}, behind), '/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        status: 'not ready',
        checks: { database: 'ok', migrations: 'pending', redis: 'not configured' },
        failed: ['migrations'],
      });
      // Once all were applied, a server does not ask again (migrations are never unapplied).
      expect((await get(checkedEarlier, '/readyz')).status).toBe(200);
    });

    it('pings Redis on the service’s connection: true when it answers, false within its bound when it does not', async () => {
      for (const [url, expected] of [
        ...((await testStores()).includes('redis') ? [[REDIS_URL, true] as const] : []),
        [`redis://127.0.0.1:${await deadPort()}`, false] as const,
      ]) {
        const connection = openRedis(url, { logger: createLogger(undefined, 'silent') });
        try {
          if (expected) await until(() => connection.status() === 'up', 5_000, 'Redis to answer');
          const started = Date.now();
          expect(await redisReadiness(connection)(), url).toBe(expected);
          expect(Date.now() - started).toBeLessThan(3000);
        } finally {
          await connection.close();
        }
      }
    });

    it('answers probes outside the rate limit, while GraphQL requests are refused', async () => {
      const yoga = serve({ limits: { ...DEFAULT_LIMITS, rateLimit: { max: 1, windowMs: 60_000 } }, rateLimitStore: createMemoryRateLimitStore() });
      expect((await post(yoga, '{ viewer { kind } }')).status).toBe(200);
      expect((await post(yoga, '{ viewer { kind } }')).status).toBe(429);
      for (let i = 0; i < 5; i++) {
        expect((await get(yoga, '/healthz')).status).toBe(200);
        expect((await get(yoga, '/readyz')).status).toBe(200);
      }
    });
  });

  describe('metrics', () => {
    it('are not served on the API port without a metrics token configured', async () => {
      const answer = await get(serve(), '/metrics');
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('graphql_envelop');
    });

    it('are refused on the API port without the right token', async () => {
      const yoga = serve({ metricsToken: TOKEN });
      const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }];
      for (const headers of refused) {
        const answer = await get(yoga, '/metrics', headers);
        expect(answer.status).toBe(401);
        expect(answer.text).not.toContain('graphql_envelop');
      }
      expect((await get(yoga, '/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });

    it('are served on a listener of their own, and nothing else there', async () => {
      const server = createMetricsServer().listen(0, '127.0.0.1');
      try {
        await once(server, 'listening');
        const { port } = server.address() as AddressInfo;
        const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = await answer.text();
        expect(text).toContain('# TYPE cf_rate_limit_refusals_total counter');
        expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
      } finally {
        server.close();
      }
    });

    it('time a named operation through its phases, and include process metrics', async () => {
      const yoga = serve({ metricsToken: TOKEN });
      const before = await scrape(yoga);
      expect((await post(yoga, 'query MetricsNamedOperation { viewer { kind } }')).status).toBe(200);
      const after = await scrape(yoga);
      const labels = { operationName: 'MetricsNamedOperation', operationType: 'query' };
      for (const name of [
        'graphql_envelop_phase_parse_count',
        'graphql_envelop_phase_validate_count',
        'graphql_envelop_phase_execute_count',
        'graphql_envelop_request_duration_count',
        'graphql_envelop_request',
      ]) {
        expect(sample(after, name, labels) - sample(before, name, labels), name).toBe(1);
      }
      expect(sample(after, 'graphql_yoga_http_duration_count', { ...labels, method: 'POST', statusCode: '200' })).toBeGreaterThanOrEqual(1);
      // prom-client's defaults: memory and event loop lag.
      expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(after).toContain('nodejs_eventloop_lag_seconds');
      // No pool on PGlite: the pool gauge has no samples.
      expect(after).not.toMatch(/^cf_database_pool_connections\{/m);
    });

    it('count errors by their code, a cache hit and a 429', async () => {
      const yoga = serve({
        metricsToken: TOKEN,
        responseCache: { cache: createBoundedMemoryCache(), ttlMs: 60_000 },
        limits: { ...DEFAULT_LIMITS, rateLimit: { max: 3, windowMs: 60_000 } },
        rateLimitStore: createMemoryRateLimitStore(),
      });
      const before = await scrape(yoga);
      const org = await createOrganization(db.prisma);
      const query = 'query MetricsCached($slug: String!) { organization(slug: $slug) { name } }';
      expect((await post(yoga, query, {}, { slug: org.slug })).body.extensions?.responseCache).toMatchObject({ hit: false });
      expect((await post(yoga, query, {}, { slug: org.slug })).body.extensions?.responseCache).toEqual({ hit: true });
      expect((await post(yoga, '{ noSuchField }')).body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await post(yoga, '{ viewer { kind } }')).status).toBe(429);
      // The scrapes are counted too (the token is a credential): the 429 came first.
      const after = await scrape(yoga);
      const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      expect(delta('cf_response_cache_lookups_total', { result: 'hit' })).toBe(1);
      expect(delta('cf_response_cache_lookups_total', { result: 'miss' })).toBe(1);
      expect(delta('cf_graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
      expect(delta('graphql_envelop_error_result', { operationName: 'Anonymous', phase: 'validate' })).toBe(1);
      expect(delta('cf_rate_limit_refusals_total', { limit: 'requests' })).toBe(1);
    });

    it('report the PostgreSQL pool', async () => {
      const unreachable = await openDatabase({ kind: 'postgres', url: `postgresql://postgres@127.0.0.1:${await deadPort()}/none` });
      others.push(unreachable);
      const yoga = serve({ metricsToken: TOKEN }, unreachable);
      const text = await scrape(yoga);
      expect(text).toMatch(/^cf_database_pool_connections\{state="total"\} 0$/m);
      expect(text).toMatch(/^cf_database_pool_connections\{state="waiting"\} 0$/m);
    });
    // Last of the metrics tests: it fills the names clients may add.
    it('keep the trusted documents’ operation names as labels however many other names clients send', () => {
      serve(); // its metrics plugin learns the trusted documents' names
      for (let i = 0; i < 150; i++) operationLabel(`Junk${i}`);
      expect(operationLabel('Junk149')).toBe('other');
      expect(operationLabel('BrandNewName')).toBe('other');
      expect(operationLabel('PartnerArticle')).toBe('PartnerArticle');
      expect(operationLabel('BenchQ3')).toBe('BenchQ3');
      expect(operationLabel('not a name!')).toBe('other');
    });
  });

  describe('request ids and logs', () => {
    it('echoes a sane x-request-id and logs one access line with it', async () => {
      const { logger, lines } = capturedLogger();
      const answer = await post(serve({ logger }), 'query LoggedOperation { viewer { kind } }', { 'x-request-id': 'edge-1:abc.DEF_9' });
      expect(answer.headers.get('x-request-id')).toBe('edge-1:abc.DEF_9');
      const access = lines.filter((line) => line.msg === 'request');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        level: 30,
        requestId: 'edge-1:abc.DEF_9',
        method: 'POST',
        path: '/graphql',
        status: 200,
        operationName: 'LoggedOperation',
      });
      expect(access[0]!.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('replaces a missing, overlong or malformed x-request-id with a new UUID', async () => {
      const yoga = serve();
      const ids = new Set<string>();
      for (const presented of [undefined, 'x'.repeat(129), 'has space', 'semi;colon', 'ünïcode', '']) {
        const answer = await post(yoga, '{ viewer { kind } }', presented === undefined ? {} : { 'x-request-id': presented });
        const id = answer.headers.get('x-request-id')!;
        expect(id).toMatch(UUID);
        ids.add(id);
      }
      expect(ids.size).toBe(6);
      expect((await post(yoga, '{ viewer { kind } }', { 'x-request-id': 'x'.repeat(128) })).headers.get('x-request-id')).toBe('x'.repeat(128));
    });

    it('puts the request id in every error, masked ones too, and on the log line of the unexpected error', async () => {
      const { logger, lines } = capturedLogger();
      const broken = await createTestDatabase('pglite');
      const yoga = serve({ logger }, broken);
      await broken.close();

      const unexpected = await post(yoga, 'query Broken { organization(slug: "x") { name } }', { 'x-request-id': 'masked-1' });
      expect(unexpected.body.errors).toHaveLength(1);
      expect(unexpected.body.errors[0]).toMatchObject({
        message: 'Unexpected error.',
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'masked-1' },
      });
      expect(JSON.stringify(unexpected.body)).not.toMatch(/PGlite|prisma|closed/i);
      const logged = lines.find((line) => line.msg === 'Unexpected error while executing a GraphQL request');
      expect(logged).toMatchObject({ level: 50, requestId: 'masked-1' });
      expect(logged!.err.message).toBeTruthy();
      expect(lines.find((line) => line.msg === 'request')).toMatchObject({ requestId: 'masked-1', operationName: 'Broken' });

      // Errors from before execution (here a syntax error) carry it too.
      const unparsable = await post(yoga, '{ viewer { kind }', { 'x-request-id': 'parse-1', accept: 'application/graphql-response+json' });
      expect(unparsable.status).toBe(400);
      expect(unparsable.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', requestId: 'parse-1' });
    });

    it('puts the request id in a 429 refusal', async () => {
      const yoga = serve({ limits: { ...DEFAULT_LIMITS, rateLimit: { max: 1, windowMs: 60_000 } }, rateLimitStore: createMemoryRateLimitStore() });
      await post(yoga, '{ viewer { kind } }');
      const refused = await post(yoga, '{ viewer { kind } }', { 'x-request-id': 'limited-1' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-request-id')).toBe('limited-1');
      expect(refused.body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', requestId: 'limited-1' });
    });

    it('logs probes at debug, not info, and gives them a request id too', async () => {
      const { logger, lines } = capturedLogger();
      const answer = await get(serve({ logger }), '/healthz', { 'x-request-id': 'probe-1' });
      expect(answer.headers.get('x-request-id')).toBe('probe-1');
      expect(lines.filter((line) => line.msg === 'request')).toEqual([
        expect.objectContaining({ level: 20, requestId: 'probe-1', path: '/healthz', status: 200 }),
      ]);
    });
  });
});
