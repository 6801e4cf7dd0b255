import { initContextCache } from '@pothos/core';
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { PrismaClient } from './generated/prisma/client.js';
import type { ImportJobs } from './jobs/queue.js';
import { createLoaders } from './loaders/index.js';
import { requestViewer } from './auth/credentials.js';
import type { EventBus } from './db/event-bus.js';
import { eventBusOf } from './store/events.js';

/**
 * Builds the per-request context: the viewer (resolved once per HTTP request from its API key or
 * token), fresh DataLoaders, and Pothos' context cache. A request presenting a malformed, unknown,
 * revoked or expired credential is refused here with 401 `UNAUTHENTICATED`; it is never served
 * as anonymous. `responseCache` is the server's response cache, which write paths invalidate
 * (`invalidateEntities` in src/resolvers/cache-upkeep.ts); null when the server runs without one.
 * `importJobs` is where `importContent` queues its runs (src/jobs/). `events` is the event bus
 * subscriptions read (src/db/event-bus.ts): the one the database's writes publish to by default.
 */
export async function createContext({
  request,
  prisma,
  responseCache = null,
  compiledReads = true,
  importJobs,
  events = eventBusOf(prisma),
}: {
  request: Request;
  prisma: PrismaClient;
  responseCache?: Cache | null;
  /** Serve the root fields the compiler covers with one SQL statement each (src/compiled/). */
  compiledReads?: boolean;
  importJobs: ImportJobs;
  events?: EventBus;
}) {
  const viewer = await requestViewer(prisma, request);
  return {
    ...initContextCache(),
    prisma,
    viewer,
    responseCache,
    compiledReads,
    importJobs,
    events,
    loaders: createLoaders(prisma, viewer),
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
