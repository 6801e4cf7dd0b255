import { parse, parseFragment, type DefaultTreeAdapterTypes } from 'parse5';
import {
  disclaimerAddress,
  parsePortalDate,
  parsePortalLines,
  parseSeriesLine,
  PortalTextError,
  type ParsedPortalPage,
  type PortalLine,
} from './portal-text.js';

// Reads a portal article page served as HTML. The page is parsed with parse5 (the HTML standard's
// algorithm, as a browser does), the article region is found, rendered to lines (one per block
// element or <br>), and those lines go through the same rules as a text page (portal-text.ts), so
// that a story reads the same whichever way a portal served it.
//
// The article region is the element that holds the most running text directly (text nodes and
// inline elements among its children, link text not counted), outside the page's chrome: script,
// style, nav, aside, form, page-level header and footer, and elements whose class or id names
// chrome (breadcrumb, share, print, related, sidebar, copyright…). The title is the h1 nearest
// before or inside that region, else an element whose class names a title, else og:title or <title>.

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;

/** A parsed HTML page: the text page's fields, plus what only the markup says. */
export interface ParsedPortalHtml extends ParsedPortalPage {
  /** og:site_name, or null. */
  siteName: string | null;
  /** The <html lang>, e.g. `zh-CN`, or null. */
  language: string | null;
  /** The <meta name="keywords">, split. */
  tags: string[];
  /** The page's canonical or og:url address, or null. */
  canonicalUrl: string | null;
}

const SKIPPED = new Set([
  'script', 'style', 'noscript', 'template', 'iframe', 'select', 'button', 'input', 'textarea', 'svg',
  'head', 'object', 'embed', 'canvas', 'nav', 'aside', 'form', 'map', 'audio', 'video',
]);
const CHROME_CLASS =
  /(?:^|[\s_-])(?:breadcrumbs?|crumbs?|position|location|weizhi|dqwz|nav|navbar|menu|share|bdshare|fenxiang|print|dayin|toolbar|tools|related|relate|xgwz|xgxw|comments?|sidebar|copyright|footer|foot|contact|topbar|banner|pager|pagination|prevnext|ads?)(?:$|[\s_-])/i;
const BREADCRUMB_CLASS = /breadcrumb|crumb|position|location|weizhi|dqwz/i;
const POSITION_TEXT = /^\s*(?:当前位置|您的位置|你的位置|您现在的位置)/;
const TITLE_CLASS = /(?:^|[\s_-])(?:title|biaoti|bt|headline|tit|art_title|news_title)(?:$|[\s_-])/i;
const BLOCK = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'dl',
  'dt', 'dd', 'table', 'tbody', 'thead', 'tr', 'blockquote', 'pre', 'center', 'figure', 'figcaption', 'address', 'hr', 'body',
]);
const INLINE_TEXT = new Set(['span', 'font', 'strong', 'b', 'em', 'i', 'u', 'sub', 'sup', 'small', 'big', 'br', 'label', 'time', 'td', 'th']);
const HEADING = /^h[2-6]$/;

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

function children(node: Node): Node[] {
  if ('content' in node && node.nodeName === 'template') return [];
  return 'childNodes' in node ? (node as ParentNode).childNodes : [];
}

function attr(element: Element, name: string): string | null {
  return element.attrs.find((a) => a.name === name)?.value ?? null;
}

function classAndId(element: Element): string {
  return `${attr(element, 'class') ?? ''} ${attr(element, 'id') ?? ''}`;
}

function* elements(node: Node): Generator<Element> {
  for (const child of children(node)) {
    if (!isElement(child)) continue;
    yield child;
    yield* elements(child);
  }
}

function insideArticle(element: Element): boolean {
  for (let node = element.parentNode; node && isElement(node as Node); node = (node as Element).parentNode) {
    if (['article', 'main'].includes((node as Element).tagName)) return true;
  }
  return false;
}

/** Chrome: never part of an article region. Header and footer only at page level (an <article> has its own). */
function isChrome(element: Element): boolean {
  if (SKIPPED.has(element.tagName)) return true;
  if ((element.tagName === 'header' || element.tagName === 'footer') && !insideArticle(element)) return true;
  return CHROME_CLASS.test(classAndId(element));
}

const WORD = /[\p{L}\p{N}]/gu;
/** The running text (letters and digits, links not counted) the article region must hold at least. */
const MIN_ARTICLE_WORDS = 30;

function wordCount(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** The text of a subtree, chrome and links included or not. */
function textOf(node: Node, options: { links: boolean } = { links: true }, root = true): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value;
  if (!isElement(node) && node.nodeName !== '#document-fragment') return '';
  if (isElement(node) && !root && (SKIPPED.has(node.tagName) || (!options.links && node.tagName === 'a'))) return '';
  return children(node).map((child) => textOf(child, options, false)).join('');
}

// ---------------------------------------------------------------------------------------------
// Lines

interface RenderedLine extends PortalLine {
  /** Where the line's first text starts in the source, to cut the lines to the article's extent. */
  offset: number;
}

/** Renders a subtree to lines: one per block element, <br> or <pre> line; chrome elements are skipped. */
function render(root: Node, options: { title?: Element | null; skipChrome: boolean }): RenderedLine[] {
  const lines: RenderedLine[] = [];
  let buffer = '';
  let offset = -1;
  let kind: PortalLine['kind'];
  let title = false;

  const flush = () => {
    const text = buffer.replace(/[ \t\n\r\f]+/g, ' ').trim();
    if (text) lines.push({ text, offset, ...(kind ? { kind } : {}), ...(title ? { title } : {}) });
    buffer = '';
    offset = -1;
  };

  const walk = (node: Node, pre: boolean) => {
    if (node.nodeName === '#text') {
      const { value, sourceCodeLocation } = node as DefaultTreeAdapterTypes.TextNode;
      if (offset === -1 && value.trim()) offset = sourceCodeLocation?.startOffset ?? 0;
      if (pre) {
        const [first, ...rest] = value.split('\n');
        buffer += first;
        for (const line of rest) {
          flush();
          buffer = line;
        }
      } else buffer += value;
      return;
    }
    if (!isElement(node)) {
      if (node.nodeName === '#document-fragment' || node.nodeName === '#document') for (const child of children(node)) walk(child, pre);
      return;
    }
    if (options.skipChrome ? isChrome(node) : SKIPPED.has(node.tagName)) return;
    if (node.tagName === 'br') {
      flush();
      return;
    }
    const block = BLOCK.has(node.tagName);
    if (block) flush();
    const outer = { kind, title };
    if (HEADING.test(node.tagName)) kind = 'HEADING';
    else if (node.tagName === 'li') kind = 'LIST_ITEM';
    if (options.title === node) title = true;
    if (node.tagName === 'td' || node.tagName === 'th') buffer += ' ';
    for (const child of children(node)) walk(child, pre || node.tagName === 'pre');
    if (block) flush();
    ({ kind, title } = outer);
  };

  walk(root, false);
  flush();
  return lines;
}

/**
 * Renders an HTML fragment (a feed entry's content) to lines: one per block element or <br>.
 * Markup chrome such as scripts is skipped; class names are not judged, a fragment has no page around it.
 */
export function htmlFragmentToLines(html: string): PortalLine[] {
  return render(parseFragment(html, { sourceCodeLocationInfo: true }), { skipChrome: false }).map(({ offset: _, ...line }) => line);
}

/** The plain text of an HTML fragment (a feed title of type html), whitespace collapsed. */
export function htmlToPlainText(html: string): string {
  return textOf(parseFragment(html)).replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Page

function metaContent(document: Node, ...names: string[]): string | null {
  for (const element of elements(document)) {
    if (element.tagName !== 'meta') continue;
    const key = (attr(element, 'name') ?? attr(element, 'property') ?? attr(element, 'itemprop') ?? '').toLowerCase();
    const content = attr(element, 'content')?.trim();
    if (content && names.includes(key)) return content;
  }
  return null;
}

const PARAGRAPH_LIKE = new Set(['div', 'section', 'center', 'blockquote']);

// <div>段落</div><div>段落</div>: a block that holds only text and inline elements is a paragraph.
function isTextBlock(element: Element): boolean {
  return PARAGRAPH_LIKE.has(element.tagName) && ![...elements(element)].some((inner) => BLOCK.has(inner.tagName) || SKIPPED.has(inner.tagName));
}

function scoreRegions(body: Node): Map<Element, number> {
  const scores = new Map<Element, number>();
  const visit = (node: Node) => {
    if (!isElement(node) || isChrome(node)) return;
    let own = 0;
    for (const child of children(node)) {
      if (child.nodeName === '#text') own += wordCount((child as DefaultTreeAdapterTypes.TextNode).value);
      else if (isElement(child) && (child.tagName === 'p' || INLINE_TEXT.has(child.tagName) || isTextBlock(child)) && !isChrome(child)) {
        own += wordCount(textOf(child, { links: false }));
      }
    }
    // A link is never the article, however long its text: pages of links are navigation.
    if (own > 0 && node.tagName !== 'a') scores.set(node, own);
    for (const child of children(node)) visit(child);
  };
  visit(body);
  return scores;
}

function ancestors(element: Element): Element[] {
  const chain: Element[] = [];
  for (let node: ParentNode | null = element; node && isElement(node as Node); node = (node as Element).parentNode) chain.push(node as Element);
  return chain;
}

function contains(outer: Element, inner: Element): boolean {
  return ancestors(inner).includes(outer);
}

function startOf(element: Element): number {
  return element.sourceCodeLocation?.startOffset ?? 0;
}

function endOf(element: Element): number {
  return element.sourceCodeLocation?.endOffset ?? Number.MAX_SAFE_INTEGER;
}

function findTitle(body: Node, region: Element): Element | null {
  const candidates = [...elements(body)].filter(
    (element) => !ancestors(element).some(isChrome) && wordCount(textOf(element)) >= 2 && textOf(element).trim().length <= 150,
  );
  const before = (element: Element) => contains(region, element) || startOf(element) < startOf(region);
  const h1s = candidates.filter((element) => element.tagName === 'h1' && before(element));
  const named = candidates.filter((element) => TITLE_CLASS.test(classAndId(element)) && before(element) && !contains(element, region));
  // The nearest one before the region (or the first inside it) is the article's; a first h1 is often the site's name.
  const nearest = (list: Element[]) => list.find((element) => contains(region, element)) ?? list.filter((element) => !contains(region, element)).at(-1) ?? null;
  return nearest(h1s) ?? nearest(named);
}

function lowestCommonAncestor(a: Element, b: Element): Element {
  const chain = ancestors(a);
  return ancestors(b).find((element) => chain.includes(element)) ?? b;
}

function breadcrumbLine(body: Node): string | null {
  for (const element of elements(body)) {
    const text = textOf(element).replace(/\s+/g, ' ').trim();
    if (!text || text.length > 160) continue;
    if (BREADCRUMB_CLASS.test(classAndId(element)) || (POSITION_TEXT.test(text) && ['div', 'p', 'span', 'td', 'nav'].includes(element.tagName))) {
      const items = [...elements(element)].filter((child) => child.tagName === 'li').map((li) => textOf(li).trim()).filter(Boolean);
      const crumbs = items.length > 1 ? items.join(' > ') : text;
      return /^(?:当前位置|您的位置|你的位置|您现在的位置|首页|主页|网站首页|home)/i.test(crumbs) ? crumbs : `当前位置：${crumbs}`;
    }
  }
  return null;
}

// A page that ends before the article does: the parser met the end inside a tag or comment, or an
// element that opens around the article never closes and the page has no </body> or </html>.
function truncation(source: string, region: Element, eofError: string | null): string | null {
  if (eofError) return `truncated: the page ends inside ${eofError.replace(/^eof-in-/, 'a ').replace(/-/g, ' ')}`;
  if (/<\/(?:body|html)\s*>/i.test(source)) return null;
  const open = ancestors(region).find((element) => element.sourceCodeLocation?.startTag && !element.sourceCodeLocation.endTag);
  if (!open) return null;
  const described = `<${open.tagName}${attr(open, 'class') ? ` class="${attr(open, 'class')}"` : attr(open, 'id') ? ` id="${attr(open, 'id')}"` : ''}>`;
  return `truncated: the page ends before the article does (${described} is never closed, and there is no </body> or </html>)`;
}

/**
 * Parses a portal article page served as HTML.
 * @throws PortalTextError "no article found in the page" when no region holds running text,
 *   "truncated: …" when the page is cut off, or the text rules' errors (no title, no body).
 */
export function parsePortalHtml(html: string): ParsedPortalHtml {
  let eofError: string | null = null;
  const document = parse(html, {
    sourceCodeLocationInfo: true,
    onParseError: (error) => {
      if (error.code.startsWith('eof-in-') && error.code !== 'eof-in-element-that-can-contain-only-text') eofError ??= error.code;
    },
  });
  const htmlElement = [...elements(document)].find((element) => element.tagName === 'html');
  const body = [...elements(document)].find((element) => element.tagName === 'body') ?? document;

  const scores = scoreRegions(body);
  let region: Element | null = null;
  let best = 0;
  for (const [element, score] of scores) {
    if (score > best) [region, best] = [element, score];
  }
  const truncated = region ? truncation(html, region, eofError) : eofError ? truncation(html, body as Element, eofError) : null;
  if (truncated) throw new PortalTextError(truncated);
  // A page of links, a navigation page or an error page has no region of running text worth the name.
  if (!region || best < MIN_ARTICLE_WORDS) throw new PortalTextError('no article found in the page');

  const titleElement = findTitle(body, region);
  let lines: RenderedLine[];
  if (!titleElement || contains(region, titleElement)) {
    lines = render(region, { title: titleElement, skipChrome: true });
  } else {
    // The title stands outside the region: render from it (and a series line just above it) to the region's end.
    const all = render(lowestCommonAncestor(titleElement, region), { title: titleElement, skipChrome: true });
    let first = all.findIndex((line) => line.title);
    while (first > 0 && parseSeriesLine(all[first - 1]!.text)) first -= 1;
    lines = all.slice(Math.max(first, 0)).filter((line) => line.offset < endOf(region));
  }
  if (!titleElement) {
    const fallback = metaContent(document, 'og:title', 'articletitle', 'title') ?? pageTitle(document);
    // The region may open with the title in a plain paragraph; then that line is the title.
    const opening = lines.find((line) => line.text === fallback);
    if (opening) opening.title = true;
    else if (fallback) lines.unshift({ text: fallback, title: true, offset: 0 });
  }
  const crumbs = breadcrumbLine(body);
  if (crumbs && !lines.some((line) => line.text === crumbs)) lines.unshift({ text: crumbs, offset: 0 });

  const page = parsePortalLines(lines);
  // The disclaimer often stands in the page's footer, outside the article region.
  const originalPath =
    page.originalPath ?? render(body, { skipChrome: false }).map((line) => disclaimerAddress(line.text)).find((address) => address !== null) ?? null;
  const time = [...elements(lowestCommonAncestor(titleElement ?? region, region))].find(
    (element) => element.tagName === 'time' && attr(element, 'datetime'),
  );
  const published =
    metaContent(document, 'pubdate', 'publishdate', 'article:published_time', 'og:article:published_time', 'dc.date', 'dc.date.created', 'datepublished', 'firstpublishedtime') ??
    (time ? attr(time, 'datetime') : null);
  const keywords = metaContent(document, 'keywords');
  const canonical = [...elements(document)].find((element) => element.tagName === 'link' && attr(element, 'rel')?.toLowerCase() === 'canonical');
  return {
    ...page,
    originalPath,
    publishedAt: (published ? parsePortalDate(published) : null) ?? page.publishedAt,
    siteName: metaContent(document, 'og:site_name', 'sitename', 'site_name'),
    language: htmlElement ? attr(htmlElement, 'lang') : null,
    tags: keywords ? [...new Set(keywords.split(/[,，;；、\s]+/).map((tag) => tag.trim()).filter(Boolean))].slice(0, 20) : [],
    canonicalUrl: (canonical && attr(canonical, 'href')) || metaContent(document, 'og:url'),
  };
}

// <title>乘风破浪…_六盘水市人民检察院</title>: the part before the site's name.
function pageTitle(document: Node): string | null {
  const title = [...elements(document)].find((element) => element.tagName === 'title');
  const text = title ? textOf(title).trim() : '';
  return text.split(/\s*(?:_|\s[-|–—]\s|——)\s*/)[0]?.trim() || null;
}
