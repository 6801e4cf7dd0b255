import type { Plugin } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { RedisConnection } from '../db/redis.js';
import { pingDatabase, shippedMigrations, unappliedMigrations } from '../db/readiness.js';
import { log } from '../observability/log.js';
import { dependencyUp } from '../observability/metrics.js';

// GET /healthz (live: the process answers; no I/O) and GET /readyz (ready: the database answers,
// its migrations are applied, Redis answers when configured). Both answer before every other
// plugin but yoga's own (so no rate limit, CSRF check or credential applies), in JSON, never
// cached. Yoga's useReadinessCheck is not used: it matches any URL that ends in its path, query
// strings included (`/graphql?x=/readyz`), and its answers carry no cache-control.
//
// Yoga's own liveness answer stays at /health (an empty 200, `healthCheckEndpoint`'s default).

export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

type CheckState = 'ok' | 'failed' | 'pending' | 'timeout' | 'unchecked' | 'not configured';

/** Readiness checks beyond the defaults; each answers true (ready) or false/throws (not ready). */
export interface ReadinessOptions {
  /** Redis answers; omitted: "not configured" (no REDIS_URL). See {@link redisReadiness}. */
  redis?: () => Promise<boolean>;
  /** Replaces the default database check (`SELECT 1`). */
  database?: () => Promise<boolean>;
  /** Replaces the default migrations check (every migration in prisma/migrations applied). */
  migrations?: () => Promise<boolean>;
  /** How long each check may take before it counts as failed. Default 1,000 ms. */
  timeoutMs?: number;
  /** Concurrent and repeated probes within this many ms share one answer. Default 1,000 ms. */
  reuseMs?: number;
}

interface Readiness {
  ready: boolean;
  checks: Record<'database' | 'migrations' | 'redis', CheckState>;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The default migrations check: true once every shipped migration is applied, and from then on. */
function migrationsCheck(prisma: PrismaClient): () => Promise<boolean> {
  let applied = false;
  let shipped: Promise<string[]> | undefined;
  return async () => {
    if (applied) return true;
    const missing = await unappliedMigrations(prisma, await (shipped ??= shippedMigrations()));
    if (missing.length) log.warn({ missing }, 'Readiness: migrations are not applied');
    // Applied migrations are never unapplied: checked once, not on every probe.
    return (applied = missing.length === 0);
  };
}

/** The readiness probe: each check bounded in time, all at once; repeated probes share an answer. */
export function createReadiness(prisma: PrismaClient, options: ReadinessOptions = {}): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const reuseMs = options.reuseMs ?? 1000;
  const database = options.database ?? (() => pingDatabase(prisma).then(() => true));
  const migrations = options.migrations ?? migrationsCheck(prisma);
  let last: { at: number; answer: Promise<Readiness> } | undefined;
  let wasReady: boolean | undefined;

  async function run(check: (() => Promise<boolean>) | undefined, name: string): Promise<CheckState> {
    if (!check) return 'not configured';
    const outcome = await within(
      check().catch((error: unknown) => {
        log.warn({ err: error, check: name }, 'Readiness check failed');
        return false;
      }),
      timeoutMs,
    );
    return outcome === 'timeout' ? 'timeout' : outcome ? 'ok' : name === 'migrations' ? 'pending' : 'failed';
  }

  async function probe(): Promise<Readiness> {
    const [db, redis] = await Promise.all([run(database, 'database'), run(options.redis, 'redis')]);
    // Migrations are read from the database: when it does not answer, they are not checked.
    const migrated = db === 'ok' ? await run(migrations, 'migrations') : 'unchecked';
    const checks = { database: db, migrations: migrated, redis };
    const ready = db === 'ok' && migrated === 'ok' && (redis === 'ok' || redis === 'not configured');
    dependencyUp.set({ dependency: 'database' }, db === 'ok' ? 1 : 0);
    if (redis !== 'not configured') dependencyUp.set({ dependency: 'redis' }, redis === 'ok' ? 1 : 0);
    if (ready !== wasReady) (ready ? log.info.bind(log) : log.warn.bind(log))({ checks }, ready ? 'Ready' : 'Not ready');
    wasReady = ready;
    return { ready, checks };
  }

  return () => {
    const now = Date.now();
    if (!last || now - last.at >= reuseMs) last = { at: now, answer: probe() };
    return last.answer;
  };
}

// Copied into each response: whatwg-node's Response may record content-length in the object it is given.
const NO_STORE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** Serves GET (and HEAD) /healthz and /readyz; see the top of this file. */
export function useHealthEndpoints(readiness: () => Promise<Readiness>): Plugin {
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const answer = (status: number, body: unknown) =>
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : JSON.stringify(body), { status, headers: { ...NO_STORE } }));
      if (url.pathname === LIVENESS_PATH) return answer(200, { status: 'live' });
      if (url.pathname !== READINESS_PATH) return;
      return readiness().then(({ ready, checks }) => {
        const failed = Object.entries(checks).filter(([, state]) => !['ok', 'not configured', 'unchecked'].includes(state));
        answer(
          ready ? 200 : 503,
          ready ? { status: 'ready', checks } : { status: 'not ready', checks, failed: failed.map(([name]) => name) },
        );
      });
    },
  };
}

/**
 * The Redis check when REDIS_URL is set: PING on the service's one Redis connection (the response
 * cache's and the rate limits', src/db/redis.ts), which fails at once while it is disconnected and
 * within its command timeout while Redis does not answer. A failed PING also tells the connection,
 * so its status and log follow.
 */
export function redisReadiness(connection: RedisConnection): () => Promise<boolean> {
  return async () => {
    try {
      return (await connection.client.ping()) === 'PONG';
    } catch (error) {
      connection.failed(error);
      return false;
    }
  };
}
