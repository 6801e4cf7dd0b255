import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

// The process's Prometheus metrics, in one registry that GET /metrics serves. The GraphQL phases
// (parse, validate, execute, request durations by operation, errors) come from
// @graphql-yoga/plugin-prometheus on the same registry; the counters below are the service's own.

export const registry = new Registry();

export const responseCacheLookups = new Counter({
  name: 'cf_response_cache_lookups_total',
  help: 'Response-cache lookups, by result (hit, miss, or unavailable when its store failed)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const rateLimitRefusals = new Counter({
  name: 'cf_rate_limit_refusals_total',
  help: 'Requests refused with 429, by limit (requests, auth_failures)',
  labelNames: ['limit'] as const,
  registers: [registry],
});

export const importJobs = new Counter({
  name: 'cf_import_jobs_total',
  help: 'Import jobs, by event (enqueued, completed, failed, retried)',
  labelNames: ['event'] as const,
  registers: [registry],
});

export const dependencyUp = new Gauge({
  name: 'cf_dependency_up',
  help: 'Whether a dependency answered at its last use or check (1) or not (0), by dependency (database, redis)',
  labelNames: ['dependency'] as const,
  registers: [registry],
});

export const graphqlErrors = new Counter({
  name: 'cf_graphql_errors_total',
  help: 'Errors in GraphQL responses as the client received them (masked ones as INTERNAL_SERVER_ERROR), by extensions.code',
  labelNames: ['code'] as const,
  registers: [registry],
});

/** The connection pool's counts, read at each scrape; null while there is no pool (PGlite). */
export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

let poolSource: (() => PoolCounts | null) | null = null;

/** Makes `cf_database_pool_connections` report `source` (the last server built wins; tests build many). */
export function observeDatabasePool(source: (() => PoolCounts | null) | null): void {
  poolSource = source;
}

new Gauge({
  name: 'cf_database_pool_connections',
  help: 'PostgreSQL pool connections at scrape time, by state: total (open), idle, waiting (requests queued for one); absent on PGlite',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const counts = poolSource?.();
    if (!counts) return;
    this.set({ state: 'total' }, counts.total);
    this.set({ state: 'idle' }, counts.idle);
    this.set({ state: 'waiting' }, counts.waiting);
  },
});

let processMetrics = false;

/**
 * prom-client's default metrics (process CPU, memory, heap, handles, event loop lag, GC) on the
 * registry. Once per process, by the server; scripts that import this module do not start them.
 */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

export const liveEvents = new Counter({
  name: 'cf_live_events_total',
  help: 'Events of committed writes handed to the event bus, by type and result (published, failed: Redis refused it and subscribers never get it)',
  labelNames: ['type', 'result'] as const,
  registers: [registry],
});

export const liveSubscriptions = new Gauge({
  name: 'cf_live_subscriptions',
  help: 'Subscriptions open on this instance, by root field',
  labelNames: ['field'] as const,
  registers: [registry],
});

export const liveStreamsEnded = new Counter({
  name: 'cf_live_streams_ended_total',
  help: 'Subscription streams this instance ended, by reason (lost: the bus dropped its connection; behind: the subscriber fell behind; shutdown; client: the client went away)',
  labelNames: ['reason'] as const,
  registers: [registry],
});
