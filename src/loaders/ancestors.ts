import DataLoader from 'dataloader';
import type { Organization, PrismaClient } from '../generated/prisma/client.js';

/** Deepest hierarchy walked; a guard against a cycle introduced by a bad write. */
const MAX_DEPTH = 32;

type Row = Organization & { startId: string; depth: number };

/**
 * Loads each organization's ancestors, root first, with one recursive query per batch.
 * A missing organization yields an empty list.
 */
export function createAncestorsLoader(prisma: PrismaClient) {
  return new DataLoader<string, Organization[]>(async (ids) => {
    const rows = await prisma.$queryRaw<Row[]>`
      WITH RECURSIVE chain AS (
        SELECT o."parentId" AS "nextId", o.id AS "startId", 0 AS depth
        FROM "Organization" o WHERE o.id = ANY(${[...ids]}::uuid[])
        UNION ALL
        SELECT p."parentId", chain."startId", chain.depth + 1
        FROM chain JOIN "Organization" p ON p.id = chain."nextId"
        WHERE chain.depth < ${MAX_DEPTH}
      )
      SELECT p.*, chain."startId", chain.depth
      FROM chain JOIN "Organization" p ON p.id = chain."nextId"
      ORDER BY chain.depth DESC`;
    const byStart = new Map<string, Organization[]>();
    for (const { startId, depth: _depth, ...organization } of rows) {
      const list = byStart.get(startId) ?? [];
      list.push(organization);
      byStart.set(startId, list);
    }
    return ids.map((id) => byStart.get(id) ?? []);
  });
}
