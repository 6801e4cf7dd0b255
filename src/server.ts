import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { databaseConfigFromEnv, startOpeningPGlite } from './db/pglite.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, openDatabase } from './db/client.js';
import { openRedis } from './db/redis.js';
import { createRedisEventBus } from './db/event-bus.js';
import { attachEventBus, eventBusOf } from './store/events.js';
import { wholeNumber } from './domain/env.js';
import { createShutdown, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './http/shutdown.js';
import { limitsFromEnv, type EndpointSettings } from './http/limits.js';
import { log } from './observability/log.js';

// The embedded database starts opening first: its start waits mostly on other threads (WASM
// compilation, file reads), so it overlaps the loading of the modules below (src/db/pglite.ts).
const config = databaseConfigFromEnv();
await startOpeningPGlite(config);

// V8 lets the old generation grow to several times its live size between full collections; under
// load that headroom, not live data (some 55 MB), is most of the RSS: peak 420 MB, 270 MB at 25 %.
// The flag is read at every collection, so setting it here works however the server is started.
if (!`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`.includes('heap-growing-percent')) {
  setFlagsFromString('--heap-growing-percent=25');
}

const port = Number(process.env.PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(1);
}
const host = process.env.HOST ?? '127.0.0.1';
// /metrics on a listener of its own (loopback by default), and/or on PORT behind METRICS_TOKEN;
// with neither it is served nowhere (docs/operations.md#metrics).
const metricsPort = process.env.METRICS_PORT ? Number(process.env.METRICS_PORT) : null;
if (metricsPort !== null && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535 || metricsPort === port)) {
  log.fatal(`METRICS_PORT must be a port number other than PORT, not "${process.env.METRICS_PORT}"`);
  process.exit(1);
}
const metricsHost = process.env.METRICS_HOST ?? '127.0.0.1';
const metricsToken = process.env.METRICS_TOKEN?.trim() || null;

let endpoint: EndpointSettings;
try {
  endpoint = limitsFromEnv(process.env);
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
const { limits } = endpoint;

const settings = z
  .object({
    DATABASE_CONNECT_TIMEOUT_MS: wholeNumber(DEFAULT_CONNECT_TIMEOUT_MS, 100, 600_000),
    SHUTDOWN_TIMEOUT_MS: wholeNumber(DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, 3_600_000),
  })
  .safeParse(process.env);
if (!settings.success) {
  log.fatal(settings.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('\n'));
  process.exit(1);
}

const openOptions = { statementTimeoutMs: limits.statementTimeoutMs, connectTimeoutMs: settings.data.DATABASE_CONNECT_TIMEOUT_MS };
// The database opens while the schema and the server's modules load: PGlite's WASM compiles on
// other threads, and file reads of either side overlap. The embedded default is the new user's
// database: it is brought up to date and the corpus loaded (an empty directory is first filled from
// the build's snapshot; nothing runs when nothing changed since the last start). startup.ts is imported
// only then: the migration engine and PGlite are not loaded on PostgreSQL.
const opening =
  config.kind === 'pglite'
    ? import('./startup.js').then(({ openEmbeddedDatabase }) => openEmbeddedDatabase(config, openOptions))
    : openDatabase(config, openOptions).then((db) => ({ db, startup: null }));
opening.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
const [{ createYogaServer }, { createResponseCacheStore }, { createRateLimitStore }, { redisReadiness }, { createMetricsServer }, { startImportJobs }, { createLiveSubscriptions }] =
  await Promise.all([
    import('./http/yoga.js'),
    import('./http/response-cache.js'),
    import('./http/rate-limit.js'),
    import('./http/health.js'),
    import('./http/metrics.js'),
    import('./http/import-jobs.js'),
    import('./http/live.js'),
  ]);
const { db, startup } = await opening;
if (startup?.appliedMigrations.length) log.info({ migrations: startup.appliedMigrations }, `Applied migrations: ${startup.appliedMigrations.join(', ')}`);
if (startup?.fromSnapshot) log.info(`Copied the build's prepared database into ${db.config.kind === 'pglite' ? db.config.dataDir : ''}`);

const server = createServer();

// On SIGTERM/SIGINT the server stops taking connections, lets requests in flight finish (up to
// SHUTDOWN_TIMEOUT_MS), cuts the rest, then closes what it opened, in reverse order: everything
// opened below registers its closer right after opening (src/http/shutdown.ts).
const shutdown = createShutdown(server, { timeoutMs: settings.data.SHUTDOWN_TIMEOUT_MS });
shutdown.add({ name: 'the database', close: () => db.close() });

// One Redis connection, when REDIS_URL is set, for the response cache and the rate limits; both
// fall back (uncached answers, counts in this process) while it is down (docs/operations.md#faults).
// redis.status() says whether it answers.
const redis = process.env.REDIS_URL ? openRedis(process.env.REDIS_URL) : null;
if (redis) shutdown.add({ name: 'Redis', close: () => redis.close() });
// RESPONSE_CACHE=off disables the response cache; it is in Redis when REDIS_URL is set ('' is memory).
const cacheStore = process.env.RESPONSE_CACHE === 'off' ? null : createResponseCacheStore(redis ?? '');
if (cacheStore) shutdown.add({ name: 'the response cache', close: () => cacheStore.close() });
const ttlMs = Number(process.env.RESPONSE_CACHE_TTL_MS ?? 60_000);
// Rate limits are counted in Redis when REDIS_URL is set (shared by every instance), else in memory.
const rateLimitStore = limits.rateLimit ? createRateLimitStore(redis ?? '') : undefined;
if (rateLimitStore) shutdown.add({ name: 'the rate limits', close: () => rateLimitStore.close() });
// Events of committed writes (docs/live.md): through Redis when REDIS_URL is set, on connections of
// their own, so that every instance and worker shares them; else in this process. Writes through
// db.prisma publish to it; subscriptions read it. At shutdown the streams end before requests drain.
if (process.env.REDIS_URL) attachEventBus(db.prisma, createRedisEventBus(process.env.REDIS_URL, { prefix: process.env.LIVE_CHANNEL_PREFIX || undefined }));
const events = eventBusOf(db.prisma);
shutdown.add({ name: 'the event bus', close: () => events.close() });
const live = createLiveSubscriptions(limits);
shutdown.onStopping(() => live.endAll());
// Import jobs (docs/import.md): BullMQ on PostgreSQL with a worker here unless IMPORT_WORKER=off;
// on the embedded database, an in-process runner. Closed before the database and Redis.
const importJobs = await startImportJobs({ prisma: db.prisma, database: config, responseCache: cacheStore?.cache ?? null }).catch(
  (error: Error) => {
    log.error(error.message);
    process.exit(1);
  },
);
shutdown.add({ name: 'the import jobs', close: () => importJobs.close() });
const yoga = createYogaServer({
  prisma: db.prisma,
  responseCache: cacheStore ? { cache: cacheStore.cache, ttlMs } : undefined,
  jit: process.env.GRAPHQL_JIT === 'on',
  // COMPILED_READS=off serves every read through Prisma (for comparison; see docs/performance.md).
  compiledReads: process.env.COMPILED_READS !== 'off',
  graphiql: endpoint.graphiql,
  limits,
  rateLimitStore,
  importJobs: importJobs.jobs,
  // GET /readyz pings Redis, when there is one, on the same connection.
  readiness: { redis: redis ? redisReadiness(redis) : undefined },
  metricsToken,
  events,
  live,
});
server.on('request', yoga);
const metricsServer = metricsPort !== null ? createMetricsServer() : null;
metricsServer?.listen(metricsPort!, metricsHost, () => log.info(`Metrics at http://${metricsHost}:${metricsPort}/metrics`));
if (metricsServer) {
  shutdown.add({ name: 'the metrics listener', close: () => new Promise<void>((resolve) => metricsServer.close(() => resolve())) });
}

server.listen(port, host, () => {
  const where = config.kind === 'pglite' ? `PGlite at ${config.dataDir}` : 'PostgreSQL';
  const cache = cacheStore ? `${cacheStore.kind} response cache` : 'no response cache';
  const bus = `${events.kind} event bus`;
  const rate = limits.rateLimit && rateLimitStore
    ? `rate limit ${limits.rateLimit.max}/${limits.rateLimit.windowMs / 1000} s in ${rateLimitStore.kind}`
    : 'no rate limit';
  const what = endpoint.graphiql ? 'GraphQL API and GraphiQL' : 'GraphQL API';
  // The bound port: PORT=0 takes any free one.
  const { port: bound } = server.address() as AddressInfo;
  log.info(
    `${what} at http://${host}:${bound}${yoga.graphqlEndpoint} (${where}, ${cache}, ${rate}, introspection ${limits.introspection}, ${importJobs.description}, ${bus})`,
  );
});

let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  // A second signal cuts the requests still running at once; the closers still run.
  if (stopping) return shutdown.cutNow();
  stopping = true;
  void shutdown.run(signal).then((code) => process.exit(code));
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
