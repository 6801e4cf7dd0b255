import { z } from 'zod';
import { wholeNumber } from '../domain/env.js';

/**
 * Every limit that keeps the public endpoint standing under abuse, in one place. The server reads
 * them from the environment (`limitsFromEnv`); tests build them directly. docs/api.md's "Limits"
 * table documents each variable and its default.
 */
export interface Limits {
  /** Deepest field nesting in an operation (graphql-armor max-depth). */
  maxDepth: number;
  /** Aliases in an operation (graphql-armor max-aliases). */
  maxAliases: number;
  /** Lexical tokens in a document (graphql-armor max-tokens). */
  maxTokens: number;
  /** Directives in an operation (graphql-armor max-directives). */
  maxDirectives: number;
  /** Cost of an operation under graphql-armor's cost model (see src/http/query-cost.ts). */
  maxCost: number;
  /** Bytes in a request body. */
  maxBodyBytes: number;
  /** Operations in a batched request (a JSON array of requests). */
  maxBatch: number;
  /** Requests per window per API key, or per client address without one; null turns it off. */
  rateLimit: { max: number; windowMs: number } | null;
  /**
   * Failed authentications (401) per window per client address; once spent, requests presenting
   * any credential from that address are refused with 429 before the credential is looked up.
   * Without it, a stream of random keys would get a fresh rate-limit bucket per key. null: off.
   */
  authFailureLimit: { max: number; windowMs: number } | null;
  /** PostgreSQL statement_timeout for the server's queries, in ms; null: none (see src/db/client.ts). */
  statementTimeoutMs: number | null;
  /** How many reverse proxies in front of the server append to X-Forwarded-For (0: ignore it). */
  trustProxy: number;
  /** `restricted`: only viewers who may introspect (editors and admins) get `__schema`/`__type`. */
  introspection: 'public' | 'restricted';
  /**
   * Subscriptions open at once on one instance: per credential, and per client address for
   * anonymous subscribers (src/http/live.ts). Past it, 429 `TOO_MANY_SUBSCRIPTIONS`.
   */
  subscriptions: { perCredential: number; perAddress: number };
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 5_000,
  maxDirectives: 20,
  maxCost: 20_000,
  maxBodyBytes: 100 * 1024,
  maxBatch: 10,
  rateLimit: { max: 300, windowMs: 60_000 },
  authFailureLimit: { max: 20, windowMs: 60_000 },
  statementTimeoutMs: 10_000,
  trustProxy: 0,
  introspection: 'public',
  subscriptions: { perCredential: 100, perAddress: 10 },
};

type Env = Record<string, string | undefined>;

/** One of a few words; unset or empty means the default. */
const oneOf = <const T extends string>(words: readonly T[], fallback: T) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim().toLowerCase();
      if (!value) return fallback;
      if (!(words as readonly string[]).includes(value)) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${words.join(', ')}, not "${raw}"` });
        return z.NEVER;
      }
      return value as T;
    });

const envSchema = (production: boolean) =>
  z.object({
    GRAPHQL_MAX_DEPTH: wholeNumber(DEFAULT_LIMITS.maxDepth, 1, 1_000),
    GRAPHQL_MAX_ALIASES: wholeNumber(DEFAULT_LIMITS.maxAliases, 0, 100_000),
    GRAPHQL_MAX_TOKENS: wholeNumber(DEFAULT_LIMITS.maxTokens, 100, 10_000_000),
    GRAPHQL_MAX_DIRECTIVES: wholeNumber(DEFAULT_LIMITS.maxDirectives, 0, 100_000),
    GRAPHQL_MAX_COST: wholeNumber(DEFAULT_LIMITS.maxCost, 1, 1_000_000_000),
    GRAPHQL_MAX_BODY_BYTES: wholeNumber(DEFAULT_LIMITS.maxBodyBytes, 1_024, 100 * 1024 * 1024),
    GRAPHQL_MAX_BATCH: wholeNumber(DEFAULT_LIMITS.maxBatch, 1, 1_000),
    // "off" or 0 turns rate limiting off.
    RATE_LIMIT: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim().toLowerCase() === 'off' ? '0' : raw))
      .pipe(wholeNumber(DEFAULT_LIMITS.rateLimit!.max, 0, 10_000_000)),
    RATE_LIMIT_WINDOW_SECONDS: wholeNumber(DEFAULT_LIMITS.rateLimit!.windowMs / 1000, 1, 86_400),
    // "off" or 0 turns the failed-authentication limit off; it shares RATE_LIMIT_WINDOW_SECONDS.
    AUTH_FAILURE_LIMIT: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim().toLowerCase() === 'off' ? '0' : raw))
      .pipe(wholeNumber(DEFAULT_LIMITS.authFailureLimit!.max, 0, 10_000_000)),
    // "off" or 0: no statement timeout.
    DATABASE_STATEMENT_TIMEOUT_MS: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim().toLowerCase() === 'off' ? '0' : raw))
      .pipe(wholeNumber(DEFAULT_LIMITS.statementTimeoutMs!, 0, 3_600_000)),
    // `true`/`false` are accepted for the common single-proxy setup.
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((raw) => ({ true: '1', on: '1', false: '0', off: '0' })[raw?.trim().toLowerCase() ?? ''] ?? raw)
      .pipe(wholeNumber(DEFAULT_LIMITS.trustProxy, 0, 10)),
    INTROSPECTION: oneOf(['public', 'restricted'], production ? 'restricted' : 'public'),
    MAX_SUBSCRIPTIONS_PER_CREDENTIAL: wholeNumber(DEFAULT_LIMITS.subscriptions.perCredential, 0, 100_000),
    MAX_SUBSCRIPTIONS_PER_ADDRESS: wholeNumber(DEFAULT_LIMITS.subscriptions.perAddress, 0, 100_000),
    GRAPHIQL: oneOf(['on', 'off'], production ? 'off' : 'on'),
  });

/** The limits and endpoint settings the environment asks for. */
export interface EndpointSettings {
  limits: Limits;
  /** Serve GraphiQL: on in development, off in production unless GRAPHIQL=on. */
  graphiql: boolean;
}

/**
 * Reads the limits from environment variables, with the defaults above; `NODE_ENV=production`
 * restricts introspection and turns GraphiQL off unless told otherwise. Throws one error naming
 * every bad variable.
 */
export function limitsFromEnv(env: Env = process.env): EndpointSettings {
  const production = env.NODE_ENV === 'production';
  const parsed = envSchema(production).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`Invalid limits in the environment: ${problems.join('; ')}`);
  }
  const v = parsed.data;
  return {
    limits: {
      maxDepth: v.GRAPHQL_MAX_DEPTH,
      maxAliases: v.GRAPHQL_MAX_ALIASES,
      maxTokens: v.GRAPHQL_MAX_TOKENS,
      maxDirectives: v.GRAPHQL_MAX_DIRECTIVES,
      maxCost: v.GRAPHQL_MAX_COST,
      maxBodyBytes: v.GRAPHQL_MAX_BODY_BYTES,
      maxBatch: v.GRAPHQL_MAX_BATCH,
      rateLimit: v.RATE_LIMIT > 0 ? { max: v.RATE_LIMIT, windowMs: v.RATE_LIMIT_WINDOW_SECONDS * 1000 } : null,
      authFailureLimit:
        v.AUTH_FAILURE_LIMIT > 0 ? { max: v.AUTH_FAILURE_LIMIT, windowMs: v.RATE_LIMIT_WINDOW_SECONDS * 1000 } : null,
      statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS > 0 ? v.DATABASE_STATEMENT_TIMEOUT_MS : null,
      trustProxy: v.TRUST_PROXY,
      introspection: v.INTROSPECTION,
      subscriptions: { perCredential: v.MAX_SUBSCRIPTIONS_PER_CREDENTIAL, perAddress: v.MAX_SUBSCRIPTIONS_PER_ADDRESS },
    },
    graphiql: v.GRAPHIQL === 'on',
  };
}
