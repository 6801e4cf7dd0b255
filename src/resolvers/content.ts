import { createHash } from 'node:crypto';

// Write-path rules for stored content that every writer (parsers, the corpus loader, future
// mutations) must apply the same way, so that citations, hashes and timelines agree.

/** The kinds of block an article body is made of, in reading order. */
export type ArticleBlockKind = 'HEADING' | 'PARAGRAPH' | 'LIST_ITEM';

/** One block of an article body, as stored in `Article.body`. */
export interface ArticleBlock {
  kind: ArticleBlockKind;
  text: string;
}

const BLOCK_KINDS = new Set<string>(['HEADING', 'PARAGRAPH', 'LIST_ITEM']);

/** Reads `Article.body` (JSON) defensively: anything that is not a block is skipped. */
export function parseBody(body: unknown): ArticleBlock[] {
  if (!Array.isArray(body)) return [];
  return body.filter(
    (b): b is ArticleBlock =>
      typeof b === 'object' && b !== null && BLOCK_KINDS.has((b as ArticleBlock).kind) && typeof (b as ArticleBlock).text === 'string',
  );
}

/** The separator between blocks in `Article.bodyText`. Citation offsets depend on it. */
export const BLOCK_SEPARATOR = '\n\n';

/** `Article.bodyText`: the block texts joined by blank lines. Citation excerpts quote this text. */
export function blocksToText(blocks: readonly ArticleBlock[]): string {
  return blocks.map((block) => block.text).join(BLOCK_SEPARATOR);
}

/** `Article.contentHash`: sha256 of the body text (UTF-8), lower-case hex. */
export function contentHash(bodyText: string): string {
  return createHash('sha256').update(bodyText, 'utf8').digest('hex');
}

export interface AchievementDates {
  awardedOn?: Date | null;
  periodStart?: Date | null;
  periodEnd?: Date | null;
}

/**
 * `Achievement.occurredOn`, the date that places an achievement on a timeline: the award date,
 * else the end of the period it covers (a 2021 ranking belongs to 2021), else the period's start.
 */
export function achievementOccurredOn({ awardedOn, periodStart, periodEnd }: AchievementDates): Date | null {
  return awardedOn ?? periodEnd ?? periodStart ?? null;
}
