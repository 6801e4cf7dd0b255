import DataLoader from 'dataloader';
import type { Organization, PrismaClient } from '../generated/prisma/client.js';
import { narrow, organizationScopeWhere } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

/** Deepest hierarchy walked; a guard against a cycle introduced by a bad write. */
const MAX_DEPTH = 32;

/**
 * Loads each organization's ancestors, root first: one recursive query finds the chain of ids
 * for every organization in the batch, one `findMany` loads the rows. A missing organization
 * yields an empty list. For a partner key limited to a subtree the trail starts at the subtree's
 * root: the organizations above it are left out, as if they did not exist.
 */
export function createAncestorsLoader(prisma: PrismaClient, viewer: Viewer) {
  return new DataLoader<string, Organization[]>(async (ids) => {
    const chain = await prisma.$queryRaw<{ startId: string; id: string; depth: number }[]>`
      WITH RECURSIVE chain AS (
        SELECT o.id AS "startId", o."parentId" AS id, 1 AS depth
        FROM "Organization" o WHERE o.id = ANY(${[...ids]}::uuid[]) AND o."parentId" IS NOT NULL
        UNION ALL
        SELECT chain."startId", p."parentId", chain.depth + 1
        FROM chain JOIN "Organization" p ON p.id = chain.id
        WHERE p."parentId" IS NOT NULL AND chain.depth < ${MAX_DEPTH}
      )
      SELECT "startId", id, depth FROM chain`;
    const rows = chain.length
      ? await prisma.organization.findMany({
          where: narrow({ id: { in: [...new Set(chain.map((c) => c.id))] } }, organizationScopeWhere(viewer)),
        })
      : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    const byStart = new Map<string, { depth: number; organization: Organization }[]>();
    for (const { startId, id, depth } of chain) {
      const organization = byId.get(id);
      if (organization) byStart.set(startId, [...(byStart.get(startId) ?? []), { depth, organization }]);
    }
    // Deepest ancestor (the root) first.
    return ids.map((id) => (byStart.get(id) ?? []).sort((x, y) => y.depth - x.depth).map((entry) => entry.organization));
  });
}
