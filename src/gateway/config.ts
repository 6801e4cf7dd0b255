import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { wholeNumber } from '../domain/env.js';
import { limitsFromEnv, type Limits } from '../http/limits.js';

/** One subgraph the gateway composes: a name (unique, used in the supergraph) and its GraphQL URL. */
export interface SubgraphSource {
  name: string;
  url: string;
}

/** Everything `npm run gateway` is configured with (README "Federation", docs/federation.md). */
export interface GatewayConfig {
  /** This content service, always composed, under the name `content`. */
  service: SubgraphSource;
  /** The other subgraphs: GATEWAY_SUBGRAPHS and/or the file at GATEWAY_CONFIG. */
  subgraphs: SubgraphSource[];
  port: number;
  host: string;
  /** How often the subgraphs' SDL is read again and the supergraph recomposed. */
  pollIntervalMs: number;
  /**
   * A credential the gateway presents to read the content service's `{ _service { sdl } }` where
   * introspection is restricted (an editor's token; GATEWAY_SERVICE_KEY). Never sent with clients' queries.
   */
  serviceKey: string | null;
  /** The same limits the service reads from GRAPHQL_MAX_* and RATE_LIMIT*, enforced at the gateway. */
  limits: Limits;
  /** GraphiQL at GET /graphql: on unless NODE_ENV=production (GRAPHIQL=on|off as for the service). */
  graphiql: boolean;
}

/** The content service's name in the supergraph. */
export const SERVICE_SUBGRAPH = 'content';

const NAME = /^[a-z][a-z0-9_]*$/;

const url = (what: string) =>
  z.string().refine((value) => /^https?:\/\/[^\s]+$/.test(value), { message: `${what} must be an http(s) URL` });

const subgraphFile = z.object({
  subgraphs: z.array(z.object({ name: z.string().regex(NAME, 'a subgraph name is lower case: a-z, 0-9, _'), url: url('url') })),
});

/** `name=url,name=url` → sources. */
function parseSubgraphList(raw: string): SubgraphSource[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const at = item.indexOf('=');
      const name = item.slice(0, at).trim();
      const target = item.slice(at + 1).trim();
      if (at < 1 || !NAME.test(name) || !/^https?:\/\/\S+$/.test(target)) {
        throw new Error(`GATEWAY_SUBGRAPHS: "${item}" is not name=http(s)://host:port/path (a lower-case name)`);
      }
      return { name, url: target };
    });
}

/**
 * Reads the gateway's configuration from the environment: GATEWAY_SERVICE_URL, GATEWAY_SUBGRAPHS,
 * GATEWAY_CONFIG (a JSON file `{ "subgraphs": [{ "name", "url" }] }`), GATEWAY_PORT, GATEWAY_HOST,
 * GATEWAY_POLL_INTERVAL_MS, GATEWAY_SERVICE_KEY, and the service's own limit variables. Throws one
 * error naming every problem.
 */
export function gatewayConfigFromEnv(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = z
    .object({
      GATEWAY_SERVICE_URL: url('GATEWAY_SERVICE_URL').default('http://127.0.0.1:4000/graphql'),
      GATEWAY_PORT: wholeNumber(4100, 0, 65_535),
      GATEWAY_HOST: z.string().default('127.0.0.1'),
      GATEWAY_POLL_INTERVAL_MS: wholeNumber(10_000, 1_000, 3_600_000),
    })
    .safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid gateway settings: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  const subgraphs = [
    ...(env.GATEWAY_CONFIG ? subgraphFile.parse(JSON.parse(readFileSync(env.GATEWAY_CONFIG, 'utf8'))).subgraphs : []),
    ...parseSubgraphList(env.GATEWAY_SUBGRAPHS ?? ''),
  ];
  const names = [SERVICE_SUBGRAPH, ...subgraphs.map((s) => s.name)];
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length) throw new Error(`Subgraph names must be unique (and "${SERVICE_SUBGRAPH}" is this service): ${[...new Set(twice)].join(', ')}`);
  const { limits, graphiql } = limitsFromEnv(env);
  return {
    service: { name: SERVICE_SUBGRAPH, url: parsed.data.GATEWAY_SERVICE_URL },
    subgraphs,
    port: parsed.data.GATEWAY_PORT,
    host: parsed.data.GATEWAY_HOST,
    pollIntervalMs: parsed.data.GATEWAY_POLL_INTERVAL_MS,
    serviceKey: env.GATEWAY_SERVICE_KEY?.trim() || null,
    limits,
    graphiql,
  };
}
