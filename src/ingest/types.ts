import type { ArticleBlock } from '../domain/article-body.js';

// The shapes that the import stages hand to each other:
//   inputs.ts   file | dir | URL  → RawDocument (bytes, as read or fetched; fetch.ts does HTTP)
//   formats.ts  RawDocument       → ParsedDocument (articles, per-item failures, pages to fetch)
//   import.ts   orchestrates a run; store.ts writes one ImportedArticle per transaction.

/** The bytes of one input, as read from disk or fetched over HTTP, before decoding. */
export interface RawDocument {
  /** Where it came from: an absolute file path or the URL asked for. */
  locator: string;
  /** The URL after redirects, for fetched documents; null for files. */
  url: string | null;
  bytes: Uint8Array;
  /** The HTTP Content-Type header (with its charset parameter), when fetched. */
  contentType: string | null;
  fetchedAt: Date;
}

/** The origin a copy of an article came from, as the input describes it (matched to Source rows). */
export interface SourceHint {
  /** e.g. the host name (`www.example.gov.cn`) or the partner's name. */
  name: string;
  kind: 'PORTAL' | 'WECHAT' | 'FEED' | 'PARTNER' | 'OTHER';
  /** The site's base URL, e.g. `https://www.example.gov.cn/`; null for local files with no URL. */
  url: string | null;
}

/** One article as one source presents it, with its chrome removed, ready to be stored. */
export interface ImportedArticle {
  /** The item's locator: a file path, a URL, or `<feed URL>#<entry id>`. */
  locator: string;
  source: SourceHint;
  /** The page's own address, when known (the fetched URL, the feed link, or the disclaimer's). */
  originalUrl: string | null;
  /** The address the disclaimer ("本文采摘于网络…") prints, as provenance. */
  originalPath: string | null;
  title: string;
  /** The series as the page names it; the title has separators normalized to `——`. */
  series: { title: string; episode: number | null } | null;
  blocks: ArticleBlock[];
  /** `blocksToText(blocks)`. */
  bodyText: string;
  /** `contentHash(bodyText)`: over the text as this source served it. */
  contentHash: string;
  /** `normalizedHash(bodyText)` from domain/article-body.ts: equal for the same story from two sources. */
  normalizedHash: string;
  publishedAt: Date | null;
  category: string | null;
  tags: string[];
  /** Who the text is credited to, e.g. 凉都检察. */
  attribution: string | null;
  language: string;
  /** Organizations the input names explicitly (partner JSON); linking also reads the text. */
  organizations: { name: string; role: 'SUBJECT' | 'MENTIONED' | 'PUBLISHER' }[];
  fetchedAt: Date;
}

/** An item of an input that could not be imported, and why, in words. */
export interface ItemFailure {
  locator: string;
  reason: string;
}

/** A feed entry that carries only a summary: the importer fetches `url` for the full text. */
export interface PageToFetch {
  locator: string;
  url: string;
  /** What the feed entry says, kept where the page does not say it (publishedAt, tags, source). */
  entry: Pick<ImportedArticle, 'title' | 'publishedAt' | 'tags' | 'category' | 'source' | 'attribution'>;
}

/** What one input turned into. */
export interface ParsedDocument {
  format: 'PORTAL_TEXT' | 'PORTAL_HTML' | 'RSS' | 'ATOM' | 'PARTNER_JSON';
  articles: ImportedArticle[];
  failures: ItemFailure[];
  pagesToFetch: PageToFetch[];
}

/** What storing one article did (store.ts `storeArticle`). */
export interface StoreOutcome {
  /**
   * CREATED: a new Article. UPDATED: this source's copy changed (a new revision when it is the
   * canonical copy). UNCHANGED: this source's copy was already stored as it is. DUPLICATE: the same
   * story (normalized hash) was already stored from another source or address; a provenance record
   * was added to that Article.
   */
  status: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'DUPLICATE';
  articleId: string;
  /** Organization-like names in the article that match no known name or alias, for review. */
  unknownOrganizations: string[];
  /** Rows whose cached responses are now stale (for `invalidateEntities`). */
  changedEntities: { typename: string; id: string }[];
}

/** Progress of a run, for a progress bar. */
export interface ImportProgress {
  /** Items finished so far, and the number known so far (it grows as directories and feeds expand). */
  done: number;
  total: number;
  locator: string;
  status: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'DUPLICATE' | 'FAILED';
}

/** The result of a run (import.ts `runImport`), as recorded in ImportRun and its ImportItems. */
export interface ImportRunSummary {
  runId: string;
  status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
  durationMs: number;
  counts: { created: number; updated: number; unchanged: number; duplicate: number; failed: number };
  items: { locator: string; status: ImportProgress['status']; reason: string | null; articleId: string | null; unknownOrganizations: string[] }[];
}
