import { Prisma, type Article, type PrismaClient } from '../generated/prisma/client.js';
import type { ArticleOrganizationRole, ArticleStatus } from '../generated/prisma/enums.js';
import { articleFilterSql, type ArticleFilterInput, type ArticleOrder } from '../resolvers/filters.js';
import { keysetPageSql, type KeysetOrder } from '../db/keyset.js';
import { articleScopeSql } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';
import { createCountLoaders, createPageLoaders, type PageSpec } from './pages.js';

export interface OrganizationArticlesSpec {
  role: ArticleOrganizationRole | null;
  statuses: ArticleStatus[];
  filter: Omit<ArticleFilterInput, 'organization' | 'includeDescendants' | 'role'> | null;
}

const a = Prisma.raw('a');

export function organizationArticleConditions(viewer: Viewer, spec: OrganizationArticlesSpec, organizationId: Prisma.Sql): Prisma.Sql[] {
  const role = spec.role ? Prisma.sql`AND ao.role = ${spec.role}::"ArticleOrganizationRole"` : Prisma.empty;
  return [
    Prisma.sql`EXISTS (SELECT 1 FROM "ArticleOrganization" ao WHERE ao."articleId" = ${a}.id AND ao."organizationId" = ${organizationId} ${role})`,
    ...articleConditions(viewer, spec),
  ];
}

/** What an organization's article must be, apart from its link: the filter, readable, in scope. */
function articleConditions(viewer: Viewer, spec: OrganizationArticlesSpec): Prisma.Sql[] {
  return [...articleFilterSql(spec.filter, spec.statuses, a), ...articleScopeSql(viewer, a)];
}

/** Whether a list in this order is read off the link table's index (the default order, newest first). */
export const readsNewestOffLinks = (orderBy: ArticleOrder | null | undefined) => (orderBy ?? 'PUBLISHED_AT_DESC') === 'PUBLISHED_AT_DESC';

/**
 * The first `take` rows of `Organization.articles` in PUBLISHED_AT_DESC order (every column of
 * `"Article"`), the rows organizationArticleConditions selects: read off the link table's
 * (organizationId, publishedAt DESC NULLS LAST, articleId DESC, role) index, whose publishedAt a
 * trigger keeps equal to the article's, so that only the page's links and articles are read,
 * not every article of the organization. An article linked in several roles is taken once.
 */
export function organizationArticlesNewestSql(viewer: Viewer, spec: OrganizationArticlesSpec, organizationId: Prisma.Sql, take: number): Prisma.Sql {
  const role = spec.role ? [Prisma.sql`link.role = ${spec.role}::"ArticleOrganizationRole"`] : [];
  const conditions = [Prisma.sql`link."organizationId" = ${organizationId}`, ...role, ...articleConditions(viewer, spec)];
  return Prisma.sql`SELECT DISTINCT ON (link."publishedAt", link."articleId") ${a}.*
    FROM "ArticleOrganization" link JOIN "Article" ${a} ON ${a}.id = link."articleId"
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY link."publishedAt" DESC NULLS LAST, link."articleId" DESC LIMIT ${take}`;
}

/** Sort orders as keyset keys, matching the root `articles` list: undated and unnumbered last. */
export function articleKeysetOrder(order: ArticleOrder | null | undefined): KeysetOrder {
  switch (order ?? 'PUBLISHED_AT_DESC') {
    case 'PUBLISHED_AT_ASC':
      return { keys: [(t) => Prisma.sql`coalesce(${t}."publishedAt", '-infinity'::timestamptz)`], direction: 'ASC' };
    case 'EPISODE_ASC':
      return { keys: [(t) => Prisma.sql`coalesce(${t}.episode, 2147483647)`], direction: 'ASC' };
    case 'EPISODE_DESC':
      return { keys: [(t) => Prisma.sql`coalesce(${t}.episode, -1)`], direction: 'DESC' };
    default:
      return { keys: [(t) => Prisma.sql`coalesce(${t}."publishedAt", '-infinity'::timestamptz)`], direction: 'DESC' };
  }
}

/**
 * `Organization.articles(role, filter, orderBy)` for a batch of organizations: two statements
 * per batch, whatever the number of organizations.
 */
export function createOrganizationArticlesLoader(prisma: PrismaClient, viewer: Viewer) {
  return createPageLoaders<OrganizationArticlesSpec & PageSpec & { orderBy: ArticleOrder | null }, Article>(
    prisma,
    (spec, organizationId) =>
      // A first page of the newest is read off the link table's index; other pages seek by keyset.
      readsNewestOffLinks(spec.orderBy) && spec.page.cursorId === null && spec.page.take > 0
        ? Prisma.sql`SELECT newest.id FROM (${organizationArticlesNewestSql(viewer, spec, organizationId, spec.page.take)}) newest`
        : keysetPageSql('Article', 'a', organizationArticleConditions(viewer, spec, organizationId), articleKeysetOrder(spec.orderBy), spec.page),
    (ids, selection) => prisma.article.findMany({ ...selection, where: { id: { in: ids } } }),
  );
}

/** The `totalCount` of `Organization.articles` for a batch of organizations, in one statement. */
export function createOrganizationArticleCountLoader(prisma: PrismaClient, viewer: Viewer) {
  return createCountLoaders<OrganizationArticlesSpec>(
    prisma,
    (spec, organizationId) =>
      Prisma.sql`SELECT count(*) FROM "Article" ${a} WHERE ${Prisma.join(organizationArticleConditions(viewer, spec, organizationId), ' AND ')}`,
  );
}
