import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createCounter, createHistogram, type FillLabelsFnParams, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { registry } from '../observability/metrics.js';

// Prometheus metrics: GraphQL's phases and durations from @graphql-yoga/plugin-prometheus, and the
// service's own counters and gauges (src/observability/metrics.ts), in one registry. /metrics is
// not on the public surface: it is served on a listener of its own (METRICS_PORT, bound to
// loopback by default; createMetricsServer), and on the API's port only to callers presenting
// `Authorization: Bearer <METRICS_TOKEN>` (useMetricsEndpoint). With neither set it is served nowhere.

export const METRICS_PATH = '/metrics';

/**
 * Operation names come from the client: as label values, unbounded they would grow the registry
 * (and every scrape) without limit. The names of the trusted documents are always kept; of the
 * others, the first MAX_OPERATION_NAMES are, and later ones are counted as "other" (so junk names
 * can crowd out only other clients' ad-hoc names, never the documents the service ships).
 */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const knownOperationNames = new Set<string>();
const operationNames = new Set<string>();
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'Anonymous';
  if (knownOperationNames.has(name) || operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES || !OPERATION_NAME.test(name)) return 'other';
  operationNames.add(name);
  return name;
}

/** The names of `documents`' operations, always kept as labels (the trusted documents). */
function keepOperationNames(documents: Iterable<string>): void {
  for (const text of documents) {
    for (const [, name] of text.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)) {
      if (name && OPERATION_NAME.test(name)) knownOperationNames.add(name);
    }
  }
}

const operationLabels = (params: FillLabelsFnParams) => ({
  operationName: operationLabel(params.operationName),
  operationType: params.operationType ?? 'unknown',
});

function phaseHistogram<Phase extends string>(name: string, help: string, phases: [Phase, ...Phase[]]) {
  return createHistogram<Phase, 'operationName' | 'operationType'>({
    phases,
    registry,
    histogram: { name, help, labelNames: ['operationName', 'operationType'] as const },
    fillLabelsFn: operationLabels,
  });
}

/**
 * The GraphQL metrics (seconds): graphql_envelop_phase_{parse,validate,context,execute},
 * graphql_envelop_request_duration (parse to end of execution), graphql_yoga_http_duration (the
 * whole HTTP request, of requests that were parsed), graphql_envelop_request (operations run) and
 * graphql_envelop_error_result (errors, by phase). Labels: operationName (bounded, see above) and
 * operationType; the HTTP histogram also method and statusCode. The error paths and the URL, both
 * unbounded, are left out.
 */
export function useGraphQLMetrics(trustedDocuments: Iterable<string> = []): Plugin {
  keepOperationNames(trustedDocuments);
  return usePrometheus({
    registry,
    // Served by useMetricsEndpoint and createMetricsServer, never openly.
    endpoint: false,
    metrics: {
      graphql_envelop_phase_parse: phaseHistogram('graphql_envelop_phase_parse', 'Time spent on running GraphQL "parse" function', ['parse']),
      graphql_envelop_phase_validate: phaseHistogram('graphql_envelop_phase_validate', 'Time spent on running GraphQL "validate" function', ['validate']),
      graphql_envelop_phase_context: phaseHistogram('graphql_envelop_phase_context', 'Time spent on building the GraphQL context', ['context']),
      graphql_envelop_phase_execute: phaseHistogram('graphql_envelop_phase_execute', 'Time spent on running the GraphQL "execute" function', ['execute']),
      graphql_envelop_request_duration: phaseHistogram(
        'graphql_envelop_request_duration',
        'Time spent on running the GraphQL operation from parse to execute',
        ['execute'],
      ),
      graphql_envelop_request: createCounter<'execute', 'operationName' | 'operationType'>({
        registry,
        phases: ['execute'],
        counter: {
          name: 'graphql_envelop_request',
          help: 'Counts the amount of GraphQL requests executed through Envelop',
          labelNames: ['operationName', 'operationType'] as const,
        },
        fillLabelsFn: operationLabels,
      }),
      graphql_envelop_error_result: createCounter<
        'parse' | 'validate' | 'context' | 'execute',
        'operationName' | 'operationType' | 'phase',
        FillLabelsFnParams & { errorPhase: 'parse' | 'validate' | 'context' | 'execute' | 'subscribe' }
      >({
        registry,
        phases: ['parse', 'validate', 'context', 'execute'],
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Counts the amount of errors reported from all phases',
          labelNames: ['operationName', 'operationType', 'phase'] as const,
        },
        fillLabelsFn: (params) => ({
          ...operationLabels(params),
          phase: params.errorPhase ?? 'unknown',
        }),
      }),
      graphql_yoga_http_duration: createHistogram<
        'request',
        'operationName' | 'operationType' | 'method' | 'statusCode',
        FillLabelsFnParams & { request: Request; response: Response }
      >({
        registry,
        phases: ['request'],
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on HTTP connection',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'] as const,
        },
        fillLabelsFn: (params) => ({
          ...operationLabels(params),
          method: params.request.method,
          statusCode: params.response.status,
        }),
      }),
      // A summary repeats request_duration at a higher cost; no field is deprecated; one schema.
      graphql_envelop_request_time_summary: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_phase_subscribe: false,
    },
  });
}

async function metricsResponse(fetchAPI: { Response: typeof Response }): Promise<Response> {
  return new fetchAPI.Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics on the API's port, for callers presenting `Authorization: Bearer <token>`; others
 * get 401. Nothing (yoga's 404) when `token` is empty: the default is not to serve it here.
 */
export function useMetricsEndpoint(token: string | null | undefined): Plugin {
  const expected = token ? digest(`Bearer ${token}`) : null;
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (!expected || url.pathname !== METRICS_PATH || request.method !== 'GET') return;
      const presented = request.headers.get('authorization');
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        endResponse(
          new fetchAPI.Response('The metrics need the metrics token: Authorization: Bearer <METRICS_TOKEN>\n', {
            status: 401,
            headers: { 'www-authenticate': 'Bearer', 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );
        return;
      }
      return metricsResponse(fetchAPI).then(endResponse);
    },
  };
}

/** A listener of its own that serves GET /metrics and nothing else (METRICS_PORT). */
export function createMetricsServer(): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== METRICS_PATH || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${error.message}\n`),
    );
  });
}
