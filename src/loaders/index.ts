import type { PrismaClient } from '../generated/prisma/client.js';
import type { Viewer } from '../viewer.js';
import { visibleArticleStatuses } from '../viewer.js';
import { createAncestorsLoader } from './ancestors.js';
import { createArticleNeighborsLoader } from './article-neighbors.js';
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
import { createSubtreeIdsLoader } from './subtree.js';

/** Creates this request's DataLoaders. Call once per request; never share across requests. */
export function createLoaders(prisma: PrismaClient, viewer: Viewer) {
  return {
    ancestors: createAncestorsLoader(prisma),
    articleNeighbors: createArticleNeighborsLoader(prisma, visibleArticleStatuses(viewer)),
    cursorTargets: createCursorTargetLoader(prisma),
    organizationArticles: createOrganizationArticlesLoader(prisma),
    organizationArticleCount: createOrganizationArticleCountLoader(prisma),
    organizationAchievements: createOrganizationAchievementsLoader(prisma),
    organizationAchievementCount: createOrganizationAchievementCountLoader(prisma),
    achievementStats: createAchievementStatsLoader(prisma),
    subtreeIds: createSubtreeIdsLoader(prisma),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
