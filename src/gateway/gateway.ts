import { readFileSync } from 'node:fs';
import type { GraphiQLOptions } from 'graphql-yoga';
import { createGatewayRuntime, useCustomFetch, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Transport } from '@graphql-mesh/transport-common';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { useQueryCost, COST_HEADER } from '../http/query-cost.js';
import { useQueryLimits } from '../http/query-limits.js';
import { clientAddress, RATE_LIMIT_HEADERS, useRateLimit, type RateLimitStore } from '../http/rate-limit.js';
import type { Logger } from '../observability/log.js';
import { composeSupergraph, supergraphSource, type Fetch } from './compose.js';
import type { GatewayConfig } from './config.js';

/** GraphiQL's example at the gateway: one query that spans the content service and the events example. */
export const GATEWAY_GRAPHIQL_EXAMPLE = readFileSync(new URL('./examples.graphql', import.meta.url), 'utf8');

/**
 * The headers a client's request carries on to the content service, so that keys, partner
 * scopes, CORS rules and trusted-document rules apply through the gateway as they do directly.
 * Credentials go to this service only: the other subgraphs belong to other teams.
 */
const FORWARDED_TO_SERVICE = ['authorization', 'x-api-key', 'origin'];

/**
 * A Hive Gateway transport for plain GraphQL over HTTP (the full gateway ships one as
 * @graphql-mesh/transport-http; the runtime alone does not): POST to the subgraph's URL through
 * the gateway's fetch, so that header propagation and the custom fetch of tests apply.
 */
const httpTransport: Transport = {
  getSubgraphExecutor({ transportEntry, fetch }) {
    return buildHTTPExecutor({
      endpoint: transportEntry.location!,
      fetch: fetch as never,
      headers: Object.fromEntries(transportEntry.headers ?? []),
    });
  },
};

/** The self-contained GraphiQL build (no CDN), loaded on the first GraphiQL request only, as the service does. */
function lazyGraphiQLRenderer() {
  let page: Promise<string> | undefined;
  return (options: GraphiQLOptions) =>
    (page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options)));
}

const HIVE_LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

export interface GatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Where gateway-wide rate limits are counted (memory, or Redis when REDIS_URL is set); none when omitted. */
  rateLimitStore?: RateLimitStore;
  /** How the gateway reaches the subgraphs; the global fetch when omitted (tests hand in-process servers' fetch). */
  fetch?: Fetch;
}

/**
 * The federation gateway: Hive Gateway's runtime over a supergraph composed here, locally, from
 * the subgraphs' `{ _service { sdl } }` (no Hive account, nothing fetched from outside), and
 * recomposed every `pollIntervalMs`. It enforces the service's own depth, alias, token, directive,
 * cost and rate limits on the whole federated operation, before any subgraph is asked, so a query
 * through the gateway cannot cost more than one sent directly (docs/federation.md#limits).
 */
export function createGateway({ config, logger, rateLimitStore, fetch = globalThis.fetch }: GatewayOptions) {
  const { limits } = config;
  // Hive's logger reads LOG_LEVEL too, and throws on pino's "silent" and "fatal" (its own levels
  // stop at "error"), even with its logging off. This process's pino loggers have read it already.
  if (process.env.LOG_LEVEL && !HIVE_LOG_LEVELS.includes(process.env.LOG_LEVEL)) process.env.LOG_LEVEL = 'error';
  const compose = () =>
    composeSupergraph(fetch, config.service, config.subgraphs, {
      requiredHeaders: config.serviceKey ? { 'x-api-key': config.serviceKey } : {},
    });
  const plugins: GatewayPlugin[] = [
    ...(fetch === globalThis.fetch ? [] : [useCustomFetch(fetch as never)]),
    ...(rateLimitStore && limits.rateLimit
      ? [useRateLimit({ store: rateLimitStore, ...limits.rateLimit, trustProxy: limits.trustProxy }) as GatewayPlugin]
      : []),
    useQueryLimits(limits, { hideSuggestions: limits.introspection === 'restricted' }) as GatewayPlugin,
    useQueryCost({ maxCost: limits.maxCost }) as GatewayPlugin,
  ];
  return createGatewayRuntime({
    supergraph: supergraphSource(compose, logger),
    pollingInterval: config.pollIntervalMs,
    transports: { http: httpTransport },
    logging: false,
    landingPage: false,
    maskedErrors: true,
    batching: { limit: limits.maxBatch },
    disableIntrospection: limits.introspection === 'restricted' ? { disableIf: () => true } : undefined,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, context, subgraphName }) => {
        if (subgraphName !== config.service.name) return {};
        const headers: Record<string, string> = {};
        for (const name of FORWARDED_TO_SERVICE) {
          const value = request.headers.get(name);
          if (value) headers[name] = value;
        }
        // The client's address, for the service's per-address rate limit (TRUST_PROXY=1 there).
        const address = clientAddress(request, context, limits.trustProxy);
        if (address) headers['x-forwarded-for'] = address;
        return headers;
      },
    },
    cors: (request) => {
      const origin = request.headers.get('origin');
      return { ...(origin ? { origin } : {}), exposedHeaders: [COST_HEADER, ...RATE_LIMIT_HEADERS] };
    },
    graphiql: config.graphiql ? { title: 'Content federation gateway', defaultQuery: GATEWAY_GRAPHIQL_EXAMPLE } : false,
    renderGraphiQL: lazyGraphiQLRenderer(),
    plugins: () => plugins,
  });
}

export type Gateway = ReturnType<typeof createGateway>;
