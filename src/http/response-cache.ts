import { createRedisCache } from '@envelop/response-cache-redis';
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { credentialDigest } from '../auth/keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { requestViewer } from '../auth/credentials.js';

/** The shared response cache: Redis when `REDIS_URL` is set (shared by every instance), else memory. */
export interface ResponseCacheStore {
  kind: 'redis' | 'memory';
  cache: Cache;
  close(): Promise<void>;
}

export function createResponseCacheStore(redisUrl = process.env.REDIS_URL): ResponseCacheStore {
  if (!redisUrl) {
    const maxBytes = Number(process.env.RESPONSE_CACHE_MAX_BYTES ?? DEFAULT_MEMORY_CACHE_BYTES);
    return { kind: 'memory', cache: createBoundedMemoryCache({ maxBytes }), close: async () => {} };
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
  return {
    kind: 'redis',
    cache: createRedisCache({ redis }) as unknown as Cache,
    async close() {
      await redis.quit();
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
