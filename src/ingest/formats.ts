import { blocksToText, contentHash, normalizedHash, type ArticleBlock } from '../domain/article-body.js';
import { decodeBytes, mediaType, type MarkupKind } from './encoding.js';
import { FeedError, parseFeed, type FeedEntry, type ParsedFeed } from './feed.js';
import { PartnerJsonError, parsePartnerJson, type PartnerArticle } from './partner-json.js';
import { htmlFragmentToLines, parsePortalHtml } from './portal-html.js';
import {
  normalizeSeriesTitle,
  parsePortalDate,
  parsePortalLines,
  parsePortalText,
  PortalTextError,
  textToLines,
  type ParsedPortalPage,
} from './portal-text.js';
import type { ImportedArticle, ItemFailure, PageToFetch, ParsedDocument, RawDocument, SourceHint } from './types.js';

// The import stage RawDocument → ParsedDocument: detects the format, decodes the bytes
// (encoding.ts) and hands the text to the reader for that format. It never throws: a document that
// cannot be read at all becomes one failure with its reason, and a feed or partner document with
// one bad item reports that item and keeps the others.

type Format = ParsedDocument['format'];

const DEFAULT_LANGUAGE = 'zh-CN';

const MEDIA_TYPES: Record<string, Format | 'FEED'> = {
  'text/html': 'PORTAL_HTML',
  'application/xhtml+xml': 'PORTAL_HTML',
  'text/plain': 'PORTAL_TEXT',
  'application/rss+xml': 'RSS',
  'application/atom+xml': 'ATOM',
  'application/xml': 'FEED',
  'text/xml': 'FEED',
  'application/json': 'PARTNER_JSON',
};

const EXTENSIONS: Record<string, Format | 'FEED'> = {
  html: 'PORTAL_HTML',
  htm: 'PORTAL_HTML',
  shtml: 'PORTAL_HTML',
  xhtml: 'PORTAL_HTML',
  txt: 'PORTAL_TEXT',
  text: 'PORTAL_TEXT',
  xml: 'FEED',
  rss: 'RSS',
  atom: 'ATOM',
  json: 'PARTNER_JSON',
};

function extension(locator: string): string | null {
  let path = locator;
  try {
    if (/^https?:\/\//i.test(locator)) path = new URL(locator).pathname;
  } catch {
    // Not a URL after all: read it as a path.
  }
  return /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? null;
}

// What the first bytes say, read as ASCII: markup, a feed, JSON, or text.
function sniff(bytes: Uint8Array): Format | 'FEED' {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048)).replace(/^(?:\xef\xbb\xbf|\ufeff)/, '').trimStart();
  const xmlRoot = /<(rss|feed|rdf:RDF|html)\b/i.exec(head.replace(/<!--[\s\S]*?-->/g, ''))?.[1]?.toLowerCase();
  if (head.startsWith('<?xml')) return xmlRoot === 'html' ? 'PORTAL_HTML' : xmlRoot === 'feed' ? 'ATOM' : 'FEED';
  if (/^<(?:rss)\b/i.test(head)) return 'RSS';
  if (/^<(?:feed)\b/i.test(head)) return 'ATOM';
  if (/^<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|article|!--)\b/i.test(head)) return 'PORTAL_HTML';
  if (/^[{[]/.test(head)) return 'PARTNER_JSON';
  return 'PORTAL_TEXT';
}

/** The document's format: from its Content-Type, else its file extension, else its first bytes. */
export function detectFormat(doc: Pick<RawDocument, 'locator' | 'url' | 'contentType' | 'bytes'>): Format | 'FEED' {
  const type = mediaType(doc.contentType);
  const byType = type ? (MEDIA_TYPES[type] ?? (type.endsWith('+json') ? 'PARTNER_JSON' : type.endsWith('+xml') ? 'FEED' : undefined)) : undefined;
  if (byType === 'PORTAL_HTML' || byType === 'PORTAL_TEXT') {
    // Servers label feeds text/html or text/plain, and JSON text/plain, more often than one would hope.
    const sniffed = sniff(doc.bytes);
    const isFeed = sniffed === 'RSS' || sniffed === 'ATOM' || sniffed === 'FEED';
    if (isFeed || (byType === 'PORTAL_TEXT' && sniffed === 'PARTNER_JSON')) return sniffed;
  }
  if (byType) return byType;
  const ext = extension(doc.url ?? doc.locator);
  const byExtension = ext ? EXTENSIONS[ext] : undefined;
  return byExtension ?? sniff(doc.bytes);
}

const MARKUP: Record<Format | 'FEED', MarkupKind> = {
  PORTAL_HTML: 'html',
  PORTAL_TEXT: 'none',
  RSS: 'xml',
  ATOM: 'xml',
  FEED: 'xml',
  PARTNER_JSON: 'none',
};

function failed(format: Format, locator: string, reason: string): ParsedDocument {
  return { format, articles: [], failures: [{ locator, reason }], pagesToFetch: [] };
}

/**
 * Reads one document into articles, per-item failures and pages to fetch. Never throws.
 *
 * - Portal pages (text or HTML) give one article, or one failure.
 * - RSS 2.0 and Atom feeds give an article per entry that carries its full text (content:encoded,
 *   Atom content), a page to fetch per entry that carries only a summary, and a failure per entry
 *   that cannot be read (no title, no link, no body).
 * - Partner JSON gives an article per valid article, and a failure (with the zod issues) per invalid one.
 */
export function parseDocument(doc: RawDocument): ParsedDocument {
  const detected = detectFormat(doc);
  const format: Format = detected === 'FEED' ? 'RSS' : detected;
  try {
    const decoded = decodeBytes(doc.bytes, doc.contentType, MARKUP[detected]);
    if (!decoded.ok) return failed(format, doc.locator, decoded.reason);
    if (decoded.text.trim() === '') return failed(format, doc.locator, 'the document is empty');
    switch (detected) {
      case 'PORTAL_TEXT':
      case 'PORTAL_HTML':
        return { format, articles: [pageArticle(doc, detected, decoded.text)], failures: [], pagesToFetch: [] };
      case 'RSS':
      case 'ATOM':
      case 'FEED':
        return feedDocument(doc, parseFeed(decoded.text));
      case 'PARTNER_JSON':
        return partnerDocument(doc, decoded.text);
    }
  } catch (error) {
    if (error instanceof PortalTextError || error instanceof FeedError || error instanceof PartnerJsonError) {
      return failed(format, doc.locator, error.message);
    }
    return failed(format, doc.locator, `could not read the document: ${(error as Error).message ?? String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Articles

type ArticleFields = Omit<ImportedArticle, 'bodyText' | 'contentHash' | 'normalizedHash'>;

function toArticle(fields: ArticleFields): ImportedArticle {
  const bodyText = blocksToText(fields.blocks);
  return { ...fields, bodyText, contentHash: contentHash(bodyText), normalizedHash: normalizedHash(bodyText) };
}

function httpUrl(value: string | null | undefined, base?: string | null): string | null {
  if (!value) return null;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function siteOf(url: string | null): { host: string; root: string } | null {
  if (!url) return null;
  const { host, protocol } = new URL(url);
  return { host, root: `${protocol}//${host}/` };
}

function language(tag: string | null | undefined): string {
  if (!tag) return DEFAULT_LANGUAGE;
  const [primary = '', ...rest] = tag.trim().split(/[-_]/);
  return [primary.toLowerCase(), ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part))].join('-') || DEFAULT_LANGUAGE;
}

// A text page that ends without a footer, a credit or a closing punctuation mark was cut off.
const ENDS_MID_SENTENCE = /[\p{L}\p{N},，、]$/u;

function pageArticle(doc: RawDocument, format: 'PORTAL_TEXT' | 'PORTAL_HTML', text: string): ImportedArticle {
  const html = format === 'PORTAL_HTML' ? parsePortalHtml(text) : null;
  const page: ParsedPortalPage = html ?? parsePortalText(text);
  const last = page.blocks.at(-1)?.text ?? '';
  if (!html && page.footer.length === 0 && page.attribution === null && ENDS_MID_SENTENCE.test(last)) {
    throw new PortalTextError(`truncated: the text ends in the middle of a sentence ("…${last.slice(-20)}") with no footer after it`);
  }

  const pageUrl = httpUrl(doc.url) ?? httpUrl(doc.locator);
  const disclaimerUrl = httpUrl(page.originalPath, pageUrl);
  const site = siteOf(pageUrl) ?? siteOf(httpUrl(html?.canonicalUrl)) ?? siteOf(httpUrl(page.originalPath));
  const source: SourceHint = {
    name: site?.host ?? html?.siteName ?? 'unknown portal',
    kind: 'PORTAL',
    url: site?.root ?? null,
  };
  return toArticle({
    locator: doc.locator,
    source,
    originalUrl: pageUrl ?? httpUrl(html?.canonicalUrl, pageUrl) ?? disclaimerUrl,
    originalPath: page.originalPath,
    title: page.title,
    series: page.series ? { title: page.series.title, episode: page.series.episode } : null,
    blocks: page.blocks,
    publishedAt: page.publishedAt,
    category: page.category,
    tags: html?.tags ?? [],
    attribution: page.attribution,
    language: language(html?.language),
    organizations: [],
    fetchedAt: doc.fetchedAt,
  });
}

// ---------------------------------------------------------------------------------------------
// Feeds

function feedDocument(doc: RawDocument, feed: ParsedFeed): ParsedDocument {
  const base = httpUrl(doc.url) ?? httpUrl(doc.locator);
  const site = httpUrl(feed.link, base);
  const source: SourceHint = {
    name: feed.title ?? siteOf(site ?? base)?.host ?? 'unknown feed',
    kind: 'FEED',
    url: site,
  };
  const result: ParsedDocument = { format: feed.format, articles: [], failures: [], pagesToFetch: [] };
  const locator = (key: string) => `${doc.locator}#${key}`;
  for (const failure of feed.failures) result.failures.push({ locator: locator(failure.key), reason: failure.reason });
  for (const entry of feed.entries) {
    const link = httpUrl(entry.link, site ?? base);
    if (!link) {
      result.failures.push({ locator: locator(entry.key), reason: `the entry's link ${JSON.stringify(entry.link)} is not an http(s) address` });
      continue;
    }
    if (!entry.content) {
      result.pagesToFetch.push({ locator: locator(entry.key), url: link, entry: entryFields(entry, source) });
      continue;
    }
    try {
      result.articles.push(entryArticle(doc, entry, link, source, locator(entry.key)));
    } catch (error) {
      if (!(error instanceof PortalTextError)) throw error;
      result.failures.push({ locator: locator(entry.key), reason: `the entry's content cannot be read: ${error.message}` });
    }
  }
  return result;
}

function entryFields(entry: FeedEntry, source: SourceHint): PageToFetch['entry'] {
  return {
    title: entry.title,
    publishedAt: entry.publishedAt,
    tags: entry.categories,
    category: entry.categories[0] ?? null,
    source,
    attribution: entry.author,
  };
}

function entryArticle(doc: RawDocument, entry: FeedEntry, link: string, source: SourceHint, locator: string): ImportedArticle {
  const content = entry.content!;
  const body = content.type === 'html' ? htmlFragmentToLines(content.value) : textToLines(content.value);
  const page = parsePortalLines([{ text: entry.title, title: true }, ...body]);
  return toArticle({
    locator,
    source,
    originalUrl: link,
    originalPath: page.originalPath,
    title: page.title,
    series: page.series ? { title: page.series.title, episode: page.series.episode } : null,
    blocks: page.blocks,
    publishedAt: entry.publishedAt ?? page.publishedAt,
    category: entry.categories[0] ?? page.category,
    tags: entry.categories,
    attribution: page.attribution ?? entry.author,
    language: DEFAULT_LANGUAGE,
    organizations: [],
    fetchedAt: doc.fetchedAt,
  });
}

// ---------------------------------------------------------------------------------------------
// Partner JSON

function partnerDocument(doc: RawDocument, text: string): ParsedDocument {
  const parsed = parsePartnerJson(text);
  const source: SourceHint = { name: parsed.source.name, kind: 'PARTNER', url: parsed.source.url ?? null };
  const locator = (key: string) => `${doc.locator}#${key}`;
  const failures: ItemFailure[] = parsed.failures.map((failure) => ({ locator: locator(failure.key), reason: failure.reason }));
  return {
    format: 'PARTNER_JSON',
    articles: parsed.articles.map(({ key, article }) => partnerArticle(doc, article, source, locator(key))),
    failures,
    pagesToFetch: [],
  };
}

function partnerBlocks(article: PartnerArticle): ArticleBlock[] {
  if (article.body) return article.body.map((block) => ({ kind: block.kind, text: block.text }));
  return (article.text ?? '')
    .split(/\r?\n[ \t\u3000\u00a0]*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => ({ kind: 'PARAGRAPH' as const, text: paragraph }));
}

function partnerArticle(doc: RawDocument, article: PartnerArticle, source: SourceHint, locator: string): ImportedArticle {
  return toArticle({
    locator,
    source,
    originalUrl: article.url ?? null,
    originalPath: null,
    title: article.title,
    series: article.series ? { title: normalizeSeriesTitle(article.series.title), episode: article.series.episode ?? null } : null,
    blocks: partnerBlocks(article),
    publishedAt: article.publishedAt ? (parsePortalDate(article.publishedAt) ?? new Date(article.publishedAt)) : null,
    category: article.category ?? null,
    tags: article.tags ?? [],
    attribution: article.attribution ?? null,
    language: language(article.language),
    organizations: article.organizations ?? [],
    fetchedAt: doc.fetchedAt,
  });
}
