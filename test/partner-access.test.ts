import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COST_HEADER } from '../src/http/query-cost.js';
import { RATE_LIMIT_HEADERS } from '../src/http/rate-limit.js';
import { createCredential } from '../src/auth/credentials.js';
import { createResponseCacheStore } from '../src/http/response-cache.js';
import { CSRF_HEADER } from '../src/http/request-guards.js';
import { schema } from '../src/schema/index.js';
import {
  buildTrustedDocuments,
  documentHash,
  serializeTrustedDocuments,
  type TrustedDocumentsManifest,
} from '../src/http/trusted-documents.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createArticle, createSeries } from './support/factory.js';
import { databaseFingerprint } from './support/fingerprint.js';

const MANIFEST_TEXT = readFileSync(new URL('../trusted-documents.json', import.meta.url), 'utf8');
const MANIFEST = JSON.parse(MANIFEST_TEXT) as TrustedDocumentsManifest;
const hashOf = (name: string) => MANIFEST.operations.find((o) => o.name === name)!.id;

const ALLOWED = 'https://partner.example';
const OTHER = 'https://evil.example';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const VIEWER = '{ viewer { kind name } }';

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

describe('the trusted-documents manifest', () => {
  it('is current: built from the documents in the repository, hashed with sha256', () => {
    expect(serializeTrustedDocuments(buildTrustedDocuments(schema))).toBe(MANIFEST_TEXT);
    for (const operation of MANIFEST.operations) expect(operation.id).toBe(documentHash(operation.body));
    expect(MANIFEST.operations.map((o) => o.name)).toEqual(
      expect.arrayContaining(['OrganizationProfile', 'PartnerViewer', 'BenchQ1', 'BenchQ2', 'BenchQ3', 'BenchQ4']),
    );
    // Reads only: GraphiQL's editor example (a mutation) is left out.
    expect(MANIFEST.operations.every((o) => /^query\b/.test(o.body))).toBe(true);
    expect(MANIFEST.operations.map((o) => o.name)).not.toContain('RenameOrganization');
  });
});

describe.each(testBackends())('partner access on %s', (backend) => {
  let api: TestApi;
  let partner: string;
  let trustedOnly: string;
  let editor: string;
  let articleSlug: string;

  beforeAll(async () => {
    api = await createTestApi(backend);
    const { prisma } = api.db;
    partner = (await createCredential(prisma, { kind: 'PARTNER', name: 'partner site', allowedOrigins: [ALLOWED] })).secret;
    trustedOnly = (
      await createCredential(prisma, { kind: 'PARTNER', name: 'trusted only', allowedOrigins: [ALLOWED], trustedDocumentsOnly: true })
    ).secret;
    editor = (await createCredential(prisma, { kind: 'EDITOR', name: 'an editor' })).secret;
    const series = await createSeries(prisma);
    articleSlug = (await createArticle(prisma, { seriesId: series.id, episode: 1 })).slug;
    // Every key used once (lastUsedAt is written at most once a minute), so the fingerprints below
    // see only what the requests under test change.
    for (const key of [partner, trustedOnly, editor]) await post(VIEWER, { 'x-api-key': key }).catch(() => {});
    await get(hashOf('PartnerViewer'), {}, { 'x-api-key': trustedOnly });
  });
  afterAll(() => api?.close());

  async function post(query: string, headers: Record<string, string> = {}) {
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, ...headers },
      body: JSON.stringify({ query }),
    });
    return answer(response);
  }

  async function get(hash: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const params = new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
      variables: JSON.stringify(variables),
    });
    return answer(await api.yoga.fetch(`http://yoga/graphql?${params}`, { headers: { accept: GRAPHQL_RESPONSE, ...headers } }));
  }

  describe('CORS per key', () => {
    it('echoes an origin on the partner key’s list and exposes the limit headers', async () => {
      const a = await post(VIEWER, { 'x-api-key': partner, origin: ALLOWED });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.data).toEqual({ viewer: { kind: 'PARTNER', name: 'partner site' } });
      expect(a.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      const exposed = a.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
      for (const header of [COST_HEADER, ...RATE_LIMIT_HEADERS]) expect(exposed).toContain(header.toLowerCase());
    });

    it('refuses a partner key from an origin not on its list, with no CORS headers and no change to the database', async () => {
      const before = await databaseFingerprint(api.db.prisma);
      for (const query of [VIEWER, 'mutation { __typename }']) {
        const a = await post(query, { authorization: `Bearer ${partner}`, origin: OTHER });
        expect(a.status, JSON.stringify(a.body)).toBe(403);
        expect(codes(a)).toEqual(['FORBIDDEN_ORIGIN']);
        expect(a.body.data ?? null).toBeNull();
        expect(a.headers.get('access-control-allow-origin')).toBeNull();
      }
      const persisted = await get(hashOf('PartnerViewer'), {}, { 'x-api-key': trustedOnly, origin: OTHER });
      expect(persisted.status).toBe(403);
      expect(codes(persisted)).toEqual(['FORBIDDEN_ORIGIN']);
      expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
    });

    it('serves a partner key without an Origin (server to server)', async () => {
      const a = await post(VIEWER, { 'x-api-key': partner });
      expect(a.status).toBe(200);
      expect(a.body.data?.viewer.kind).toBe('PARTNER');
      expect(a.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('keeps anonymous browser requests open to any origin, and answers preflights', async () => {
      const a = await post(VIEWER, { origin: OTHER });
      expect(a.status).toBe(200);
      expect(a.headers.get('access-control-allow-origin')).toBe(OTHER);
      const preflight = await api.yoga.fetch('http://yoga/graphql', {
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(preflight.headers.get('access-control-allow-headers')).toBe('x-api-key');
    });
  });

  describe('trusted documents', () => {
    it('answers a trusted document by hash as a GET without the CSRF header, cacheable by a CDN, with an ETag', async () => {
      const a = await get(hashOf('PartnerArticle'), { slug: articleSlug }, { origin: OTHER });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.data?.article).toMatchObject({ slug: articleSlug, status: 'PUBLISHED' });
      expect(a.headers.get('cache-control')).toBe('public, max-age=60');
      const etag = a.headers.get('etag');
      expect(etag).toBeTruthy();
      // The same answer has the same ETag; a client holding it gets 304 and no body.
      const again = await get(hashOf('PartnerArticle'), { slug: articleSlug });
      expect(again.headers.get('etag')).toBe(etag);
      const response = await api.yoga.fetch(
        `http://yoga/graphql?${new URLSearchParams({
          extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hashOf('PartnerArticle') } }),
          variables: JSON.stringify({ slug: articleSlug }),
        })}`,
        { headers: { accept: GRAPHQL_RESPONSE, 'if-none-match': etag! } },
      );
      expect(response.status).toBe(304);
      expect(await response.text()).toBe('');
    });

    it('marks answers to a credential private', async () => {
      const a = await get(hashOf('PartnerViewer'), {}, { 'x-api-key': trustedOnly, origin: ALLOWED });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.data).toEqual({ viewer: { kind: 'PARTNER', name: 'trusted only' } });
      expect(a.headers.get('cache-control')).toBe('private, max-age=60');
      expect(a.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    });

    it('refuses other queries from a trusted-documents-only key, leaving the database unchanged', async () => {
      const before = await databaseFingerprint(api.db.prisma);
      const a = await post(VIEWER, { 'x-api-key': trustedOnly });
      expect(a.status, JSON.stringify(a.body)).toBe(403);
      expect(codes(a)).toEqual(['PERSISTED_QUERY_ONLY']);
      expect(a.body.data ?? null).toBeNull();
      const mutation = await post('mutation { __typename }', { 'x-api-key': trustedOnly });
      expect(codes(mutation)).toEqual(['PERSISTED_QUERY_ONLY']);
      expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
    });

    it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
      const a = await get('0'.repeat(64));
      expect(a.status).toBe(404);
      expect(codes(a)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(a.headers.get('cache-control')).toBeNull();
    });

    it('still lets editors, anonymous callers and other partner keys send any query', async () => {
      const callers: Record<string, string>[] = [{ 'x-api-key': editor }, {}, { 'x-api-key': partner }];
      for (const headers of callers) {
        const a = await post(VIEWER, headers);
        expect(a.status, JSON.stringify(a.body)).toBe(200);
        expect(a.body.data?.viewer).toBeTruthy();
      }
    });

    it('still wants the CSRF header on a GET that carries query text', async () => {
      const url = `http://yoga/graphql?${new URLSearchParams({ query: VIEWER })}`;
      const refused = await answer(await api.yoga.fetch(url, { headers: { accept: GRAPHQL_RESPONSE } }));
      expect(refused.status).toBe(403);
      expect(codes(refused)).toEqual(['CSRF_PREVENTED']);
      const allowed = await answer(await api.yoga.fetch(url, { headers: { accept: GRAPHQL_RESPONSE, [CSRF_HEADER]: '1' } }));
      expect(allowed.status).toBe(200);
      // Not a trusted document: no caching headers.
      expect(allowed.headers.get('cache-control')).toBeNull();
    });
  });
});

describe('trusted documents with the response cache on', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite', { responseCache: { cache: createResponseCacheStore('').cache, ttlMs: 60_000 } });
  });
  afterAll(() => api?.close());

  it('keeps the cache headers and ETag, and answers If-None-Match with 304', async () => {
    const url = `http://yoga/graphql?${new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hashOf('PartnerViewer') } }),
    })}`;
    const first = await api.yoga.fetch(url, { headers: { accept: GRAPHQL_RESPONSE } });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { data: unknown }).data).toEqual({ viewer: { kind: 'ANONYMOUS', name: null } });
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const second = await api.yoga.fetch(url, { headers: { accept: GRAPHQL_RESPONSE, 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });
});
