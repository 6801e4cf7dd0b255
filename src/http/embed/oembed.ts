import { randomBytes } from 'node:crypto';
import { escapeHtml, scriptLiteral } from './html.js';
import { THEMES, type CardKind, type Theme } from './cards.js';

// oEmbed 1.0 (https://oembed.com), JSON only: `GET /oembed?url=<card URL>&format=json&maxwidth=&maxheight=`
// answers `type: "rich"` with an `html` that frames the card in a sandboxed iframe and listens for
// the card's height, as WordPress' embeds do: the iframe's URL fragment carries a per-embed secret,
// and the listener takes a height only from a message whose origin is the service, whose source is
// that very iframe, and which carries its secret.

/** The longest `url` (and card URL) accepted: longer is 400. */
export const MAX_URL_LENGTH = 2048;
/** How long a consumer may keep an oEmbed answer (its `cache_age`, and its Cache-Control). */
export const OEMBED_CACHE_AGE_S = 3600;
/** The iframe's size before the card reports its own height, by card kind: [width, height]. */
export const DEFAULT_SIZE: Record<CardKind, [number, number]> = {
  article: [560, 300],
  organization: [560, 520],
  series: [560, 520],
};
/** The tallest the listener lets the iframe grow when no maxheight was asked for. */
const MAX_RESIZE_HEIGHT = 4000;

const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;

/** A card a path names, or null for any other path. A slug that cannot exist is still a card (404). */
export function parseCardPath(pathname: string): { kind: CardKind; slug: string } | null {
  const match = /^\/embed\/(article|organization|series)\/([^/]+)$/.exec(pathname);
  if (!match) return null;
  let slug: string;
  try {
    slug = decodeURIComponent(match[2]!);
  } catch {
    slug = '';
  }
  return { kind: match[1] as CardKind, slug };
}

/** Whether a slug is well-formed; one that is not is answered as a missing card without a query. */
export const isSlug = (slug: string) => SLUG.test(slug);

/** A request's query parameter given at most once: undefined when absent, null when repeated. */
export function singleParam(params: URLSearchParams, name: string): string | undefined | null {
  const values = params.getAll(name);
  return values.length > 1 ? null : values[0];
}

export class BadEmbedRequest extends Error {
  constructor(
    readonly status: 400 | 404 | 501,
    message: string,
  ) {
    super(message);
  }
}

/** A card's URL: the service's origin, the card's path, its key and its theme (auto is left out). */
export function cardUrl(origin: string, kind: CardKind, slug: string, { key, theme }: { key?: string | null; theme: Theme }) {
  const params = new URLSearchParams();
  if (key) params.set('key', key);
  if (theme !== 'auto') params.set('theme', theme);
  const query = params.toString();
  return `${origin}/embed/${kind}/${encodeURIComponent(slug)}${query ? `?${query}` : ''}`;
}

/** The oEmbed URL a card page names in its discovery `<link>`. */
export function oembedUrl(origin: string, kind: CardKind, slug: string, { key, theme }: { key?: string | null; theme: Theme }) {
  const params = new URLSearchParams({ url: cardUrl(origin, kind, slug, { theme }), format: 'json' });
  if (key) params.set('key', key);
  return `${origin}/oembed?${params}`;
}

/** The theme parameter: light, dark or auto (the default, following the reader's system). */
export function parseTheme(value: string | undefined | null): Theme {
  if (value === null) throw new BadEmbedRequest(400, 'theme is given more than once');
  if (value === undefined || value === '') return 'auto';
  if (!(THEMES as readonly string[]).includes(value)) throw new BadEmbedRequest(400, 'theme must be light, dark or auto');
  return value as Theme;
}

function parseDimension(params: URLSearchParams, name: string): number | null {
  const value = singleParam(params, name);
  if (value === undefined) return null;
  if (value === null || !/^[1-9][0-9]{0,4}$/.test(value)) {
    throw new BadEmbedRequest(400, `${name} must be a whole number of pixels from 1 to 99999`);
  }
  return Number(value);
}

export interface OembedRequest {
  kind: CardKind;
  slug: string;
  theme: Theme;
  key: string | null;
  maxwidth: number | null;
  maxheight: number | null;
}

/**
 * Reads an oEmbed request. 400 for a malformed one (no url, a url that is not a URL or is too
 * long, a bad maxwidth or maxheight, two different keys), 501 for `format=xml`, 404 for a url that
 * is not one of this service's card URLs.
 */
export function parseOembedRequest(params: URLSearchParams, origin: string): OembedRequest {
  const format = singleParam(params, 'format');
  if (format === 'xml') throw new BadEmbedRequest(501, 'Only format=json is implemented');
  if (format === null || (format !== undefined && format !== 'json')) throw new BadEmbedRequest(400, 'format must be json');
  const url = singleParam(params, 'url');
  if (url === undefined || url === '') throw new BadEmbedRequest(400, 'url is required: the URL of a card, such as /embed/article/SLUG');
  if (url === null) throw new BadEmbedRequest(400, 'url is given more than once');
  if (url.length > MAX_URL_LENGTH) throw new BadEmbedRequest(400, `url is longer than ${MAX_URL_LENGTH} characters`);
  const maxwidth = parseDimension(params, 'maxwidth');
  const maxheight = parseDimension(params, 'maxheight');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new BadEmbedRequest(400, 'url is not an absolute URL');
  }
  const card = target.origin === origin ? parseCardPath(target.pathname) : null;
  if (!card || !isSlug(card.slug)) throw new BadEmbedRequest(404, `url is not a card of this service (${origin}/embed/…)`);
  const theme = parseTheme(singleParam(target.searchParams, 'theme'));
  const keys = [singleParam(params, 'key'), singleParam(target.searchParams, 'key')];
  if (keys.includes(null)) throw new BadEmbedRequest(400, 'key is given more than once');
  const given = [...new Set(keys.filter((k): k is string => k !== undefined))];
  if (given.length > 1) throw new BadEmbedRequest(400, 'The key parameter and the key in url differ');
  return { ...card, theme, key: given[0] ?? null, maxwidth, maxheight };
}

/** The iframe, and the listener that resizes it, that an oEmbed answer hands the consumer. */
export function embedHtml({
  src,
  origin,
  title,
  width,
  height,
  maxheight,
}: {
  src: string;
  origin: string;
  title: string;
  width: number;
  height: number;
  maxheight: number | null;
}): string {
  const secret = randomBytes(12).toString('base64url');
  const listener =
    `(function(o,s,max){addEventListener("message",function(e){var d=e.data;` +
    `if(e.origin!==o||!d||d.type!=="cf-embed:height"||d.secret!==s)return;` +
    `var fs=document.querySelectorAll("iframe[data-cf-embed-secret]");for(var i=0;i<fs.length;i++){var f=fs[i];` +
    `if(f.contentWindow===e.source&&f.getAttribute("data-cf-embed-secret")===s)f.height=String(Math.max(40,Math.min(max,Math.ceil(+d.height)||0)))}})})` +
    `(${scriptLiteral(origin)},${scriptLiteral(secret)},${maxheight ?? MAX_RESIZE_HEIGHT});`;
  return (
    `<iframe src="${escapeHtml(`${src}#secret=${secret}`)}" data-cf-embed-secret="${secret}" width="${width}" height="${height}" ` +
    `title="${escapeHtml(title)}" sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox" ` +
    `referrerpolicy="strict-origin-when-cross-origin" style="border:0;max-width:100%"></iframe>` +
    `<script>${listener}</script>`
  );
}
