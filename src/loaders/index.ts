import type { PrismaClient } from '../generated/prisma/client.js';
import type { Viewer } from '../auth/viewer.js';
import { createAncestorsLoader } from './ancestors.js';
import { createArticleNeighborsLoader } from './article-neighbors.js';
import { createArticlesByIdLoader } from './articles-by-id.js';
import { createCursorTargetLoader } from './cursor-targets.js';
import {
  createAchievementStatsLoader,
  createOrganizationAchievementCountLoader,
  createOrganizationAchievementsLoader,
} from './organization-achievements.js';
import {
  createOrganizationArticleCountLoader,
  createOrganizationArticlesLoader,
} from './organization-articles.js';
import { createReferencesLoader } from './references.js';
import { createSubtreeIdsLoader } from './subtree.js';

/**
 * Creates this request's DataLoaders. Call once per request; never share across requests. Each
 * loader sees only what the viewer may read: drafts for editors, a partner key's subtree (see
 * src/auth/scope.ts).
 */
export function createLoaders(prisma: PrismaClient, viewer: Viewer) {
  return {
    ancestors: createAncestorsLoader(prisma, viewer),
    articleNeighbors: createArticleNeighborsLoader(prisma, viewer),
    articlesById: createArticlesByIdLoader(prisma, viewer),
    cursorTargets: createCursorTargetLoader(prisma, viewer),
    organizationArticles: createOrganizationArticlesLoader(prisma, viewer),
    organizationArticleCount: createOrganizationArticleCountLoader(prisma, viewer),
    organizationAchievements: createOrganizationAchievementsLoader(prisma, viewer),
    organizationAchievementCount: createOrganizationAchievementCountLoader(prisma, viewer),
    achievementStats: createAchievementStatsLoader(prisma, viewer),
    subtreeIds: createSubtreeIdsLoader(prisma, viewer),
    references: createReferencesLoader(prisma, viewer),
  };
}
