import DataLoader from 'dataloader';
import type { Article, PrismaClient } from '../generated/prisma/client.js';
import { readableArticleWhere } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

/**
 * Articles by id, for parents that hold an article id without a Prisma relation (an import run's
 * items). One query per batch; `null` for an id that matches no article the viewer may read
 * (drafts are for editors, a partner key sees its subtree), like everywhere else.
 */
export function createArticlesByIdLoader(prisma: PrismaClient, viewer: Viewer) {
  return new DataLoader<string, Article | null>(async (ids) => {
    const rows = await prisma.article.findMany({ where: { id: { in: [...ids] }, ...readableArticleWhere(viewer) } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
