import { Prisma } from '../generated/prisma/client.js';
import type {
  AchievementKind,
  AchievementLevel,
  ArticleStatus,
  OrganizationKind,
  OrganizationLevel,
  SeriesStatus,
} from '../generated/prisma/enums.js';
import { BadUserInputError } from '../domain/errors.js';
import type { Viewer } from '../auth/viewer.js';
import { enumInSql } from '../db/keyset.js';
import { organizationRef } from '../auth/scope.js';

// Turns the GraphQL `filter:` and `orderBy:` inputs into Prisma arguments. Kept apart from the
// schema files so that root fields and nested connections share one meaning of each filter.

/** A decoded global ID argument, as the relay plugin hands it over. */
type IdArg = { id: unknown; typename: string } | null | undefined;

const idOf = (arg: NonNullable<IdArg>) => String(arg.id);

function checkRange<T extends number | Date>(from: T | null | undefined, to: T | null | undefined, what: string) {
  if (from != null && to != null && from > to) {
    throw new BadUserInputError(`${what}: the start of the range is after its end`);
  }
}

function yearStart(year: number) {
  return new Date(Date.UTC(year, 0, 1));
}
function yearEnd(year: number) {
  return new Date(Date.UTC(year, 11, 31));
}

/**
 * Prisma turns `contains` into LIKE without escaping, so a `%` or `_` typed by a caller would be a
 * wildcard (`nameContains: "%"` matched every organization). Backslash is PostgreSQL's LIKE escape.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

export interface OrganizationFilterInput {
  kind?: OrganizationKind[] | null;
  level?: OrganizationLevel[] | null;
  parent?: IdArg;
  region?: string | null;
  nameContains?: string | null;
}

// A filter naming an organization outside a partner's scope matches what one naming a missing
// organization matches (see organizationRef); the lists add the scope itself (src/auth/scope.ts).

export function organizationWhere(
  filter: OrganizationFilterInput | null | undefined,
  viewer: Viewer,
): Prisma.OrganizationWhereInput {
  if (!filter) return {};
  return {
    ...(filter.kind?.length ? { kind: { in: filter.kind } } : {}),
    ...(filter.level?.length ? { level: { in: filter.level } } : {}),
    ...(filter.parent ? { parentId: organizationRef(viewer, idOf(filter.parent)) } : {}),
    ...(filter.region ? { region: filter.region } : {}),
    ...(filter.nameContains
      ? {
          OR: [
            { name: { contains: likeLiteral(filter.nameContains) } },
            { shortName: { contains: likeLiteral(filter.nameContains) } },
            { aliases: { has: filter.nameContains } },
          ],
        }
      : {}),
  };
}

export type OrganizationOrder = 'NAME_ASC' | 'SLUG_ASC' | 'CREATED_DESC';

export function organizationOrderBy(order: OrganizationOrder | null | undefined): Prisma.OrganizationOrderByWithRelationInput[] {
  switch (order ?? 'NAME_ASC') {
    case 'SLUG_ASC':
      return [{ slug: 'asc' }];
    case 'CREATED_DESC':
      return [{ createdAt: 'desc' }, { id: 'desc' }];
    default:
      return [{ name: 'asc' }, { id: 'asc' }];
  }
}

export interface SeriesFilterInput {
  publisher?: IdArg;
  status?: SeriesStatus | null;
}

export function seriesWhere(filter: SeriesFilterInput | null | undefined, viewer: Viewer): Prisma.SeriesWhereInput {
  if (!filter) return {};
  return {
    ...(filter.publisher ? { publisherId: organizationRef(viewer, idOf(filter.publisher)) } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
}

export interface ArticleFilterInput {
  series?: IdArg;
  organization?: IdArg;
  includeDescendants?: boolean | null;
  role?: Prisma.ArticleOrganizationWhereInput['role'] | null;
  tag?: string | null;
  category?: string | null;
  publishedFrom?: Date | null;
  publishedTo?: Date | null;
}

/**
 * Articles that match the filter, among `readable` (the articles the viewer may read, see
 * readableArticleWhere). With `includeDescendants`, the caller passes the ids of the
 * organization's subtree (see the `subtreeIds` loader, which knows the viewer's scope).
 */
export function articleWhere(
  filter: ArticleFilterInput | null | undefined,
  readable: Prisma.ArticleWhereInput,
  viewer: Viewer,
  subtreeIds?: string[],
): Prisma.ArticleWhereInput {
  const where: Prisma.ArticleWhereInput = { ...readable };
  if (!filter) return where;
  checkRange(filter.publishedFrom, filter.publishedTo, 'publishedFrom/publishedTo');
  if (filter.includeDescendants && !filter.organization) {
    throw new BadUserInputError('includeDescendants needs an organization');
  }
  if (filter.series) where.seriesId = idOf(filter.series);
  if (filter.organization) {
    const organizationId = subtreeIds ? { in: subtreeIds } : organizationRef(viewer, idOf(filter.organization));
    const link = { some: { organizationId, ...(filter.role ? { role: filter.role } : {}) } };
    // A scoped viewer's `readable` holds its own condition on the links: both must hold.
    if (where.organizations) where.AND = [{ organizations: link }];
    else where.organizations = link;
  }
  if (filter.tag) where.tags = { has: filter.tag };
  if (filter.category) where.category = filter.category;
  if (filter.publishedFrom || filter.publishedTo) {
    where.publishedAt = {
      ...(filter.publishedFrom ? { gte: filter.publishedFrom } : {}),
      ...(filter.publishedTo ? { lte: filter.publishedTo } : {}),
    };
  }
  return where;
}

/** The conditions of `Organization.articles(filter:)` as SQL over an `"Article"` alias. */
export function articleFilterSql(
  filter: Omit<ArticleFilterInput, 'organization' | 'includeDescendants' | 'role'> | null | undefined,
  statuses: ArticleStatus[],
  alias: Prisma.Sql,
): Prisma.Sql[] {
  const conditions = [enumInSql(Prisma.sql`${alias}.status`, statuses, 'ArticleStatus')];
  if (!filter) return conditions;
  checkRange(filter.publishedFrom, filter.publishedTo, 'publishedFrom/publishedTo');
  if (filter.series) conditions.push(Prisma.sql`${alias}."seriesId" = ${idOf(filter.series)}::uuid`);
  if (filter.tag) conditions.push(Prisma.sql`${alias}.tags @> ARRAY[${filter.tag}]::text[]`);
  if (filter.category) conditions.push(Prisma.sql`${alias}.category = ${filter.category}`);
  if (filter.publishedFrom) conditions.push(Prisma.sql`${alias}."publishedAt" >= ${filter.publishedFrom}`);
  if (filter.publishedTo) conditions.push(Prisma.sql`${alias}."publishedAt" <= ${filter.publishedTo}`);
  return conditions;
}

/** A series' articles: in episode order, unnumbered ones last. */
export const SERIES_ARTICLE_ORDER: Prisma.ArticleOrderByWithRelationInput[] = [{ episode: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];

/** An achievement's citations: in the order they appear in their article. */
export const CITATION_ORDER: Prisma.CitationOrderByWithRelationInput[] = [{ offset: 'asc' }, { id: 'asc' }];

export type ArticleOrder = 'PUBLISHED_AT_DESC' | 'PUBLISHED_AT_ASC' | 'EPISODE_ASC' | 'EPISODE_DESC';

export function articleOrderBy(order: ArticleOrder | null | undefined): Prisma.ArticleOrderByWithRelationInput[] {
  switch (order ?? 'PUBLISHED_AT_DESC') {
    case 'PUBLISHED_AT_ASC':
      return [{ publishedAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }];
    case 'EPISODE_ASC':
      return [{ episode: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];
    case 'EPISODE_DESC':
      return [{ episode: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];
    default:
      return [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];
  }
}

export interface AchievementFilterInput {
  organization?: IdArg;
  kind?: AchievementKind[] | null;
  level?: AchievementLevel[] | null;
  yearFrom?: number | null;
  yearTo?: number | null;
  from?: Date | null;
  to?: Date | null;
}

/** The achievement filter with its year and date bounds resolved to one date range. */
function normalizeAchievementFilter(filter: AchievementFilterInput | null | undefined) {
  if (!filter) return { organizationId: null, kinds: [], levels: [], from: null, to: null };
  checkRange(filter.yearFrom, filter.yearTo, 'yearFrom/yearTo');
  checkRange(filter.from, filter.to, 'from/to');
  const latest = (...dates: (Date | null)[]) => dates.filter((d): d is Date => !!d).sort((x, y) => +y - +x)[0] ?? null;
  const earliest = (...dates: (Date | null)[]) => dates.filter((d): d is Date => !!d).sort((x, y) => +x - +y)[0] ?? null;
  return {
    organizationId: filter.organization ? idOf(filter.organization) : null,
    kinds: filter.kind ?? [],
    levels: filter.level ?? [],
    from: latest(filter.yearFrom != null ? yearStart(filter.yearFrom) : null, filter.from ?? null),
    to: earliest(filter.yearTo != null ? yearEnd(filter.yearTo) : null, filter.to ?? null),
  };
}

export function achievementWhere(filter: AchievementFilterInput | null | undefined): Prisma.AchievementWhereInput {
  const f = normalizeAchievementFilter(filter);
  return {
    ...(f.organizationId ? { organizationId: f.organizationId } : {}),
    ...(f.kinds.length ? { kind: { in: f.kinds } } : {}),
    ...(f.levels.length ? { level: { in: f.levels } } : {}),
    ...(f.from || f.to ? { occurredOn: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

/** The same filter as SQL conditions over an `"Achievement"` alias, for the keyset loaders. */
export function achievementFilterSql(filter: AchievementFilterInput | null | undefined, alias: Prisma.Sql): Prisma.Sql[] {
  const f = normalizeAchievementFilter(filter);
  const conditions: Prisma.Sql[] = [];
  if (f.organizationId) conditions.push(Prisma.sql`${alias}."organizationId" = ${f.organizationId}::uuid`);
  if (f.kinds.length) conditions.push(enumInSql(Prisma.sql`${alias}.kind`, f.kinds, 'AchievementKind'));
  if (f.levels.length) conditions.push(enumInSql(Prisma.sql`${alias}.level`, f.levels, 'AchievementLevel'));
  if (f.from) conditions.push(Prisma.sql`${alias}."occurredOn" >= ${f.from}::date`);
  if (f.to) conditions.push(Prisma.sql`${alias}."occurredOn" <= ${f.to}::date`);
  return conditions;
}

/**
 * How many achievements match the filter, as one SQL expression that sums rows of
 * "AchievementTally" (exact: a trigger keeps it in the writer's transaction) instead of counting
 * every match: for filters by levels, kinds and whole years, which that table's buckets hold.
 * Null for a filter it cannot answer (an organization, dates): count the rows. The viewer's scope
 * is the caller's to check.
 */
export function achievementTallySql(filter: AchievementFilterInput | null | undefined): Prisma.Sql | null {
  const f = normalizeAchievementFilter(filter);
  if (f.organizationId || filter?.from != null || filter?.to != null) return null;
  const t = Prisma.raw('tally');
  const conditions: Prisma.Sql[] = [];
  if (f.kinds.length) conditions.push(enumInSql(Prisma.sql`${t}.kind`, f.kinds, 'AchievementKind'));
  if (f.levels.length) conditions.push(enumInSql(Prisma.sql`${t}.level`, f.levels, 'AchievementLevel'));
  // A year bound leaves out the undated, whose bucket's year is null, as the date range does.
  if (filter?.yearFrom != null) conditions.push(Prisma.sql`${t}.year >= ${filter.yearFrom}::int`);
  if (filter?.yearTo != null) conditions.push(Prisma.sql`${t}.year <= ${filter.yearTo}::int`);
  return Prisma.sql`(SELECT coalesce(sum(${t}.count), 0)::int FROM "AchievementTally" ${t}
    WHERE ${conditions.length ? Prisma.join(conditions, ' AND ') : Prisma.sql`TRUE`})`;
}

export type AchievementOrder = 'DATE_DESC' | 'DATE_ASC' | 'TITLE_ASC';

/** Whether the filter bounds the date, so that undated achievements cannot match. */
export function achievementFilterIsDated(filter: AchievementFilterInput | null | undefined): boolean {
  return !!filter && (filter.yearFrom != null || filter.yearTo != null || filter.from != null || filter.to != null);
}

export function achievementOrderBy(order: AchievementOrder | null | undefined): Prisma.AchievementOrderByWithRelationInput[] {
  // Undated achievements last, either way. The (…, occurredOn DESC NULLS LAST, id DESC) indexes
  // hold the DATE_DESC order, so a page of the latest is read off an index.
  switch (order ?? 'DATE_DESC') {
    case 'DATE_ASC':
      return [{ occurredOn: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];
    case 'TITLE_ASC':
      return [{ title: 'asc' }, { id: 'asc' }];
    default:
      return [{ occurredOn: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];
  }
}
