import type { Prisma } from '../generated/prisma/client.js';
import type {
  AchievementKind,
  AchievementLevel,
  ArticleStatus,
  OrganizationKind,
  OrganizationLevel,
  SeriesStatus,
} from '../generated/prisma/enums.js';
import { BadUserInputError } from '../errors.js';

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

export interface OrganizationFilterInput {
  kind?: OrganizationKind[] | null;
  level?: OrganizationLevel[] | null;
  parent?: IdArg;
  region?: string | null;
  nameContains?: string | null;
}

export function organizationWhere(filter: OrganizationFilterInput | null | undefined): Prisma.OrganizationWhereInput {
  if (!filter) return {};
  return {
    ...(filter.kind?.length ? { kind: { in: filter.kind } } : {}),
    ...(filter.level?.length ? { level: { in: filter.level } } : {}),
    ...(filter.parent ? { parentId: idOf(filter.parent) } : {}),
    ...(filter.region ? { region: filter.region } : {}),
    ...(filter.nameContains
      ? {
          OR: [
            { name: { contains: filter.nameContains } },
            { shortName: { contains: filter.nameContains } },
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

export function seriesWhere(filter: SeriesFilterInput | null | undefined): Prisma.SeriesWhereInput {
  if (!filter) return {};
  return {
    ...(filter.publisher ? { publisherId: idOf(filter.publisher) } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
}

export interface ArticleFilterInput {
  series?: IdArg;
  organization?: IdArg;
  role?: Prisma.ArticleOrganizationWhereInput['role'] | null;
  tag?: string | null;
  category?: string | null;
  publishedFrom?: Date | null;
  publishedTo?: Date | null;
}

/** Articles the viewer may read that match the filter. */
export function articleWhere(
  filter: ArticleFilterInput | null | undefined,
  statuses: ArticleStatus[],
): Prisma.ArticleWhereInput {
  const where: Prisma.ArticleWhereInput = { status: { in: statuses } };
  if (!filter) return where;
  checkRange(filter.publishedFrom, filter.publishedTo, 'publishedFrom/publishedTo');
  if (filter.series) where.seriesId = idOf(filter.series);
  if (filter.organization) {
    where.organizations = {
      some: { organizationId: idOf(filter.organization), ...(filter.role ? { role: filter.role } : {}) },
    };
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

export function achievementWhere(filter: AchievementFilterInput | null | undefined): Prisma.AchievementWhereInput {
  if (!filter) return {};
  checkRange(filter.yearFrom, filter.yearTo, 'yearFrom/yearTo');
  checkRange(filter.from, filter.to, 'from/to');
  const bounds: Prisma.DateTimeNullableFilter[] = [];
  if (filter.yearFrom != null) bounds.push({ gte: yearStart(filter.yearFrom) });
  if (filter.yearTo != null) bounds.push({ lte: yearEnd(filter.yearTo) });
  if (filter.from) bounds.push({ gte: filter.from });
  if (filter.to) bounds.push({ lte: filter.to });
  return {
    ...(filter.organization ? { organizationId: idOf(filter.organization) } : {}),
    ...(filter.kind?.length ? { kind: { in: filter.kind } } : {}),
    ...(filter.level?.length ? { level: { in: filter.level } } : {}),
    ...(bounds.length ? { AND: bounds.map((occurredOn) => ({ occurredOn })) } : {}),
  };
}

export type AchievementOrder = 'DATE_DESC' | 'DATE_ASC' | 'TITLE_ASC';

export function achievementOrderBy(order: AchievementOrder | null | undefined): Prisma.AchievementOrderByWithRelationInput[] {
  switch (order ?? 'DATE_DESC') {
    case 'DATE_ASC':
      return [{ occurredOn: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }];
    case 'TITLE_ASC':
      return [{ title: 'asc' }, { id: 'asc' }];
    default:
      return [{ occurredOn: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }];
  }
}
