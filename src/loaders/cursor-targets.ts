import DataLoader from 'dataloader';
import type { PrismaClient } from '../generated/prisma/client.js';

/** The models whose rows a connection cursor may point at. */
export type CursorModel = 'Organization' | 'Series' | 'Article' | 'Achievement' | 'Citation';

/**
 * Tells whether a cursor's row exists in the connection's own table, so that a cursor taken from
 * another connection gets a clear error instead of a silently empty page. One query per model
 * per request.
 */
export function createCursorTargetLoader(prisma: PrismaClient) {
  return new DataLoader<`${CursorModel}:${string}`, boolean>(async (keys) => {
    const idsByModel = new Map<CursorModel, string[]>();
    for (const key of keys) {
      const [model, id] = key.split(':') as [CursorModel, string];
      idsByModel.set(model, [...(idsByModel.get(model) ?? []), id]);
    }
    const found = new Set<string>();
    await Promise.all(
      [...idsByModel].map(async ([model, ids]) => {
        const args = { where: { id: { in: ids } }, select: { id: true } } as const;
        const rows: { id: string }[] =
          model === 'Organization' ? await prisma.organization.findMany(args)
          : model === 'Series' ? await prisma.series.findMany(args)
          : model === 'Article' ? await prisma.article.findMany(args)
          : model === 'Achievement' ? await prisma.achievement.findMany(args)
          : await prisma.citation.findMany(args);
        for (const row of rows) found.add(`${model}:${row.id}`);
      }),
    );
    return keys.map((key) => found.has(key));
  });
}
