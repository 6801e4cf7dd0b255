import DataLoader from 'dataloader';
import { Prisma, type Article, type PrismaClient } from '../generated/prisma/client.js';
import { readableArticleSql } from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

export interface ArticleNeighbors {
  previous: Article | null;
  next: Article | null;
}

/**
 * Each article's previous and next episode in its series, among the articles the viewer may read
 * (status, and a partner key's scope). Two statements per batch, however many articles ask.
 */
export function createArticleNeighborsLoader(prisma: PrismaClient, viewer: Viewer) {
  const readable = (alias: string) => Prisma.join(readableArticleSql(viewer, Prisma.raw(alias)), ' AND ');
  return new DataLoader<string, ArticleNeighbors>(async (ids) => {
    const links = await prisma.$queryRaw<{ id: string; previousId: string | null; nextId: string | null }[]>`
      SELECT t.id,
        (SELECT p.id FROM "Article" p
          WHERE p."seriesId" = t."seriesId" AND p.episode < t.episode
            AND ${readable('p')}
          ORDER BY p.episode DESC LIMIT 1) AS "previousId",
        (SELECT n.id FROM "Article" n
          WHERE n."seriesId" = t."seriesId" AND n.episode > t.episode
            AND ${readable('n')}
          ORDER BY n.episode ASC LIMIT 1) AS "nextId"
      FROM "Article" t
      WHERE t.id = ANY(${[...ids]}::uuid[]) AND t."seriesId" IS NOT NULL AND t.episode IS NOT NULL`;
    const neighborIds = links.flatMap((l) => [l.previousId, l.nextId]).filter((id): id is string => !!id);
    const articles = neighborIds.length
      ? await prisma.article.findMany({ where: { id: { in: neighborIds } } })
      : [];
    const byId = new Map(articles.map((a) => [a.id, a]));
    const linksById = new Map(links.map((l) => [l.id, l]));
    return ids.map((id) => {
      const link = linksById.get(id);
      return {
        previous: (link?.previousId && byId.get(link.previousId)) || null,
        next: (link?.nextId && byId.get(link.nextId)) || null,
      };
    });
  });
}
