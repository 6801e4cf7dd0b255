/** One block of an article body, as stored in `Article.body`. */
export interface ArticleBlock {
  kind: 'HEADING' | 'PARAGRAPH' | 'LIST_ITEM';
  text: string;
}

const KINDS = new Set(['HEADING', 'PARAGRAPH', 'LIST_ITEM']);

/** Reads `Article.body` (JSON) defensively: anything that is not a block is skipped. */
export function parseBody(body: unknown): ArticleBlock[] {
  if (!Array.isArray(body)) return [];
  return body.filter(
    (b): b is ArticleBlock =>
      typeof b === 'object' && b !== null && KINDS.has((b as ArticleBlock).kind) && typeof (b as ArticleBlock).text === 'string',
  );
}
