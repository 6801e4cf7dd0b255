import DataLoader from 'dataloader';
import type { PrismaClient } from '../generated/prisma/client.js';
import {
  achievementScopeWhere,
  narrow,
  organizationScopeWhere,
  readableArticleWhere,
  readableCitationWhere,
  seriesScopeWhere,
} from '../auth/scope.js';
import type { Viewer } from '../auth/viewer.js';

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
  const select = { id: true } as const;
  const existing: Record<CursorModel, (id: { id: { in: string[] } }) => Promise<{ id: string }[]>> = {
    Organization: (id) => prisma.organization.findMany({ where: narrow(id, organizationScopeWhere(viewer)), select }),
    Series: (id) => prisma.series.findMany({ where: narrow(id, seriesScopeWhere(viewer)), select }),
    Article: (id) => prisma.article.findMany({ where: narrow(id, readableArticleWhere(viewer)), select }),
    Achievement: (id) => prisma.achievement.findMany({ where: narrow(id, achievementScopeWhere(viewer)), select }),
    Citation: (id) => prisma.citation.findMany({ where: narrow(id, readableCitationWhere(viewer)), select }),
    ArticleRevision: (id) => prisma.articleRevision.findMany({ where: id, select }),
    AuditLogEntry: (id) => prisma.auditLogEntry.findMany({ where: id, select }),
    ImportRun: (id) => prisma.importRun.findMany({ where: id, select }),
    ImportItem: (id) => prisma.importItem.findMany({ where: id, select }),
  };
  return new DataLoader<`${CursorModel}:${string}`, boolean>(async (keys) => {
    const idsByModel = new Map<CursorModel, string[]>();
    for (const key of keys) {
      const [model, id] = key.split(':') as [CursorModel, string];
      idsByModel.set(model, [...(idsByModel.get(model) ?? []), id]);
    }
    const found = new Set<string>();
    await Promise.all(
      [...idsByModel].map(async ([model, ids]) => {
        for (const row of await existing[model]({ id: { in: ids } })) found.add(`${model}:${row.id}`);
      }),
    );
    return keys.map((key) => found.has(key));
  });
}
