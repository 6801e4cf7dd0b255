import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { openRedis, type RedisConnection } from '../src/db/redis.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { createRateLimitStore, type RateLimitStore } from '../src/http/rate-limit.js';
import { createResponseCacheStore, type ResponseCacheStore } from '../src/http/response-cache.js';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { dependencyUp } from '../src/observability/metrics.js';
import { createTestApi, postFrom, type TestApi } from './support/api.js';
import { createOrganization, unique } from './support/factory.js';
import { type PrivateRedis, redisServerAvailable, startPrivateRedis } from './support/redis.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

// Redis going away under a running server: a private redis-server that the tests kill, pause and
// start again, and a loopback proxy in front of it that they cut (Redis keeps its data, the
// network is gone). The response cache answers uncached meanwhile, rate limits are counted in the
// process, the state change is logged once each way, and everything goes back to Redis after.

const QUERY = 'query ($slug: String!) { organization(slug: $slug) { name } }';
const UPDATE = 'mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { name version } } }';
const RATE = { max: 3, windowMs: 60_000 };

/** A Redis connection with its own captured log, the two stores on it, and servers using them. */
interface Setup {
  connection: RedisConnection;
  lines: { level: number; msg: string }[];
  cacheStore: ResponseCacheStore;
  rateStore: RateLimitStore;
  cached: YogaServer;
  limited: YogaServer;
  close(): Promise<void>;
}

describe.runIf(redisServerAvailable())('Redis faults', () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let api: TestApi;
  let editor: string;
  let direct: Setup; // connected to redis-server itself
  let proxied: Setup; // connected through the proxy

  async function setup(url: string): Promise<Setup> {
    const lines: Setup['lines'] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const connection = openRedis(url, { logger, commandTimeoutMs: 1_000 });
    const cacheStore = createResponseCacheStore(connection);
    const rateStore = createRateLimitStore(connection);
    return {
      connection,
      lines,
      cacheStore,
      rateStore,
      cached: createYogaServer({ prisma: api.db.prisma, responseCache: { cache: cacheStore.cache, ttlMs: 60_000 } }),
      limited: createYogaServer({ prisma: api.db.prisma, limits: { ...DEFAULT_LIMITS, rateLimit: RATE }, rateLimitStore: rateStore }),
      async close() {
        await cacheStore.close();
        await rateStore.close();
        await connection.close();
      },
    };
  }

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    api = await createTestApi('pglite');
    editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: unique('editor') })).secret;
    direct = await setup(redis.url);
    proxied = await setup(`redis://127.0.0.1:${proxy.port}`);
  });

  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
    await proxy?.close();
    await redis?.kill();
    await api?.close();
  });

  async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Date.now() - started;
  }

  // Every test starts with Redis running and both connections up.
  beforeEach(async () => {
    redis.resume();
    await proxy.restore();
    if (!(await pingDirect())) await redis.start();
    await until('Redis to be up', () => direct.connection.status() === 'up' && proxied.connection.status() === 'up');
  });

  async function pingDirect() {
    const client = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /** Keys in the private Redis matching `pattern`. */
  async function keys(pattern: string) {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      return await client.keys(pattern);
    } finally {
      client.disconnect();
    }
  }

  const gauge = async () => (await dependencyUp.get()).values.find((v) => v.labels.dependency === 'redis')?.value;
  const downLines = (s: Setup) => s.lines.filter((line) => /^Redis is down/.test(line.msg));
  const upLines = (s: Setup) => s.lines.filter((line) => /^Redis is back up/.test(line.msg));

  async function ask(yoga: YogaServer, slug: string, from = '192.0.2.1') {
    const started = performance.now();
    const answer = await postFrom(yoga, { query: QUERY, variables: { slug } }, { from });
    return { ...answer, ms: performance.now() - started, hit: answer.body.extensions?.responseCache?.hit as boolean | undefined };
  }

  it('answers uncached and rate-limits in memory while Redis is killed, logs each change once, and uses Redis again once it is back', async () => {
    const org = await createOrganization(api.db.prisma);
    const before = { downs: downLines(direct).length, ups: upLines(direct).length };
    expect((await ask(direct.cached, org.slug)).hit).toBe(false);
    expect((await ask(direct.cached, org.slug)).hit).toBe(true);

    await redis.kill();
    await until('the connection to see Redis gone', () => direct.connection.status() === 'down');
    expect(direct.cacheStore.status()).toBe('down');
    expect(direct.rateStore.status()).toBe('down');
    expect(await gauge()).toBe(0);
    await api.db.prisma.organization.update({ where: { id: org.id }, data: { name: `${org.name} 新` } });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await ask(direct.cached, org.slug);
      times.push(answer.ms);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ organization: { name: `${org.name} 新` } });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.hit).toBe(false);
      expect(answer.ms).toBeLessThan(800); // no waiting on Redis (its command timeout is 1000 ms)
    }
    console.info(`Redis faults: answers while Redis is down took ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    // Rate limits still hold: counted in this process.
    const address = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    const statuses = [];
    for (let i = 0; i < RATE.max + 1; i++) statuses.push((await ask(direct.limited, org.slug, address)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(downLines(direct)).toHaveLength(before.downs + 1);
    expect(downLines(direct).at(-1)).toMatchObject({ level: 40 });

    const restartedAt = Date.now();
    await redis.start();
    await until('the connection to see Redis back', () => direct.connection.status() === 'up');
    const backMs = Date.now() - restartedAt;
    console.info(`Redis faults: using Redis again ${backMs} ms after redis-server was started again`);
    expect(backMs).toBeLessThan(3_000);
    expect(await gauge()).toBe(1);
    expect(upLines(direct)).toHaveLength(before.ups + 1);
    expect(downLines(direct)).toHaveLength(before.downs + 1);
    // Cached in Redis again (the restarted Redis started empty).
    const first = await ask(direct.cached, org.slug);
    expect(first.hit).toBe(false);
    expect(await keys('operations:*')).toHaveLength(1);
    const second = await ask(direct.cached, org.slug);
    expect(second.hit).toBe(true);
    expect(second.body.data).toEqual({ organization: { name: `${org.name} 新` } });
    // Counted in Redis again.
    expect((await ask(direct.limited, org.slug, '203.0.113.9')).status).toBe(200);
    expect(await keys(`*ip:203.0.113.9`)).toHaveLength(1);
  });

  it('stops waiting on a Redis that hangs: it is taken as down after one command timeout, and up again when it answers', async () => {
    const org = await createOrganization(api.db.prisma);
    const before = { downs: downLines(direct).length, ups: upLines(direct).length };
    await ask(direct.cached, org.slug);
    redis.pause();
    const slow = await ask(direct.cached, org.slug);
    expect(slow.status).toBe(200);
    expect(slow.body.data).toEqual({ organization: { name: org.name } });
    expect(slow.hit).toBe(false);
    await until('the connection to take Redis as down', () => direct.connection.status() === 'down', 5_000);
    for (let i = 0; i < 3; i++) {
      const answer = await ask(direct.cached, org.slug);
      expect(answer.body.data).toEqual({ organization: { name: org.name } });
      expect(answer.ms).toBeLessThan(800);
    }
    expect(downLines(direct)).toHaveLength(before.downs + 1);
    redis.resume();
    await until('the connection to see Redis answer again', () => direct.connection.status() === 'up', 5_000);
    expect(upLines(direct)).toHaveLength(before.ups + 1);
    expect((await ask(direct.cached, org.slug)).hit).toBe(true);
  });

  it('never serves an answer cached before the network to Redis was cut that a write made stale meanwhile', async () => {
    const org = await createOrganization(api.db.prisma);
    const before = { downs: downLines(proxied).length, ups: upLines(proxied).length };
    await ask(proxied.cached, org.slug);
    expect((await ask(proxied.cached, org.slug)).hit).toBe(true);
    await proxy.cut();
    await until('the connection to see Redis gone', () => proxied.connection.status() === 'down');
    const name = `${org.name} 改`;
    const write = await postFrom(
      proxied.cached,
      { query: UPDATE, variables: { input: { id: encodeGlobalId('Organization', org.id), expectedVersion: 1, name } } },
      { headers: { authorization: `Bearer ${editor}` } },
    );
    expect(write.body).toMatchObject({ data: { updateOrganization: { organization: { name, version: 2 } } } });
    await proxy.restore();
    await until('the connection to see Redis back', () => proxied.connection.status() === 'up');
    // Redis kept the old answer; the invalidations missed during the cut are replayed before the
    // cache is used again, so no answer is the stale one, and the new one is soon cached.
    let cachedAgain = false;
    for (let i = 0; i < 20 && !cachedAgain; i++) {
      const after = await ask(proxied.cached, org.slug);
      expect(after.body.data).toEqual({ organization: { name } });
      cachedAgain = after.hit === true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(cachedAgain).toBe(true);
    expect(downLines(proxied)).toHaveLength(before.downs + 1);
    expect(upLines(proxied)).toHaveLength(before.ups + 1);
  });
});
