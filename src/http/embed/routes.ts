import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { isOrigin, peekRequestViewer, requestViewer } from '../../auth/credentials.js';
import type { Viewer } from '../../auth/viewer.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { log } from '../../observability/log.js';
import type { EmbedReadContext } from '../rate-limit.js';
import {
  CARD_SCRIPT_SOURCE,
  CARD_STYLE_SOURCE,
  renderArticleCard,
  renderErrorCard,
  renderOrganizationCard,
  renderSeriesCard,
  type ArticleCardData,
  type CardKind,
  type OrganizationCardData,
  type SeriesCardData,
  type Theme,
} from './cards.js';
import {
  BadEmbedRequest,
  cardUrl,
  DEFAULT_SIZE,
  embedHtml,
  isSlug,
  MAX_URL_LENGTH,
  OEMBED_CACHE_AGE_S,
  oembedUrl,
  parseCardPath,
  parseOembedRequest,
  parseTheme,
  singleParam,
} from './oembed.js';

// The embed routes, served in front of the GraphQL endpoint (a yoga plugin's onRequest):
//
//   GET /embed/article/:slug, /embed/organization/:slug, /embed/series/:slug   ?key=&theme=
//   GET /oembed?url=<card URL>&format=json&maxwidth=&maxheight=&key=
//
// A card's data is read through the GraphQL layer itself: the route sends the card's trusted
// document by hash (src/http/trusted-documents/embed.graphql) as a GET to this same server, with
// the embed key as its credential. So visibility, a key's subtree scope, the rate limit, the
// response cache and its invalidation on writes apply exactly as to any partner read. The viewer
// is looked up once: the inner request is the object whose viewer the route asks for first.

/** The cards' CSP except frame-ancestors: inline style and script by hash, nothing else at all. */
const CARD_CSP = `default-src 'none'; style-src ${CARD_STYLE_SOURCE}; script-src ${CARD_SCRIPT_SOURCE}; base-uri 'none'; form-action 'none'`;
/**
 * A card's Cache-Control: any cache may keep it, but must ask again (If-None-Match) before using it,
 * so that an edit or a revoked key shows at the next view; an unchanged card costs a 304.
 */
export const CARD_CACHE_CONTROL = 'public, no-cache';
export const PROVIDER_NAME = '内容联邦 · Content federation API';

const ROOT_FIELD: Record<CardKind, 'article' | 'organization' | 'series'> = {
  article: 'article',
  organization: 'organization',
  series: 'series',
};
const DOCUMENT: Record<CardKind, string> = {
  article: 'EmbedArticleCard',
  organization: 'EmbedOrganizationCard',
  series: 'EmbedSeriesCard',
};

/** Something that answers a Request as the GraphQL server does (the yoga instance). */
export interface FetchHandler {
  fetch(request: Request, serverContext?: object): Response | Promise<Response>;
}

export interface EmbedOptions {
  prisma: PrismaClient;
  /** The server the cards' documents are sent to: the yoga instance this plugin belongs to. */
  graphql: () => FetchHandler;
  /** The cards' trusted documents, operation name → sha256 hash (loadEmbedDocuments()). */
  embedDocuments: ReadonlyMap<string, string>;
  /**
   * The origin card and oEmbed URLs are built with and oEmbed `url`s must have (PUBLIC_ORIGIN);
   * the request's own origin when unset.
   */
  publicOrigin?: string;
}

/** A refusal or failure, answered as a small error card or oEmbed error JSON. */
class EmbedFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly headline: string,
    message: string,
    /** frame-ancestors of the error card: the key's origins when known. */
    readonly frameAncestors = '*',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type CardData = ArticleCardData | OrganizationCardData | SeriesCardData;

interface CardRead {
  data: CardData;
  viewer: Viewer;
  frameAncestors: string;
}

/** Where a browser says a request comes from: its Origin, else its Referer's origin. */
function requestingOrigins(request: Request): string[] {
  const origins: string[] = [];
  const origin = request.headers.get('origin');
  if (origin) origins.push(origin);
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      origins.push(new URL(referer).origin);
    } catch {
      origins.push(referer);
    }
  }
  return origins;
}

const allowedFrameAncestors = (viewer: Viewer) => viewer.allowedOrigins.filter(isOrigin).join(' ') || "'none'";

/**
 * Reads a card's data through GraphQL, as `key`'s viewer. Refuses a key that is not a valid,
 * current embed key (401, or 403 for another kind of credential), a request from a page whose
 * origin is not on the key's list (403), and answers a missing, draft or out-of-scope item alike
 * (404).
 */
async function readCard(
  options: EmbedOptions,
  request: Request,
  serverContext: object,
  origin: string,
  kind: CardKind,
  slug: string,
  key: string | null,
): Promise<CardRead> {
  // Missing, draft, out of the key's scope or a slug that cannot exist: one answer, word for word.
  const notFound = () => new EmbedFailure(404, 'NOT_FOUND', '找不到这张卡片', `There is no published ${kind} with this slug that this card may show`, frameAncestors);
  let frameAncestors = '*';
  if (!isSlug(slug)) throw notFound();
  const hash = options.embedDocuments.get(DOCUMENT[kind]);
  if (!hash) throw new Error(`trusted-documents.json has no ${DOCUMENT[kind]}: run npm run build:trusted-documents`);
  const params = new URLSearchParams({
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
    variables: JSON.stringify({ slug }),
  });
  const headers = new Headers({ accept: 'application/graphql-response+json' });
  if (key !== null) headers.set('x-api-key', key);
  // The rate limiter reads the client's address from here when it trusts a proxy.
  for (const name of ['x-forwarded-for', 'forwarded']) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const inner = new Request(`${new URL(request.url).origin}/graphql?${params}`, { headers });

  // The read goes first, through the server's rate limits: a forged or revoked key is counted
  // against the failed-authentication limit of the reader's address like on /graphql, and an
  // address past it is refused before the key is looked up (no unlimited scrypt checks here). The
  // key's viewer is then the one the inner request authenticated; nothing is shown before it is checked.
  const readContext: EmbedReadContext = { embedCardRead: true };
  const response = await options.graphql().fetch(inner, Object.assign(Object.create(serverContext), readContext));
  const text = await response.text();
  let body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    body = {};
  }
  const code = body.errors?.[0]?.extensions?.code;
  const viewer = key === null ? await requestViewer(options.prisma, inner) : await peekRequestViewer(inner);
  if (viewer?.kind === 'embed') frameAncestors = allowedFrameAncestors(viewer);
  if (response.status === 429) {
    const retry = response.headers.get('retry-after');
    throw new EmbedFailure(429, 'RATE_LIMITED', '请求过多', body.errors?.[0]?.message ?? 'Too many requests', frameAncestors, retry ? { 'retry-after': retry } : {});
  }
  if (code === 'UNAUTHENTICATED' || (!viewer && response.status === 401)) {
    const reason = (body.errors?.[0]?.message ?? 'The API key or token is not valid').replace(/\.$/, '');
    throw new EmbedFailure(401, 'UNAUTHENTICATED', '嵌入密钥无效', `${reason}. Ask the site for a current embed key.`);
  }
  if (!viewer) {
    log.error({ kind, slug, status: response.status, code }, 'An embed card’s GraphQL read failed before its key was checked');
    throw new EmbedFailure(500, 'INTERNAL_SERVER_ERROR', '卡片暂时无法显示', 'The card could not be read; try again later', frameAncestors);
  }
  if (key !== null && viewer.kind !== 'embed') {
    throw new EmbedFailure(
      403,
      'NOT_AN_EMBED_KEY',
      '这不是嵌入密钥',
      'Only a publishable embed key (npm run keys -- create --kind embed) may be used in a card or oEmbed URL. ' +
        'A partner API key or token is a secret: if it was put in a page, revoke it.',
    );
  }
  if (viewer.kind === 'embed') {
    const foreign = requestingOrigins(request).find((o) => o !== origin && !viewer.allowedOrigins.includes(o));
    if (foreign) {
      throw new EmbedFailure(403, 'FORBIDDEN_ORIGIN', '此网站不能使用这个嵌入密钥', `This embed key may not be used from ${foreign}`, frameAncestors);
    }
  }

  const data = body.data?.[ROOT_FIELD[kind]] as CardData | null | undefined;
  if (data && !body.errors?.length) return { data, viewer, frameAncestors };
  if (code === 'NOT_FOUND') throw notFound();
  log.error({ kind, slug, status: response.status, code }, 'An embed card’s GraphQL read failed');
  throw new EmbedFailure(500, 'INTERNAL_SERVER_ERROR', '卡片暂时无法显示', 'The card could not be read; try again later', frameAncestors);
}

/** A strong ETag of a body: its sha256, so equal bodies, and only those, share one. */
const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

function matches(ifNoneMatch: string | null, etag: string): boolean {
  return !!ifNoneMatch && ifNoneMatch.split(',').some((tag) => ['*', etag, `W/${etag}`].includes(tag.trim()));
}

function htmlResponse(request: Request, status: number, body: string, headers: Record<string, string>): Response {
  return new Response(request.method === 'HEAD' ? null : body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
  });
}

function jsonResponse(request: Request, status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(request.method === 'HEAD' ? null : JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
  });
}

const notAllowed = (request: Request) =>
  jsonResponse(request, 405, { error: { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'Use GET or HEAD' } }, { allow: 'GET, HEAD', 'cache-control': 'no-store' });

function failureCard(request: Request, failure: EmbedFailure, theme: Theme): Response {
  return htmlResponse(request, failure.status, renderErrorCard(failure.status, failure.headline, failure.message, theme), {
    'content-security-policy': `${CARD_CSP}; frame-ancestors ${failure.frameAncestors}`,
    'cache-control': 'no-store',
    ...failure.headers,
  });
}

async function serveCard(options: EmbedOptions, request: Request, serverContext: object, url: URL, kind: CardKind, slug: string) {
  const origin = options.publicOrigin ?? url.origin;
  let theme: Theme = 'auto';
  try {
    if (request.url.length > MAX_URL_LENGTH) throw new EmbedFailure(400, 'BAD_REQUEST', '请求有误', `The URL is longer than ${MAX_URL_LENGTH} characters`);
    try {
      theme = parseTheme(singleParam(url.searchParams, 'theme'));
    } catch (error) {
      throw new EmbedFailure(400, 'BAD_REQUEST', '请求有误', (error as Error).message);
    }
    const key = singleParam(url.searchParams, 'key');
    if (key === null) throw new EmbedFailure(400, 'BAD_REQUEST', '请求有误', 'key is given more than once');
    const { data, frameAncestors } = await readCard(options, request, serverContext, origin, kind, slug, key ?? null);
    const render = { theme, oembedUrl: oembedUrl(origin, kind, slug, { key, theme }), providerName: PROVIDER_NAME };
    const html =
      kind === 'article'
        ? renderArticleCard(data as ArticleCardData, render)
        : kind === 'organization'
          ? renderOrganizationCard(data as OrganizationCardData, render)
          : renderSeriesCard(data as SeriesCardData, render);
    const etag = etagOf(html);
    const headers = {
      'content-security-policy': `${CARD_CSP}; frame-ancestors ${frameAncestors}`,
      'cache-control': CARD_CACHE_CONTROL,
      etag,
    };
    if (matches(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
    return htmlResponse(request, 200, html, headers);
  } catch (error) {
    if (error instanceof EmbedFailure) return failureCard(request, error, theme);
    throw error;
  }
}

async function serveOembed(options: EmbedOptions, request: Request, serverContext: object, url: URL) {
  const origin = options.publicOrigin ?? url.origin;
  const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    jsonResponse(request, status, { error: { status, code, message } }, { 'cache-control': 'no-store', ...headers });
  let parsed;
  try {
    if (request.url.length > 2 * MAX_URL_LENGTH + 512) throw new BadEmbedRequest(400, 'The request URL is too long');
    parsed = parseOembedRequest(url.searchParams, origin);
  } catch (error) {
    if (!(error instanceof BadEmbedRequest)) throw error;
    const code = error.status === 404 ? 'NOT_FOUND' : error.status === 501 ? 'NOT_IMPLEMENTED' : 'BAD_REQUEST';
    return fail(error.status, code, error.message);
  }
  const { kind, slug, theme, key, maxwidth, maxheight } = parsed;
  let read: CardRead;
  try {
    read = await readCard(options, request, serverContext, origin, kind, slug, key);
  } catch (error) {
    if (error instanceof EmbedFailure) return fail(error.status, error.code, error.message, error.headers);
    throw error;
  }
  const [defaultWidth, defaultHeight] = DEFAULT_SIZE[kind];
  const width = Math.min(defaultWidth, maxwidth ?? defaultWidth);
  const height = Math.min(defaultHeight, maxheight ?? defaultHeight);
  const title = kind === 'article' ? (read.data as ArticleCardData).title : kind === 'organization' ? (read.data as OrganizationCardData).name : (read.data as SeriesCardData).title;
  const author =
    kind === 'article'
      ? (read.data as ArticleCardData).attribution
      : kind === 'organization'
        ? (read.data as OrganizationCardData).name
        : (read.data as SeriesCardData).publisher?.name;
  const src = cardUrl(origin, kind, slug, { key, theme });
  return jsonResponse(
    request,
    200,
    {
      type: 'rich',
      version: '1.0',
      title,
      ...(author ? { author_name: author } : {}),
      provider_name: PROVIDER_NAME,
      provider_url: `${origin}/`,
      cache_age: OEMBED_CACHE_AGE_S,
      width,
      height,
      html: embedHtml({ src, origin, title, width, height, maxheight }),
    },
    { 'cache-control': `public, max-age=${OEMBED_CACHE_AGE_S}` },
  );
}

/**
 * The embed cards and the oEmbed endpoint, as a yoga plugin that answers their paths before
 * anything else runs (put it first: the inner GraphQL request is what the rate limiter counts).
 */
export function useEmbedCards(options: EmbedOptions): Plugin {
  if (options.publicOrigin !== undefined && !isOrigin(options.publicOrigin)) {
    throw new Error(`PUBLIC_ORIGIN must be an origin such as https://api.example (no path), not "${options.publicOrigin}"`);
  }
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      const embedPath = url.pathname === '/embed' || url.pathname.startsWith('/embed/');
      if (!embedPath && url.pathname !== '/oembed') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') return endResponse(notAllowed(request));
      const card = embedPath ? parseCardPath(url.pathname) : null;
      if (embedPath && !card) {
        const failure = new EmbedFailure(404, 'NOT_FOUND', '找不到这张卡片', 'Cards are /embed/article/SLUG, /embed/organization/SLUG and /embed/series/SLUG');
        return endResponse(failureCard(request, failure, 'auto'));
      }
      endResponse(
        card
          ? await serveCard(options, request, serverContext ?? {}, url, card.kind, card.slug)
          : await serveOembed(options, request, serverContext ?? {}, url),
      );
    },
  };
}
