import type { Article, Prisma } from '../generated/prisma/client.js';
import { type ArticleBlock, type ArticleBlockKind, blocksToText, contentHash, normalizedHash } from '../domain/article-body.js';
import { atVersion, NEXT_VERSION, refreshSearch, type Tx, type WriteOptions } from './common.js';
import { recordEvent, requireOpenWrite } from './events.js';

// The one write path of an article, used by the editorial mutations, the importer and the corpus
// loader: the columns its body determines, its revisions, its version, its search vector, and the
// `articlePublished` event (published after the write commits, src/store/events.ts): when it is
// created PUBLISHED or becomes PUBLISHED, and when a PUBLISHED article gets a new title or text
// (republished).

/** The columns an article's body determines. No writer sets them but through {@link articleBody}. */
export interface ArticleBody {
  /** The blocks, as stored in `Article.body` (a JSON column). */
  body: { kind: ArticleBlockKind; text: string }[];
  bodyText: string;
  contentHash: string;
  normalizedHash: string;
}

type BodyColumn = keyof ArticleBody;
type ManagedColumn = BodyColumn | 'id' | 'version' | 'revisions' | 'searchVector';

/** An article's other columns (and nested links or provenance records) when it is created. */
export type ArticleColumns = Omit<Prisma.ArticleUncheckedCreateInput, ManagedColumn>;
/** The other columns an update changes. */
export type ArticleChanges = Omit<Prisma.ArticleUncheckedUpdateInput, ManagedColumn>;

export interface ArticleWriteOptions extends WriteOptions {
  /** The import run the write belongs to, recorded on the revision it adds. */
  importRunId?: string | null;
}

/** The body columns of `blocks`: each block as `{ kind, text }`, the text, and its two hashes. */
export function articleBody(blocks: readonly ArticleBlock[]): ArticleBody {
  const bodyText = blocksToText(blocks);
  return {
    body: blocks.map((block) => ({ kind: block.kind, text: block.text })),
    bodyText,
    contentHash: contentHash(bodyText),
    normalizedHash: normalizedHash(bodyText),
  };
}

type Content = Pick<Article, 'id' | 'title' | 'body' | 'bodyText' | 'contentHash'>;

/**
 * Appends a revision holding the article's current title and text, unless its latest revision
 * holds them already. The first revision is number 1.
 * @returns whether it appended one.
 */
export async function appendRevision(tx: Tx, article: Content, importRunId: string | null = null): Promise<boolean> {
  requireOpenWrite(tx);
  const latest = await tx.articleRevision.findFirst({
    where: { articleId: article.id },
    orderBy: { number: 'desc' },
    select: { number: true, title: true, contentHash: true },
  });
  if (latest && latest.title === article.title && latest.contentHash === article.contentHash) return false;
  await tx.articleRevision.create({
    data: { articleId: article.id, ...revision((latest?.number ?? 0) + 1, article.title, article, importRunId) },
  });
  return true;
}

/** A revision's columns (but its article): number `number` of this title and body. */
function revision(number: number, title: string, body: Pick<ArticleBody, 'bodyText' | 'contentHash'> & { body: unknown }, importRunId: string | null) {
  return {
    number,
    title,
    body: body.body as Prisma.InputJsonValue,
    bodyText: body.bodyText,
    contentHash: body.contentHash,
    importRunId,
  };
}

/** Creates an article at version 1 with the body of `blocks`, its revision 1 and its search vector. */
export async function createArticle(tx: Tx, columns: ArticleColumns, blocks: readonly ArticleBlock[], options: ArticleWriteOptions = {}) {
  requireOpenWrite(tx);
  const body = articleBody(blocks);
  const row = await tx.article.create({
    data: {
      ...columns,
      ...body,
      revisions: { create: revision(1, columns.title, body, options.importRunId ?? null) },
    },
  });
  await refreshSearch(tx, 'Article', row.id, options.search);
  if (row.status === 'PUBLISHED') published(tx, row, false);
  return row;
}

function published(tx: Tx, row: Article, republished: boolean) {
  recordEvent(tx, { type: 'articlePublished', id: row.id, version: row.version, seriesId: row.seriesId, republished });
}

/**
 * Changes an article's columns and, when `blocks` is given, its body; bumps its version. A write
 * that sets the title or the body appends a revision when they differ from the latest one, and
 * refreshes the search vector.
 * @returns the row as written, and whether a revision was appended.
 */
export async function updateArticle(
  tx: Tx,
  id: string,
  changes: { columns?: ArticleChanges; blocks?: readonly ArticleBlock[] },
  options: ArticleWriteOptions = {},
): Promise<{ row: Article; revised: boolean }> {
  requireOpenWrite(tx);
  const columns = changes.columns ?? {};
  // Whether the write publishes it: only a write that sets the status needs to know the one before.
  const before = columns.status === undefined ? null : await tx.article.findUnique({ where: { id }, select: { status: true } });
  const row = await tx.article.update({
    where: atVersion(id, options.expectedVersion),
    data: { ...columns, ...(changes.blocks ? articleBody(changes.blocks) : {}), ...NEXT_VERSION },
  });
  const becamePublished = row.status === 'PUBLISHED' && before !== null && before.status !== 'PUBLISHED';
  if (becamePublished) published(tx, row, false);
  if (!changes.blocks && columns.title === undefined) return { row, revised: false };
  const revised = await appendRevision(tx, row, options.importRunId);
  await refreshSearch(tx, 'Article', id, options.search);
  if (revised && row.status === 'PUBLISHED' && !becamePublished) published(tx, row, true);
  return { row, revised };
}
