import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { credentialDigest } from '../auth/keys.js';
import { peekRequestViewer } from '../auth/credentials.js';
import { currentRequestId, log } from '../observability/log.js';
import { rateLimitRefusals } from '../observability/metrics.js';
import { type DependencyStatus, openRedis, type RedisConnection, type RedisConnectionOptions } from '../db/redis.js';

// Request-level rate limiting. @envelop/rate-limiter limits fields inside an execution; abuse has
// to be stopped before the body is even read, so this counts HTTP requests in `onRequest`.
//
// The algorithm is GCRA (a token bucket kept as one timestamp per caller): `max` requests per
// `windowMs`, refilled smoothly, so a caller may burst up to `max` and then gets one request every
// `windowMs / max`. Memory and Redis run the same arithmetic; Redis does it atomically in Lua.
//
// rate-limiter-flexible was measured against this (bench/rate-limit/bench.ts) and not taken: its
// limiters count fixed windows, so a spent allowance comes back only when the window ends, not one
// request every `windowMs / max`, and Retry-After would name the end of the window. Its memory
// store is also unbounded, with a timer per caller, and slower than this one.

/** What one attempt to take requests from a caller's allowance decided. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests per window. */
  limit: number;
  /** Requests the caller may still send right now. */
  remaining: number;
  /** Milliseconds until the caller's allowance is full again. */
  resetMs: number;
  /** Milliseconds until the refused request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

/** Where the counters live: this process's memory, or Redis shared by every instance. */
export interface RateLimitStore {
  kind: 'memory' | 'redis';
  /** Takes `weight` requests from `key`'s allowance of `max` per `windowMs`; a refusal takes nothing. */
  consume(key: string, max: number, windowMs: number, weight?: number): Promise<RateLimitDecision>;
  /** Whether the store answers: memory always does; Redis while it is up (else counts fall back to memory). */
  status(): DependencyStatus;
  close(): Promise<void>;
}

// Whole requests despite floating point: at today's epoch in milliseconds a double is exact to
// about 0.0002 ms, so `tat - now` is off by that much and a count by that over the interval.
const EPSILON = 1e-3;

/** GCRA: `tat` (theoretical arrival time) is when the caller's allowance is full again; a request
 * is allowed while its weight keeps `tat` within one window of now. */
function gcra(stored: number | undefined, now: number, max: number, windowMs: number, weight: number) {
  const interval = windowMs / max;
  const tat = Math.max(stored ?? now, now);
  const nextTat = tat + interval * weight;
  const allowAt = nextTat - windowMs;
  // The same float error must not refuse the last request of a burst sent in one millisecond.
  if (now < allowAt - 0.01) {
    const decision: RateLimitDecision = {
      allowed: false,
      limit: max,
      remaining: Math.max(0, Math.floor((windowMs - (tat - now)) / interval + EPSILON)),
      resetMs: Math.ceil(tat - now),
      retryAfterMs: Math.ceil(allowAt - now),
    };
    return { decision, tat: undefined };
  }
  const decision: RateLimitDecision = {
    allowed: true,
    limit: max,
    remaining: Math.max(0, Math.floor((windowMs - (nextTat - now)) / interval + EPSILON)),
    resetMs: Math.ceil(nextTat - now),
    retryAfterMs: 0,
  };
  return { decision, tat: nextTat };
}

/** Counters in this process. Bounded: beyond `maxKeys` callers the least recently seen are forgotten. */
export function createMemoryRateLimitStore({ maxKeys = 100_000 } = {}): RateLimitStore {
  const tats = new Map<string, number>();
  return {
    kind: 'memory',
    async consume(key, max, windowMs, weight = 1) {
      const now = Date.now();
      const { decision, tat } = gcra(tats.get(key), now, max, windowMs, weight);
      if (tat !== undefined) {
        // Re-inserting keeps the Map in order of last use, oldest first.
        tats.delete(key);
        tats.set(key, tat);
        if (tats.size > maxKeys) {
          for (const [oldKey, oldTat] of tats) {
            if (tats.size <= maxKeys * 0.9) break;
            // A full bucket (tat in the past) loses nothing by being forgotten; others are forgiven.
            if (oldTat <= now || tats.size > maxKeys) tats.delete(oldKey);
          }
        }
      }
      return decision;
    },
    status: () => 'up',
    async close() {
      tats.clear();
    },
  };
}

// The same arithmetic as gcra() above, atomic in Redis, on Redis' clock so that every instance
// agrees. Returns { allowed, remaining, resetMs, retryAfterMs }.
const GCRA_LUA = `
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local weight = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local interval = window / max
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local nextTat = tat + interval * weight
local allowAt = nextTat - window
if now < allowAt - 0.01 then
  local remaining = math.max(0, math.floor((window - (tat - now)) / interval + 1e-3))
  return { 0, remaining, math.ceil(tat - now), math.ceil(allowAt - now) }
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return { 1, math.max(0, math.floor((window - (nextTat - now)) / interval + 1e-3)), math.ceil(nextTat - now), 0 }
`;

type GcraRedis = Redis & {
  gcra(key: string, windowMs: number, max: number, weight: number): Promise<[number, number, number, number]>;
};

/**
 * Counters in Redis, shared by every instance of the server (given a URL, or an open connection).
 * Keys expire when the bucket is full.
 *
 * While Redis is down, requests are counted in this process's memory instead, and in Redis again
 * once it is back. Refusing every request would take the API down with Redis; letting every
 * request through would leave it open to abuse for as long as the outage lasts. Counted per
 * instance, a caller gets at most the limit from each instance: bounded, if looser by the number
 * of instances. A caller's Redis allowance is not charged for what it spent in memory.
 */
export function createRedisRateLimitStore(
  redis: string | RedisConnection,
  { prefix = 'ratelimit:', ...options }: { prefix?: string } & RedisConnectionOptions = {},
): RateLimitStore {
  const connection = typeof redis === 'string' ? openRedis(redis, options) : redis;
  const client = connection.client as GcraRedis;
  // The connection may be shared with the response cache: the command is defined once on it.
  if (typeof client.gcra !== 'function') client.defineCommand('gcra', { numberOfKeys: 1, lua: GCRA_LUA });
  const memory = createMemoryRateLimitStore();
  return {
    kind: 'redis',
    async consume(key, max, windowMs, weight = 1) {
      if (connection.status() === 'up') {
        try {
          const [allowed, remaining, resetMs, retryAfterMs] = await client.gcra(`${prefix}${key}`, windowMs, max, weight);
          return { allowed: allowed === 1, limit: max, remaining, resetMs, retryAfterMs };
        } catch (error) {
          connection.failed(error);
        }
      }
      return memory.consume(key, max, windowMs, weight);
    },
    status: () => connection.status(),
    async close() {
      await memory.close();
      if (typeof redis === 'string') await connection.close();
    },
  };
}

/** Redis when `REDIS_URL` is set (one budget across every instance), else this process's memory. */
export function createRateLimitStore(redis: string | RedisConnection | undefined = process.env.REDIS_URL): RateLimitStore {
  return redis ? createRedisRateLimitStore(redis) : createMemoryRateLimitStore();
}

let lastWarning = 0;
function warnOnce(what: string, error: unknown) {
  // A store outage would otherwise log once per request.
  if (Date.now() - lastWarning < 60_000) return;
  lastWarning = Date.now();
  log.warn({ err: error }, `${what} failed; requests are let through without rate limiting`);
}

/** The server context `createServer(yoga)` hands over: node's request, and through it the socket. */
interface NodeServerContext {
  req?: { socket?: { remoteAddress?: string } };
}

/** "1.2.3.4:5678" and "[::1]:5678" → the address alone; anything that is not an address → null. */
function bareAddress(value: string | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  const candidate = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed)?.[1] ?? /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(trimmed)?.[1] ?? trimmed;
  return isIP(candidate) ? candidate : null;
}

/**
 * The caller's address: the socket's peer, or with `trustProxy` proxies in front, the entry that
 * the outermost trusted proxy appended to X-Forwarded-For. Entries left of it are whatever the
 * client claimed and are never believed.
 */
export function clientAddress(request: Request, serverContext: unknown, trustProxy: number): string | null {
  if (trustProxy > 0) {
    const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').filter((hop) => hop.trim());
    const forwarded = bareAddress(hops[Math.max(0, hops.length - trustProxy)]);
    if (forwarded) return forwarded;
  }
  return bareAddress((serverContext as NodeServerContext | undefined)?.req?.socket?.remoteAddress);
}

/** IPv4 as is; IPv6 by its /64, since one subscriber usually holds a whole /64. */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** What the embed card routes add to the server context of the GraphQL reads they make. */
export interface EmbedReadContext {
  embedCardRead?: true;
}

/**
 * Who a request is counted against: its credential (by digest) when it presents one, else its
 * address. Counting happens before the credential is verified (createContext does that), so a
 * forged or revoked key is counted under its own digest: it gets its 401 without ever spending
 * the genuine key's allowance.
 */
export function rateLimitKey(request: Request, serverContext: unknown, trustProxy: number): string {
  const digest = credentialDigest(request);
  // An embed card's read carries a publishable key shared by every reader of a partner's pages:
  // counted per key, one busy page (or anyone who copies the key) would spend every reader's
  // allowance. The card routes (src/http/embed/routes.ts) say so in the server context, which no
  // client can set; those reads count against the reader's address.
  if (digest && !(serverContext as EmbedReadContext | undefined)?.embedCardRead) return `key:${digest}`;
  const address = clientAddress(request, serverContext, trustProxy);
  return `ip:${address ? addressBucket(address) : 'unknown'}`;
}

/** The draft IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers), and Retry-After on 429. */
function rateLimitHeaders(decision: RateLimitDecision, windowMs: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
    'RateLimit-Policy': `${decision.limit};w=${Math.ceil(windowMs / 1000)}`,
    ...(decision.allowed ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) }),
  };
}

/** The response headers rate limiting adds, for CORS' Access-Control-Expose-Headers. */
export const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Retry-After'];

function rateLimitedMessage(decision: RateLimitDecision, windowMs: number) {
  const retry = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return `Too many requests: the limit is ${decision.limit} per ${Math.ceil(windowMs / 1000)} s. Retry in ${retry} s.`;
}

export interface RateLimitOptions {
  store: RateLimitStore;
  max: number;
  windowMs: number;
  trustProxy: number;
  /** Failed authentications allowed per address and window (see Limits.authFailureLimit); null: off. */
  authFailures?: { max: number; windowMs: number } | null;
}

/**
 * Counts every request to the server against its caller before anything else is read, and
 * answers an exhausted caller with 429, `Retry-After` and the RateLimit headers (code
 * `RATE_LIMITED`). A batch of n operations counts as n requests. The Redis store counts in memory
 * while Redis is down; should a store still fail, requests are let through: an outage of a store
 * must not take the API down with it.
 */
export function useRateLimit({ store, max, windowMs, trustProxy, authFailures = null }: RateLimitOptions): Plugin {
  const decisions = new WeakMap<Request, { key: string; decision: RateLimitDecision }>();
  // Requests that presented a credential: the failed-authentication bucket of their address, and
  // whether a failure was reserved for them before the lookup.
  const presented = new WeakMap<Request, { failureKey: string; digest: string; reserved: boolean }>();
  // Credentials (by digest) that authenticated lately in this process: they skip the reservation,
  // so a partner's many concurrent requests are not held to the failure budget. Bounded.
  const recentlyGood = new Map<string, number>();
  const MAX_RECENTLY_GOOD = 10_000;

  async function consume(
    key: string,
    weight: number,
    limit: { max: number; windowMs: number } = { max, windowMs },
  ): Promise<RateLimitDecision | null> {
    try {
      return await store.consume(key, limit.max, limit.windowMs, weight);
    } catch (error) {
      warnOnce(`The ${store.kind} rate limit store`, error);
      return null;
    }
  }

  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const refuse = (decision: RateLimitDecision, message: string, window: number, limit: 'requests' | 'auth_failures') => {
        rateLimitRefusals.inc({ limit });
        const extensions = { code: 'RATE_LIMITED', requestId: currentRequestId() };
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions }] }), {
            status: 429,
            headers: { 'content-type': 'application/json; charset=utf-8', ...rateLimitHeaders(decision, window) },
          }),
        );
      };
      const digest = authFailures ? credentialDigest(request) : null;
      if (authFailures && digest) {
        // A credential not known to be good takes one failure from its address's budget before it
        // is looked up, and gets it back when it turns out good (onResponse). So an address whose
        // failures are spent is refused before any lookup, and many random keys sent at once
        // cannot all pass before the first failure is counted: guessing costs the database a
        // bounded number of lookups.
        const address = clientAddress(request, serverContext, trustProxy);
        const failureKey = `authfail:${address ? addressBucket(address) : 'unknown'}`;
        const knownGood = (recentlyGood.get(digest) ?? 0) > Date.now();
        presented.set(request, { failureKey, digest, reserved: !knownGood });
        if (!knownGood) {
          const reservation = await consume(failureKey, 1, authFailures);
          if (reservation && !reservation.allowed) {
            presented.delete(request);
            const retry = Math.max(1, Math.ceil(reservation.retryAfterMs / 1000));
            refuse(
              reservation,
              `Too many failed authentications from your address: the limit is ${authFailures.max} per ` +
                `${Math.ceil(authFailures.windowMs / 1000)} s. Retry in ${retry} s.`,
              authFailures.windowMs,
              'auth_failures',
            );
            return;
          }
        }
      }
      const key = rateLimitKey(request, serverContext, trustProxy);
      const decision = await consume(key, 1);
      if (!decision) return;
      decisions.set(request, { key, decision });
      if (!decision.allowed) refuse(decision, rateLimitedMessage(decision, windowMs), windowMs, 'requests');
    },
    onRequestParse({ request }) {
      const counted = decisions.get(request);
      if (!counted) return;
      return {
        // The first operation of a batch was counted with the request; the rest count now.
        async onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult) || requestParserResult.length < 2) return;
          const decision = await consume(counted.key, requestParserResult.length - 1);
          if (!decision) return;
          decisions.set(request, { key: counted.key, decision });
          if (!decision.allowed) {
            rateLimitRefusals.inc({ limit: 'requests' });
            throw createGraphQLError(rateLimitedMessage(decision, windowMs), {
              extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: rateLimitHeaders(decision, windowMs) } },
            });
          }
        },
      };
    },
    async onResponse({ request, response }) {
      const credential = presented.get(request);
      if (authFailures && credential) {
        if (response.status === 401) {
          recentlyGood.delete(credential.digest);
          // A failure of a credential that was known good (revoked since) is counted now.
          if (!credential.reserved) await consume(credential.failureKey, 1, authFailures);
        } else {
          // Authenticated, or refused before any lookup (a malformed body, say): the reservation is
          // given back. Only a credential actually verified counts as good.
          if (credential.reserved) await consume(credential.failureKey, -1, authFailures);
          const viewer = await peekRequestViewer(request);
          if (viewer && viewer.kind !== 'anonymous') {
            recentlyGood.delete(credential.digest);
            recentlyGood.set(credential.digest, Date.now() + authFailures.windowMs);
            if (recentlyGood.size > MAX_RECENTLY_GOOD) recentlyGood.delete(recentlyGood.keys().next().value!);
          }
        }
      }
      const counted = decisions.get(request);
      if (!counted) return;
      for (const [name, value] of Object.entries(rateLimitHeaders(counted.decision, windowMs))) response.headers.set(name, value);
    },
  };
}
