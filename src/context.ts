import { initContextCache } from '@pothos/core';
import type { PrismaClient } from './generated/prisma/client.js';
import { createLoaders } from './loaders/index.js';
import { ANONYMOUS, type Viewer } from './viewer.js';

/**
 * Builds the per-request context: the viewer (resolved once), fresh DataLoaders, and Pothos'
 * context cache.
 */
export async function createContext({ request, prisma }: { request: Request; prisma: PrismaClient }) {
  const viewer = resolveViewer(request);
  return {
    ...initContextCache(),
    prisma,
    viewer,
    loaders: createLoaders(prisma, viewer),
  };
}

/** Partner keys and editor tokens arrive with issue #4; until then every caller is anonymous. */
function resolveViewer(_request: Request): Viewer {
  return ANONYMOUS;
}

export type Context = Awaited<ReturnType<typeof createContext>>;
