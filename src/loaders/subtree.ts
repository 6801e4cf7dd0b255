import DataLoader from 'dataloader';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { subtreeIdsSql } from '../db/keyset.js';
import { organizationScopeSql } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

/**
 * The ids of each organization and all organizations below it, in one statement per batch. An
 * organization the viewer may not read has none, like a missing one (a partner's scope is a
 * subtree, so the subtree of one inside it is inside it too).
 */
export function createSubtreeIdsLoader(prisma: PrismaClient, viewer: Viewer) {
  return new DataLoader<string, string[]>(async (rootIds) => {
    const inScope = organizationScopeSql(viewer, Prisma.sql`root.id`);
    const rows = await prisma.$queryRaw<{ rootId: string; id: string }[]>`
      SELECT root.id AS "rootId", member.id
      FROM unnest(${[...rootIds]}::uuid[]) AS root(id)
      CROSS JOIN LATERAL ${subtreeIdsSql(Prisma.sql`root.id`)} AS member(id)
      ${inScope.length ? Prisma.sql`WHERE ${Prisma.join(inScope, ' AND ')}` : Prisma.empty}`;
    const byRoot = new Map<string, string[]>();
    for (const { rootId, id } of rows) byRoot.set(rootId, [...(byRoot.get(rootId) ?? []), id]);
    return rootIds.map((id) => byRoot.get(id) ?? []);
  });
}
