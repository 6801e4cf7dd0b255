import { blocksToText, contentHash, type ArticleBlock, type ArticleBlockKind } from '../domain/article-body.js';

// Reads an article page that a news portal served, saved as plain text: breadcrumb, series line,
// title, meta line (date, source), body, a trailing attribution, then the portal's footer. The
// portal's chrome is dropped; everything the author wrote is kept verbatim (only indentation is
// trimmed), so that the same article republished elsewhere hashes the same and citations quote the
// author's words. HTML pages are rendered to lines and read by the same rules (portal-html.ts).

/** The input is not an article page this parser can read. The message says what is missing. */
export class PortalTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortalTextError';
  }
}

/** The series an article belongs to, as its page names it. */
export interface PortalSeries {
  /** The line as printed, e.g. `中国凉都----六盘水检察人系列报道之五十`. */
  line: string;
  /** The series title with its separators normalized to `——`. */
  title: string;
  /** The episode number (之五十 → 50), or null when the line names no episode. */
  episode: number | null;
}

export interface ParsedPortalPage {
  /** Breadcrumb segments, e.g. `['首页', '国内资讯']`; empty when the page has none. */
  breadcrumb: string[];
  /** The section the portal filed the article under: the last specific breadcrumb segment. */
  category: string | null;
  series: PortalSeries | null;
  title: string;
  /** `key: value` lines printed between the title and the body (来源, 作者, 发布时间…). */
  meta: Record<string, string>;
  blocks: ArticleBlock[];
  /** `blocksToText(blocks)`. */
  bodyText: string;
  /** `contentHash(bodyText)`. */
  contentHash: string;
  /** Who the text is credited to, e.g. `凉都检察` from a trailing `(凉都检察)` or `来源:凉都检察`. */
  attribution: string | null;
  /** The page's own address as its reprint disclaimer prints it (a path or a URL). */
  originalPath: string | null;
  /** When the page says it was published (a 发布时间/发布日期/日期 line), else null. */
  publishedAt: Date | null;
  /** The chrome lines that were dropped (breadcrumb, print and font controls, footer, end marks), trimmed. */
  removed: string[];
  /** The footer lines among them: everything from the first footer line (disclaimer, editor, contact) on. */
  footer: string[];
}

/** One line of a page, as the text or HTML reader hands it to `parsePortalLines`. */
export interface PortalLine {
  text: string;
  /** Whether the line was indented in a text page (body lines are; chrome usually is not). */
  indented?: boolean;
  /** The line's 1-based number in the input, for messages. */
  number?: number;
  /** A block kind the markup states (h2 → HEADING, li → LIST_ITEM); otherwise the text decides. */
  kind?: ArticleBlockKind;
  /** The markup says this line is the title (an HTML h1); lines before it that are not header lines are chrome. */
  title?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Numerals

const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 两: 2, 贰: 2, 三: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const LARGE_UNITS: Record<string, number> = { 万: 10_000, 亿: 100_000_000 };
const NUMERAL_CHARS = '0-9０-９零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿';

function toAsciiDigits(text: string): string {
  return text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

/**
 * Reads a Chinese or Arabic numeral: 五十 → 50, 十二 → 12, 一百零三 → 103, 二十 → 20, 50 → 50,
 * and digit-by-digit forms such as 一〇三 → 103. Throws a PortalTextError on anything else.
 */
export function parseChineseNumeral(input: string): number {
  const text = toAsciiDigits(input.trim());
  if (/^\d+$/.test(text)) return Number(text);
  if (!text || ![...text].every((ch) => ch in DIGITS || ch in UNITS || ch in LARGE_UNITS)) {
    throw new PortalTextError(`"${input}" is not a numeral`);
  }
  if (![...text].some((ch) => ch in UNITS || ch in LARGE_UNITS)) {
    return Number([...text].map((ch) => DIGITS[ch]).join(''));
  }
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const ch of text) {
    const d = DIGITS[ch];
    if (d !== undefined) {
      // 一百零三: a 零 only marks a gap; two significant digits in a row (五五十) are not a numeral.
      if (digit !== null && digit !== 0) throw new PortalTextError(`"${input}" is not a numeral`);
      digit = d;
      continue;
    }
    const unit = UNITS[ch];
    if (unit !== undefined) {
      section += (digit ?? 1) * unit;
      digit = null;
      continue;
    }
    total += (section + (digit ?? 0)) * (LARGE_UNITS[ch] ?? 1);
    section = 0;
    digit = null;
  }
  return total + section + (digit ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Series line

// Runs that portals print between the parts of a series title: ----, ——, —, |, :, ：, ·
const SERIES_SEPARATOR = /\s*(?:-{2,}|[—–－―]+|[|｜]|[:：]|[·•・]|\s-\s)\s*/g;
const EPISODE_MARKER = new RegExp(
  `^(.*?)\\s*(?:(之|第)\\s*([${NUMERAL_CHARS}]+)\\s*(?:期|篇|集|回)?|[(（]\\s*([${NUMERAL_CHARS}]+)\\s*[)）])$`,
);
const SERIES_WORDS = /系列|专栏|连载|专题/;
const SERIES_WITHOUT_EPISODE = /系列(?:报道|访谈|评论|文章|节目)$/;

/** The series title with the separators portals vary normalized to `——`. */
export function normalizeSeriesTitle(title: string): string {
  return title
    .trim()
    .replace(new RegExp(`^(?:${SERIES_SEPARATOR.source})+|(?:${SERIES_SEPARATOR.source})+$`, 'g'), '')
    .replace(SERIES_SEPARATOR, '——');
}

/** Reads a series line such as `中国凉都----六盘水检察人系列报道之五十`, or returns null. */
export function parseSeriesLine(line: string): PortalSeries | null {
  const text = line.trim();
  const match = EPISODE_MARKER.exec(text);
  if (match) {
    const [, head = '', marker, numeral, bracketed] = match;
    // 第一 ends many ordinary titles (…位列全市第一); only series-like lines carry an episode.
    if (head && (marker === '之' || SERIES_WORDS.test(head))) {
      const title = normalizeSeriesTitle(head);
      if (title) return { line: text, title, episode: parseChineseNumeral((numeral ?? bracketed)!) };
    }
  }
  if (text.length <= 60 && SERIES_WITHOUT_EPISODE.test(text)) {
    return { line: text, title: normalizeSeriesTitle(text), episode: null };
  }
  return null;
}

const TITLE_EPISODE = new RegExp(`(?:之|第)\\s*[${NUMERAL_CHARS}]+\\s*(?:期|篇|集|回)?`, 'g');
const OPEN_BRACKET = /^[【\[〔]/;
const CLOSE_BRACKET = /^\s*[】\]〕]\s*/;
const TITLE_SEPARATOR = new RegExp(`^(?:${SERIES_SEPARATOR.source})`);

/**
 * Splits a series named inside the title off it: `中国凉都——六盘水检察人系列报道之十二：标题`,
 * `【…系列报道之十二】标题` or `标题——…系列报道之十二`. Only a part that names a series (系列, 专栏…)
 * and an episode counts, so that `人生之一` in an ordinary title stays. Returns null when there is none.
 */
export function splitSeriesFromTitle(title: string): { series: PortalSeries; title: string } | null {
  const text = title.trim();
  for (const marker of text.matchAll(TITLE_EPISODE)) {
    const end = marker.index + marker[0].length;
    const head = text.slice(0, end).replace(OPEN_BRACKET, '');
    let rest = text.slice(end);
    const closing = CLOSE_BRACKET.exec(rest);
    const separator = closing ?? TITLE_SEPARATOR.exec(rest);
    if (!separator) continue;
    rest = rest.slice(separator[0].length).replace(TITLE_SEPARATOR, '').trim();
    const series = SERIES_WORDS.test(head) ? parseSeriesLine(head) : null;
    if (series && series.episode !== null && rest) return { series, title: rest };
  }
  // The series after the title: 标题——中国凉都·六盘水检察人系列报道之十二
  for (const separator of text.matchAll(SERIES_SEPARATOR)) {
    const head = text.slice(0, separator.index).trim();
    const tail = text.slice(separator.index + separator[0].length).replace(/[】\]〕]$/, '');
    const series = SERIES_WORDS.test(tail) ? parseSeriesLine(tail) : null;
    if (series && series.episode !== null && head) return { series, title: head.replace(/[【\[〔]$/, '').trim() };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Chrome

const POSITION_PREFIX = /^(?:\d+[.)、]\s*)?(?:当前位置|您的位置|你的位置|您现在的位置(?:是)?|现在位置|所在位置)\s*[:：]\s*/;
const BREADCRUMB = /^(?:\d+[.)、]\s*)?(?:(?:当前位置|您的位置|你的位置|您现在的位置(?:是)?|现在位置|所在位置|位置)\s*[:：]\s*)?(首页|主页|网站首页|home)\s*([>＞›»→/])/i;
const CRUMB_SEPARATOR = /\s*[>＞›»→]\s*/;
const GENERIC_CRUMBS = new Set(['正文', '详情', '内容', '文章', '阅读', '浏览文章', '阅读文章', '查看']);

// 首页 > 国内资讯, and 当前位置：新闻中心 > 检察动态, which names no home page.
function parseBreadcrumb(text: string): string[] | null {
  const match = BREADCRUMB.exec(text);
  if (match) {
    const [prefix, home, separator] = match as unknown as [string, string, string];
    const rest = text.slice(match.index + prefix.length).split(separator);
    return [home, ...rest.map((crumb) => crumb.trim()).filter(Boolean)];
  }
  const position = POSITION_PREFIX.exec(text);
  if (!position || text.length > 120) return null;
  return text.slice(position[0].length).split(CRUMB_SEPARATOR).map((crumb) => crumb.trim()).filter(Boolean);
}

const DISCLAIMER = /本文(?:采摘|摘自|转载|来源)于?网络|不代表本站(?:立场|观点)|转载[^。]*注明出处/;
const DISCLAIMER_ADDRESS = /(?:出处|原文|链接|地址|网址)\s*[:：]\s*(\S+)\s*$|(https?:\/\/\S+|\/\S+\.s?html?)\s*$/i;

/** The address a reprint disclaimer line prints (`…注明出处:/showinfo-2-10183-0.html`), or null. */
export function disclaimerAddress(line: string): string | null {
  if (!DISCLAIMER.test(line)) return null;
  const address = DISCLAIMER_ADDRESS.exec(line.trim());
  return address ? (address[1] ?? address[2] ?? null) : null;
}

// Lines that start the portal's footer: everything from the first of them on is dropped.
const FOOTER = [
  DISCLAIMER,
  /^联系我们$/,
  /^在线(?:咨询|客服)/,
  /点击这里给我发消息/,
  /^(?:版权所有|copyright\b|©)/i,
  /^(?:上一篇|下一篇)\s*[:：]/,
  /^[(（【\[]?\s*(?:责任编辑|编辑|审核|校对|初审|复审|终审|审校|编审|值班编辑)\s*[:：]/,
  /^(?:分享到|扫一扫|返回顶部|打印本页|关闭窗口|【?关闭】?$)/,
  /^(?:相关(?:文章|阅读|推荐|新闻|链接)|热门(?:文章|推荐))$/,
  /^(?:联系电话|联系方式|电子邮箱|传真|主办单位|承办单位|技术支持|网站标识码)\s*[:：]/,
  /ICP备\s*\d|公网安备\s*\d/,
];

// Controls printed as text, dropped wherever they stand: 【打印本页】【关闭窗口】, 字体：大 中 小.
const CONTROL = String.raw`(?:打印(?:本页|此文|正文)?|关闭(?:窗口|本页)?|收藏(?:本页)?|加入收藏|返回顶部|分享|字体\s*[:：]?\s*(?:大|中|小|\s)*|字号\s*[:：]?\s*(?:大|中|小|\s)*|[大中小])`;
const CONTROLS = new RegExp(String.raw`[【\[]\s*${CONTROL}\s*[】\]]|(?:^|\s)字体\s*[:：]\s*大\s*中\s*小(?=\s|$)`, 'g');
const CONTROL_LINE = new RegExp(
  String.raw`^(?:(?:[【\[]\s*${CONTROL}\s*[】\]]|字体\s*[:：]\s*大\s*中\s*小|打印本页|关闭窗口|打印|关闭|返回顶部)\s*)+$`,
);

const META_KEYS =
  '发布时间|发布日期|发表时间|更新时间|时间|日期|来源|文章来源|信息来源|稿件来源|作者|发布者|发布人|编辑|责任编辑|浏览次数|阅读次数|浏览量|阅读量|访问量|点击量|点击数|点击';
const META_VALUE = String.raw`(?:\d{4}年\d{1,2}月\d{1,2}日|\S+)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?`;
const META_LINE = new RegExp(`^(?:(?:${META_KEYS})\\s*[:：]\\s*${META_VALUE}\\s*)+$`);
const META_PAIR = new RegExp(`(${META_KEYS})\\s*[:：]\\s*(${META_VALUE})`, 'g');

function parseMeta(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(META_PAIR)].map((m) => [m[1]!, m[2]!]));
}

const LEADING_DATE = /^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)(?=\s|$)\s*/;

// A meta line, with the portal's font and print controls in it (发布时间：… 来源：… 【字体：大 中 小】),
// or opening with a bare date (2023年3月15日 09:30 来源：石岭检察), or only a date.
function metaLine(text: string): Record<string, string> | null {
  // Meta lines are short; a paragraph that happens to open with 时间： is prose.
  if (text.length > 160) return null;
  let stripped = text.replace(CONTROLS, ' ').trim();
  const pairs: Record<string, string> = {};
  const date = LEADING_DATE.exec(stripped);
  if (date) {
    pairs['日期'] = date[1]!;
    stripped = stripped.slice(date[0].length);
  }
  if (!stripped) return date ? pairs : null;
  return META_LINE.test(stripped) ? { ...pairs, ...parseMeta(stripped) } : null;
}

const SOURCE_KEYS = ['来源', '文章来源', '信息来源', '稿件来源'] as const;
const DATE_KEYS = ['发布时间', '发布日期', '发表时间', '日期', '时间', '更新时间'] as const;

// ---------------------------------------------------------------------------------------------
// Dates

const DATE_TIME =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})\s*[:时]\s*(\d{2})\s*分?(?:\s*:?\s*(\d{2})\s*秒?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads a publication date as portals print it: `2022-11-02`, `2022-11-02 10:00[:00]`,
 * `2022/11/02`, `2022.11.02`, `2022年11月2日 10:00`, `2022年11月2日10时05分`, ISO 8601 with an offset. A time without a
 * zone is China Standard Time (UTC+08:00, Asia/Shanghai has no daylight saving since 1991); a date
 * without a time is midnight there. Returns null for anything else or an impossible date.
 */
export function parsePortalDate(input: string): Date | null {
  const match = DATE_TIME.exec(input.trim());
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', zone] = match as unknown as string[];
  const pad = (value: string | undefined) => value!.padStart(2, '0');
  const offset = !zone ? '+08:00' : zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${offset}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // new Date rolls 2022-02-30 over to March; a printed date that does not exist is not a date.
  const local = new Date(date.getTime() + 8 * 3_600_000);
  if (!zone && (local.getUTCMonth() + 1 !== Number(month) || local.getUTCDate() !== Number(day))) return null;
  if (Number(month) > 12 || Number(day) > 31 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  return date;
}

// ---------------------------------------------------------------------------------------------
// Attribution

// A credit in brackets closing the last paragraph: …检察业绩。(凉都检察). It must follow the end of a
// sentence, so that a closing citation such as …的意见》(国发〔2022〕2号) is left alone.
const TRAILING_CREDIT = /(?<=[。！？!?”」』…])\s*[(（]\s*(?:来源\s*[:：]\s*)?([^()（）。，,;；\n]{1,40}?)\s*[)）]$/;
const CREDIT_LINE = /^(?:[(（]\s*(?:来源\s*[:：]\s*)?([^()（）。，,;；]{1,40}?)\s*[)）]|(?:来源|文章来源|稿件来源|信息来源|稿源)\s*[:：]\s*(.{1,60}?))$/;

const END_MARK = /^(?:完|全文完|终|end)$/i;

/** Removes the trailing credit (and any 完 end mark) from the body lines and returns the credit. */
function takeAttribution(body: string[], removed: string[]): string | null {
  while (body.length > 1) {
    const line = CREDIT_LINE.exec(body[body.length - 1]!);
    if (!line) break;
    body.pop();
    const credit = (line[1] ?? line[2])!.trim();
    if (!END_MARK.test(credit)) return credit;
    removed.push(line[0]);
  }
  while (body.length) {
    const last = body[body.length - 1]!;
    const suffix = TRAILING_CREDIT.exec(last);
    if (!suffix) break;
    body[body.length - 1] = last.slice(0, suffix.index).replace(PADDING, '');
    const credit = suffix[1]!.trim();
    if (!END_MARK.test(credit)) return credit;
    removed.push(suffix[0].trim());
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Blocks

const ELLIPSIS_LINE = /^(?:…+|\.{3,}|。{3,}|·{3,})$/;
const LIST_ITEM_END = /[;；]$/;
const BULLET = /^(?:[•●▪◆■◇□○]|[-*]\s)/;
const NUMBERED_HEADING = /^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[部章节篇])/;
const INNER_PUNCTUATION = /[,，;；、:：]/;
const SENTENCE_ENDS = /[。！？!?]/g;

// A short standalone line with at most one sentence, such as 思想“破旧立新”。
function isHeading(text: string): boolean {
  const numbered = NUMBERED_HEADING.test(text);
  if (text.length > (numbered ? 40 : 24) || INNER_PUNCTUATION.test(text.replace(NUMBERED_HEADING, ''))) return false;
  const ends = text.match(SENTENCE_ENDS) ?? [];
  return ends.length === 0 || (ends.length === 1 && /[。！？!?]$/.test(text));
}

function classify(text: string, previous: ArticleBlockKind | undefined, next: string | undefined): ArticleBlockKind {
  // An ellipsis after a list says the list goes on; it belongs to the list.
  if (ELLIPSIS_LINE.test(text)) return previous === 'LIST_ITEM' ? 'LIST_ITEM' : 'PARAGRAPH';
  if (LIST_ITEM_END.test(text) || BULLET.test(text)) return 'LIST_ITEM';
  // A heading introduces something longer; a short line at the end or before a short line is prose.
  if (next !== undefined && next.length > 2 * text.length && isHeading(text)) return 'HEADING';
  return 'PARAGRAPH';
}

// ---------------------------------------------------------------------------------------------
// Page

// Indentation and the blank lines portals pad with: spaces, U+3000, nbsp, zero-width characters.
const PADDING = /^[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+|[\s\u00a0\u3000\u200b\u200c\u200d\ufeff]+$/g;

function quote(text: string): string {
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}…` : text);
}

function looksLikeTitle(line: PortalLine): boolean {
  return line.title === true || (!line.indented && line.text.length <= 120 && !/[。;；,，:：]$/.test(line.text));
}

function isFooter(text: string): boolean {
  return FOOTER.some((pattern) => pattern.test(text));
}

/** Splits a page saved as plain text into the lines `parsePortalLines` reads. */
export function textToLines(text: string): PortalLine[] {
  return text
    .replace(/^\ufeff/, '')
    .split(/\r\n|\r|\n/)
    .map((raw, index) => ({
      text: raw.replace(PADDING, ''),
      indented: /^[ \t\u3000\u00a0]/.test(raw),
      number: index + 1,
    }));
}

/**
 * Parses a portal article page saved as plain text.
 * @throws PortalTextError when the page is empty, has no title, or has no body.
 */
export function parsePortalText(text: string): ParsedPortalPage {
  return parsePortalLines(textToLines(text));
}

/**
 * Parses a portal article page given as lines: a text page's lines, or the lines an HTML page's
 * article region renders to (`portal-html.ts`), so that both kinds of page follow the same rules.
 * @throws PortalTextError when the page is empty, has no title, or has no body.
 */
export function parsePortalLines(input: readonly PortalLine[]): ParsedPortalPage {
  const lines = input
    .map((line, index) => ({ ...line, text: line.text.replace(PADDING, ''), number: line.number ?? index + 1 }))
    .filter((line) => line.text !== '');
  if (lines.length === 0) throw new PortalTextError('The page is empty: it has no line with any text');

  const removed: string[] = [];
  let breadcrumb: string[] = [];
  let series: PortalSeries | null = null;
  let title: string | null = null;
  const meta: Record<string, string> = {};
  const markedTitle = lines.findIndex((line) => line.title);
  let at = 0;

  // Header: breadcrumb, series line and meta lines in any order, then the title, which a
  // subtitle-style series line or meta lines may follow.
  for (; at < lines.length; at++) {
    const line = lines[at]!;
    const crumbs = breadcrumb.length ? null : parseBreadcrumb(line.text);
    if (crumbs) {
      breadcrumb = crumbs;
      removed.push(line.text);
      continue;
    }
    const seriesLine: PortalSeries | null = series || line.title ? null : parseSeriesLine(line.text);
    if (seriesLine) {
      series = seriesLine;
      continue;
    }
    const pairs = line.title ? null : metaLine(line.text);
    if (pairs) {
      Object.assign(meta, pairs);
      continue;
    }
    if (CONTROL_LINE.test(line.text)) {
      removed.push(line.text);
      continue;
    }
    if (title !== null) break;
    // Markup named the title: whatever stands before it and is not a header line is chrome.
    if (markedTitle > at) {
      removed.push(line.text);
      continue;
    }
    if (!looksLikeTitle(line) || isFooter(line.text)) {
      throw new PortalTextError(
        `The page has no title: expected a title line before the body, found ${quote(line.text)} on line ${line.number}`,
      );
    }
    title = line.text;
  }
  if (title === null) throw new PortalTextError('The page has no title: no line after the header could be one');
  if (series === null) {
    const split = splitSeriesFromTitle(title);
    if (split) ({ series, title } = split);
  }

  // Body, up to the first line of the portal's footer; the footer is dropped whole.
  const footerAt = lines.findIndex((line, index) => index >= at && isFooter(line.text));
  const body: PortalLine[] = [];
  for (const line of lines.slice(at, footerAt === -1 ? lines.length : footerAt)) {
    if (CONTROL_LINE.test(line.text)) removed.push(line.text);
    else body.push(line);
  }
  const footer = footerAt === -1 ? [] : lines.slice(footerAt).map((line) => line.text);
  let originalPath: string | null = null;
  for (const line of footer) {
    removed.push(line);
    originalPath ??= disclaimerAddress(line);
  }

  const texts = body.map((line) => line.text);
  let attribution = takeAttribution(texts, removed);
  // takeAttribution may shorten or drop trailing lines; the kinds markup stated stay with their lines.
  const kept = body.slice(0, texts.length);
  attribution ??= sourceFromMeta(meta) ?? creditInFooter(footer);
  if (kept.length === 0) throw new PortalTextError(`The page has no body: nothing follows the title ${quote(title)}`);

  const blocks: ArticleBlock[] = [];
  kept.forEach((line, index) => {
    const text = texts[index]!;
    const kind = line.kind ?? classify(text, blocks[blocks.length - 1]?.kind, texts[index + 1]);
    if (text) blocks.push({ kind, text });
  });
  const bodyText = blocksToText(blocks);

  const specific = breadcrumb.slice(1).filter((crumb) => !GENERIC_CRUMBS.has(crumb));
  return {
    breadcrumb,
    category: specific[specific.length - 1] ?? null,
    series,
    title,
    meta,
    blocks,
    bodyText,
    contentHash: contentHash(bodyText),
    attribution,
    originalPath,
    publishedAt: dateFromMeta(meta),
    removed,
    footer,
  };
}

function sourceFromMeta(meta: Record<string, string>): string | null {
  for (const key of SOURCE_KEYS) if (meta[key]) return meta[key];
  return null;
}

function dateFromMeta(meta: Record<string, string>): Date | null {
  for (const key of DATE_KEYS) {
    const date = meta[key] ? parsePortalDate(meta[key]) : null;
    if (date) return date;
  }
  return null;
}

// A 来源: line that a footer carries below the editor line.
function creditInFooter(footer: readonly string[]): string | null {
  for (const line of footer) {
    const credit = /^(?:来源|文章来源|稿件来源|信息来源|稿源)\s*[:：]\s*(.{1,60}?)$/.exec(line);
    if (credit) return credit[1]!.trim();
  }
  return null;
}
