import DataLoader from 'dataloader';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { KeysetPage } from '../db/keyset.js';

/** A page request shared by every parent in a batch: the page, the nodes' selection, and filters. */
export interface PageSpec {
  page: KeysetPage;
  selection: Record<string, unknown>;
}

/**
 * A family of DataLoaders, one per distinct page spec, each loading one page of rows per parent
 * id with two statements however many parents ask: a LATERAL query that seeks each parent's
 * page of ids, then one `findMany` with the nodes' selection.
 */
export function createPageLoaders<Spec extends PageSpec, Row extends { id: string }>(
  prisma: PrismaClient,
  pageIdsSql: (spec: Spec, parentId: Prisma.Sql) => Prisma.Sql,
  findRows: (ids: string[], selection: Record<string, unknown>) => Promise<Row[]>,
) {
  const loaders = new Map<string, DataLoader<string, Row[]>>();
  return (spec: Spec) => {
    const key = JSON.stringify(spec);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (parentIds) => {
        const links = await prisma.$queryRaw<{ parentId: string; id: string }[]>`
          SELECT parent.id AS "parentId", page.id
          FROM unnest(${[...parentIds]}::uuid[]) AS parent(id)
          CROSS JOIN LATERAL (${pageIdsSql(spec, Prisma.sql`parent.id`)}) AS page`;
        const rows = links.length ? await findRows([...new Set(links.map((l) => l.id))], spec.selection) : [];
        const byId = new Map(rows.map((row) => [row.id, row]));
        const pages = new Map<string, Row[]>();
        for (const { parentId, id } of links) {
          const row = byId.get(id);
          if (!row) continue;
          pages.set(parentId, [...(pages.get(parentId) ?? []), row]);
        }
        // Pothos expects a backwards page in forward order.
        return parentIds.map((id) => (spec.page.take < 0 ? (pages.get(id) ?? []).reverse() : (pages.get(id) ?? [])));
      });
      loaders.set(key, loader);
    }
    return loader;
  };
}

/** A family of count loaders, one per distinct spec: one statement per batch of parents. */
export function createCountLoaders<Spec>(
  prisma: PrismaClient,
  countSql: (spec: Spec, parentId: Prisma.Sql) => Prisma.Sql,
) {
  const loaders = new Map<string, DataLoader<string, number>>();
  return (spec: Spec) => {
    const key = JSON.stringify(spec);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (parentIds) => {
        const rows = await prisma.$queryRaw<{ parentId: string; count: number }[]>`
          SELECT parent.id AS "parentId", (${countSql(spec, Prisma.sql`parent.id`)})::int AS count
          FROM unnest(${[...parentIds]}::uuid[]) AS parent(id)`;
        const counts = new Map(rows.map((r) => [r.parentId, Number(r.count)]));
        return parentIds.map((id) => counts.get(id) ?? 0);
      });
      loaders.set(key, loader);
    }
    return loader;
  };
}
