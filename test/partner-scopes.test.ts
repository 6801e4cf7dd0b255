import { randomUUID } from 'node:crypto';
import { formatPrismaCursor } from '@pothos/plugin-prisma';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { createCredential } from '../src/auth/credentials.js';
import { createResponseCacheStore } from '../src/http/response-cache.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { refreshSearchVectors } from '../src/search/vectors.js';
import { BenchQ1Document, BenchQ2Document, BenchQ3Document, BenchQ4Document } from './generated/graphql.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';

// Partner scopes: a key limited to an organization subtree finds nothing outside it,
// and what lies outside answers exactly as what does not exist, on every route.

type Result = { status: number; data?: any; errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] };

/** A marker word of Latin letters: search matches it whole, and no other test's rows hold it. */
const marker = () => `zq${randomUUID().replace(/[^a-f]/g, '').slice(0, 10)}`;

/**
 * The tree the tests read: top → A → A1, and top → B. The partner key is scoped to A, so A and A1
 * are inside, top and B outside. Every kind of content exists on both sides, and some straddles
 * the border (an article linked to A and B, a series published by top with episodes of A1, B and A,
 * an achievement of A issued by top and cited by an article of B).
 */
async function buildTree(prisma: PrismaClient) {
  const word = marker();
  const org = (name: string, parentId?: string) => createOrganization(prisma, { name: `${name} ${word}`, parentId });
  const top = await org('顶层');
  const a = await org('甲院', top.id);
  const a1 = await org('甲一支部', a.id);
  const b = await org('乙院', top.id);
  const seriesA = await createSeries(prisma, a.id);
  const seriesB = await createSeries(prisma, b.id);
  const seriesTop = await createSeries(prisma, top.id);
  const source = await prisma.source.create({ data: { slug: `source-${word}`, name: '凉都检察', kind: 'WECHAT' } });
  const day = (d: number) => new Date(Date.UTC(2023, 0, d));
  const article = (data: Parameters<typeof createArticle>[1]) => createArticle(prisma, { bodyText: `正文 ${word}`, ...data });
  const subject = (o: { id: string }) => ({ organizationId: o.id, role: 'SUBJECT' as const });
  const articles = {
    a1: await article({ seriesId: seriesA.id, episode: 1, publishedAt: day(1), organizations: [subject(a)] }),
    a2: await article({ seriesId: seriesA.id, episode: 2, publishedAt: day(2), organizations: [subject(a1)] }),
    aDraft: await article({ seriesId: seriesA.id, episode: 3, publishedAt: day(3), status: 'DRAFT', organizations: [subject(a)] }),
    shared: await article({
      publishedAt: day(4),
      organizations: [subject(a), { organizationId: b.id, role: 'MENTIONED' }],
    }),
    b1: await article({ seriesId: seriesB.id, episode: 1, publishedAt: day(5), organizations: [subject(b)] }),
    x1: await article({ seriesId: seriesTop.id, episode: 1, publishedAt: day(6), organizations: [subject(a1)] }),
    x2: await article({ seriesId: seriesTop.id, episode: 2, publishedAt: day(7), organizations: [subject(b)] }),
    x3: await article({ seriesId: seriesTop.id, episode: 3, publishedAt: day(8), organizations: [subject(a)] }),
  };
  await prisma.article.updateMany({ where: { id: { in: [articles.a1.id, articles.b1.id] } }, data: { sourceId: source.id } });
  const achievements = {
    a: await createAchievement(prisma, { organizationId: a.id, occurredOn: day(10), citeArticle: articles.a1 }),
    a1: await createAchievement(prisma, { organizationId: a1.id, occurredOn: day(11), citeArticle: articles.a2 }),
    b: await createAchievement(prisma, { organizationId: b.id, occurredOn: day(12), citeArticle: articles.shared }),
  };
  // Achievement A is issued by top (outside) and also cited by B's article; A1's by A (inside).
  await prisma.achievement.update({ where: { id: achievements.a.id }, data: { issuerId: top.id } });
  await prisma.achievement.update({ where: { id: achievements.a1.id }, data: { issuerId: a.id, issuerName: '甲院' } });
  await prisma.citation.create({
    data: { achievementId: achievements.a.id, articleId: articles.b1.id, excerpt: articles.b1.bodyText.slice(0, 2), offset: 0 },
  });
  for (const h of Object.values(achievements)) {
    await prisma.achievement.update({ where: { id: h.id }, data: { description: `说明 ${word}` } });
  }
  await refreshSearchVectors(prisma, 'Organization', [top.id, a.id, a1.id, b.id]);
  await refreshSearchVectors(prisma, 'Article', Object.values(articles).map((x) => x.id));
  await refreshSearchVectors(prisma, 'Achievement', Object.values(achievements).map((x) => x.id));
  return { word, top, a, a1, b, seriesA, seriesB, seriesTop, source, articles, achievements };
}

const gid = (typename: string, id: string) => encodeGlobalId(typename, id);
const missing = (typename: string) => gid(typename, randomUUID());

/** The response with `from` replaced by `to` in every error message: slugs appear in NOT_FOUND messages. */
function renamed(result: Result, from: string, to: string): Result {
  return JSON.parse(JSON.stringify(result).replaceAll(from, to)) as Result;
}

describe.each(testBackends())('partner scopes on %s', (backend) => {
  let api: TestApi;
  let tree: Awaited<ReturnType<typeof buildTree>>;
  let partner: Record<string, string>;
  let unscoped: Record<string, string>;
  let editor: Record<string, string>;

  beforeAll(async () => {
    api = await createTestApi(backend);
    const { prisma } = api.db;
    tree = await buildTree(prisma);
    const key = async (input: Parameters<typeof createCredential>[1]) => ({ 'x-api-key': (await createCredential(prisma, input)).secret });
    partner = await key({ kind: 'PARTNER', name: 'scoped partner', organizationSlug: tree.a.slug });
    unscoped = await key({ kind: 'PARTNER', name: 'unscoped partner' });
    editor = await key({ kind: 'EDITOR', name: 'an editor' });
    // Each key's first use writes lastUsedAt; the statement counts below must not see that.
    for (const headers of [partner, unscoped, editor]) await api.execute('{ viewer { kind } }', {}, headers);
  });
  afterAll(() => api?.close());

  // One request id throughout: answers compared for equality differ in nothing else.
  const run = (query: string, variables: Record<string, unknown> = {}, headers = partner) =>
    api.execute(query, variables, { 'x-request-id': 'partner-scopes', ...headers }) as Promise<Result>;
  async function data(query: string, variables: Record<string, unknown> = {}, headers = partner) {
    const result = await run(query, variables, headers);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data;
  }
  const slugsOf = (connection: { edges: { node: { slug: string } }[] }) => connection.edges.map((e) => e.node.slug).sort();
  const sorted = (...rows: { slug: string }[]) => rows.map((r) => r.slug).sort();

  describe('root lists', () => {
    it('lists only the organizations of the subtree, with counts and pages to match', async () => {
      const q = `query ($w: String, $after: String) { organizations(first: 1, after: $after, filter: { nameContains: $w }) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { slug } } } }`;
      const first = (await data(q, { w: tree.word })).organizations;
      expect(first.totalCount).toBe(2);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = (await data(q, { w: tree.word, after: first.pageInfo.endCursor })).organizations;
      expect(second.pageInfo.hasNextPage).toBe(false);
      expect([...slugsOf(first), ...slugsOf(second)].sort()).toEqual(sorted(tree.a, tree.a1));
      // The same list for a key without a scope holds all four.
      expect((await data(q, { w: tree.word }, unscoped)).organizations.totalCount).toBe(4);
    });

    it('lists only readable articles linked into the subtree, counted alike', async () => {
      const q = `{ articles(first: 100) { totalCount edges { node { slug } } } }`;
      const { a1, a2, shared, x1, x3 } = tree.articles;
      const all = (await data(q)).articles;
      expect(slugsOf(all)).toEqual(sorted(a1, a2, shared, x1, x3));
      expect(all.totalCount).toBe(5);
      expect((await data(q, {}, unscoped)).articles.totalCount).toBe(7);
      expect((await data(q, {}, editor)).articles.totalCount).toBe(8);
    });

    it('lists only the achievements and series of the subtree', async () => {
      const achievements = (await data(`{ achievements(first: 100) { totalCount edges { node { slug } } } }`)).achievements;
      expect(slugsOf(achievements)).toEqual(sorted(tree.achievements.a, tree.achievements.a1));
      expect(achievements.totalCount).toBe(2);
      // The series published by top is in scope through its articles of A and A1; B's is not.
      const series = (await data(`{ seriesList(first: 100) { totalCount edges { node { slug } } } }`)).seriesList;
      expect(slugsOf(series)).toEqual(sorted(tree.seriesA, tree.seriesTop));
      expect(series.totalCount).toBe(2);
    });

    it('answers a filter naming an organization outside the subtree as one naming a missing organization', async () => {
      const queries = [
        `query ($o: ID!) { organizations(filter: { parent: $o }) { totalCount edges { node { slug } } } }`,
        `query ($o: ID!) { articles(filter: { organization: $o }) { totalCount edges { node { slug } } } }`,
        `query ($o: ID!) { articles(filter: { organization: $o, includeDescendants: true }) { totalCount edges { node { slug } } } }`,
        `query ($o: ID!) { achievements(filter: { organization: $o }) { totalCount edges { node { slug } } } }`,
        `query ($o: ID!) { seriesList(filter: { publisher: $o }) { totalCount edges { node { slug } } } }`,
      ];
      for (const q of queries) {
        const none = await run(q, { o: missing('Organization') });
        for (const outside of [tree.top, tree.b]) {
          expect(await run(q, { o: gid('Organization', outside.id) }), q).toEqual(none);
        }
      }
      // The filters themselves work inside the subtree (the equalities above are not vacuous).
      expect((await data(queries[0]!, { o: gid('Organization', tree.a.id) })).organizations.totalCount).toBe(1);
      expect((await data(queries[2]!, { o: gid('Organization', tree.a.id) })).articles.totalCount).toBe(5);
      expect((await data(queries[4]!, { o: gid('Organization', tree.top.id) }, unscoped)).seriesList.totalCount).toBe(1);
      expect((await data(queries[2]!, { o: gid('Organization', tree.top.id) }, unscoped)).articles.totalCount).toBe(7);
    });
  });

  describe('node, nodes and the slug roots', () => {
    it('answers node(id:) for content outside the subtree, or a draft, exactly as for a missing ID', async () => {
      const q = `query ($id: ID!) { node(id: $id) { id __typename } }`;
      const outside: [string, string][] = [
        ['Organization', tree.top.id],
        ['Organization', tree.b.id],
        ['Article', tree.articles.b1.id],
        ['Article', tree.articles.x2.id],
        ['Article', tree.articles.aDraft.id],
        ['Achievement', tree.achievements.b.id],
        ['Series', tree.seriesB.id],
      ];
      for (const [typename, id] of outside) {
        const none = await run(q, { id: missing(typename) });
        expect(none).toEqual({ status: 200, data: { node: null } });
        expect(await run(q, { id: gid(typename, id) }), `${typename} ${id}`).toEqual(none);
        // The same ID is there for a key without a scope (editors also see the draft).
        expect((await data(q, { id: gid(typename, id) }, editor)).node.id).toBe(gid(typename, id));
      }
      const inside = await data(q, { id: gid('Series', tree.seriesTop.id) });
      expect(inside.node.__typename).toBe('Series');
    });

    it('answers nodes(ids:) with null for each ID outside the subtree, as for a missing one', async () => {
      const ids = [gid('Organization', tree.a1.id), gid('Organization', tree.b.id), missing('Organization'), gid('Achievement', tree.achievements.b.id)];
      const result = await data(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      expect(result.nodes).toEqual([{ id: ids[0] }, null, null, null]);
    });

    it('fails organization, article and series by slug with the NOT_FOUND a missing slug gets', async () => {
      const cases: [string, string][] = [
        ['query ($s: String!) { organization(slug: $s) { name } }', tree.b.slug],
        ['query ($s: String!) { organization(slug: $s) { name } }', tree.top.slug],
        ['query ($s: String!) { article(slug: $s) { title } }', tree.articles.b1.slug],
        ['query ($s: String!) { article(slug: $s) { title } }', tree.articles.aDraft.slug],
        ['query ($s: String!) { series(slug: $s) { title } }', tree.seriesB.slug],
      ];
      for (const [q, slug] of cases) {
        const none = await run(q, { s: `missing-${slug}` });
        expect(none.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
        expect(renamed(await run(q, { s: slug }), slug, `missing-${slug}`), slug).toEqual(none);
        const forEditor = await run(q, { s: slug }, editor);
        expect(forEditor.errors, slug).toBeUndefined();
      }
    });
  });

  describe('nested relations', () => {
    it('ends the tree at the subtree’s root: no parent, no ancestors above it', async () => {
      const q = `query ($s: String!) { organization(slug: $s) { parent { slug } ancestors { slug } children { totalCount edges { node { slug } } } } }`;
      const a = (await data(q, { s: tree.a.slug })).organization;
      // Exactly what a root organization answers.
      expect(a).toEqual({ parent: null, ancestors: [], children: { totalCount: 1, edges: [{ node: { slug: tree.a1.slug } }] } });
      const topForOthers = (await data(q, { s: tree.top.slug }, unscoped)).organization;
      expect({ parent: topForOthers.parent, ancestors: topForOthers.ancestors }).toEqual({ parent: null, ancestors: [] });
      const a1 = (await data(q, { s: tree.a1.slug })).organization;
      expect(a1.parent).toEqual({ slug: tree.a.slug });
      expect(a1.ancestors).toEqual([{ slug: tree.a.slug }]);
      // Without a scope the trail goes on to top.
      expect((await data(q, { s: tree.a.slug }, unscoped)).organization.parent).toEqual({ slug: tree.top.slug });
    });

    it('hides an issuer outside the subtree as if it were not in the graph', async () => {
      const q = `query ($id: ID!) { node(id: $id) { ... on Achievement { organization { slug } issuer { slug } issuerName
        citations { article { slug } } } } }`;
      const a = (await data(q, { id: gid('Achievement', tree.achievements.a.id) })).node;
      expect(a).toEqual({
        organization: { slug: tree.a.slug },
        issuer: null,
        issuerName: null,
        // Cited by A's article and by B's: only A's is in the subtree.
        citations: [{ article: { slug: tree.articles.a1.slug } }],
      });
      const forOthers = (await data(q, { id: gid('Achievement', tree.achievements.a.id) }, unscoped)).node;
      expect(forOthers.issuer).toEqual({ slug: tree.top.slug });
      expect(forOthers.issuerName).toBe(tree.top.name);
      expect(forOthers.citations).toHaveLength(2);
      const a1 = (await data(q, { id: gid('Achievement', tree.achievements.a1.id) })).node;
      expect(a1.issuer).toEqual({ slug: tree.a.slug });
      expect(a1.issuerName).toBe(tree.a.name);
    });

    it('shows an article’s links, achievements and neighbours only inside the subtree', async () => {
      const q = `query ($s: String!) { article(slug: $s) { organizations { role organization { slug } }
        achievements { slug } series { slug publisher { slug } } previous { slug } next { slug } } }`;
      const shared = (await data(q, { s: tree.articles.shared.slug })).article;
      expect(shared.organizations).toEqual([{ role: 'SUBJECT', organization: { slug: tree.a.slug } }]);
      expect(shared.achievements).toEqual([]);
      expect((await data(q, { s: tree.articles.shared.slug }, unscoped)).article.organizations).toHaveLength(2);
      expect((await data(q, { s: tree.articles.shared.slug }, unscoped)).article.achievements).toEqual([{ slug: tree.achievements.b.slug }]);
      // Episode 2 of top's series is B's: episodes 1 and 3 are each other's neighbours.
      const x1 = (await data(q, { s: tree.articles.x1.slug })).article;
      expect(x1).toMatchObject({ series: { slug: tree.seriesTop.slug, publisher: null }, previous: null, next: { slug: tree.articles.x3.slug } });
      const x3 = (await data(q, { s: tree.articles.x3.slug })).article;
      expect(x3.previous).toEqual({ slug: tree.articles.x1.slug });
      expect((await data(q, { s: tree.articles.x1.slug }, unscoped)).article.next).toEqual({ slug: tree.articles.x2.slug });
      // The draft episode 3 of A's series is no neighbour either, but it is for an editor.
      expect((await data(q, { s: tree.articles.a2.slug })).article.next).toBeNull();
      expect((await data(q, { s: tree.articles.a2.slug }, editor)).article.next).toEqual({ slug: tree.articles.aDraft.slug });
      expect((await data(q, { s: tree.articles.a1.slug })).article.achievements).toEqual([{ slug: tree.achievements.a.slug }]);
    });

    it('counts and pages a series’ articles inside the subtree only, and finds no episode outside it', async () => {
      const q = `query ($s: String!, $n: Int!, $after: String) { series(slug: $s) { publisher { slug } articleCount
        episode(number: $n) { slug } articles(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { slug } } } } }`;
      const first = (await data(q, { s: tree.seriesTop.slug, n: 2 })).series;
      expect(first).toMatchObject({ publisher: null, articleCount: 2, episode: null, articles: { totalCount: 2, pageInfo: { hasNextPage: true } } });
      expect(first.articles.edges).toEqual([{ node: { slug: tree.articles.x1.slug } }]);
      const second = (await data(q, { s: tree.seriesTop.slug, n: 2, after: first.articles.pageInfo.endCursor })).series;
      expect(second.articles.edges).toEqual([{ node: { slug: tree.articles.x3.slug } }]);
      expect(second.articles.pageInfo.hasNextPage).toBe(false);
      // Episode 2 is there for others; A's series hides its draft from partners alone.
      expect((await data(q, { s: tree.seriesTop.slug, n: 2 }, unscoped)).series).toMatchObject({ articleCount: 3, episode: { slug: tree.articles.x2.slug } });
      const seriesA = (await data(q, { s: tree.seriesA.slug, n: 3 })).series;
      expect(seriesA).toMatchObject({ publisher: { slug: tree.a.slug }, articleCount: 2, episode: null });
      expect((await data(q, { s: tree.seriesA.slug, n: 3 }, editor)).series).toMatchObject({ articleCount: 3, episode: { slug: tree.articles.aDraft.slug } });
    });

    it('keeps an organization’s articles, achievements and statistics inside the subtree, drafts left out', async () => {
      const q = `query ($s: String!) { organization(slug: $s) {
        articles(first: 100) { totalCount edges { node { slug } } }
        achievements(scope: SUBTREE, first: 100) { totalCount edges { node { slug } } }
        achievementStats(groupBy: KIND, scope: SUBTREE) { key count } } }`;
      const a = (await data(q, { s: tree.a.slug })).organization;
      const { a1, shared, x3 } = tree.articles;
      expect(slugsOf(a.articles)).toEqual(sorted(a1, shared, x3));
      expect(a.articles.totalCount).toBe(3);
      expect(slugsOf(a.achievements)).toEqual(sorted(tree.achievements.a, tree.achievements.a1));
      expect(a.achievements.totalCount).toBe(2);
      expect(a.achievementStats).toEqual([{ key: 'HONOR', count: 2 }]);
      // For others top's subtree holds all three achievements; editors also see A's draft.
      const top = (await data(q, { s: tree.top.slug }, unscoped)).organization;
      expect(top.achievementStats).toEqual([{ key: 'HONOR', count: 3 }]);
      expect((await data(q, { s: tree.a.slug }, editor)).organization.articles.totalCount).toBe(4);
    });

    it('lists a source’s articles inside the subtree only', async () => {
      const q = `query ($id: ID!) { node(id: $id) { ... on Source { name articles { totalCount edges { node { slug } } } } } }`;
      const source = (await data(q, { id: gid('Source', tree.source.id) })).node;
      expect(source).toEqual({ name: '凉都检察', articles: { totalCount: 1, edges: [{ node: { slug: tree.articles.a1.slug } }] } });
      expect((await data(q, { id: gid('Source', tree.source.id) }, unscoped)).node.articles.totalCount).toBe(2);
    });
  });

  describe('search', () => {
    it('finds only content inside the subtree, and counts it alike', async () => {
      const q = `query ($q: String!) { search(query: $q, first: 100) { totalCount edges { node {
        ... on Article { slug } ... on Organization { slug } ... on Achievement { slug } } } } }`;
      const result = (await data(q, { q: tree.word })).search;
      const { a1, a2, shared, x1, x3 } = tree.articles;
      expect(slugsOf(result)).toEqual(sorted(tree.a, tree.a1, a1, a2, shared, x1, x3, tree.achievements.a, tree.achievements.a1));
      expect(result.totalCount).toBe(9);
      expect((await data(q, { q: tree.word }, unscoped)).search.totalCount).toBe(4 + 7 + 3);
    });
  });

  describe('cursors', () => {
    it('refuses a cursor of a row outside the subtree as it refuses a cursor of a missing row', async () => {
      const cases: [string, string][] = [
        ['{ articles(after: "%") { totalCount } }', tree.articles.b1.id],
        ['{ articles(after: "%") { totalCount } }', tree.articles.aDraft.id],
        ['{ organizations(after: "%") { totalCount } }', tree.b.id],
        ['{ achievements(after: "%") { totalCount } }', tree.achievements.b.id],
        ['{ seriesList(after: "%") { totalCount } }', tree.seriesB.id],
      ];
      for (const [q, id] of cases) {
        const none = await run(q.replace('%', formatPrismaCursor({ id: randomUUID() }, 'id')));
        expect(none.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
        expect(await run(q.replace('%', formatPrismaCursor({ id }, 'id'))), q).toEqual(none);
        expect((await run(q.replace('%', formatPrismaCursor({ id }, 'id')), {}, editor)).errors, q).toBeUndefined();
      }
    });
  });

  it('costs one more statement than an unscoped key for the same organization profile', async () => {
    const q = `query ($s: String!) { organization(slug: $s) { name parent { slug } children { edges { node { slug } } }
      articles(first: 5) { totalCount edges { node { title series { title } } } }
      achievements(first: 5) { edges { node { title issuer { slug } citations { article { slug } } } } } } }`;
    const count = async (headers: Record<string, string>) => {
      api.resetStatements();
      await data(q, { s: tree.a.slug }, headers);
      return api.statements.length;
    };
    const scoped = await count(partner);
    const plain = await count(unscoped);
    // Both: credential; organization with children; its article page, articles, count;
    // achievement page, achievements. The scoped key adds its subtree lookup.
    expect(scoped).toBe(plain + 1);
  });

  it('runs the benchmark’s four shapes for a scoped key in one statement more than for an unscoped one', async () => {
    const shapes = [
      [BenchQ1Document, { slug: tree.a.slug }],
      [BenchQ2Document, {}],
      [BenchQ3Document, { slug: tree.seriesTop.slug }],
      [BenchQ4Document, { level: ['MUNICIPAL'], yearFrom: 2023, yearTo: 2023 }],
    ] as const;
    const counts = async (headers: Record<string, string>, path: TestApi = api) => {
      const found: number[] = [];
      for (const [document, variables] of shapes) {
        api.resetStatements();
        const result = await path.execute(document as TypedDocumentNode<unknown, Record<string, unknown>>, variables, headers);
        expect(result.errors).toBeUndefined();
        found.push(api.statements.length);
      }
      return found;
    };
    // Unscoped: the credential's row, then the shapes' own statements as test/query-shapes.test.ts
    // pins them; scoped: one more, the subtree, whatever the shape. Compiled, each shape is one
    // statement (Q3's series for a scoped key takes the Prisma path: one joined statement too).
    expect(await counts(unscoped)).toEqual([2, 2, 2, 2]);
    expect(await counts(partner)).toEqual([3, 3, 3, 3]);
    const prismaPath = api.prismaPath();
    expect(await counts(unscoped, prismaPath)).toEqual([5, 4, 2, 3]);
    expect(await counts(partner, prismaPath)).toEqual([6, 5, 3, 4]);
  });
});

describe('partner scopes with the response cache on', () => {
  let api: TestApi;
  let tree: Awaited<ReturnType<typeof buildTree>>;
  let partner: Record<string, string>;

  beforeAll(async () => {
    api = await createTestApi('pglite', { responseCache: { cache: createResponseCacheStore('').cache, ttlMs: 60_000 } });
    tree = await buildTree(api.db.prisma);
    partner = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'scoped', organizationSlug: tree.a.slug })).secret };
  });
  afterAll(() => api?.close());

  it('never answers a scoped key from a response cached for another caller', async () => {
    const q = `query ($w: String) { organizations(filter: { nameContains: $w }) { totalCount } }`;
    const anonymous = (await api.execute(q, { w: tree.word })) as Result & { extensions?: any };
    expect(anonymous.data.organizations.totalCount).toBe(4);
    const again = (await api.execute(q, { w: tree.word })) as Result & { extensions?: any };
    expect(again.extensions?.responseCache?.hit).toBe(true);
    const scoped = (await api.execute(q, { w: tree.word }, partner)) as Result & { extensions?: any };
    expect(scoped.data.organizations.totalCount).toBe(2);
    expect(scoped.extensions?.responseCache?.hit).not.toBe(true);
    // And the other way round: the scoped answer, once cached, is the scoped key's alone.
    expect(((await api.execute(q, { w: tree.word }, partner)) as Result & { extensions?: any }).extensions?.responseCache?.hit).toBe(true);
    expect(((await api.execute(q, { w: tree.word })) as Result).data.organizations.totalCount).toBe(4);
  });
});
