import DataLoader from 'dataloader';
import type { Article, PrismaClient } from '../generated/prisma/client.js';

/**
 * Articles by id, for parents that hold an article id without a Prisma relation (an import run's
 * items). One query per batch; `null` for an id that matches no article. Staff-only callers use
 * it: it does not filter by status.
 */
export function createArticlesByIdLoader(prisma: PrismaClient) {
  return new DataLoader<string, Article | null>(async (ids) => {
    const rows = await prisma.article.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
