import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type OrganizationScope, type Viewer, visibleArticleStatuses } from './viewer.js';
import { enumInSql, subtreeIdsSql } from '../db/keyset.js';

// Partner scopes: a partner key may be limited to an organization subtree. Content
// outside it must look exactly like content that does not exist, on every route. This module is
// the one place that says what "inside" means, as Prisma `where` fragments (roots, nested lists,
// `node(id:)`) and as SQL conditions (the keyset loaders and search):
//
// - Organization: in the subtree.
// - Achievement: its organization is in the subtree.
// - Article: readable by the viewer (drafts for editors only) and linked, in any role, to an
//   organization in the subtree.
// - Series: published by an organization in the subtree, or holding an article in scope. So an
//   article's series is always in scope; its publisher may not be (then `publisher` is null).
// - Citation: its article and its achievement are in scope.
// - ArticleOrganization: its organization is in scope (the article is the parent).
// - Source: not scoped. A source is a portal or feed, not an organization's content; its
//   `articles` are scoped like every other article list.
//
// Single-object edges whose target may be outside (Organization.parent, Achievement.issuer,
// Series.publisher) declare the `organization` auth scope and resolve to null when it fails.
// Every fragment is empty for unscoped viewers, so their SQL is what it was.

/** The subtree of a scoped viewer; null when unrestricted. Fails closed on a scope never resolved. */
export function viewerScope(viewer: Viewer): OrganizationScope | null {
  if (!viewer.organizationScopeId) return null;
  if (!viewer.organizationScope) throw new Error('The partner key’s organization scope was not resolved');
  return viewer.organizationScope;
}

/**
 * Looks up the subtree below `rootId` (the root included) in one statement: the recursive CTE of
 * the SUBTREE lists. Called once per request, for scoped partner keys only.
 */
export async function loadOrganizationScope(prisma: PrismaClient, rootId: string): Promise<OrganizationScope> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM ${subtreeIdsSql(Prisma.sql`${rootId}::uuid`)} AS member(id)`;
  const organizationIds = rows.map((row) => row.id);
  return { rootId, organizationIds, organizationIdSet: new Set(organizationIds) };
}

/** Whether the viewer may read the organization with this id (true for unscoped viewers). */
export function canReadOrganization(viewer: Viewer, id: string): boolean {
  const scope = viewerScope(viewer);
  return !scope || scope.organizationIdSet.has(id);
}

/**
 * An organization id a caller passed in (a filter's `parent`, `publisher`, `organization`), as
 * the list of ids it may match: itself, or none when it is outside the scope, so that filtering by
 * an organization outside the scope finds what filtering by a missing one finds.
 */
export function organizationRef(viewer: Viewer, id: string): string | { in: string[] } {
  const scope = viewerScope(viewer);
  if (!scope) return id;
  return { in: scope.organizationIdSet.has(id) ? [id] : [] };
}

/** `base`, narrowed by `extra` unless `extra` is empty (so unscoped queries stay as they were). */
export function narrow<B extends object, W extends object>(base: B, extra: W): B & { AND?: W | W[] } {
  if (!Object.keys(extra).length) return base;
  const existing = (base as { AND?: unknown }).AND;
  const and = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return { ...base, AND: [...and, extra] as W[] };
}

// Prisma `where` fragments.

/** Organizations the viewer may read. */
export function organizationScopeWhere(viewer: Viewer): Prisma.OrganizationWhereInput {
  const scope = viewerScope(viewer);
  return scope ? { id: { in: [...scope.organizationIds] } } : {};
}

/** Achievements the viewer may read. */
export function achievementScopeWhere(viewer: Viewer): Prisma.AchievementWhereInput {
  const scope = viewerScope(viewer);
  return scope ? { organizationId: { in: [...scope.organizationIds] } } : {};
}

/** Articles the viewer may read: the statuses it may see, and for scoped viewers, linked into the scope. */
export function readableArticleWhere(viewer: Viewer): Pick<Prisma.ArticleWhereInput, 'status' | 'organizations'> {
  const scope = viewerScope(viewer);
  const statuses = { status: { in: visibleArticleStatuses(viewer) } };
  return scope ? { ...statuses, organizations: { some: { organizationId: { in: [...scope.organizationIds] } } } } : statuses;
}

/** Series the viewer may read. */
export function seriesScopeWhere(viewer: Viewer): Prisma.SeriesWhereInput {
  const scope = viewerScope(viewer);
  return scope
    ? { OR: [{ publisherId: { in: [...scope.organizationIds] } }, { articles: { some: readableArticleWhere(viewer) } }] }
    : {};
}

/** Citations the viewer may read: a readable article, and an achievement in scope. */
export function readableCitationWhere(viewer: Viewer): Prisma.CitationWhereInput {
  const scope = viewerScope(viewer);
  const article = { article: readableArticleWhere(viewer) };
  return scope ? { ...article, achievement: achievementScopeWhere(viewer) } : article;
}

/** Links from an article to organizations the viewer may read. */
export function articleOrganizationScopeWhere(viewer: Viewer): Prisma.ArticleOrganizationWhereInput {
  const scope = viewerScope(viewer);
  return scope ? { organizationId: { in: [...scope.organizationIds] } } : {};
}

// SQL conditions, for raw statements (keyset loaders, search). Empty lists for unscoped viewers.

const idsParam = (scope: OrganizationScope) => Prisma.sql`${[...scope.organizationIds]}::text[]::uuid[]`;

/** `column` (an organization id) lies in the viewer's scope. */
export function organizationScopeSql(viewer: Viewer, column: Prisma.Sql): Prisma.Sql[] {
  const scope = viewerScope(viewer);
  return scope ? [Prisma.sql`${column} = ANY(${idsParam(scope)})`] : [];
}

/** The achievement under `alias` lies in the viewer's scope. */
export function achievementScopeSql(viewer: Viewer, alias: Prisma.Sql): Prisma.Sql[] {
  return organizationScopeSql(viewer, Prisma.sql`${alias}."organizationId"`);
}

/** The article under `alias` is linked into the viewer's scope (its status is checked apart). */
export function articleScopeSql(viewer: Viewer, alias: Prisma.Sql): Prisma.Sql[] {
  const scope = viewerScope(viewer);
  return scope
    ? [
        Prisma.sql`EXISTS (SELECT 1 FROM "ArticleOrganization" scope_link
          WHERE scope_link."articleId" = ${alias}.id AND scope_link."organizationId" = ANY(${idsParam(scope)}))`,
      ]
    : [];
}

/** The article under `alias` is readable by the viewer: its status, and its scope. */
export function readableArticleSql(viewer: Viewer, alias: Prisma.Sql): Prisma.Sql[] {
  return [
    enumInSql(Prisma.sql`${alias}.status`, visibleArticleStatuses(viewer), 'ArticleStatus'),
    ...articleScopeSql(viewer, alias),
  ];
}

/**
 * The citation under `citation` (of the achievement under `achievement`) is readable: its article
 * is readable, and its achievement in the scope (readableCitationWhere). `article` is a free alias.
 */
export function readableCitationSql(viewer: Viewer, citation: Prisma.Sql, achievement: Prisma.Sql, article: Prisma.Sql): Prisma.Sql[] {
  return [
    Prisma.sql`EXISTS (SELECT 1 FROM "Article" ${article} WHERE ${article}.id = ${citation}."articleId"
      AND ${Prisma.join(readableArticleSql(viewer, article), ' AND ')})`,
    ...achievementScopeSql(viewer, achievement),
  ];
}
