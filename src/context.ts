import { initContextCache } from '@pothos/core';
import type { PrismaClient } from './generated/prisma/client.js';
import { createLoaders } from './loaders/index.js';
import { requestViewer } from './resolvers/credentials.js';

/**
 * Builds the per-request context: the viewer (resolved once per HTTP request from its API key or
 * token), fresh DataLoaders, and Pothos' context cache. A request presenting a malformed, unknown,
 * revoked or expired credential is refused here with 401 `UNAUTHENTICATED`; it is never served
 * as anonymous.
 */
export async function createContext({ request, prisma }: { request: Request; prisma: PrismaClient }) {
  const viewer = await requestViewer(prisma, request);
  return {
    ...initContextCache(),
    prisma,
    viewer,
    loaders: createLoaders(prisma, viewer),
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
