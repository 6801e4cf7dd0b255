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

// A trailing credit that a republishing portal may leave on the last paragraph or add as a line:
// …检察业绩。(凉都检察), 来源：凉都检察, (完). The parsers take these off already; the hash does it
// again so that a copy parsed by other code still matches.
const TRAILING_CREDIT = /(?:[(（【\[]\s*(?:(?:来源|稿源|文章来源)\s*[:：]\s*)?[^()（）【】\[\]。，,;；\n]{1,40}?\s*[)）】\]]|(?:\n|^)\s*(?:来源|文章来源|稿件来源|信息来源|稿源)\s*[:：][^\n]{1,60})\s*$/u;

/**
 * The text that `normalizedHash` hashes: Unicode NFKC (full-width letters, digits and punctuation
 * become their ASCII forms, compatibility ideographs their unified forms), then lower-cased, trailing
 * credits taken off (a bracketed `(凉都检察)`, a `来源：…` line, `(完)`, repeatedly), then every
 * character that is not a letter or a number removed: punctuation, symbols, whitespace, zero-width
 * characters. What remains is the words of the story in order.
 */
export function normalizeForHash(bodyText: string): string {
  let text = bodyText.normalize('NFKC').toLowerCase().trim();
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(TRAILING_CREDIT, '').trim();
  }
  return text.replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * `Article.normalizedHash`, the deduplication key of imports: sha256 (lower-case hex) of
 * `normalizeForHash(bodyText)`.
 *
 * It is over the body only, not the title: portals retitle a story when they republish it (add the
 * series name, a 【】 prefix, cut a subtitle) while its words stay the same, and the body is what
 * makes it the same story. So the same story from two portals hashes equal when they differ only in
 * full-width versus ASCII punctuation, spacing, line and paragraph breaks, or a trailing attribution;
 * it hashes differently as soon as one word differs.
 */
export function normalizedHash(bodyText: string): string {
  return createHash('sha256').update(normalizeForHash(bodyText), 'utf8').digest('hex');
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
