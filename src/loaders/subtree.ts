import DataLoader from 'dataloader';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { subtreeIdsSql } from '../resolvers/keyset.js';

/** The ids of each organization and all organizations below it, in one statement per batch. */
export function createSubtreeIdsLoader(prisma: PrismaClient) {
  return new DataLoader<string, string[]>(async (rootIds) => {
    const rows = await prisma.$queryRaw<{ rootId: string; id: string }[]>`
      SELECT root.id AS "rootId", member.id
      FROM unnest(${[...rootIds]}::uuid[]) AS root(id)
      CROSS JOIN LATERAL ${subtreeIdsSql(Prisma.sql`root.id`)} AS member(id)`;
    const byRoot = new Map<string, string[]>();
    for (const { rootId, id } of rows) byRoot.set(rootId, [...(byRoot.get(rootId) ?? []), id]);
    return rootIds.map((id) => byRoot.get(id) ?? []);
  });
}
