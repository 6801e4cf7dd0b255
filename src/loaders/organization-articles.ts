import DataLoader from 'dataloader';
import { Prisma, type Article, type PrismaClient } from '../generated/prisma/client.js';
import type { ArticleOrganizationRole, ArticleStatus } from '../generated/prisma/enums.js';

/** One page request for `Organization.articles`, shared by every organization in a batch. */
export interface OrganizationArticlesPage {
  role: ArticleOrganizationRole | null;
  statuses: ArticleStatus[];
  /** Rows to fetch (page size plus one, as Pothos asks); negative when paging backwards. */
  take: number;
  /** The article id the page starts after (or before, when `take` is negative). */
  cursorId: string | null;
  /** The Prisma selection Pothos planned for the nodes (select/include), without paging keys. */
  selection: Record<string, unknown>;
}

/**
 * `Organization.articles`, newest first, for many organizations at once: one keyset query that
 * picks each organization's page of article ids (a LATERAL join, so the cost does not grow with
 * the number of organizations), then one `findMany` with the nodes' selection.
 */
export function createOrganizationArticlesLoader(prisma: PrismaClient) {
  const loaders = new Map<string, DataLoader<string, Article[]>>();
  return (page: OrganizationArticlesPage) => {
    const key = JSON.stringify(page);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader((orgIds) => loadPages(prisma, page, orgIds));
      loaders.set(key, loader);
    }
    return loader;
  };
}

async function loadPages(prisma: PrismaClient, page: OrganizationArticlesPage, orgIds: readonly string[]) {
  const backwards = page.take < 0;
  const limit = Math.abs(page.take);
  // Newest first; an article without a date sorts last. Backwards pages walk the same order in reverse.
  const sortKey = Prisma.sql`coalesce(a."publishedAt", '-infinity'::timestamptz)`;
  const cursorKey = Prisma.sql`(SELECT coalesce(c."publishedAt", '-infinity'::timestamptz) FROM "Article" c WHERE c.id = ${page.cursorId}::uuid)`;
  const keyset = page.cursorId
    ? backwards
      ? Prisma.sql`AND (${sortKey}, a.id) > (${cursorKey}, ${page.cursorId}::uuid)`
      : Prisma.sql`AND (${sortKey}, a.id) < (${cursorKey}, ${page.cursorId}::uuid)`
    : Prisma.empty;
  const order = backwards ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const role = page.role ? Prisma.sql`AND ao.role = ${page.role}::"ArticleOrganizationRole"` : Prisma.empty;
  const rows = await prisma.$queryRaw<{ organizationId: string; id: string }[]>`
    SELECT o.id AS "organizationId", x.id
    FROM unnest(${[...orgIds]}::uuid[]) AS o(id)
    CROSS JOIN LATERAL (
      SELECT a.id FROM "Article" a
      WHERE a.status = ANY(${page.statuses}::text[]::"ArticleStatus"[])
        AND EXISTS (SELECT 1 FROM "ArticleOrganization" ao
                    WHERE ao."articleId" = a.id AND ao."organizationId" = o.id ${role})
        ${keyset}
      ORDER BY ${sortKey} ${order}, a.id ${order}
      LIMIT ${limit}
    ) x`;
  const articles = rows.length
    ? await prisma.article.findMany({ ...page.selection, where: { id: { in: rows.map((r) => r.id) } } })
    : [];
  const byId = new Map(articles.map((a) => [a.id, a]));
  const pages = new Map<string, Article[]>();
  for (const row of rows) {
    const article = byId.get(row.id);
    if (!article) continue;
    const list = pages.get(row.organizationId) ?? [];
    list.push(article);
    pages.set(row.organizationId, list);
  }
  // Pothos expects a backwards page in forward order with the extra row first.
  return orgIds.map((id) => {
    const list = pages.get(id) ?? [];
    return backwards ? list.reverse() : list;
  });
}

/** Counts each organization's visible articles (optionally in one role) with one GROUP BY per batch. */
export function createOrganizationArticleCountLoader(prisma: PrismaClient) {
  const loaders = new Map<string, DataLoader<string, number>>();
  return (role: ArticleOrganizationRole | null, statuses: ArticleStatus[]) => {
    const key = `${role}|${statuses.join(',')}`;
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (orgIds) => {
        const roleFilter = role ? Prisma.sql`AND ao.role = ${role}::"ArticleOrganizationRole"` : Prisma.empty;
        const rows = await prisma.$queryRaw<{ organizationId: string; count: number }[]>`
          SELECT ao."organizationId", count(DISTINCT ao."articleId")::int AS count
          FROM "ArticleOrganization" ao JOIN "Article" a ON a.id = ao."articleId"
          WHERE ao."organizationId" = ANY(${[...orgIds]}::uuid[])
            AND a.status = ANY(${statuses}::text[]::"ArticleStatus"[]) ${roleFilter}
          GROUP BY ao."organizationId"`;
        const counts = new Map(rows.map((r) => [r.organizationId, Number(r.count)]));
        return orgIds.map((id) => counts.get(id) ?? 0);
      });
      loaders.set(key, loader);
    }
    return loader;
  };
}
