import { createRedisCache } from '@envelop/response-cache-redis';
import { createInMemoryCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { Redis } from 'ioredis';
import { credentialDigest } from './credentials.js';
import { encodeGlobalId } from './schema/global-id.js';

/** The shared response cache: Redis when `REDIS_URL` is set (shared by every instance), else memory. */
export interface ResponseCacheStore {
  kind: 'redis' | 'memory';
  cache: Cache;
  close(): Promise<void>;
}

export function createResponseCacheStore(redisUrl = process.env.REDIS_URL): ResponseCacheStore {
  if (!redisUrl) {
    return { kind: 'memory', cache: createInMemoryCache({ max: 10_000 }), close: async () => {} };
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

/**
 * The cache's session: which callers may share a cached response. Callers presenting different
 * credentials (Authorization or x-api-key) never share an entry, whatever those credentials
 * resolve to; callers presenting none share the public entry.
 */
export function responseCacheSession(request: Request): string | null {
  return credentialDigest(request);
}

/**
 * Drops every cached response that contains one of these entities (by model name and database
 * id). Write paths through the service must call this with the rows they change, so reads are
 * never stale after a write; the editorial mutations (issue #4) are the first such callers.
 */
export async function invalidateEntities(cache: Cache, entities: { typename: string; id: string }[]) {
  await cache.invalidate(entities.map(({ typename, id }) => ({ typename, id: encodeGlobalId(typename, id) })));
}
