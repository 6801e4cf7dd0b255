import DataLoader from 'dataloader';
import { Prisma, type Achievement, type PrismaClient } from '../generated/prisma/client.js';
import {
  achievementFilterIsDated,
  achievementFilterSql,
  type AchievementFilterInput,
  type AchievementOrder,
} from '../resolvers/filters.js';
import { keysetPageSql, subtreeIdsSql, type KeysetOrder } from '../db/keyset.js';
import { achievementScopeSql } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';
import { createCountLoaders, createPageLoaders, type PageSpec } from './pages.js';

/** Whose achievements: the organization's own, or those of its whole subtree. */
export type AchievementScope = 'SELF' | 'SUBTREE';

export interface AchievementListSpec {
  scope: AchievementScope;
  filter: AchievementFilterInput | null;
}

const a = Prisma.raw('a');

/**
 * The achievements of one organization (SELF) or of it and all below it (SUBTREE), that the
 * viewer may read (a partner key's scope), with the filter's conditions.
 */
export function organizationAchievementConditions(viewer: Viewer, spec: AchievementListSpec, organizationId: Prisma.Sql): Prisma.Sql[] {
  return [
    spec.scope === 'SELF'
      ? Prisma.sql`${a}."organizationId" = ${organizationId}`
      : Prisma.sql`${a}."organizationId" IN ${subtreeIdsSql(organizationId)}`,
    ...achievementFilterSql(spec.filter, a),
    ...achievementScopeSql(viewer, a),
  ];
}

/**
 * Sort orders as keyset keys; undated achievements sort last either way, as on the root list.
 * When the filter bounds the date no row is undated, and the bare column lets PostgreSQL walk
 * the (organizationId, occurredOn DESC NULLS LAST, id DESC) index.
 */
export function achievementKeysetOrder(order: AchievementOrder | null | undefined, dated: boolean): KeysetOrder {
  const date = (fallback: string) => (t: Prisma.Sql) =>
    dated ? Prisma.sql`${t}."occurredOn"` : Prisma.sql`coalesce(${t}."occurredOn", ${Prisma.raw(`'${fallback}'::date`)})`;
  switch (order ?? 'DATE_DESC') {
    case 'DATE_ASC':
      return { keys: [date('infinity')], direction: 'ASC' };
    case 'TITLE_ASC':
      return { keys: [(t) => Prisma.sql`${t}.title`], direction: 'ASC' };
    default:
      return { keys: [date('-infinity')], direction: 'DESC' };
  }
}

/**
 * `Organization.achievements(scope, filter, orderBy)` for a batch of organizations: two
 * statements per batch, whatever the number of organizations or the size of their subtrees.
 */
export function createOrganizationAchievementsLoader(prisma: PrismaClient, viewer: Viewer) {
  return createPageLoaders<AchievementListSpec & PageSpec & { orderBy: AchievementOrder | null }, Achievement>(
    prisma,
    (spec, organizationId) =>
      keysetPageSql(
        'Achievement',
        'a',
        organizationAchievementConditions(viewer, spec, organizationId),
        achievementKeysetOrder(spec.orderBy, achievementFilterIsDated(spec.filter)),
        spec.page,
      ),
    (ids, selection) => prisma.achievement.findMany({ ...selection, where: { id: { in: ids } } }),
  );
}

/** The `totalCount` of `Organization.achievements` for a batch of organizations, in one statement. */
export function createOrganizationAchievementCountLoader(prisma: PrismaClient, viewer: Viewer) {
  return createCountLoaders<AchievementListSpec>(
    prisma,
    (spec, organizationId) =>
      Prisma.sql`SELECT count(*) FROM "Achievement" ${a}
        WHERE ${Prisma.join(organizationAchievementConditions(viewer, spec, organizationId), ' AND ')}`,
  );
}

export type AchievementStatsGroup = 'YEAR' | 'LEVEL' | 'KIND';

export interface AchievementStat {
  /** The year, level or kind; null for achievements without a date or a level. */
  key: string | null;
  count: number;
}

/** Per grouping: the key shown to clients, and what orders the groups (enums in enum order). */
const GROUPS: Record<AchievementStatsGroup, { key: Prisma.Sql; sort: Prisma.Sql }> = {
  YEAR: { key: Prisma.sql`extract(year FROM ${a}."occurredOn")::int::text`, sort: Prisma.sql`min(${a}."occurredOn")` },
  LEVEL: { key: Prisma.sql`${a}.level::text`, sort: Prisma.sql`min(${a}.level)` },
  KIND: { key: Prisma.sql`${a}.kind::text`, sort: Prisma.sql`min(${a}.kind)` },
};

/**
 * `Organization.achievementStats(groupBy, scope)`: counts grouped in SQL, for a batch of
 * organizations in one statement. Years ascend; levels and kinds follow their enum order; the
 * group without a date or level comes last.
 */
export function createAchievementStatsLoader(prisma: PrismaClient, viewer: Viewer) {
  const loaders = new Map<string, DataLoader<string, AchievementStat[]>>();
  return (spec: AchievementListSpec & { groupBy: AchievementStatsGroup }) => {
    const cacheKey = JSON.stringify(spec);
    let loader = loaders.get(cacheKey);
    if (!loader) {
      const group = GROUPS[spec.groupBy];
      loader = new DataLoader<string, AchievementStat[]>(async (organizationIds) => {
        const rows = await prisma.$queryRaw<{ organizationId: string; key: string | null; count: number }[]>`
          SELECT parent.id AS "organizationId", grouped.key, grouped.count
          FROM unnest(${[...organizationIds]}::uuid[]) AS parent(id)
          CROSS JOIN LATERAL (
            SELECT ${group.key} AS key, count(*)::int AS count, ${group.sort} AS sort
            FROM "Achievement" ${a}
            WHERE ${Prisma.join(organizationAchievementConditions(viewer, spec, Prisma.sql`parent.id`), ' AND ')}
            GROUP BY 1 ORDER BY sort NULLS LAST
          ) AS grouped`;
        const byOrganization = new Map<string, AchievementStat[]>();
        for (const { organizationId, key, count } of rows) {
          byOrganization.set(organizationId, [...(byOrganization.get(organizationId) ?? []), { key, count: Number(count) }]);
        }
        return organizationIds.map((id) => byOrganization.get(id) ?? []);
      });
      loaders.set(cacheKey, loader);
    }
    return loader;
  };
}
