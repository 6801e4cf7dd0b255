import { createRedisCache } from '@envelop/response-cache-redis';
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import { credentialDigest } from '../auth/keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { requestViewer } from '../auth/credentials.js';
import { type DependencyStatus, openRedis, type RedisConnection, type RedisConnectionOptions } from '../db/redis.js';
import { responseCacheLookups } from '../observability/metrics.js';

/** The shared response cache: Redis when `REDIS_URL` is set (shared by every instance), else memory. */
export interface ResponseCacheStore {
  kind: 'redis' | 'memory';
  cache: Cache;
  /** Whether the store answers: memory always does; Redis while it is up (else the cache answers uncached). */
  status(): DependencyStatus;
  /** Closes the Redis connection when the store opened it (not one it was handed). */
  close(): Promise<void>;
}

/**
 * The response cache's store: in Redis given a URL or an open connection (`REDIS_URL` by default),
 * else in memory. In Redis, an outage never fails a request: see {@link fallBackWhileDown}.
 */
export function createResponseCacheStore(
  redis: string | RedisConnection | undefined = process.env.REDIS_URL,
  options: RedisConnectionOptions = {},
): ResponseCacheStore {
  if (!redis) {
    const maxBytes = Number(process.env.RESPONSE_CACHE_MAX_BYTES ?? DEFAULT_MEMORY_CACHE_BYTES);
    return { kind: 'memory', cache: createBoundedMemoryCache({ maxBytes }), status: () => 'up', close: async () => {} };
  }
  const connection = typeof redis === 'string' ? openRedis(redis, options) : redis;
  return {
    kind: 'redis',
    cache: fallBackWhileDown(createRedisCache({ redis: connection.client }) as unknown as Cache, connection),
    status: () => connection.status(),
    async close() {
      if (typeof redis === 'string') await connection.close();
    },
  };
}

/** Invalidations missed while Redis was down, kept to replay: at most this many ids, then whole types. */
const MAX_MISSED_IDS = 10_000;

/**
 * The Redis cache, made to answer while Redis does not: a lookup is a miss, and storing an answer
 * is skipped, without waiting (the connection refuses commands at once while down, and a hung
 * Redis is found within its command timeout). Requests are answered uncached, from the database.
 *
 * An invalidation that cannot reach Redis is kept (by id, or by type once over
 * {@link MAX_MISSED_IDS} ids) and replayed when Redis is back, before the cache is used again:
 * an answer cached before the outage that holds an entity written during it must not be served
 * afterwards. Nothing is cached during the outage, so nothing newer can be stale.
 */
export function fallBackWhileDown(inner: Cache, redis: RedisConnection): Cache {
  const missed = new Map<string, Set<string> | null>(); // typename → ids, or null: every answer of the type
  let missedIds = 0;
  let replaying: Promise<void> | null = null;

  const remember = (entities: Iterable<CacheEntityRecord>) => {
    for (const { typename, id } of entities) {
      const ids = missed.get(typename);
      if (ids === null) continue;
      if (id == null) {
        missedIds -= ids?.size ?? 0;
        missed.set(typename, null);
      } else if (ids) {
        if (!ids.has(String(id))) missedIds += 1;
        ids.add(String(id));
      } else {
        missed.set(typename, new Set([String(id)]));
        missedIds += 1;
      }
    }
    if (missedIds > MAX_MISSED_IDS) {
      for (const typename of missed.keys()) missed.set(typename, null);
      missedIds = 0;
    }
  };

  const replay = () => {
    replaying ??= (async () => {
      try {
        while (missed.size) {
          const batch = [...missed].flatMap(([typename, ids]) => (ids ? [...ids].map((id) => ({ typename, id })) : [{ typename }]));
          missed.clear();
          missedIds = 0;
          try {
            await inner.invalidate(batch);
          } catch (error) {
            remember(batch);
            redis.failed(error);
            return;
          }
        }
      } finally {
        replaying = null;
      }
    })();
  };
  redis.onChange((status) => status === 'up' && missed.size && replay());

  /** Redis is up, and nothing missed is waiting to be replayed. */
  const usable = () => {
    if (redis.status() !== 'up') return false;
    if (missed.size) replay();
    return !replaying;
  };

  return {
    async get(responseId) {
      if (usable()) {
        try {
          return await inner.get(responseId);
        } catch (error) {
          redis.failed(error);
        }
      }
      responseCacheLookups.inc({ result: 'unavailable' });
      return undefined;
    },
    async set(responseId, result, entities, ttl) {
      if (!usable()) return;
      try {
        await inner.set(responseId, result, entities, ttl);
      } catch (error) {
        redis.failed(error);
      }
    },
    async invalidate(entities) {
      const list = [...entities];
      if (!usable()) return remember(list);
      try {
        await inner.invalidate(list);
      } catch (error) {
        remember(list);
        redis.failed(error);
      }
    },
  };
}

type CacheEntityRecord = Parameters<Cache['set']>[2] extends Iterable<infer R> ? R : never;

export const DEFAULT_MEMORY_CACHE_BYTES = 32 * 1024 * 1024;

interface MemoryEntry {
  result: ExecutionResult;
  bytes: number;
  keys: string[];
}

/**
 * The in-memory response cache, bounded by bytes as well as entries (lru-cache). The stock
 * in-memory cache keeps up to `max` result objects whatever their size: 10,000 answers of a
 * 100-article series page hold over a gigabyte of heap. Here each answer is counted by its JSON
 * text at two bytes a character (what a parsed answer of this service measures on the heap: 56 KB
 * for a 29,000-character answer), plus its invalidation keys, and the least recently used answers
 * go once the total passes `maxBytes`. An answer larger than `maxEntryBytes` (an eighth of the
 * budget) is not cached, so that one huge answer cannot empty the cache. Answers are kept as
 * objects, so a hit costs no JSON.parse. Invalidation follows the stock cache: by type name, and
 * by `Type:id`.
 */
export function createBoundedMemoryCache({
  maxBytes = DEFAULT_MEMORY_CACHE_BYTES,
  maxEntryBytes = maxBytes / 8,
  maxEntries = 10_000,
}: { maxBytes?: number; maxEntryBytes?: number; maxEntries?: number } = {}): Cache {
  // Which cached answers hold each type and `Type:id`, for invalidation.
  const responsesByKey = new Map<string, Set<string>>();
  const entries = new LRUCache<string, MemoryEntry>({
    max: maxEntries,
    maxSize: maxBytes,
    maxEntrySize: maxEntryBytes,
    sizeCalculation: (entry) => entry.bytes,
    // Evicted, expired, replaced or invalidated: the answer leaves the index too.
    dispose: (entry, responseId) => {
      for (const key of entry.keys) {
        const ids = responsesByKey.get(key);
        ids?.delete(responseId);
        if (ids?.size === 0) responsesByKey.delete(key);
      }
    },
  });

  return {
    set(responseId: string, result: ExecutionResult, entities: Iterable<CacheEntityRecord>, ttl: number) {
      const keys = new Set<string>();
      for (const { typename, id } of entities) {
        keys.add(typename);
        if (id !== undefined) keys.add(`${typename}:${id}`);
      }
      const bytes = 2 * JSON.stringify(result).length + [...keys].reduce((sum, key) => sum + 2 * key.length + 64, 128);
      entries.set(responseId, { result, bytes, keys: [...keys] }, { ttl: ttl > 0 && Number.isFinite(ttl) ? ttl : 0 });
      // Refused (larger than maxEntryBytes): nothing to index.
      if (!entries.has(responseId)) return;
      for (const key of keys) {
        let ids = responsesByKey.get(key);
        if (!ids) responsesByKey.set(key, (ids = new Set()));
        ids.add(responseId);
      }
    },
    get(responseId: string) {
      return entries.get(responseId)?.result ?? null;
    },
    invalidate(entitiesToRemove: Iterable<CacheEntityRecord>) {
      for (const { typename, id } of entitiesToRemove) {
        const key = id != null ? `${typename}:${id}` : typename;
        for (const responseId of [...(responsesByKey.get(key) ?? [])]) entries.delete(responseId);
      }
    },
  };
}

/**
 * The cache's session: which callers may share a cached response. Callers presenting different
 * credentials (Authorization or x-api-key) never share an entry; callers presenting none share
 * the public entry. The credential is verified first (once per request, shared with
 * createContext): the cache answers before the context is built, and a revoked or forged key must
 * get its 401 there too, never a cached answer.
 */
export function responseCacheSession(prisma: PrismaClient) {
  return async (request: Request): Promise<string | null> => {
    await requestViewer(prisma, request);
    return credentialDigest(request);
  };
}
