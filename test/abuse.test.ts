import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBoundedSourceCache } from '../src/http/document-cache.js';
import { DEFAULT_LIMITS, limitsFromEnv, type Limits } from '../src/http/limits.js';
import { COST_HEADER } from '../src/http/query-cost.js';
import { createCredential } from '../src/auth/credentials.js';
import { createMemoryRateLimitStore, createRedisRateLimitStore, type RateLimitStore } from '../src/http/rate-limit.js';
import { CSRF_HEADER } from '../src/http/request-guards.js';
import { createYogaServer } from '../src/http/yoga.js';
import { createTestApi, postFrom as post, type HttpAnswer as Answer, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';
import { databaseFingerprint, type DatabaseFingerprint } from './support/fingerprint.js';
import { REDIS_URL, testStores } from './support/redis.js';

// The public endpoint under abuse. Every case gets a clear refusal with a stable code (or a plain
// empty answer), never a 500 or internals, and leaves every table exactly as it was.

const INTERNALS = /prisma|select |insert |postgres|pglite|stack|at \w+ \(|\.ts:\d+|invalid input syntax/i;

const codes = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);

function expectRefused(answer: Answer, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(codes(answer)).toContain(code);
  expect(answer.body.data ?? null).toBeNull();
  expect(JSON.stringify(answer.body)).not.toMatch(INTERNALS);
}

/** A ReadableStream of `total` bytes of query text in 64 KB chunks, counting how many were pulled. */
function countedBody(total: number) {
  const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
  const counter = { pulled: 0, chunks: Math.ceil(total / chunk.byteLength) };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }'));
    },
    pull(controller) {
      if (counter.pulled === counter.chunks) {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
        return;
      }
      counter.pulled += 1;
      controller.enqueue(chunk);
    },
  });
  return { stream, counter };
}

describe('the limits read from the environment', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(limitsFromEnv({})).toEqual({ limits: DEFAULT_LIMITS, graphiql: true });
    expect(DEFAULT_LIMITS).toMatchObject({ maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxDirectives: 20, maxCost: 20000 });
  });

  it('reads every variable', () => {
    const { limits } = limitsFromEnv({
      GRAPHQL_MAX_DEPTH: '8',
      GRAPHQL_MAX_ALIASES: '5',
      GRAPHQL_MAX_TOKENS: '900',
      GRAPHQL_MAX_DIRECTIVES: '3',
      GRAPHQL_MAX_COST: '1000',
      GRAPHQL_MAX_BODY_BYTES: '2048',
      GRAPHQL_MAX_BATCH: '2',
      RATE_LIMIT: '50',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      AUTH_FAILURE_LIMIT: '7',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
      TRUST_PROXY: 'true',
      INTROSPECTION: 'restricted',
      MAX_SUBSCRIPTIONS_PER_CREDENTIAL: '4',
      MAX_SUBSCRIPTIONS_PER_ADDRESS: '0',
    });
    expect(limits).toEqual({
      maxDepth: 8,
      maxAliases: 5,
      maxTokens: 900,
      maxDirectives: 3,
      maxCost: 1000,
      maxBodyBytes: 2048,
      maxBatch: 2,
      rateLimit: { max: 50, windowMs: 10_000 },
      authFailureLimit: { max: 7, windowMs: 10_000 },
      statementTimeoutMs: 3_000,
      trustProxy: 1,
      introspection: 'restricted',
      subscriptions: { perCredential: 4, perAddress: 0 },
    });
    expect(limitsFromEnv({ RATE_LIMIT: 'off' }).limits.rateLimit).toBeNull();
  });

  it('restricts introspection and turns GraphiQL off in production, unless told otherwise', () => {
    expect(limitsFromEnv({ NODE_ENV: 'production' })).toMatchObject({ graphiql: false, limits: { introspection: 'restricted' } });
    expect(limitsFromEnv({ NODE_ENV: 'production', GRAPHIQL: 'on' })).toMatchObject({ graphiql: true });
  });

  it('refuses bad values with one error that names each variable', () => {
    expect(() => limitsFromEnv({ GRAPHQL_MAX_DEPTH: 'deep', RATE_LIMIT: '-1', INTROSPECTION: 'maybe' })).toThrow(
      /GRAPHQL_MAX_DEPTH must be a whole number from 1 to 1000, not "deep".*RATE_LIMIT must be .* not "-1".*INTROSPECTION must be one of public, restricted/,
    );
  });
});

// The only organization whose name holds LIKE's wildcard and escape characters.
const WILDCARD_NAME = '满分100%_检察院\\';

describe('the parsed-document cache', () => {
  it('keeps documents within a budget of source text, and never a huge one', () => {
    const cache = createBoundedSourceCache<number>({ maxEntries: 10, maxEntryChars: 100, maxTotalChars: 250 });
    const doc = (c: string, length: number) => c.repeat(length);
    cache.set(doc('a', 101), 1);
    expect(cache.get(doc('a', 101))).toBeUndefined();
    cache.set(doc('b', 100), 2);
    cache.set(doc('c', 100), 3);
    expect(cache.get(doc('b', 100))).toBe(2); // b is now the most recently used
    cache.set(doc('d', 100), 4); // 300 characters: the least recently used, c, goes
    expect([cache.get(doc('b', 100)), cache.get(doc('c', 100)), cache.get(doc('d', 100))]).toEqual([2, undefined, 4]);
    for (let i = 0; i < 20; i += 1) cache.set(`q${i}`, i);
    expect(cache.get('q9')).toBeUndefined();
    expect(cache.get('q19')).toBe(19);
  });
});

describe.each(testBackends())('abuse of the endpoint on %s', (backend) => {
  let api: TestApi;
  let orgSlug: string;
  let before: DatabaseFingerprint;
  beforeAll(async () => {
    api = await createTestApi(backend);
    const parent = await createOrganization(api.db.prisma);
    const org = await createOrganization(api.db.prisma, { parentId: parent.id });
    const series = await createSeries(api.db.prisma, org.id);
    const article = await createArticle(api.db.prisma, {
      seriesId: series.id,
      episode: 1,
      tags: ['检察'],
      organizations: [{ organizationId: org.id, role: 'SUBJECT' }],
    });
    await createAchievement(api.db.prisma, { organizationId: org.id, citeArticle: article });
    await createOrganization(api.db.prisma, { name: WILDCARD_NAME });
    orgSlug = org.slug;
  });
  afterAll(() => api?.close());
  beforeEach(async () => {
    before = await databaseFingerprint(api.db.prisma);
    api.resetStatements();
  });
  afterEach(async () => {
    expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
  });

  it('refuses an operation 50 levels deep with DEPTH_LIMIT_EXCEEDED, before touching the database', async () => {
    const query = `{ organization(slug: "${orgSlug}") { ${'parent { '.repeat(49)}name${' }'.repeat(49)} } }`;
    const answer = await post(api.yoga, { query });
    expectRefused(answer, 400, 'DEPTH_LIMIT_EXCEEDED');
    expect(answer.body.errors![0]!.message).toBe('Query depth limit of 12 exceeded, found 51.');
    expect(api.statements).toEqual([]);
  });

  it('refuses 1,000 aliases with ALIAS_LIMIT_EXCEEDED', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: cursor`).join(' ');
    const answer = await post(api.yoga, { query: `{ organizations(first: 1) { edges { ${aliases} } } }` });
    expectRefused(answer, 400, 'ALIAS_LIMIT_EXCEEDED');
    expect(answer.body.errors![0]!.message).toBe('Aliases limit of 30 exceeded, found 1000.');
    expect(api.statements).toEqual([]);
  });

  it('refuses a document of more than 5,000 tokens with TOKEN_LIMIT_EXCEEDED', async () => {
    const answer = await post(api.yoga, { query: `{ ${'__typename '.repeat(6000)}}` });
    expectRefused(answer, 400, 'TOKEN_LIMIT_EXCEEDED');
    expect(answer.body.errors![0]!.message).toBe('Token limit of 5000 exceeded.');
  });

  it('refuses more than 20 directives with DIRECTIVE_LIMIT_EXCEEDED', async () => {
    const answer = await post(api.yoga, { query: `{ ${'__typename @include(if: true) '.repeat(25)}}` });
    expectRefused(answer, 400, 'DIRECTIVE_LIMIT_EXCEEDED');
    expect(answer.body.errors![0]!.message).toBe('Directives limit of 20 exceeded, found 25.');
  });

  it('refuses a 1 MB query with 413 on its declared length, without reading the body', async () => {
    const { stream, counter } = countedBody(1024 * 1024);
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024 + 30) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });

  it('refuses a 1 MB query sent without a length with 413, reading little more than the limit', async () => {
    const { stream, counter } = countedBody(1024 * 1024);
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    // 100 KB is two 64 KB chunks; the 1 MB body is sixteen.
    expect(counter.pulled).toBeLessThan(counter.chunks / 2);
  });

  it('refuses a malformed or doubled Content-Length with 400 before reading, and reads a declared length within the limit', async () => {
    for (const length of ['12, 12', '-1', 'abc']) {
      const { stream, counter } = countedBody(1024);
      const response = await api.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': length },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(response.status, length).toBe(400);
      expect((await response.json()).errors[0].extensions.code, length).toBe('BAD_REQUEST');
      expect(counter.pulled, length).toBeLessThanOrEqual(1);
    }
    const body = JSON.stringify({ query: '{ __typename }' });
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a batch of 500 operations with 413 BATCH_LIMIT_EXCEEDED, and runs a batch of 10', async () => {
    const refused = await post(api.yoga, Array.from({ length: 500 }, () => ({ query: '{ organizations { totalCount } }' })));
    expectRefused(refused, 413, 'BATCH_LIMIT_EXCEEDED');
    expect(refused.body.errors![0]!.message).toBe('A batch may hold at most 10 operations; this one has 500.');
    expect(api.statements).toEqual([]);

    const ten = await post(api.yoga, Array.from({ length: 10 }, () => ({ query: '{ organizations { totalCount } }' })));
    expect(ten.status).toBe(200);
    expect(ten.body).toHaveLength(10);
  });

  it('refuses an operation over the cost limit, also when its page sizes come from variables', async () => {
    const query = `query ($n: Int) {
      organizations(first: $n) { edges { node { achievements(first: $n) { edges { node { title citations { excerpt article { bodyText } } } } } } } }
    }`;
    const literal = await post(api.yoga, { query: query.replace('($n: Int)', '').replaceAll('$n', '100') });
    expectRefused(literal, 400, 'COST_LIMIT_EXCEEDED');
    expect(literal.body.errors![0]!.message).toMatch(/^Query Cost limit of 20000 exceeded, found \d+\.$/);

    const viaVariables = await post(api.yoga, { query, variables: { n: 100 } });
    expectRefused(viaVariables, 400, 'COST_LIMIT_EXCEEDED');
    // The same document with small pages is cheap.
    const small = await post(api.yoga, { query, variables: { n: 2 } });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });

  it('reports each operation’s cost in X-GraphQL-Cost, growing with the query and its page sizes', async () => {
    const cost = async (query: string, variables?: Record<string, unknown>) => {
      const answer = await post(api.yoga, { query, variables });
      expect(answer.body.errors).toBeUndefined();
      return Number(answer.headers.get(COST_HEADER));
    };
    // 2 per object, 1 per scalar, times the page size: (2 + 1) × 1 = 3.
    expect(await cost('{ organizations(first: 1) { totalCount } }')).toBe(3);
    // (2 + 1 + (2 + (2 + 1))) × 10 = 80.
    expect(await cost('{ organizations(first: 10) { totalCount edges { node { name } } } }')).toBe(80);
    const paged = 'query ($n: Int) { organizations(first: $n) { totalCount } }';
    expect(await cost(paged, { n: 5 })).toBe(15);
    // An omitted page size is the schema's default, 20.
    expect(await cost(paged)).toBe(60);
    // A batch reports the sum of its operations.
    const batch = await post(api.yoga, [{ query: paged, variables: { n: 5 } }, { query: '{ organizations(first: 1) { totalCount } }' }]);
    expect(batch.headers.get(COST_HEADER)).toBe('18');
  });

  it('treats SQL-like strings in filters and slugs as plain text', async () => {
    for (const text of ["x' OR '1'='1", "'); DROP TABLE \"Article\"; --", '%', '_', '\\', '$1', '*/ SELECT 1 /*']) {
      const bySlug = await post(api.yoga, { query: 'query ($s: String!) { organization(slug: $s) { name } }', variables: { s: text } });
      expect(codes(bySlug), text).toEqual(['NOT_FOUND']);
      expect(bySlug.body.errors![0]!.message).toBe(`Organization "${text}" was not found`);
      const filtered = await post(api.yoga, {
        query: 'query ($t: String) { organizations(filter: { nameContains: $t }) { edges { node { name } } } articles(filter: { tag: $t }) { totalCount } }',
        variables: { t: text },
      });
      expect(filtered.body.errors, text).toBeUndefined();
      expect(filtered.body.data.articles.totalCount, text).toBe(0);
      // LIKE's wildcards are plain characters too: they find only the name that holds them.
      const names = filtered.body.data.organizations.edges.map((e: { node: { name: string } }) => e.node.name);
      expect(names, text).toEqual(WILDCARD_NAME.includes(text) ? [WILDCARD_NAME] : []);
    }
  });

  it('treats control characters in filters and slugs as plain text, and refuses NUL with BAD_USER_INPUT', async () => {
    const controls = ['\u0001', '\u0008', '\t\n\r', '\u001b[31m', '\u007f', '\u0085', '\u200b', '\u202e', '\ufeff', '\ud800'];
    for (const c of controls) {
      const text = `${orgSlug}${c}`;
      const bySlug = await post(api.yoga, { query: 'query ($s: String!) { organization(slug: $s) { name } }', variables: { s: text } });
      expect(codes(bySlug), JSON.stringify(c)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(bySlug.body)).not.toMatch(INTERNALS);
      const filtered = await post(api.yoga, {
        query: 'query ($t: String) { organizations(filter: { nameContains: $t }) { totalCount } articles(filter: { tag: $t }) { totalCount } }',
        variables: { t: text },
      });
      expect(filtered.body, JSON.stringify(c)).toEqual({ data: { organizations: { totalCount: 0 }, articles: { totalCount: 0 } } });
    }
    const nul = await post(api.yoga, { query: 'query ($t: String) { articles(filter: { tag: $t }) { totalCount } }', variables: { t: 'a\u0000b' } });
    expectRefused(nul, 400, 'BAD_USER_INPUT');
  });

  it('refuses simple cross-site requests (a form POST, a text/plain POST, a bare GET) with 403 CSRF_PREVENTED', async () => {
    const query = '{ organizations { totalCount } }';
    const simple = [
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query }).toString() },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) },
      { method: 'GET', headers: {}, url: `?query=${encodeURIComponent(query)}` },
    ];
    for (const { method, headers, body, url = '' } of simple) {
      const response = await api.yoga.fetch(`http://yoga/graphql${url}`, { method, headers: { origin: 'https://evil.example', ...headers }, body });
      expect(response.status, `${method} ${JSON.stringify(headers)}`).toBe(403);
      const answer = await response.json();
      expect(answer.errors[0].extensions.code).toBe('CSRF_PREVENTED');
      expect(answer.errors[0].message).toMatch(/application\/json/);
    }
    expect(api.statements).toEqual([]);

    // A GET that carries the header, and any JSON POST, are not simple requests: they pass.
    const get = await api.yoga.fetch(`http://yoga/graphql?query=${encodeURIComponent(query)}`, { headers: { [CSRF_HEADER]: '1' } });
    expect(get.status).toBe(200);
    expect((await post(api.yoga, { query })).status).toBe(200);
  });

  it('refuses introspection to anonymous callers in production with FORBIDDEN, and hides field suggestions', async () => {
    const production = createYogaServer({ prisma: api.db.prisma, limits: limitsFromEnv({ NODE_ENV: 'production' }).limits });
    for (const query of [
      '{ __schema { queryType { name } } }',
      '{ __type(name: "Organization") { fields { name } } }',
      '{ ...Schema } fragment Schema on Query { organizations { totalCount } __schema { types { name } } }',
    ]) {
      const answer = await post(production, { query });
      expectRefused(answer, 403, 'FORBIDDEN');
      expect(answer.body.errors![0]!.message).toBe('Introspection is limited to editors and admins on this server');
    }
    expect(api.statements).toEqual([]);
    const typename = await post(production, { query: '{ __typename organizations { totalCount } }' });
    expect(typename.body.data).toMatchObject({ __typename: 'Query' });

    const misspelt = await post(production, { query: '{ organizations { totalCont } }' });
    expect(misspelt.body.errors![0]!.message).toBe('Cannot query field "totalCont" on type "QueryOrganizationsConnection".');
    const development = await post(api.yoga, { query: '{ organizations { totalCont } }' });
    expect(development.body.errors![0]!.message).toMatch(/Did you mean "totalCount"\?/);
  });

  it('allows introspection in development', async () => {
    const answer = await post(api.yoga, { query: '{ __schema { queryType { name } } __type(name: "Organization") { name } }' });
    expect(answer.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } }, __type: { name: 'Organization' } } });
  });

  it('stops reading an oversized body over real HTTP, whether its length is declared or chunked', async () => {
    const server = createServer(api.yoga);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      // Declared: 1 MB announced, 16 KB sent; the answer must not wait for the rest.
      const declared = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024) },
      });
      declared.on('error', () => {});
      declared.write(`{"query":"{ __typename }${' '.repeat(16 * 1024)}`);
      const [first] = (await once(declared, 'response')) as [IncomingMessage];
      expect(first.statusCode).toBe(413);
      declared.destroy();

      // Chunked: 16 KB every 10 ms; the answer must come long before 1 MB has been sent.
      const chunked = httpRequest({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json' } });
      chunked.on('error', () => {});
      let sent = 0;
      let answered: IncomingMessage | undefined;
      chunked.once('response', (response: IncomingMessage) => (answered = response));
      chunked.write('{"query":"{ __typename }');
      while (!answered && sent < 1024 * 1024) {
        chunked.write(' '.repeat(16 * 1024));
        sent += 16 * 1024;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(answered?.statusCode).toBe(413);
      expect(sent).toBeLessThan(1024 * 1024);
      chunked.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

// A partner key limited to an organization subtree tries to reach content outside it. Nothing
// from outside appears anywhere in an answer (not an id, a slug or a name), and nothing is written.
describe.each(testBackends())('scope escapes on %s', (backend) => {
  let api: TestApi;
  let key: Record<string, string>;
  let before: DatabaseFingerprint;
  let inside: { org: { id: string; slug: string }; article: { id: string; slug: string }; achievement: { id: string } };
  let outside: { id: string; slug: string; name?: string }[];
  const gid = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString('base64url');

  beforeAll(async () => {
    api = await createTestApi(backend);
    const { prisma } = api.db;
    const top = await createOrganization(prisma);
    const org = await createOrganization(prisma, { parentId: top.id });
    const sibling = await createOrganization(prisma, { parentId: top.id });
    const series = await createSeries(prisma, top.id);
    const article = await createArticle(prisma, { seriesId: series.id, episode: 1, organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    const foreign = await createArticle(prisma, {
      seriesId: series.id,
      episode: 2,
      bodyText: `正文 ${sibling.name}`,
      organizations: [{ organizationId: sibling.id, role: 'SUBJECT' }],
    });
    const achievement = await createAchievement(prisma, { organizationId: org.id, citeArticle: article });
    const foreignAchievement = await createAchievement(prisma, { organizationId: sibling.id, citeArticle: foreign });
    await prisma.achievement.update({ where: { id: achievement.id }, data: { issuerId: top.id } });
    await prisma.citation.create({ data: { achievementId: achievement.id, articleId: foreign.id, excerpt: '正文', offset: 0 } });
    await prisma.articleOrganization.create({ data: { articleId: article.id, organizationId: sibling.id, role: 'MENTIONED' } });
    const { refreshSearchVectors } = await import('../src/search/vectors.js');
    await refreshSearchVectors(prisma, 'Organization', [top.id, org.id, sibling.id]);
    await refreshSearchVectors(prisma, 'Article', [article.id, foreign.id]);
    await refreshSearchVectors(prisma, 'Achievement', [achievement.id, foreignAchievement.id]);
    inside = { org, article, achievement };
    outside = [top, sibling, foreign, { id: foreignAchievement.id, slug: foreignAchievement.slug }];
    key = { 'x-api-key': (await createCredential(prisma, { kind: 'PARTNER', name: 'scoped', organizationSlug: org.slug })).secret };
    // The key's first use writes lastUsedAt; the cases below must write nothing at all.
    await post(api.yoga, { query: '{ viewer { kind } }' }, { headers: key });
  });
  afterAll(() => api?.close());
  beforeEach(async () => {
    before = await databaseFingerprint(api.db.prisma);
  });
  afterEach(async () => {
    expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
  });

  /** Runs the query as the scoped key and checks that nothing from outside the subtree is in the answer. */
  async function probe(query: string, variables: Record<string, unknown> = {}) {
    const answer = await post(api.yoga, { query, variables }, { headers: key });
    const text = JSON.stringify(answer.body);
    expect(text).not.toMatch(INTERNALS);
    for (const row of outside) {
      for (const value of [row.id, row.slug, row.name].filter((v): v is string => !!v)) expect(text, query).not.toContain(value);
    }
    expect(answer.status, text).toBeLessThan(500);
    return answer;
  }

  it('scope escapes through node: outside IDs are null, like missing ones, however they are asked for', async () => {
    for (const [typename, row] of [
      ['Organization', outside[0]!],
      ['Organization', outside[1]!],
      ['Article', outside[2]!],
      ['Achievement', outside[3]!],
    ] as const) {
      const answer = await probe('query ($id: ID!) { node(id: $id) { id } a: nodes(ids: [$id, $id]) { id } }', { id: gid(typename, row.id) });
      expect(answer.body).toEqual({ data: { node: null, a: [null, null] } });
    }
    // A well-formed ID of one type holding another type's row is no way round either.
    const crossed = await probe('query ($id: ID!) { node(id: $id) { id } }', { id: gid('Organization', outside[2]!.id) });
    expect(crossed.body).toEqual({ data: { node: null } });
  });

  it('scope escapes through nested relations: every edge out of the subtree ends in null or nothing', async () => {
    const answer = await probe(
      `query ($s: String!, $id: ID!) {
        organization(slug: $s) { parent { slug } ancestors { slug } children { totalCount }
          achievements(scope: SUBTREE) { edges { node { issuer { slug } issuerName citations { article { slug organizations { organization { slug parent { slug } } } } } } } }
          articles { edges { node { series { publisher { slug } articles { totalCount edges { node { slug } } } episode(number: 2) { slug } }
            next { slug } organizations { organization { slug } } achievements { organization { slug } } } } } }
        node(id: $id) { ... on Achievement { organization { parent { slug } } issuer { name } } }
        byDescendants: articles(filter: { organization: "${gid('Organization', outside[0]!.id)}", includeDescendants: true }) { totalCount }
        byParent: organizations(filter: { parent: "${gid('Organization', outside[0]!.id)}" }) { totalCount }
      }`,
      { s: inside.org.slug, id: gid('Achievement', inside.achievement.id) },
    );
    expect(answer.body.errors).toBeUndefined();
    const org = answer.body.data.organization;
    expect(org.parent).toBeNull();
    expect(org.ancestors).toEqual([]);
    expect(org.achievements.edges[0].node.issuer).toBeNull();
    expect(org.articles.edges[0].node.series).toMatchObject({ publisher: null, articles: { totalCount: 1 }, episode: null });
    expect(answer.body.data.byDescendants.totalCount).toBe(0);
    expect(answer.body.data.byParent.totalCount).toBe(0);
  });

  it('scope escapes through search: outside names, exact or partial, find nothing and count nothing', async () => {
    for (const q of [outside[1]!.name!, outside[0]!.name!, '测试检察院', '正文']) {
      const answer = await probe(
        'query ($q: String!) { search(query: $q, first: 100) { totalCount edges { cursor snippet { text } node { ... on Organization { slug name } ... on Article { slug bodyText } ... on Achievement { slug } } } } }',
        { q },
      );
      expect(answer.body.errors, q).toBeUndefined();
      expect(answer.body.data.search.totalCount).toBe(answer.body.data.search.edges.length);
    }
  });
});

// Rate limiting, in memory and in Redis. Redis is tested when it answers, and must answer in CI.
const stores = await testStores();

describe.each(stores)('rate limiting in %s', (kind) => {
  // Three requests per 2 s: one more every 667 ms once the burst is spent.
  const RATE = { max: 3, windowMs: 2_000 };
  let api: TestApi;
  let store: RateLimitStore;
  let before: DatabaseFingerprint;
  const partnerKeys: string[] = [];
  const limited = (limits: Partial<Limits> = {}) =>
    createYogaServer({ prisma: api.db.prisma, limits: { ...DEFAULT_LIMITS, rateLimit: RATE, ...limits }, rateLimitStore: store });
  // A fresh address each time: the buckets of one test never meet another's.
  let addresses = 0;
  const address = () => `198.51.100.${(addresses += 1)}`;
  // No database work, so that the requests of a burst take far less than 667 ms.
  const QUERY = { query: '{ __typename }' };

  beforeAll(async () => {
    store = kind === 'redis' ? createRedisRateLimitStore(REDIS_URL, { prefix: `test:ratelimit:${randomUUID()}:` }) : createMemoryRateLimitStore();
    api = await createTestApi('pglite');
    await createOrganization(api.db.prisma);
    for (let i = 0; i < 2; i += 1) {
      const { id, secret } = await createCredential(api.db.prisma, { kind: 'PARTNER', name: `rate-limited partner ${i}` });
      // Recently used already: the once-a-minute lastUsedAt write would otherwise change the
      // fingerprint that every test here compares.
      await api.db.prisma.credential.update({ where: { id }, data: { lastUsedAt: new Date(Date.now() + 3_600_000) } });
      partnerKeys.push(secret);
    }
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
  });
  beforeEach(async () => {
    before = await databaseFingerprint(api.db.prisma);
  });
  afterEach(async () => {
    expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
  });

  it('answers an address over its limit with 429, Retry-After and RateLimit headers, and lets it in again after the window', async () => {
    const yoga = limited();
    const from = address();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await post(yoga, QUERY, { from });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('RateLimit-Limit')).toBe('3');
      remaining.push(answer.headers.get('RateLimit-Remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await post(yoga, QUERY, { from });
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(refused.body.errors![0]!.message).toMatch(/^Too many requests: the limit is 3 per 2 s\. Retry in 1 s\.$/);
    expect(refused.headers.get('Retry-After')).toBe('1');
    expect(refused.headers.get('RateLimit-Remaining')).toBe('0');
    expect(Number(refused.headers.get('RateLimit-Reset'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('RateLimit-Policy')).toBe('3;w=2');
    // Another address is not affected.
    expect((await post(yoga, QUERY, { from: address() })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, RATE.windowMs + 50));
    const again = await post(yoga, QUERY, { from });
    expect(again.status).toBe(200);
    expect(again.headers.get('RateLimit-Remaining')).toBe('2');
  });

  it('counts each API key on its own, apart from the address it comes from', async () => {
    // A long window: on a loaded machine these nine requests may take longer than one refill.
    const yoga = limited({ rateLimit: { max: 3, windowMs: 60_000 } });
    const from = address();
    const key = { 'x-api-key': partnerKeys[0]! };
    for (let i = 0; i < 3; i += 1) expect((await post(yoga, QUERY, { from, headers: key })).status).toBe(200);
    expect((await post(yoga, QUERY, { from, headers: key })).status).toBe(429);
    // The same address without the key, another key, and the same secret as a bearer token.
    expect((await post(yoga, QUERY, { from })).status).toBe(200);
    expect((await post(yoga, QUERY, { from, headers: { 'x-api-key': partnerKeys[1]! } })).status).toBe(200);
    expect((await post(yoga, QUERY, { from, headers: { authorization: `Bearer ${key['x-api-key']}` } })).status).toBe(200);
    // The key is limited wherever it comes from.
    expect((await post(yoga, QUERY, { from: address(), headers: key })).status).toBe(429);
  });

  it('counts a batch as one request per operation', async () => {
    const yoga = limited();
    const from = address();
    expect((await post(yoga, [QUERY, QUERY], { from })).status).toBe(200);
    const refused = await post(yoga, [QUERY, QUERY], { from });
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('Retry-After')).toBe('1');
  });

  it('believes X-Forwarded-For only behind TRUST_PROXY, and then only the entry the proxy added', async () => {
    const proxy = address();
    const direct = limited({ rateLimit: { max: 1, windowMs: 60_000 } });
    expect((await post(direct, QUERY, { from: proxy, headers: { 'x-forwarded-for': '192.0.2.1' } })).status).toBe(200);
    expect((await post(direct, QUERY, { from: proxy, headers: { 'x-forwarded-for': '192.0.2.2' } })).status).toBe(429);

    const proxied = limited({ rateLimit: { max: 1, windowMs: 60_000 }, trustProxy: 1 });
    const [client, other] = ['192.0.2.1', '192.0.2.2'];
    expect((await post(proxied, QUERY, { from: proxy, headers: { 'x-forwarded-for': client } })).status).toBe(200);
    expect((await post(proxied, QUERY, { from: proxy, headers: { 'x-forwarded-for': other } })).status).toBe(200);
    // A client that writes its own X-Forwarded-For gets the proxy's entry appended, and is found out.
    expect((await post(proxied, QUERY, { from: proxy, headers: { 'x-forwarded-for': `10.9.8.7, ${client}` } })).status).toBe(429);
  });

  it('counts IPv6 callers by their /64', async () => {
    const yoga = limited({ rateLimit: { max: 1, windowMs: 60_000 } });
    const prefix = '2001:db8:7:1';
    expect((await post(yoga, QUERY, { from: `${prefix}::1` })).status).toBe(200);
    expect((await post(yoga, QUERY, { from: `${prefix}:ffff:ffff:ffff:fffe` })).status).toBe(429);
    expect((await post(yoga, QUERY, { from: `${prefix.replace(/:1$/, ':2')}::1` })).status).toBe(200);
  });
});

describe('rate limiting when Redis does not answer', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite');
  });
  afterAll(() => api?.close());

  it('counts requests in this process instead, rather than failing them or letting them all through', async () => {
    // Nothing listens on port 1 of the loopback interface.
    const store = createRedisRateLimitStore('redis://127.0.0.1:1', { prefix: `test:ratelimit:${randomUUID()}:` });
    try {
      expect(store.status()).toBe('down');
      const yoga = createYogaServer({ prisma: api.db.prisma, limits: { ...DEFAULT_LIMITS, rateLimit: { max: 1, windowMs: 60_000 } }, rateLimitStore: store });
      const first = await post(yoga, { query: '{ organizations { totalCount } }' }, { from: '192.0.2.77' });
      expect(first.status).toBe(200);
      expect(first.headers.get('RateLimit-Limit')).toBe('1');
      const second = await post(yoga, { query: '{ organizations { totalCount } }' }, { from: '192.0.2.77' });
      expect(second.status).toBe(429);
      expect(second.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await store.close().catch(() => {});
    }
  });
});
