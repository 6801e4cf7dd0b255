import { createRedisCache } from '@envelop/response-cache-redis';
import { createInMemoryCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { Redis } from 'ioredis';
import { credentialDigest } from './credentials.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { requestViewer } from './resolvers/credentials.js';
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

/**
 * Drops every cached response that contains one of these entities (by model name and database
 * id). Write paths through the service must call this with the rows they change, so reads are
 * never stale after a write; the editorial mutations (issue #4) are the first such callers.
 */
export async function invalidateEntities(cache: Cache, entities: { typename: string; id: string }[]) {
  await cache.invalidate(entities.map(({ typename, id }) => ({ typename, id: encodeGlobalId(typename, id) })));
}
