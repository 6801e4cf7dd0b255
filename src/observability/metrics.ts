import { Counter, Gauge, Registry } from 'prom-client';

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
