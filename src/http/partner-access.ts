import { createHash } from 'node:crypto';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type Plugin, type YogaServerOptions } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { presentedCredential } from '../auth/keys.js';
import { peekRequestViewer, requestViewer } from '../auth/credentials.js';
import type { Viewer } from '../auth/viewer.js';

// What a partner key may do at the HTTP level: per-key origins (CORS) and persisted operations by hash.
//
// The viewer is resolved once per request (requestViewer keeps it per Request object): the first
// hook that needs it (the origin check below, or the response cache's session) looks the key up,
// and every later one, createContext and the CORS headers included, reuses that lookup.

type CorsOption = NonNullable<YogaServerOptions<object, object>['cors']>;

/** How long a shared cache (CDN) or browser may keep a trusted document's answer. */
export const TRUSTED_DOCUMENT_MAX_AGE_S = 60;

/** The viewer of a request, or null when its credential is refused (createContext answers 401). */
async function viewerOrNull(prisma: PrismaClient, request: Request): Promise<Viewer | null> {
  try {
    return await requestViewer(prisma, request);
  } catch {
    return null;
  }
}

/**
 * Yoga's `cors` option as a function of the request. A partner key's `allowedOrigins` decide:
 * an Origin on the list is echoed back, any other gets no CORS headers at all (and the request
 * itself was refused with 403 `FORBIDDEN_ORIGIN`). Everyone else (anonymous callers, editors and
 * admins, and refused requests whose credential was never looked up) keeps yoga's default, which
 * echoes the request's Origin: the API serves public content to any page, and staff tokens are
 * not browser credentials (no cookies are read). Browsers may read the cost and rate-limit headers.
 */
export function partnerCors(exposedHeaders: string[]): CorsOption {
  return async (request) => {
    const origin = request.headers.get('origin');
    const viewer = origin ? await peekRequestViewer(request) : null;
    if (viewer?.kind === 'partner' || viewer?.kind === 'embed') {
      return origin && viewer.allowedOrigins.includes(origin) ? { origin, exposedHeaders } : false;
    }
    return { exposedHeaders };
  };
}

/** The `sha256Hash` of a GET request's `extensions.persistedQuery`, when it has no query text. */
export function persistedQueryHashOfGet(request: Request): string | null {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.searchParams.has('query')) return null;
  const extensions = url.searchParams.get('extensions');
  if (!extensions) return null;
  try {
    const hash = (JSON.parse(extensions) as { persistedQuery?: { sha256Hash?: unknown } })?.persistedQuery?.sha256Hash;
    return typeof hash === 'string' ? hash : null;
  } catch {
    return null;
  }
}

/**
 * Refuses a partner or embed key used from a browser Origin not on its list: 403
 * `FORBIDDEN_ORIGIN`, before anything is parsed or executed. A request without an Origin (server
 * to server) passes.
 */
function useAllowedOrigins(prisma: PrismaClient): Plugin {
  return {
    async onParams({ request }) {
      const origin = request.headers.get('origin');
      if (!origin || presentedCredential(request).kind === 'none') return;
      const viewer = await viewerOrNull(prisma, request);
      if ((viewer?.kind === 'partner' || viewer?.kind === 'embed') && !viewer.allowedOrigins.includes(origin)) {
        throw createGraphQLError(`This API key may not be used from the origin ${origin}`, {
          extensions: { code: 'FORBIDDEN_ORIGIN', http: { status: 403 } },
        });
      }
    },
  };
}

/**
 * An embed key is public (it sits in partner pages' HTML), so it may run the embed cards'
 * documents and nothing else: not another trusted document, not a query of its own, never a
 * mutation. Anything else is 403 `EMBED_KEY_CARDS_ONLY`, before it is parsed.
 */
function useEmbedKeyDocuments(prisma: PrismaClient, embedDocumentHashes: ReadonlySet<string>): Plugin {
  return {
    async onParams({ request, params }) {
      if (presentedCredential(request).kind === 'none') return;
      const viewer = await viewerOrNull(prisma, request);
      if (viewer?.kind !== 'embed') return;
      const hash = (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      if (params.query || typeof hash !== 'string' || !embedDocumentHashes.has(hash)) {
        throw createGraphQLError('An embed key runs only the embed cards (/embed/…, /oembed); use a partner API key for the API', {
          extensions: { code: 'EMBED_KEY_CARDS_ONLY', http: { status: 403 } },
        });
      }
    },
  };
}

/**
 * Cache headers for a trusted document sent as GET: `Cache-Control: public` for anonymous callers
 * (a CDN may share the answer), `private` with a credential, both for TRUSTED_DOCUMENT_MAX_AGE_S;
 * and a weak ETag of the body (unless the response cache set one), answered with 304 when the
 * client's `If-None-Match` matches.
 */
function useTrustedDocumentCaching(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (response.status !== 200 || !persistedQueryHashOfGet(request)) return;
      const body = await response.clone().text();
      if (body.includes('"errors"')) return;
      const scope = presentedCredential(request).kind === 'none' ? 'public' : 'private';
      response.headers.set('cache-control', `${scope}, max-age=${TRUSTED_DOCUMENT_MAX_AGE_S}`);
      let etag = response.headers.get('etag');
      if (!etag) {
        etag = `W/"${createHash('sha256').update(body).digest('base64url')}"`;
        response.headers.set('etag', etag);
      }
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
        const headers = new fetchAPI.Headers(response.headers);
        headers.delete('content-length');
        headers.delete('content-type');
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      }
    },
  };
}

/**
 * Per-key origins and trusted documents. `trustedDocuments` maps a sha256 hash to the document
 * text (trusted-documents.json). Any caller may send a trusted document by hash; a partner key
 * with `trustedDocumentsOnly` may send nothing else (403 `PERSISTED_QUERY_ONLY`), and an embed key
 * only the hashes in `embedDocumentHashes` (403 `EMBED_KEY_CARDS_ONLY`). An unknown hash gets 404
 * `PERSISTED_QUERY_NOT_FOUND`.
 */
export function usePartnerAccess({
  prisma,
  trustedDocuments,
  embedDocumentHashes,
}: {
  prisma: PrismaClient;
  trustedDocuments: ReadonlyMap<string, string>;
  embedDocumentHashes: ReadonlySet<string>;
}): Plugin[] {
  return [
    useAllowedOrigins(prisma),
    useEmbedKeyDocuments(prisma, embedDocumentHashes),
    usePersistedOperations({
      getPersistedOperation: (hash) => trustedDocuments.get(hash) ?? null,
      // A refused credential passes here: createContext answers it with 401 UNAUTHENTICATED.
      allowArbitraryOperations: async (request) => !(await viewerOrNull(prisma, request))?.trustedDocumentsOnly,
      customErrors: {
        notFound: {
          message: 'No trusted document has this sha256Hash; see trusted-documents.json',
          extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } },
        },
        persistedQueryOnly: {
          message:
            'This API key may only send trusted documents: a GET with extensions={"persistedQuery":{"version":1,"sha256Hash":"…"}} and no query text',
          extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 403 } },
        },
        keyNotFound: {
          message: 'Send a query, or a trusted document as extensions.persistedQuery.sha256Hash',
          extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
        },
      },
    }) as Plugin,
    useTrustedDocumentCaching(),
  ];
}
