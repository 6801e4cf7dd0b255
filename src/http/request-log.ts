import { randomUUID } from 'node:crypto';
import { type ExecutionResult, getOperationAST, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { currentRequestId, type Logger, runInRequestScope } from '../observability/log.js';
import { graphqlErrors, responseCacheLookups } from '../observability/metrics.js';
import { LIVENESS_PATH, READINESS_PATH } from './health.js';
import { METRICS_PATH } from './metrics.js';

// Request ids and the access log. Every request gets an id: the caller's `x-request-id` when it
// is sane, else a new UUID. It is echoed in the response's `x-request-id`, carried by every log
// line written while the request is handled (the request scope, src/observability/log.ts), and put
// in every error of the response as `extensions.requestId`, so that a user's report leads to the
// log. One access line per request at info (probes and scrapes at debug, unless they fail).

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is at most 128 of [A-Za-z0-9._:-], else a new UUID. */
export function requestIdFor(request: Request): string {
  const presented = request.headers.get(REQUEST_ID_HEADER);
  return presented && SANE_REQUEST_ID.test(presented) ? presented : randomUUID();
}

const QUIET_PATHS = new Set([LIVENESS_PATH, READINESS_PATH, METRICS_PATH]);

// The first operation's name in a document, for requests answered without parsing (a cached
// answer) that did not send operationName.
const FIRST_OPERATION = /^(?:[\s,\uFEFF]|#[^\n\r]*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

interface RequestRecord {
  requestId: string;
  started: number;
  /** One per operation (a batch has several). */
  operations: { name: string | undefined }[];
}

function withRequestId(error: unknown, requestId: string): unknown {
  if (error instanceof GraphQLError) {
    // A new error: the one given may be shared (yoga caches parse and validation errors).
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: { ...error.extensions, requestId },
    });
  }
  if (error && typeof error === 'object') {
    const plain = error as { extensions?: Record<string, unknown> };
    return { ...plain, extensions: { ...plain.extensions, requestId } };
  }
  return error;
}

function annotate(result: ExecutionResult, requestId: string): ExecutionResult {
  if (!result.errors?.length) return result;
  for (const error of result.errors) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    graphqlErrors.inc({ code: typeof code === 'string' ? code : 'NONE' });
  }
  return { ...result, errors: result.errors.map((error) => withRequestId(error, requestId) as GraphQLError) };
}

/** The request id, the access log, error extensions and the response-cache counter; first of the plugins. */
export function useRequestLog(logger: Logger): Plugin {
  const records = new WeakMap<Request, RequestRecord>();
  const byParams = new WeakMap<object, { name: string | undefined }>();
  return {
    instrumentation: {
      // The whole request, to its response, runs in its scope: every line logged meanwhile carries its id.
      request({ request }, handle) {
        return runInRequestScope({ requestId: requestIdFor(request), log: logger }, handle);
      },
    },
    onRequest({ request }) {
      records.set(request, { requestId: currentRequestId() ?? requestIdFor(request), started: performance.now(), operations: [] });
    },
    onParams({ request, params }) {
      const operation = { name: params.operationName ?? (params.query ? FIRST_OPERATION.exec(params.query)?.[1] : undefined) };
      records.get(request)?.operations.push(operation);
      byParams.set(params, operation);
    },
    onParse({ context }) {
      const params = (context as { params?: { operationName?: string } }).params;
      const operation = params && byParams.get(params);
      if (!operation) return;
      return ({ result }) => {
        if (result && !(result instanceof Error)) {
          operation.name = getOperationAST(result, params.operationName)?.name?.value ?? params.operationName;
        }
      };
    },
    onExecutionResult({ result }) {
      const cache = (result as ExecutionResult<unknown, { responseCache?: { hit?: boolean } }>).extensions?.responseCache;
      if (cache && 'hit' in cache) responseCacheLookups.inc({ result: cache.hit ? 'hit' : 'miss' });
    },
    onResultProcess({ request, result, setResult }) {
      const requestId = records.get(request)?.requestId ?? currentRequestId();
      if (!requestId) return;
      if (Array.isArray(result)) setResult(result.map((one) => annotate(one, requestId)));
      else if (!(Symbol.asyncIterator in (result as object))) setResult(annotate(result as ExecutionResult, requestId));
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      const requestId = record?.requestId ?? currentRequestId() ?? requestIdFor(request);
      response.headers.set(REQUEST_ID_HEADER, requestId);
      const path = new URL(request.url, 'http://localhost').pathname;
      const line = {
        method: request.method,
        path,
        status: response.status,
        durationMs: record ? Math.round((performance.now() - record.started) * 10) / 10 : undefined,
        operationName: record?.operations.map((operation) => operation.name ?? 'Anonymous').join(',') || undefined,
      };
      const quiet = QUIET_PATHS.has(path) && response.status < 400;
      runInRequestScope({ requestId, log: logger }, () => logger[quiet ? 'debug' : 'info'](line, 'request'));
    },
  };
}
