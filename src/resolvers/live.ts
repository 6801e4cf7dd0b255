import { initContextCache } from '@pothos/core';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { AchievementRecorded, ArticlePublished } from '../domain/events.js';
import { subtreeIdsSql } from '../db/keyset.js';
import { achievementScopeSql, readableArticleSql } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';
import type { Context } from '../context.js';
import { createLoaders } from '../loaders/index.js';
import { UnauthenticatedError } from '../domain/errors.js';

// Which events reach which subscriber (docs/live.md). An event names an entity; each subscriber
// asks the database whether it may read that entity now and whether it matches its arguments, with
// the same access policy as every read (src/auth/scope.ts): a partner key scoped to a subtree hears
// of nothing outside it, an anonymous subscriber of no draft. One indexed statement per event and
// matching subscriber; the selection is then loaded for that subscriber alone.

/** SELF: the organization itself; SUBTREE: it and every organization below it. */
export type OrganizationFilter = { organizationId: string; scope: 'SELF' | 'SUBTREE' } | null;

function organizationMatch(column: Prisma.Sql, filter: OrganizationFilter): Prisma.Sql[] {
  if (!filter) return [];
  return filter.scope === 'SELF'
    ? [Prisma.sql`${column} = ${filter.organizationId}::uuid`]
    : [Prisma.sql`${column} IN (SELECT id FROM ${subtreeIdsSql(Prisma.sql`${filter.organizationId}::uuid`)} AS member(id))`];
}

const found = (rows: unknown[]) => rows.length > 0;

/**
 * Whether `event` reaches a subscriber of articlePublished: the article is PUBLISHED now, readable
 * by `viewer`, in `seriesId` when given, and linked (in any role) to the organization filter.
 */
export async function articleEventReaches(
  prisma: PrismaClient,
  viewer: Viewer,
  event: ArticlePublished,
  args: { seriesId: string | null; organization: OrganizationFilter },
): Promise<boolean> {
  // A subscriber to another series skips the event without asking the database.
  if (args.seriesId && event.seriesId !== args.seriesId) return false;
  const a = Prisma.sql`a`;
  const conditions = [
    Prisma.sql`a.id = ${event.id}::uuid`,
    Prisma.sql`a.status = 'PUBLISHED'::"ArticleStatus"`,
    ...readableArticleSql(viewer, a),
    ...(args.seriesId ? [Prisma.sql`a."seriesId" = ${args.seriesId}::uuid`] : []),
    ...(args.organization
      ? [
          Prisma.sql`EXISTS (SELECT 1 FROM "ArticleOrganization" link WHERE link."articleId" = a.id AND ${Prisma.join(
            organizationMatch(Prisma.sql`link."organizationId"`, args.organization),
            ' AND ',
          )})`,
        ]
      : []),
  ];
  return found(await prisma.$queryRaw`SELECT 1 AS hit FROM "Article" a WHERE ${Prisma.join(conditions, ' AND ')}`);
}

/** Whether `event` reaches a subscriber of achievementRecorded: readable by `viewer`, and of the organization filter. */
export async function achievementEventReaches(
  prisma: PrismaClient,
  viewer: Viewer,
  event: AchievementRecorded,
  args: { organization: OrganizationFilter },
): Promise<boolean> {
  if (args.organization?.scope === 'SELF' && event.organizationId !== args.organization.organizationId) return false;
  const x = Prisma.sql`x`;
  const conditions = [
    Prisma.sql`x.id = ${event.id}::uuid`,
    ...achievementScopeSql(viewer, x),
    ...organizationMatch(Prisma.sql`x."organizationId"`, args.organization),
  ];
  return found(await prisma.$queryRaw`SELECT 1 AS hit FROM "Achievement" x WHERE ${Prisma.join(conditions, ' AND ')}`);
}

/**
 * The events of `source` that `keep` accepts. Unlike an async generator, it ends at once when the
 * client goes away (return() reaches the source while a read waits), so no stream stays open.
 */
export function filterEvents<T>(source: AsyncIterableIterator<T>, keep: (event: T) => Promise<boolean>): AsyncIterableIterator<T> {
  return {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || (await keep(result.value))) return result;
      }
    },
    return: () => source.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Gives a subscription's context fresh DataLoaders and a fresh Pothos context cache for the next
 * event: one subscription keeps one context for hours, and what its loaders cached for the last
 * event must not be served for this one.
 */
export function freshEventContext(ctx: Context): void {
  Object.assign(ctx, initContextCache(), { loaders: createLoaders(ctx.prisma, ctx.viewer) });
}

/** How often an open subscription reads its credential again: a revoked or expired key's stream ends within this. */
export const CREDENTIAL_RECHECK_MS = 30_000;

/**
 * A check, before each event, that the subscriber's credential still holds: it reads the row again
 * at most every `everyMs`, and throws UNAUTHENTICATED once the key is revoked or expired, which ends
 * the stream with that error as its last event. A viewer was read once, when the subscription
 * opened; a stream may stay open for hours. Anonymous subscribers have nothing to check.
 */
export function credentialStillHolds(prisma: PrismaClient, viewer: Viewer, everyMs = CREDENTIAL_RECHECK_MS): () => Promise<void> {
  let checkedAt = Date.now();
  return async () => {
    if (!viewer.credentialId || Date.now() - checkedAt < everyMs) return;
    const row = await prisma.credential.findUnique({ where: { id: viewer.credentialId }, select: { revokedAt: true, expiresAt: true } });
    if (!row || row.revokedAt) throw new UnauthenticatedError('The API key or token has been revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('The API key or token has expired');
    checkedAt = Date.now();
  };
}
