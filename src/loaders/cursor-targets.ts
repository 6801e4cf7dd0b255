import DataLoader from 'dataloader';
import type { PrismaClient } from '../generated/prisma/client.js';
import {
  achievementScopeWhere,
  narrow,
  organizationScopeWhere,
  readableArticleWhere,
  readableCitationWhere,
  seriesScopeWhere,
} from '../resolvers/scope.js';
import type { Viewer } from '../viewer.js';

/** The models whose rows a connection cursor may point at. */
export type CursorModel =
  | 'Organization'
  | 'Series'
  | 'Article'
  | 'Achievement'
  | 'Citation'
  // Staff-only lists (admins, or editors for revisions): no scope applies to their readers.
  | 'ArticleRevision'
  | 'AuditLogEntry'
  | 'ImportRun'
  | 'ImportItem';

/**
 * Tells whether a cursor's row exists in the connection's own table, so that a cursor taken from
 * another connection gets a clear error instead of a silently empty page. One query per model
 * per request. A row the viewer may not read (a draft, or outside a partner key's scope) counts
 * as missing: its cursor gets the same error as a made-up one, and reveals nothing of its place.
 */
export function createCursorTargetLoader(prisma: PrismaClient, viewer: Viewer) {
  return new DataLoader<`${CursorModel}:${string}`, boolean>(async (keys) => {
    const idsByModel = new Map<CursorModel, string[]>();
    for (const key of keys) {
      const [model, id] = key.split(':') as [CursorModel, string];
      idsByModel.set(model, [...(idsByModel.get(model) ?? []), id]);
    }
    const found = new Set<string>();
    await Promise.all(
      [...idsByModel].map(async ([model, ids]) => {
        const id = { id: { in: ids } };
        const select = { id: true } as const;
        const rows: { id: string }[] =
          model === 'Organization' ? await prisma.organization.findMany({ where: narrow(id, organizationScopeWhere(viewer)), select })
          : model === 'Series' ? await prisma.series.findMany({ where: narrow(id, seriesScopeWhere(viewer)), select })
          : model === 'Article' ? await prisma.article.findMany({ where: narrow(id, readableArticleWhere(viewer)), select })
          : model === 'Achievement' ? await prisma.achievement.findMany({ where: narrow(id, achievementScopeWhere(viewer)), select })
          : model === 'Citation' ? await prisma.citation.findMany({ where: narrow(id, readableCitationWhere(viewer)), select })
          : model === 'ArticleRevision' ? await prisma.articleRevision.findMany({ where: id, select })
          : model === 'AuditLogEntry' ? await prisma.auditLogEntry.findMany({ where: id, select })
          : model === 'ImportRun' ? await prisma.importRun.findMany({ where: id, select })
          : await prisma.importItem.findMany({ where: id, select });
        for (const row of rows) found.add(`${model}:${row.id}`);
      }),
    );
    return keys.map((key) => found.has(key));
  });
}
