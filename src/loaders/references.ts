import DataLoader from 'dataloader';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  achievementScopeWhere,
  narrow,
  organizationScopeWhere,
  readableArticleWhere,
  seriesScopeWhere,
} from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

/** The models other subgraphs may reference (federation entities, src/schema/federation.ts). */
export type ReferenceModel = 'Organization' | 'Series' | 'Article' | 'Achievement';
/** The columns they are keyed by: `id` (behind the global ID) for all, `slug` for all but Achievement. */
export type ReferenceKey = 'id' | 'slug';
/** What Pothos planned for the entity's selection: a Prisma `select` or `include`. */
export type ReferenceQuery = { select?: Record<string, unknown>; include?: Record<string, unknown> };

type Row = Record<string, unknown>;

/** The rows of `model` a viewer may read, as for `node(id:)` and every other route (src/auth/scope.ts). */
function readable(model: ReferenceModel, viewer: Viewer, where: Row): Row {
  switch (model) {
    case 'Organization':
      return narrow(where, organizationScopeWhere(viewer));
    case 'Series':
      return narrow(where, seriesScopeWhere(viewer));
    case 'Article':
      return { ...where, ...readableArticleWhere(viewer) };
    case 'Achievement':
      return narrow(where, achievementScopeWhere(viewer));
  }
}

function findMany(prisma: PrismaClient, model: ReferenceModel, args: object): Promise<Row[]> {
  // The four delegates share findMany's shape; the rows are handed to Pothos, which reads them
  // through the selection it planned.
  const delegates = {
    Organization: (a: Prisma.OrganizationFindManyArgs) => prisma.organization.findMany(a),
    Series: (a: Prisma.SeriesFindManyArgs) => prisma.series.findMany(a),
    Article: (a: Prisma.ArticleFindManyArgs) => prisma.article.findMany(a),
    Achievement: (a: Prisma.AchievementFindManyArgs) => prisma.achievement.findMany(a),
  };
  return (delegates[model] as (a: object) => Promise<Row[]>)(args);
}

/**
 * Federation references (`_entities`) by key, batched: every reference to one model by one key
 * with one selection in a request's `_entities` call costs one statement, however many there are.
 * A key that matches no row the viewer may read (a draft for a partner key, an organization
 * outside its subtree) is `null`, as on every other route.
 */
export function createReferencesLoader(prisma: PrismaClient, viewer: Viewer) {
  const loaders = new Map<string, DataLoader<string, Row | null>>();
  return (model: ReferenceModel, key: ReferenceKey, query: ReferenceQuery) => {
    const cacheKey = `${model}\0${key}\0${JSON.stringify(query)}`;
    let loader = loaders.get(cacheKey);
    if (!loader) {
      // The key column is read too, to put each row back in its reference's place.
      const args = query.select ? { select: { ...query.select, [key]: true } } : query.include ? { include: query.include } : {};
      loader = new DataLoader<string, Row | null>(async (values) => {
        const rows = await findMany(prisma, model, { ...args, where: readable(model, viewer, { [key]: { in: [...values] } }) });
        const byKey = new Map(rows.map((row) => [row[key] as string, row]));
        return values.map((value) => byKey.get(value) ?? null);
      });
      loaders.set(cacheKey, loader);
    }
    return loader;
  };
}
