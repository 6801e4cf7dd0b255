import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as keys } from '../scripts/keys.js';
import { parseCredential } from '../src/auth/keys.js';
import { openDatabase } from '../src/db/client.js';
import { DEFAULT_LIMITS, type Limits } from '../src/http/limits.js';
import { createMemoryRateLimitStore } from '../src/http/rate-limit.js';
import { createCredential, listCredentials, revokeCredential } from '../src/auth/credentials.js';
import { createResponseCacheStore } from '../src/http/response-cache.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { createTestApi, type TestApi } from './support/api.js';
import { runMain, spawnScript } from './support/cli.js';
import { createTestDataDir, testBackends } from './support/database.js';
import { createArticle, createSeries, unique } from './support/factory.js';

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

const VIEWER = '{ viewer { kind name } }';
const ARTICLE = 'query ($slug: String!) { article(slug: $slug) { slug status } }';
const NODE = 'query ($id: ID!) { node(id: $id) { ... on Article { slug status } } }';
const SERIES_ARTICLES = 'query ($slug: String!) { series(slug: $slug) { articles { totalCount edges { node { slug } } } articleCount } }';

/** The secret `keys create` printed. */
const printedSecret = (stdout: string) => /cfk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(stdout)?.[0];

describe.each(testBackends())('keys and tokens on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(backend);
  });
  afterAll(() => api?.close());

  /** A series with a published and a draft episode. */
  async function seriesWithDraft() {
    const { prisma } = api.db;
    const series = await createSeries(prisma);
    const published = await createArticle(prisma, { seriesId: series.id, episode: 1 });
    const draft = await createArticle(prisma, { seriesId: series.id, episode: 2, status: 'DRAFT' });
    return { series, published, draft };
  }

  function expectUnauthenticated(answer: Awaited<ReturnType<TestApi['execute']>>) {
    expect(answer.status, JSON.stringify(answer)).toBe(401);
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    // No fallback to anonymous: nothing was executed.
    expect(answer.data ?? null).toBeNull();
  }

  it('answers a partner key with published content only, whether sent as Bearer or x-api-key', async () => {
    const name = unique('partner');
    const { secret } = await createCredential(api.db.prisma, { kind: 'PARTNER', name });
    const { series, published, draft } = await seriesWithDraft();

    for (const headers of [bearer(secret), { 'x-api-key': secret }]) {
      expect((await api.execute(VIEWER, {}, headers)).data).toEqual({ viewer: { kind: 'PARTNER', name } });
      expect((await api.execute(ARTICLE, { slug: published.slug }, headers)).data).toEqual({
        article: { slug: published.slug, status: 'PUBLISHED' },
      });
      expect((await api.execute(ARTICLE, { slug: draft.slug }, headers)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await api.execute(NODE, { id: encodeGlobalId('Article', draft.id) }, headers)).data).toEqual({ node: null });
      const list = await api.execute(SERIES_ARTICLES, { slug: series.slug }, headers);
      expect(list.data).toEqual({
        series: { articles: { totalCount: 1, edges: [{ node: { slug: published.slug } }] }, articleCount: 1 },
      });
    }
  });

  it('shows drafts to editors and admins through article(slug), node(id) and Series.articles', async () => {
    const { series, published, draft } = await seriesWithDraft();
    for (const kind of ['EDITOR', 'ADMIN'] as const) {
      const name = unique(kind.toLowerCase());
      const { secret } = await createCredential(api.db.prisma, { kind, name });
      const headers = bearer(secret);
      expect((await api.execute(VIEWER, {}, headers)).data).toEqual({ viewer: { kind, name } });
      expect((await api.execute(ARTICLE, { slug: draft.slug }, headers)).data).toEqual({ article: { slug: draft.slug, status: 'DRAFT' } });
      expect((await api.execute(NODE, { id: encodeGlobalId('Article', draft.id) }, headers)).data).toEqual({
        node: { slug: draft.slug, status: 'DRAFT' },
      });
      expect((await api.execute(SERIES_ARTICLES, { slug: series.slug }, headers)).data).toEqual({
        series: {
          articles: { totalCount: 2, edges: [{ node: { slug: published.slug } }, { node: { slug: draft.slug } }] },
          articleCount: 2,
        },
      });
    }
    // The same queries without a credential: the draft does not exist.
    expect((await api.execute(VIEWER)).data).toEqual({ viewer: { kind: 'ANONYMOUS', name: null } });
    expect((await api.execute(ARTICLE, { slug: draft.slug })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await api.execute(NODE, { id: encodeGlobalId('Article', draft.id) })).data).toEqual({ node: null });
  });

  it('stores only a salted scrypt hash of the secret', async () => {
    const first = await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') });
    const second = await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') });
    const secretPart = parseCredential(first.secret)!.secret;
    const row = await api.db.prisma.credential.findUniqueOrThrow({ where: { id: first.id } });
    const other = await api.db.prisma.credential.findUniqueOrThrow({ where: { id: second.id } });
    expect(row.keyId).toBe(first.keyId);
    expect(first.secret.startsWith(`cfk_${row.keyId}_`)).toBe(true);
    expect(JSON.stringify(row)).not.toContain(secretPart);
    expect(row.secretHash).toMatch(/^scrypt:16384:8:1:[A-Za-z0-9_-]{43}$/);
    expect(row.salt).not.toBe(other.salt);
  });

  it('lists credentials without their secrets, hashes or salts', async () => {
    const name = unique('partner');
    const created = await createCredential(api.db.prisma, { kind: 'PARTNER', name, allowedOrigins: ['https://partner.example'] });
    const listed = (await listCredentials(api.db.prisma)).find((c) => c.keyId === created.keyId);
    expect(listed).toMatchObject({ kind: 'PARTNER', name, allowedOrigins: ['https://partner.example'], revokedAt: null });
    const text = JSON.stringify(listed);
    expect(text).not.toContain(parseCredential(created.secret)!.secret);
    expect(Object.keys(listed!)).not.toEqual(expect.arrayContaining(['secretHash']));
    expect(Object.keys(listed!).filter((key) => /hash|salt|secret/i.test(key))).toEqual([]);
  });

  it('refuses a revoked credential with 401 from the very next request', async () => {
    const { secret, keyId } = await createCredential(api.db.prisma, { kind: 'EDITOR', name: unique('editor') });
    expect((await api.execute(VIEWER, {}, bearer(secret))).status).toBe(200);
    expect(await revokeCredential(api.db.prisma, keyId)).toBe(true);
    const refused = await api.execute(VIEWER, {}, bearer(secret));
    expectUnauthenticated(refused);
    expect(refused.errors![0]!.message).toBe('The API key or token has been revoked');
    expect(await revokeCredential(api.db.prisma, keyId)).toBe(false);
  });

  it('does not serve a revoked credential its cached answers', async () => {
    const store = createResponseCacheStore('');
    const yoga = createYogaServer({ prisma: api.db.prisma, responseCache: { cache: store.cache, ttlMs: 60_000 } });
    const { secret, keyId } = await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') });
    const ask = async () => {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(secret) },
        body: JSON.stringify({ query: '{ organizations(first: 1) { totalCount } }' }),
      });
      return { status: response.status, body: (await response.json()) as { errors?: { extensions: { code: string } }[]; extensions?: any } };
    };
    await ask();
    expect((await ask()).body.extensions?.responseCache?.hit).toBe(true);
    await revokeCredential(api.db.prisma, keyId);
    const refused = await ask();
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    await store.close();
  });

  it('refuses an expired credential with 401', async () => {
    const { secret, id } = await createCredential(api.db.prisma, {
      kind: 'PARTNER',
      name: unique('partner'),
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await api.execute(VIEWER, {}, bearer(secret))).status).toBe(200);
    await api.db.prisma.credential.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const refused = await api.execute(VIEWER, {}, { 'x-api-key': secret });
    expectUnauthenticated(refused);
    expect(refused.errors![0]!.message).toBe('The API key or token has expired');
  });

  it('refuses forged, unknown and garbage credentials with 401 and never answers them as anonymous', async () => {
    const { secret, keyId } = await createCredential(api.db.prisma, { kind: 'EDITOR', name: unique('editor') });
    const wrongSecret = `cfk_${keyId}_${'A'.repeat(43)}`;
    const unknownKeyId = `cfk_${'0'.repeat(16)}_${parseCredential(secret)!.secret}`;
    const { draft } = await seriesWithDraft();
    for (const headers of [
      bearer(wrongSecret),
      { 'x-api-key': wrongSecret },
      bearer(unknownKeyId),
      bearer('garbage'),
      { 'x-api-key': 'not a key at all' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${Buffer.from(`user:${secret}`).toString('base64')}` },
      // Two different credentials at once: which one would be meant?
      { ...bearer(secret), 'x-api-key': wrongSecret },
    ]) {
      const answer = await api.execute(`{ organizations(first: 1) { totalCount } } `, {}, headers);
      expectUnauthenticated(answer);
      expect(answer.errors![0]!.message).not.toContain(secret);
      expectUnauthenticated(await api.execute(ARTICLE, { slug: draft.slug }, headers));
    }
    // The genuine secret still works, in both headers at once too.
    expect((await api.execute(VIEWER, {}, { ...bearer(secret), 'x-api-key': secret })).data).toMatchObject({ viewer: { kind: 'EDITOR' } });
  });

  it('answers 401 with WWW-Authenticate and the rate-limit headers, without using up the genuine key’s allowance', async () => {
    const limits: Limits = { ...DEFAULT_LIMITS, rateLimit: { max: 2, windowMs: 60_000 } };
    const yoga = createYogaServer({ prisma: api.db.prisma, limits, rateLimitStore: createMemoryRateLimitStore() });
    const { secret, keyId } = await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') });
    const post = (headers: Record<string, string>) =>
      yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    for (let i = 0; i < 5; i += 1) {
      const forged = await post(bearer(`cfk_${keyId}_${String(i).repeat(43)}`));
      expect(forged.status).toBe(401);
      expect(forged.headers.get('WWW-Authenticate')).toBe('Bearer');
    }
    expect((await post(bearer(secret))).status).toBe(200);
    expect((await post(bearer(secret))).status).toBe(200);
    expect((await post(bearer(secret))).status).toBe(429);
  });

  it('allows introspection to editor and admin tokens where it is restricted, and to nobody else', async () => {
    const production = createYogaServer({ prisma: api.db.prisma, limits: { ...DEFAULT_LIMITS, introspection: 'restricted' } });
    const introspect = async (headers: Record<string, string>) => {
      const response = await production.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      });
      return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] } };
    };
    for (const kind of ['EDITOR', 'ADMIN'] as const) {
      const { secret } = await createCredential(api.db.prisma, { kind, name: unique(kind) });
      expect(await introspect(bearer(secret))).toEqual({ status: 200, body: { data: { __schema: { queryType: { name: 'Query' } } } } });
    }
    const partner = await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') });
    for (const headers of [{}, bearer(partner.secret)]) {
      const refused = await introspect(headers);
      expect(refused.status).toBe(403);
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
  });

  it('creates, lists and revokes through `npm run keys`, printing the secret once', async () => {
    // The script opens the database its environment names: the test database on PostgreSQL, a
    // PGlite directory of its own (a copy of the migrated template) on PGlite.
    let env: Record<string, string>;
    let tmp: string | undefined;
    let yoga: YogaServer = api.yoga;
    if (api.db.config.kind === 'postgres') {
      env = { DATABASE_URL: api.db.config.url };
    } else {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'cf-keys-'));
      env = { PGLITE_DIR: path.join(tmp, 'pglite') };
      await createTestDataDir(env.PGLITE_DIR!);
    }
    try {
      const name = unique('partner');
      const created = await runMain(keys, ['create', '--kind', 'partner', '--name', name, '--origin', 'https://partner.example'], env);
      expect(created.code, created.stderr).toBe(0);
      const secret = printedSecret(created.stdout)!;
      expect(secret).toBeDefined();
      const { keyId } = parseCredential(secret)!;

      const listed = await runMain(keys, ['list'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(keyId);
      expect(listed.stdout).toContain(name);
      expect(listed.stdout).not.toContain(parseCredential(secret)!.secret);
      expect(listed.stdout).not.toMatch(/scrypt:/);

      const check = async (expected: number) => {
        let db;
        if (tmp) {
          db = await openDatabase({ kind: 'pglite', dataDir: env.PGLITE_DIR });
          yoga = createYogaServer({ prisma: db.prisma });
        }
        try {
          const response = await yoga.fetch('http://yoga/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...bearer(secret) },
            body: JSON.stringify({ query: VIEWER }),
          });
          expect(response.status).toBe(expected);
        } finally {
          await db?.close();
        }
      };
      await check(200);
      const revoked = await runMain(keys, ['revoke', keyId], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`Revoked ${keyId}`);
      await check(401);
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('npm run keys with bad arguments', () => {
  // Arguments are checked before any database is opened: this directory must never appear.
  const env = { PGLITE_DIR: path.join(os.tmpdir(), `cf-keys-unused-${process.pid}-${Date.now()}`, 'pglite') };
  afterAll(() => expect(existsSync(env.PGLITE_DIR)).toBe(false));

  it.each([
    [[], /^No command given\n/],
    [['rotate'], /^Unknown command "rotate"\n/],
    [['create', '--name', 'x'], /^--kind is required\n/],
    [['create', '--kind', 'root', '--name', 'x'], /^--kind must be partner, embed, editor or admin, not "root"\n/],
    [['create', '--kind', 'partner'], /^--name is required\n/],
    [['create', '--kind', 'partner', '--name', 'x', '--expires', 'tomorrow'], /^--expires "tomorrow" is not a date such as 2027-01-01\n/],
    [['create', '--kind', 'partner', '--name', 'x', '--expires', '2001-01-01'], /^--expires "2001-01-01" is not in the future\n/],
    [
      ['create', '--kind', 'partner', '--name', 'x', '--origin', 'https://partner.example/path'],
      /^--origin "https:\/\/partner\.example\/path" must be an origin such as https:\/\/partner\.example \(no path\)\n/,
    ],
    [['create', '--kind', 'editor', '--name', 'x', '--organization', 'some-org'], /^--organization, --origin and --trusted-documents-only are for partner and embed keys only\n/],
    [['create', '--kind', 'embed', '--name', 'x'], /^An embed key needs --origin: the partner site whose pages may frame the cards\n/],
    [
      ['create', '--kind', 'embed', '--name', 'x', '--origin', 'https://partner.example', '--trusted-documents-only'],
      /^--trusted-documents-only is implied for embed keys: they run only the cards\n/,
    ],
    [['create', '--kind', 'partner', '--name', 'x', '--colour', 'blue'], /^Unknown option '--colour'/],
    [['list', 'extra'], /^list takes no arguments\n/],
    [['revoke'], /^revoke takes one key id \(16 hex digits, as `list` shows\)\n/],
    [['revoke', 'not-a-key-id'], /^revoke takes one key id \(16 hex digits, as `list` shows\)\n/],
  ] as const)('prints the reason and the usage and exits with 2 for %j', async (args, reason) => {
    const result = await runMain(keys, [...args], env);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr).toContain('\n\nUsage:\n  npm run keys -- create --kind partner|embed|editor|admin --name NAME');
    expect(result.stdout).toBe('');
  });

  it('exits with 2 and the usage from a real `npm run keys` process', async () => {
    const result = await spawnScript('keys.ts', ['rotate'], env);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^Unknown command "rotate"\n\nUsage:\n/);
    expect(result.stdout).toBe('');
  });
});
