import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { createYoga, type GraphiQLOptions, maskError } from 'graphql-yoga';
import { useCompiledOperations } from '../compiled/operation.js';
import { createContext } from '../context.js';
import { createInProcessImportJobs } from '../jobs/in-process.js';
import type { ImportJobs } from '../jobs/queue.js';
import { importCacheUpkeep } from '../resolvers/import.js';
import { poolCounts } from '../db/client.js';
import { log as defaultLogger, type Logger, requestLog } from '../observability/log.js';
import { collectProcessMetrics, observeDatabasePool } from '../observability/metrics.js';
import { createBoundedSourceCache } from './document-cache.js';
import { toExpectedError } from '../domain/errors.js';
import { log } from '../observability/log.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { useRestrictedIntrospection } from './introspection.js';
import { partnerCors, usePartnerAccess } from './partner-access.js';
import { createReadiness, type ReadinessOptions, useHealthEndpoints } from './health.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { useGraphQLMetrics, useMetricsEndpoint } from './metrics.js';
import { COST_HEADER, useQueryCost } from './query-cost.js';
import { useQueryLimits } from './query-limits.js';
import { RATE_LIMIT_HEADERS, useRateLimit, type RateLimitStore } from './rate-limit.js';
import { useRejectNulCharacters } from './reject-nul.js';
import { REQUEST_ID_HEADER, useRequestLog } from './request-log.js';
import { useBatchLimit, useCsrfPrevention, useRequestBodyLimit } from './request-guards.js';
import { responseCacheSession } from './response-cache.js';
import { schema } from '../schema/index.js';
import { loadEmbedDocuments, loadTrustedDocuments } from './trusted-documents.js';
import { type FetchHandler, useEmbedCards } from './embed/routes.js';
import { useFramingRules } from './framing.js';
import type { EventBus } from '../db/event-bus.js';
import { eventBusOf } from '../store/events.js';
import { createLiveSubscriptions, type LiveSubscriptions } from './live.js';
import { jitCanRun } from './jit.js';

/** The example operations GraphiQL opens with (also run by the test suite against the corpus). */
export const GRAPHIQL_EXAMPLES = readFileSync(new URL('./graphiql/examples.graphql', import.meta.url), 'utf8');

export interface YogaOptions {
  prisma: PrismaClient;
  /** Serve GraphiQL on GET /graphql from a browser. Defaults to on. */
  graphiql?: boolean;
  /** The response cache (see src/http/response-cache.ts); none when omitted. */
  responseCache?: { cache: Cache; ttlMs: number };
  /**
   * Compile operations with graphql-jit. Off by default: graphql-jit 0.8 rejects an omitted
   * non-null variable that has a default value (the GraphiQL examples use those), and it hides
   * parts of the selection from Pothos' query planning (one more statement on nested lists).
   */
  jit?: boolean;
  /** Query, body, batch and rate limits and the introspection policy (src/http/limits.ts); the defaults when omitted. */
  limits?: Limits;
  /** Where rate-limit counters live (src/http/rate-limit.ts); no rate limiting when omitted. */
  rateLimitStore?: RateLimitStore;
  /**
   * Serve the root fields the compiler covers with one SQL statement each (src/compiled/); on by
   * default. Off, every field takes the Prisma path (the tests compare the two).
   */
  compiledReads?: boolean;
  /** Trusted documents by sha256 hash; trusted-documents.json when omitted. */
  trustedDocuments?: ReadonlyMap<string, string>;
  /**
   * Where `importContent` queues its runs (src/http/import-jobs.ts sets them up for the server);
   * when omitted, an in-process runner over `prisma` that drops the stale cached answers after each run.
   */
  importJobs?: ImportJobs;
  /**
   * The embed cards (src/http/embed/): their documents by operation name (trusted-documents.json's
   * when omitted), and the origin their URLs are built with (PUBLIC_ORIGIN; the request's own when unset).
   */
  embed?: { documents?: ReadonlyMap<string, string>; publicOrigin?: string };
  /** GET /readyz's checks beyond the database and its migrations (Redis), and their bounds (src/http/health.ts). */
  readiness?: ReadinessOptions;
  /**
   * Serve GET /metrics on this server to callers presenting `Authorization: Bearer <metricsToken>`
   * (METRICS_TOKEN); not served here when omitted (see src/http/metrics.ts).
   */
  metricsToken?: string | null;
  /** Where the access log and request errors go; the process's `log` when omitted (tests pass their own). */
  logger?: Logger;
  /** The event bus subscriptions read (src/db/event-bus.ts); the one `prisma`'s writes publish to when omitted. */
  events?: EventBus;
  /** The open subscriptions and their limits (src/http/live.ts); the server keeps it to end them at shutdown. */
  live?: LiveSubscriptions;
}

/**
 * Expected failures keep their message and `extensions.code`; everything else is replaced by a
 * generic message, never with stack, SQL or Prisma text, whatever NODE_ENV says.
 */
function maskUnexpected(error: unknown, message: string): Error {
  // Yoga's own request errors (malformed JSON, no query, …) carry their 4xx status already.
  const status = error instanceof GraphQLError ? (error.extensions?.http as { status?: number } | undefined)?.status : undefined;
  if (status !== undefined && status < 500) return error as GraphQLError;
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const expected = toExpectedError(original);
  if (expected?.extensions.code === 'SERVICE_UNAVAILABLE') warnDatabaseUnavailable(original);
  if (expected) {
    return new GraphQLError(expected.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: expected.extensions,
    });
  }
  // The client gets a generic message (and the request id); the operator's log gets the real error.
  requestLog().error({ err: original }, 'Unexpected error while executing a GraphQL request');
  return maskError(error, message, false);
}

let lastDatabaseWarning = 0;
/** The operator hears of a database outage once a minute with its cause, not once per request. */
function warnDatabaseUnavailable(error: unknown) {
  if (Date.now() - lastDatabaseWarning < 60_000) return;
  lastDatabaseWarning = Date.now();
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  log.warn({ err: cause }, 'The database is unavailable: requests that need it get SERVICE_UNAVAILABLE (503)');
}

/**
 * The self-contained GraphiQL build is a 9 MB module (about 30 MB of heap once loaded, 70 MB of RSS
 * with its compilation), so it is imported on the first GraphiQL request only, never by a server
 * that has GraphiQL off. The page is rendered once and kept as UTF-8 bytes, off the JavaScript
 * heap: rendering it per request built a fresh 9 MB string each time.
 */
function lazyGraphiQLRenderer() {
  let page: Promise<Buffer<ArrayBuffer>> | undefined;
  return (options: GraphiQLOptions) =>
    (page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) =>
      Buffer.from(renderGraphiQL(options)),
    ));
}

/** Builds the GraphQL server; `src/server.ts` puts it on a port, tests call `yoga.fetch`. */
export function createYogaServer({
  prisma,
  graphiql = true,
  responseCache,
  jit = false,
  limits = DEFAULT_LIMITS,
  rateLimitStore,
  trustedDocuments = loadTrustedDocuments(),
  compiledReads = true,
  importJobs = createInProcessImportJobs(prisma, {
    onEntitiesChanged: responseCache ? importCacheUpkeep(responseCache.cache, schema) : undefined,
  }),
  embed = {},
  readiness,
  metricsToken,
  logger = defaultLogger,
  events = eventBusOf(prisma),
  live = createLiveSubscriptions(limits),
}: YogaOptions) {
  const restricted = limits.introspection === 'restricted';
  collectProcessMetrics();
  observeDatabasePool(() => poolCounts(prisma));
  const embedDocuments = embed.documents ?? loadEmbedDocuments();
  let graphql: FetchHandler | undefined;
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) =>
      createContext({ request, prisma, responseCache: responseCache?.cache ?? null, compiledReads, importJobs, events }),
    maskedErrors: { maskError: maskUnexpected },
    landingPage: false,
    // Unexpected errors are logged by maskUnexpected; expected ones are the client's business.
    logging: false,
    // The body limit is useRequestBodyLimit's (last plugin below): yoga's streams every body
    // through a counter, even one whose declared length already bounds it.
    maxRequestBodySize: false,
    batching: { limit: limits.maxBatch },
    // No file uploads here: multipart bodies are one more parser and CSRF vector for nothing.
    multipart: false,
    // Parsed documents (and parse errors) are cached within a memory budget; see document-cache.ts.
    parserAndValidationCache: { documentCache: createBoundedSourceCache(), errorCache: createBoundedSourceCache() },
    // A partner key's allowedOrigins decide its CORS headers; everyone else gets the default (any
    // origin). Browsers may read the limit headers. See src/http/partner-access.ts.
    cors: partnerCors([COST_HEADER, REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS]),
    plugins: [
      // The request id and the access log wrap everything else; probes answer before any limit.
      useRequestLog(logger),
      useHealthEndpoints(createReadiness(prisma, readiness)),
      useGraphQLMetrics(trustedDocuments.values()),
      // Only the embed cards may be framed; they answer their own paths before anything else, and
      // send their reads back through this server (counted, cached and scoped like any other).
      useFramingRules(),
      useEmbedCards({ prisma, graphql: () => graphql!, embedDocuments, publicOrigin: embed.publicOrigin ?? process.env.PUBLIC_ORIGIN }),
      // Cheapest refusals first: the rate limit before the body is read, then CSRF and batch
      // length before any operation is parsed.
      ...(rateLimitStore && limits.rateLimit
        ? [
            useRateLimit({
              store: rateLimitStore,
              ...limits.rateLimit,
              trustProxy: limits.trustProxy,
              authFailures: limits.authFailureLimit,
            }),
          ]
        : []),
      // After the rate limit: a wrong metrics token counts as a failed authentication.
      useMetricsEndpoint(metricsToken),
      useCsrfPrevention(),
      useBatchLimit(limits.maxBatch),
      // Per-key origins (403 FORBIDDEN_ORIGIN) and trusted documents (persisted operations).
      ...usePartnerAccess({ prisma, trustedDocuments, embedDocumentHashes: new Set(embedDocuments.values()) }),
      useQueryLimits(limits, { hideSuggestions: restricted }),
      useQueryCost({ maxCost: limits.maxCost }),
      ...(restricted ? [useRestrictedIntrospection()] : []),
      useRejectNulCharacters(),
      // Subscriptions: limits per caller, a failure as a last event, the end at shutdown (docs/live.md).
      live.plugin,
      // @defer and @stream (incremental delivery over multipart/mixed or SSE), e.g. a profile page's
      // achievementStats after the organization. Pothos plans deferred fragments apart (skipDeferredFragments).
      useDeferStream(),
      // Compiled execution. Yoga's parser cache hands back the same document for the same query
      // text, and the plugin keeps each document's compiled form beside it. graphql-jit runs neither
      // subscriptions nor @defer/@stream: those go through graphql-js (src/http/jit.ts).
      ...(jit ? [useGraphQlJit({}, { enableIf: jitCanRun })] : []),
      // Queries the compiler covers whole skip graphql-js's execution (src/compiled/operation.ts).
      // Before the response cache, which wraps this executor with its own.
      useCompiledOperations(),
      ...(responseCache
        ? [
            useResponseCache({
              cache: responseCache.cache,
              ttl: responseCache.ttlMs,
              session: responseCacheSession(prisma),
              // Admin records that change with every write elsewhere, and whose answers may hold no
              // entity a write could invalidate them by (e.g. only totalCount): never cached.
              ttlPerSchemaCoordinate: { 'Query.auditLog': 0, 'Query.importRuns': 0, AuditLogEntry: 0, ImportRun: 0 },
              // Cached responses say so in extensions.responseCache (hit, didCache, ttl).
              includeExtensionMetadata: true,
            }),
          ]
        : []),
      // 413 past the body limit, on the declared length or counting a chunked body; after every
      // plugin that registers a request parser, since it wraps the one chosen (request-guards.ts).
      useRequestBodyLimit(limits.maxBodyBytes),
    ],
    graphiql: graphiql
      ? { title: 'Content federation API', defaultQuery: GRAPHIQL_EXAMPLES }
      : false,
    // The self-contained GraphiQL build: the page works offline and loads nothing from a CDN.
    renderGraphiQL: lazyGraphiQLRenderer(),
  });
  graphql = yoga;
  return yoga;
}

export type YogaServer = ReturnType<typeof createYogaServer>;
