import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { htmlToPlainText } from './portal-html.js';
import { parsePortalDate } from './portal-text.js';

// Reads RSS 2.0 and Atom (RFC 4287) feeds into entries. The XML is validated first with
// fast-xml-parser's validator, which reports the line and column of the first error, then parsed.
// An entry that lacks what an article needs (a title, a link) is reported on its own; the others
// are kept. formats.ts turns entries into articles, or into pages to fetch when they carry only a summary.

/** The feed is not readable at all: broken or truncated XML, or XML that is not a feed. */
export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

/** One entry of a feed, as the feed describes it. */
export interface FeedEntry {
  /** The entry's identity in the feed: its guid (RSS) or id (Atom), else its link. */
  key: string;
  title: string;
  /** The entry's page: RSS <link>, Atom <link rel="alternate" href> (or a link without rel). */
  link: string;
  /** The full text, when the feed carries it: RSS content:encoded, Atom <content>. */
  content: { type: 'html' | 'text'; value: string } | null;
  /** RSS <description>, Atom <summary>, as plain text. */
  summary: string | null;
  publishedAt: Date | null;
  /** RSS <category> texts, Atom <category term>. */
  categories: string[];
  /** RSS <dc:creator> or <author>, Atom <author><name>. */
  author: string | null;
}

export interface ParsedFeed {
  format: 'RSS' | 'ATOM';
  title: string | null;
  /** The site the feed belongs to: RSS channel <link>, Atom feed <link rel="alternate">. */
  link: string | null;
  entries: FeedEntry[];
  /** Entries that could not be read, by key (or `entry N` when they have none). */
  failures: { key: string; reason: string }[];
}

const LISTS = new Set(['item', 'entry', 'link', 'category', 'author']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Atom xhtml content is markup in the feed's own tree; keep it as markup for the HTML reader.
  stopNodes: ['feed.entry.content[type=xhtml]', 'feed.entry.summary[type=xhtml]', 'feed.entry.title[type=xhtml]'],
  isArray: (name) => LISTS.has(name),
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (&#x4E2D;) and the HTML names feeds use (&nbsp;).
  htmlEntities: true,
});

type XmlValue = string | number | boolean | { [key: string]: XmlValue } | XmlValue[] | undefined;
type XmlObject = { [key: string]: XmlValue };

function text(value: XmlValue): string | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'object') return text(value['#text']);
  const result = String(value).trim();
  return result || null;
}

function attribute(value: XmlValue, name: string): string | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? text(value[`@${name}`]) : null;
}

function list(value: XmlValue): XmlValue[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A feed date: RFC 822 (RSS), RFC 3339 (Atom), or a portal's `2022-11-02 10:00` (UTC+08:00). */
export function parseFeedDate(value: string | null): Date | null {
  if (!value) return null;
  const portal = parsePortalDate(value);
  if (portal) return portal;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time);
}

// Atom text constructs: type="text" (default), "html" (escaped markup), "xhtml" (inline markup).
function atomText(value: XmlValue): string | null {
  const raw = text(value);
  if (raw === null) return null;
  return attribute(value, 'type') === 'html' || attribute(value, 'type') === 'xhtml' ? htmlToPlainText(raw) : raw;
}

function validate(xml: string): void {
  const result = XMLValidator.validate(xml);
  if (result === true) return;
  const { msg, line, col } = result.err;
  const at = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
  const root = /<(rss|feed|rdf:RDF)\b/.exec(xml)?.[1];
  if (root && !new RegExp(`</${root}>\\s*$`).test(xml)) {
    throw new FeedError(`truncated: the XML ends before its root element is closed (no </${root}> at the end; the parser stopped at ${at}: ${msg})`);
  }
  throw new FeedError(`broken XML at ${at}: ${msg}`);
}

function readRss(channel: XmlObject): ParsedFeed {
  const feed: ParsedFeed = { format: 'RSS', title: text(channel.title), link: text(channel.link), entries: [], failures: [] };
  list(channel.item).forEach((value, index) => {
    const item = (value ?? {}) as XmlObject;
    const link = text(item.link);
    const key = text(item.guid) ?? link ?? `entry ${index + 1}`;
    const title = text(item.title);
    const missing = [title ? null : 'title', link ? null : 'link'].filter(Boolean);
    if (missing.length) {
      feed.failures.push({ key, reason: `the feed item has no ${missing.join(' and no ')}` });
      return;
    }
    const encoded = text(item['content:encoded']);
    const description = text(item.description);
    feed.entries.push({
      key,
      title: htmlToPlainText(title!),
      link: link!,
      content: encoded ? { type: 'html', value: encoded } : null,
      summary: description ? htmlToPlainText(description) : null,
      publishedAt: parseFeedDate(text(item.pubDate) ?? text(item['dc:date'])),
      categories: list(item.category).map(text).filter((c): c is string => c !== null),
      author: text(item['dc:creator']) ?? text(item.author),
    });
  });
  return feed;
}

function alternateLink(links: XmlValue): string | null {
  const all = list(links);
  const alternate = all.find((link) => (attribute(link, 'rel') ?? 'alternate') === 'alternate');
  return alternate === undefined ? null : attribute(alternate, 'href');
}

function readAtom(root: XmlObject): ParsedFeed {
  const feed: ParsedFeed = { format: 'ATOM', title: atomText(root.title), link: alternateLink(root.link), entries: [], failures: [] };
  list(root.entry).forEach((value, index) => {
    const entry = (value ?? {}) as XmlObject;
    const link = alternateLink(entry.link);
    const key = text(entry.id) ?? link ?? `entry ${index + 1}`;
    const title = atomText(entry.title);
    const missing = [title ? null : 'title', link ? null : 'link'].filter(Boolean);
    if (missing.length) {
      feed.failures.push({ key, reason: `the feed entry has no ${missing.join(' and no ')}` });
      return;
    }
    const contentValue = entry.content;
    const type = attribute(contentValue, 'type') ?? 'text';
    const raw = attribute(contentValue, 'src') ? null : text(contentValue);
    const summary = atomText(entry.summary);
    const author = list(entry.author).map((a) => (a && typeof a === 'object' && !Array.isArray(a) ? text(a.name) : text(a)))[0] ?? null;
    feed.entries.push({
      key,
      title: title!,
      link: link!,
      content: raw ? { type: type === 'text' ? 'text' : 'html', value: raw } : null,
      summary,
      publishedAt: parseFeedDate(text(entry.published) ?? text(entry.updated)),
      categories: list(entry.category).map((c) => attribute(c, 'term') ?? attribute(c, 'label') ?? text(c)).filter((c): c is string => c !== null),
      author,
    });
  });
  return feed;
}

/**
 * Parses an RSS 2.0 or Atom feed.
 * @throws FeedError when the XML is broken or truncated (with the parser's line and column), or is not one of these feeds.
 */
export function parseFeed(xml: string): ParsedFeed {
  validate(xml);
  const document = parser.parse(xml) as XmlObject;
  if ('rss' in document) {
    const rss = document.rss;
    const channel = rss && typeof rss === 'object' && !Array.isArray(rss) ? list(rss.channel)[0] : undefined;
    if (!channel || typeof channel !== 'object') throw new FeedError('not a feed: the RSS document has no <channel>');
    return readRss(channel as XmlObject);
  }
  if ('feed' in document) {
    const atom = document.feed;
    return readAtom(atom && typeof atom === 'object' && !Array.isArray(atom) ? atom : {});
  }
  const root = Object.keys(document).find((key) => !key.startsWith('?'));
  throw new FeedError(`not a feed: the root element is <${root ?? 'none'}>, expected RSS 2.0 <rss> or Atom <feed>`);
}
