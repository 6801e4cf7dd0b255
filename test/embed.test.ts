// The embed cards, oEmbed and framing rules, over yoga.fetch (no browser: test/embed-browser.test.ts
// drives Chromium). The corpus is loaded, so the cards show the real article, organization and series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential, CredentialInputError, revokeCredential } from '../src/auth/credentials.js';
import { parseCredential } from '../src/auth/keys.js';
import { CARD_SIZE_BUDGET_BYTES } from '../src/http/embed/cards.js';
import { createBoundedMemoryCache } from '../src/http/response-cache.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { createMemoryRateLimitStore } from '../src/http/rate-limit.js';
import { createYogaServer } from '../src/http/yoga.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createArticle, createOrganization, createSeries, unique } from './support/factory.js';
import { databaseFingerprint } from './support/fingerprint.js';

const ALLOWED = 'https://partner.example';
const OTHER = 'https://evil.example';
const SERVICE = 'http://yoga';
const ARTICLE = 'liupanshui-procurators-50';
const ORGANIZATION = 'zhongshan-procuratorate';
const SERIES = 'liupanshui-procurators';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

const csp = (a: Answer) => a.headers.get('content-security-policy') ?? '';
const frameAncestors = (a: Answer) => /frame-ancestors ([^;]+)/.exec(csp(a))?.[1];

describe.each(testBackends())('embed cards and oEmbed on %s', (backend) => {
  let api: TestApi;
  let embedKey: string;
  let scopedKey: string;
  let revokedKey: string;
  let partnerKey: string;
  let editorToken: string;
  let draftSlug: string;

  async function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
    const response = await api.yoga.fetch(`${SERVICE}${path}`, { method, headers });
    const text = await response.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, text, json };
  }
  const card = (kind: string, slug: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    get(`/embed/${kind}/${encodeURIComponent(slug)}${Object.keys(params).length ? `?${new URLSearchParams(params)}` : ''}`, headers);
  const oembed = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    get(`/oembed?${new URLSearchParams(params)}`, headers);

  beforeAll(async () => {
    api = await createTestApi(backend, { responseCache: { cache: createBoundedMemoryCache(), ttlMs: 60_000 } });
    const { prisma } = api.db;
    await loadCorpus(prisma);
    embedKey = (await createCredential(prisma, { kind: 'EMBED', name: 'partner page', allowedOrigins: [ALLOWED] })).secret;
    const elsewhere = await createOrganization(prisma);
    scopedKey = (
      await createCredential(prisma, { kind: 'EMBED', name: 'scoped page', allowedOrigins: [ALLOWED], organizationSlug: elsewhere.slug })
    ).secret;
    const revoked = await createCredential(prisma, { kind: 'EMBED', name: 'revoked page', allowedOrigins: [ALLOWED] });
    revokedKey = revoked.secret;
    partnerKey = (await createCredential(prisma, { kind: 'PARTNER', name: 'partner server', allowedOrigins: [ALLOWED] })).secret;
    editorToken = (await createCredential(prisma, { kind: 'EDITOR', name: 'an editor' })).secret;
    draftSlug = (await createArticle(prisma, { status: 'DRAFT' })).slug;
    // Every key used once (lastUsedAt is written at most once a minute) and the revoked one
    // revoked, so that the fingerprints below see only what the requests under test change.
    for (const key of [embedKey, scopedKey, revokedKey]) await card('article', ARTICLE, { key });
    await revokeCredential(prisma, revoked.keyId);
    await api.execute('{ viewer { kind } }', {}, { 'x-api-key': partnerKey });
  });
  afterAll(() => api?.close());

  describe('embed keys', () => {
    it('need at least one allowed origin, each a bare origin, and always run trusted documents only', async () => {
      const { prisma } = api.db;
      await expect(createCredential(prisma, { kind: 'EMBED', name: 'no origin' })).rejects.toThrow(CredentialInputError);
      await expect(createCredential(prisma, { kind: 'EMBED', name: 'path', allowedOrigins: ['https://a.example/x'] })).rejects.toThrow(
        /is not an origin/,
      );
      await expect(
        createCredential(prisma, { kind: 'EMBED', name: 'injection', allowedOrigins: ["https://a.example; script-src 'unsafe-inline'"] }),
      ).rejects.toThrow(/is not an origin/);
      const { keyId } = parseCredential(embedKey)!;
      const row = await prisma.credential.findUniqueOrThrow({ where: { keyId } });
      expect(row).toMatchObject({ kind: 'EMBED', trustedDocumentsOnly: true, allowedOrigins: [ALLOWED] });
    });

    it('run the cards’ documents by hash through /graphql, and nothing else: no other document, no query, no mutation', async () => {
      const manifest = (await import('../trusted-documents.json', { with: { type: 'json' } })).default as {
        operations: { id: string; name: string }[];
      };
      const hash = (name: string) => manifest.operations.find((o) => o.name === name)!.id;
      const persisted = (name: string, variables: object) =>
        get(
          `/graphql?${new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash(name) } }), variables: JSON.stringify(variables) })}`,
          { accept: GRAPHQL_RESPONSE, 'x-api-key': embedKey },
        );
      const allowed = await persisted('EmbedArticleCard', { slug: ARTICLE });
      expect(allowed.status, allowed.text).toBe(200);
      expect(allowed.json.data.article.slug).toBe(ARTICLE);

      const before = await databaseFingerprint(api.db.prisma);
      const other = await persisted('PartnerViewer', {});
      expect(other.status).toBe(403);
      expect(other.json.errors[0].extensions.code).toBe('EMBED_KEY_CARDS_ONLY');
      for (const query of ['{ viewer { kind } }', 'mutation { __typename }']) {
        const a = await api.execute(query, {}, { 'x-api-key': embedKey });
        expect(a.status).toBe(403);
        expect(a.errors?.[0]?.extensions?.code).toBe('EMBED_KEY_CARDS_ONLY');
        expect(a.data ?? null).toBeNull();
      }
      expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
    });
  });

  describe('cards', () => {
    it('shows the corpus article: series and episode, attribution, first paragraph, oEmbed discovery; framed only by the key’s origins', async () => {
      const a = await card('article', ARTICLE, { key: embedKey });
      expect(a.status, a.text).toBe(200);
      expect(a.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(a.text).toContain('中国凉都——六盘水检察人系列报道 · 第 50 篇');
      expect(a.text).toContain('凉都检察');
      expect(a.text).toMatch(/<p>[^<]{20,}<\/p>/);
      expect(a.text).toContain('原文：/showinfo-2-10183-0.html');
      expect(a.text).toContain(
        `<link rel="alternate" type="application/json+oembed" href="${SERVICE}/oembed?url=${encodeURIComponent(`${SERVICE}/embed/article/${ARTICLE}`)}&amp;format=json&amp;key=${encodeURIComponent(embedKey)}"`,
      );
      expect(frameAncestors(a)).toBe(ALLOWED);
      expect(csp(a)).toContain("default-src 'none'");
      expect(a.headers.get('x-frame-options')).toBeNull();
      expect(a.headers.get('cache-control')).toBe('public, no-cache');
      expect(a.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      expect(Buffer.byteLength(a.text)).toBeLessThanOrEqual(CARD_SIZE_BUDGET_BYTES);
      // Nothing is fetched from anywhere: no external URL is loaded by the page.
      expect(a.text).not.toMatch(/<(img|link rel="stylesheet"|script src|iframe)/);
    });

    it('shows the organization: breadcrumbs, its latest achievements with level, date and verbatim evidence', async () => {
      const a = await card('organization', ORGANIZATION, { key: embedKey });
      expect(a.status, a.text).toBe(200);
      expect(a.text).toContain('<h1>六盘水市钟山区人民检察院</h1>');
      expect(a.text).toMatch(/<span>最高人民检察院<\/span><span>贵州省人民检察院<\/span><span>六盘水市人民检察院<\/span>/);
      expect(a.text).toMatch(/<span class="chip">(国家级|省级|市级|区县级)<\/span><span class="date">\d{4}年\d{1,2}月\d{1,2}日<\/span>/);
      const excerpts = [...a.text.matchAll(/<blockquote>“([^”<]+)”/g)].map((m) => m[1]!);
      expect(excerpts.length).toBeGreaterThan(0);
      const article = await api.db.prisma.article.findUniqueOrThrow({ where: { slug: ARTICLE } });
      for (const excerpt of excerpts) if (!excerpt.endsWith('…')) expect(article.bodyText).toContain(excerpt);
      expect(Buffer.byteLength(a.text)).toBeLessThanOrEqual(CARD_SIZE_BUDGET_BYTES);
    });

    it('lists a series’ episodes in episode order', async () => {
      const { prisma } = api.db;
      const series = await createSeries(prisma);
      for (const episode of [3, 1, 2]) await createArticle(prisma, { seriesId: series.id, episode });
      const a = await card('series', series.slug);
      expect(a.status, a.text).toBe(200);
      expect([...a.text.matchAll(/第 (\d+) 篇/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3]);
      expect(a.text).toContain('共 3 篇');
      const corpus = await card('series', SERIES);
      expect(corpus.text).toContain('六盘水市人民检察院 · 共 1 篇');
    });

    it('without a key, shows published content to any site (frame-ancestors *)', async () => {
      const a = await card('article', ARTICLE);
      expect(a.status).toBe(200);
      expect(frameAncestors(a)).toBe('*');
      expect(a.text).not.toContain('key=');
    });

    it('gives a draft, an out-of-scope item, a missing and an impossible slug the same 404 card', async () => {
      const missing = await card('article', unique('missing'), { key: embedKey });
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('找不到这张卡片');
      const draft = await card('article', draftSlug, { key: embedKey });
      const outOfScope = await card('article', ARTICLE, { key: scopedKey });
      const impossible = await card('article', '<script>alert(1)</script>', { key: embedKey });
      for (const a of [draft, outOfScope, impossible]) {
        expect(a.status).toBe(404);
        expect(a.text).toBe(missing.text);
        expect(a.headers.get('cache-control')).toBe('no-store');
      }
      expect((await card('organization', ORGANIZATION, { key: scopedKey })).status).toBe(404);
    });

    it('escapes every text: markup in content is shown as text, and only http(s) links become links', async () => {
      const { prisma } = api.db;
      const series = await createSeries(prisma);
      await prisma.series.update({ where: { id: series.id }, data: { title: '</title><script>alert("series")</script>' } });
      const article = await createArticle(prisma, {
        seriesId: series.id,
        episode: 1,
        bodyText: '<img src=x onerror=alert(1)> & "引号" \'单引号\'',
      });
      await prisma.article.update({
        where: { id: article.id },
        data: { title: '<script>alert("title")</script>', attribution: '<b onmouseover=alert(2)>署名</b>', canonicalUrl: 'javascript:alert(3)' },
      });
      const a = await card('article', article.slug);
      expect(a.status, a.text).toBe(200);
      expect(a.text).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;');
      expect(a.text).toContain('&lt;/title&gt;&lt;script&gt;alert(&quot;series&quot;)&lt;/script&gt;');
      expect(a.text).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;引号&quot; &#39;单引号&#39;');
      expect(a.text).toContain('&lt;b onmouseover=alert(2)&gt;署名&lt;/b&gt;');
      expect(a.text).not.toMatch(/<script>alert|<img|<b |javascript:/);
      // The only script is the card's own, allowed by its hash.
      expect(a.text.match(/<script>/g)).toHaveLength(1);

      const o = await oembed({ url: `${SERVICE}/embed/article/${article.slug}` });
      expect(o.status, o.text).toBe(200);
      expect(o.json.title).toBe('<script>alert("title")</script>');
      expect(o.json.html).toContain('title="&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;"');
      expect(o.json.html.match(/<script>/g)).toHaveLength(1);
    });

    it('answers a repeated card from the response cache, 304 for its ETag, and a new card after a write changes it', async () => {
      const first = await card('article', ARTICLE);
      const etag = first.headers.get('etag')!;
      api.resetStatements();
      const again = await card('article', ARTICLE);
      expect(again.text).toBe(first.text);
      expect(api.statements).toEqual([]);
      const notModified = await card('article', ARTICLE, {}, { 'if-none-match': etag });
      expect(notModified.status).toBe(304);
      expect(notModified.text).toBe('');
      expect(notModified.headers.get('etag')).toBe(etag);

      const row = await api.db.prisma.article.findUniqueOrThrow({ where: { slug: ARTICLE } });
      const title = `${row.title}（修订 ${unique('t')}）`;
      const update = await api.execute(
        'mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title } } }',
        { input: { id: encodeGlobalId('Article', row.id), expectedVersion: row.version, title } },
        { authorization: `Bearer ${editorToken}` },
      );
      expect(update.errors, JSON.stringify(update.errors)).toBeUndefined();
      const changed = await card('article', ARTICLE, {}, { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.text).toContain(title);
      expect(changed.headers.get('etag')).not.toBe(etag);
      const keyed = await card('article', ARTICLE, { key: embedKey });
      expect(keyed.text).toContain(title);
    });

    it('answers HEAD with the headers and no body', async () => {
      const full = await card('article', ARTICLE);
      const head = await get(`/embed/article/${ARTICLE}`, {}, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect(head.headers.get('etag')).toBe(full.headers.get('etag'));
    });

    it('stays within its size budget with the largest data it can be given', async () => {
      const { prisma } = api.db;
      const series = await createSeries(prisma);
      await prisma.series.update({ where: { id: series.id }, data: { title: '长'.repeat(500) } });
      for (let episode = 1; episode <= 101; episode++) {
        const article = await createArticle(prisma, { seriesId: series.id, episode, bodyText: '段'.repeat(5000) });
        await prisma.article.update({
          where: { id: article.id },
          data: { title: `${'题'.repeat(300)}${episode}`, canonicalUrl: `https://example.org/${'p'.repeat(180)}` },
        });
      }
      const a = await card('series', series.slug);
      expect(a.status).toBe(200);
      expect(a.text).toContain('另有 1 篇未列出');
      // Every episode linked (the longest URL that is), every title cut: the worst case.
      expect(a.text.match(/<a href="https:\/\/example\.org\/p{180}"/g)).toHaveLength(100);
      expect(a.text.match(/题{79}…/g)).toHaveLength(100);
      expect(Buffer.byteLength(a.text)).toBeLessThanOrEqual(CARD_SIZE_BUDGET_BYTES);
    });
  });

  describe('oEmbed', () => {
    it('answers a rich oEmbed 1.0 object whose html frames the card, sandboxed, with a per-embed secret', async () => {
      const url = `${SERVICE}/embed/article/${ARTICLE}`;
      const a = await oembed({ url, format: 'json', maxwidth: '400', maxheight: '200', key: embedKey });
      expect(a.status, a.text).toBe(200);
      expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(a.json).toMatchObject({
        type: 'rich',
        version: '1.0',
        author_name: '凉都检察',
        provider_url: `${SERVICE}/`,
        cache_age: 3600,
        width: 400,
        height: 200,
      });
      expect(a.json.title).toContain('钟山区');
      expect(a.json.provider_name).toBeTruthy();
      const html: string = a.json.html;
      const src = /<iframe src="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
      const [cardUrl, fragment] = src.split('#');
      expect(cardUrl).toBe(`${url}?key=${encodeURIComponent(embedKey)}`);
      const secret = /^secret=([A-Za-z0-9_-]{16})$/.exec(fragment!)![1];
      expect(html).toContain(`data-cf-embed-secret="${secret}"`);
      expect(html).toContain('sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"');
      expect(html).toContain('width="400" height="200"');
      // Another request, another secret.
      const b = await oembed({ url, key: embedKey });
      expect(b.json.html).not.toContain(secret);
      expect(b.json).toMatchObject({ width: 560, height: 300 });
      expect(a.headers.get('x-frame-options')).toBe('DENY');
    });

    it('keeps a theme and a key given in the url', async () => {
      const a = await oembed({ url: `${SERVICE}/embed/series/${SERIES}?theme=dark&key=${encodeURIComponent(embedKey)}` });
      expect(a.status, a.text).toBe(200);
      expect(a.json.author_name).toBe('六盘水市人民检察院');
      expect(a.json.html).toContain(`/embed/series/${SERIES}?key=${encodeURIComponent(embedKey)}&amp;theme=dark#secret=`);
    });
  });

  describe('bad input', () => {
    const longUrl = `${SERVICE}/embed/article/${'a'.repeat(2100)}`;
    const cases: [string, () => Promise<Answer>, number, string?][] = [
      ['an unknown slug', () => card('article', unique('missing'), { key: embedKey }), 404],
      ['an unknown card kind', () => get('/embed/person/x'), 404],
      ['an odd theme', () => card('article', ARTICLE, { theme: 'purple' }), 400],
      ['a key given twice', () => get(`/embed/article/${ARTICLE}?key=a&key=b`), 400],
      ['a malformed key', () => card('article', ARTICLE, { key: 'not-a-key' }), 401],
      ['a revoked key', () => card('article', ARTICLE, { key: revokedKey }), 401],
      ['a partner API key in a card URL', () => card('article', ARTICLE, { key: partnerKey }), 403, 'NOT_AN_EMBED_KEY'],
      ['a wrong Origin', () => card('article', ARTICLE, { key: embedKey }, { origin: OTHER }), 403],
      ['a wrong Referer', () => card('article', ARTICLE, { key: embedKey }, { referer: `${OTHER}/page.html` }), 403],
      ['a POST to a card', () => get(`/embed/article/${ARTICLE}`, {}, 'POST'), 405],
      ['oEmbed without url', () => oembed({}), 400, 'BAD_REQUEST'],
      ['oEmbed with a url that is not a URL', () => oembed({ url: 'not a url' }), 400, 'BAD_REQUEST'],
      ['oEmbed with an over-long url', () => oembed({ url: longUrl }), 400, 'BAD_REQUEST'],
      ['oEmbed with a foreign url', () => oembed({ url: `https://elsewhere.example/embed/article/${ARTICLE}` }), 404, 'NOT_FOUND'],
      ['oEmbed with a javascript: url', () => oembed({ url: 'javascript:alert(1)' }), 404, 'NOT_FOUND'],
      ['oEmbed with a url of ours that is not a card', () => oembed({ url: `${SERVICE}/graphql` }), 404, 'NOT_FOUND'],
      ['oEmbed of a draft', () => oembed({ url: `${SERVICE}/embed/article/${draftSlug}`, key: embedKey }), 404, 'NOT_FOUND'],
      ['oEmbed as xml', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, format: 'xml' }), 501, 'NOT_IMPLEMENTED'],
      ['oEmbed as yaml', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, format: 'yaml' }), 400, 'BAD_REQUEST'],
      ['maxwidth=0', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, maxwidth: '0' }), 400, 'BAD_REQUEST'],
      ['maxwidth=-5', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, maxwidth: '-5' }), 400, 'BAD_REQUEST'],
      ['maxheight=abc', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, maxheight: 'abc' }), 400, 'BAD_REQUEST'],
      ['oEmbed with a revoked key', () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, key: revokedKey }), 401, 'UNAUTHENTICATED'],
      [
        'oEmbed from a wrong origin',
        () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}`, key: embedKey }, { origin: OTHER }),
        403,
        'FORBIDDEN_ORIGIN',
      ],
      [
        'oEmbed with two different keys',
        () => oembed({ url: `${SERVICE}/embed/article/${ARTICLE}?key=${encodeURIComponent(embedKey)}`, key: scopedKey }),
        400,
        'BAD_REQUEST',
      ],
    ];

    it.each(cases)('%s gets a clear status and a small page or JSON, and writes nothing', async (_name, request, status, code) => {
      const before = await databaseFingerprint(api.db.prisma);
      const a = await request();
      expect(a.status, a.text).toBe(status);
      expect(a.text.length).toBeLessThan(8 * 1024);
      if (a.json) {
        expect(a.json.error.status).toBe(status);
        expect(a.json.error.message).toBeTruthy();
        if (code) expect(a.json.error.code).toBe(code);
      } else {
        expect(a.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(a.text).toContain(`HTTP ${status}`);
        if (code) expect(a.text).toContain('npm run keys -- create --kind embed');
      }
      expect(a.headers.get('cache-control')).toBe('no-store');
      expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
    });

    it('refuses a wrong origin with the key’s frame-ancestors, so a browser will not show even the refusal there', async () => {
      const a = await card('article', ARTICLE, { key: embedKey }, { referer: `${OTHER}/` });
      expect(frameAncestors(a)).toBe(ALLOWED);
    });
  });

  describe('rate limits', () => {
    it('count a card’s reads against the reader’s address, not the key every reader of the page shares', async () => {
      const yoga = createYogaServer({
        prisma: api.db.prisma,
        limits: { ...DEFAULT_LIMITS, rateLimit: { max: 2, windowMs: 60_000 } },
        rateLimitStore: createMemoryRateLimitStore(),
      });
      const view = (address: string) =>
        yoga.fetch(`${SERVICE}/embed/article/${ARTICLE}?key=${encodeURIComponent(embedKey)}`, {}, { req: { socket: { remoteAddress: address } } });
      expect((await view('192.0.2.1')).status).toBe(200);
      expect((await view('192.0.2.1')).status).toBe(200);
      const limited = await view('192.0.2.1');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await limited.text()).toContain('HTTP 429');
      // Another reader of the same page, with the same key, is not affected.
      expect((await view('198.51.100.7')).status).toBe(200);
    });

    it('count a forged key against the failed-authentication limit, as on /graphql (no unlimited scrypt checks)', async () => {
      const yoga = createYogaServer({
        prisma: api.db.prisma,
        limits: { ...DEFAULT_LIMITS, rateLimit: { max: 1000, windowMs: 60_000 }, authFailureLimit: { max: 3, windowMs: 60_000 } },
        rateLimitStore: createMemoryRateLimitStore(),
      });
      // The embed key's id is public (it sits in partner pages); only the secret is guessed.
      const { keyId } = parseCredential(embedKey)!;
      const forged = embedKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect(parseCredential(forged)?.keyId).toBe(keyId);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const path = i % 2 ? `/oembed?url=${encodeURIComponent(`${SERVICE}/embed/article/${ARTICLE}`)}&key=${encodeURIComponent(forged)}` : `/embed/article/${ARTICLE}?key=${encodeURIComponent(forged)}`;
        statuses.push((await yoga.fetch(`${SERVICE}${path}`, {}, { req: { socket: { remoteAddress: '203.0.113.9' } } })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      // The genuine key still works from another address.
      const ok = await yoga.fetch(`${SERVICE}/embed/article/${ARTICLE}?key=${encodeURIComponent(embedKey)}`, {}, { req: { socket: { remoteAddress: '203.0.113.10' } } });
      expect(ok.status).toBe(200);
    });
  });

  describe('framing rules', () => {
    it('forbids framing of every route but the cards', async () => {
      const answers = [
        await get('/graphql', { accept: 'text/html' }),
        await get('/oembed?url=x'),
        await get('/nowhere'),
        { ...(await api.yoga.fetch(`${SERVICE}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })), text: '', json: null },
      ];
      for (const a of answers) {
        expect(a.headers.get('x-frame-options')).toBe('DENY');
        expect(frameAncestors(a as Answer)).toBe("'none'");
      }
      const framable = await card('article', ARTICLE);
      expect(framable.headers.get('x-frame-options')).toBeNull();
    });
  });
});
