import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';

// Each kind of bad input gets a clear 4xx or a GraphQL error with a stable code, never a 500 and
// never internals: no stack, no SQL, no Prisma text.

const INTERNALS = /prisma|select |insert |postgres|pglite|stack|at \w+ \(|\.ts:\d+|invalid input syntax/i;

function expectNoInternals(body: unknown) {
  expect(JSON.stringify(body)).not.toMatch(INTERNALS);
}

describe.each(testBackends())('bad input on %s', (backend) => {
  let api: TestApi;
  let orgSlug: string;
  let orgId: string;
  let seriesSlug: string;
  beforeAll(async () => {
    api = await createTestApi(backend);
    const org = await createOrganization(api.db.prisma);
    const series = await createSeries(api.db.prisma, org.id);
    const article = await createArticle(api.db.prisma, {
      seriesId: series.id,
      episode: 1,
      organizations: [{ organizationId: org.id, role: 'SUBJECT' }],
    });
    await createArticle(api.db.prisma, { seriesId: series.id, episode: 2 });
    await createAchievement(api.db.prisma, { organizationId: org.id, citeArticle: article });
    await createAchievement(api.db.prisma, { organizationId: org.id, citeArticle: article });
    orgSlug = org.slug;
    orgId = org.id;
    seriesSlug = series.slug;
  });
  afterAll(() => api?.close());

  it('answers a malformed JSON body with 400 and a clear message', async () => {
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ organizations { totalCount } ',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].message).toMatch(/JSON/i);
    expectNoInternals(body);
  });

  it('answers a body without a query with 400 under the GraphQL-over-HTTP media type', async () => {
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ variables: {} }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toMatch(/query/i);
  });

  it('rejects unknown fields with a validation error that names the field', async () => {
    const result = await api.execute('{ organizations { totalCount secretField } }');
    expect(result.status).toBe(400);
    expect(result.errors![0]!.message).toContain('secretField');
    expect(result.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.data).toBeUndefined();
  });

  it('rejects an invalid global ID with BAD_USER_INPUT', async () => {
    for (const id of ['not-an-id', encodeGlobalId('Organization', '42'), 'T3JnYW5pemF0aW9u', "'; DROP TABLE \"Article\"; --"]) {
      const result = await api.execute('query ($id: ID!) { node(id: $id) { id } }', { id });
      expect(result.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(/not a valid ID/);
      expectNoInternals(result);
    }
    expect(await api.db.prisma.article.count()).toBeGreaterThan(0);
  });

  it('returns null for a well-formed global ID that matches nothing', async () => {
    const result = await api.execute('query ($id: ID!) { node(id: $id) { id } }', {
      id: encodeGlobalId('Organization', '00000000-0000-7000-8000-000000000000'),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: null });
  });

  it('rejects a global ID of the wrong type where a typed ID is expected', async () => {
    const series = await api.db.prisma.series.findUniqueOrThrow({ where: { slug: seriesSlug } });
    const result = await api.execute(
      'query ($id: ID!) { articles(filter: { organization: $id }) { totalCount } }',
      { id: encodeGlobalId('Series', series.id) },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(/is not of type: Organization/);
    expectNoInternals(result);
  });

  it('rejects first: 1000 with BAD_USER_INPUT instead of silently capping it', async () => {
    const result = await api.execute('{ organizations(first: 1000) { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(/"first" must be at most 100/);
    expect(result.data).toBeNull();
  });

  it('rejects an oversized page on a nested connection too', async () => {
    const result = await api.execute('query ($slug: String!) { organization(slug: $slug) { achievements(first: 101) { totalCount } } }', {
      slug: orgSlug,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a negative first with BAD_USER_INPUT', async () => {
    const result = await api.execute('{ achievements(first: -1) { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(/"first" must not be negative/);
  });

  it('rejects a cursor from another connection with BAD_USER_INPUT', async () => {
    const orgs = await api.execute<{ organizations: { pageInfo: { endCursor: string } } }, unknown>(
      '{ organizations(first: 1) { pageInfo { endCursor } } }',
    );
    const foreign = orgs.data!.organizations.pageInfo.endCursor;
    const root = await api.execute('query ($after: String) { articles(after: $after) { totalCount } }', { after: foreign });
    expect(root.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(root.errors![0]!.message).toMatch(/cursor from another connection/);

    const nested = await api.execute(
      'query ($slug: String!, $after: String) { organization(slug: $slug) { achievements(after: $after) { totalCount } } }',
      { slug: orgSlug, after: foreign },
    );
    expect(nested.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a cursor that is not a cursor at all with BAD_USER_INPUT', async () => {
    for (const after of ['garbage', Buffer.from('GPC:S:not-a-uuid').toString('base64')]) {
      const result = await api.execute('query ($after: String) { articles(after: $after) { totalCount } }', { after });
      expect(result.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
      expectNoInternals(result);
    }
  });

  it('accepts a cursor from the same connection and pages on', async () => {
    const first = await api.execute<{ organization: { achievements: { pageInfo: { endCursor: string } } } }, unknown>(
      'query ($slug: String!) { organization(slug: $slug) { achievements(first: 1) { pageInfo { endCursor } } } }',
      { slug: orgSlug },
    );
    const after = first.data!.organization.achievements.pageInfo.endCursor;
    const next = await api.execute(
      'query ($slug: String!, $after: String) { organization(slug: $slug) { achievements(first: 1, after: $after) { edges { node { title } } pageInfo { hasNextPage } } } }',
      { slug: orgSlug, after },
    );
    expect(next.errors).toBeUndefined();
    expect(next.data).toMatchObject({ organization: { achievements: { edges: [{ node: {} }], pageInfo: { hasNextPage: false } } } });
  });

  it('answers an unknown slug with NOT_FOUND', async () => {
    const result = await api.execute('{ organization(slug: "no-such-org") { name } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(result.errors![0]!.message).toBe('Organization "no-such-org" was not found');
  });

  it('rejects an inverted year range with BAD_USER_INPUT', async () => {
    const result = await api.execute('{ achievements(filter: { yearFrom: 2023, yearTo: 2021 }) { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('treats SQL-like strings in filters as plain text', async () => {
    const result = await api.execute('query ($tag: String) { articles(filter: { tag: $tag }) { totalCount } }', {
      tag: "x' OR 1=1; --",
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ articles: { totalCount: 0 } });
    expect(await api.db.prisma.organization.findUnique({ where: { id: orgId } })).not.toBeNull();
  });

  it('rejects NUL characters, which PostgreSQL text cannot hold, with BAD_USER_INPUT', async () => {
    const viaVariable = await api.execute('query ($slug: String!) { organization(slug: $slug) { name } }', {
      slug: `${orgSlug}\u0000`,
    });
    expect(viaVariable.status).toBe(400);
    expect(viaVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const viaLiteral = await api.execute(`{ organization(slug: "${orgSlug}\\u0000") { name } }`);
    expect(viaLiteral.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expectNoInternals(viaLiteral);
  });
});
