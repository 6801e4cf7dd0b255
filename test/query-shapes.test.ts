import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  BenchQ1Document,
  BenchQ2Document,
  BenchQ3Document,
  BenchQ4Document,
  OrganizationLatestArticlesDocument,
  OrganizationsLatestAchievementsDocument,
} from './generated/graphql.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';

// The number of SQL statements a request issues must depend on the query's depth, never on the
// number of rows. These tests pin the counts of the key shapes, so an N+1 regression fails.

describe.each(testBackends())('query shapes on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(backend);
  });
  afterAll(() => api?.close());

  async function addOrganizationsWithAchievements(count: number) {
    for (let i = 0; i < count; i += 1) {
      const org = await createOrganization(api.db.prisma);
      const article = await createArticle(api.db.prisma, { organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
      for (let j = 0; j < 3; j += 1) {
        await createAchievement(api.db.prisma, {
          organizationId: org.id,
          occurredOn: new Date(Date.UTC(2020 + j, 0, 1)),
          citeArticle: article,
        });
      }
    }
  }

  it('loads one organization with its 20 latest articles and their series in a fixed number of statements', async () => {
    const org = await createOrganization(api.db.prisma);
    const series = await createSeries(api.db.prisma);
    for (let i = 1; i <= 25; i += 1) {
      await createArticle(api.db.prisma, {
        seriesId: series.id,
        episode: i,
        publishedAt: new Date(Date.UTC(2022, 0, i)),
        organizations: [{ organizationId: org.id, role: 'SUBJECT' }],
      });
    }
    for (const [path, expected] of [
      // One compiled statement (src/compiled/).
      [api, 1],
      // organization; the page of article ids; the articles with their series; the count.
      [api.prismaPath(), 4],
    ] as const) {
      api.resetStatements();
      const result = await path.execute(OrganizationLatestArticlesDocument, { slug: org.slug });
      expect(result.errors).toBeUndefined();
      const articles = result.data!.organization.articles;
      expect(articles.totalCount).toBe(25);
      expect(articles.edges).toHaveLength(20);
      expect(articles.edges[0]!.node.title).toMatch(/^文章/);
      expect(articles.edges.every((e) => e.node.series?.title === series.title)).toBe(true);
      expect(api.statements).toHaveLength(expected);
    }
  });

  it('loads every organization with its 10 latest achievements and their citations in statements that do not grow with the organizations', async () => {
    await addOrganizationsWithAchievements(3);
    const paths = [
      // One compiled statement (src/compiled/).
      { path: api, expected: 1 },
      // organizations; each one's page of achievement ids (one LATERAL query); the achievements
      // with their citations and articles (joined); the counts.
      { path: api.prismaPath(), expected: 4 },
    ];
    const run = async (path: TestApi) => {
      api.resetStatements();
      const result = await path.execute(OrganizationsLatestAchievementsDocument, { first: 100 });
      expect(result.errors).toBeUndefined();
      return { data: result.data!, count: api.statements.length };
    };
    const small = [await run(paths[0]!.path), await run(paths[1]!.path)];
    await addOrganizationsWithAchievements(12);
    for (const [i, { path, expected }] of paths.entries()) {
      const large = await run(path);
      expect(large.data.organizations.edges.length).toBe(small[i]!.data.organizations.edges.length + 12);
      const withAchievements = large.data.organizations.edges.filter((e) => e.node.achievements.totalCount === 3);
      expect(withAchievements.length).toBeGreaterThanOrEqual(15);
      for (const { node } of withAchievements) {
        expect(node.achievements.edges.map((e) => e.node.date)).toEqual(['2022-01-01', '2021-01-01', '2020-01-01']);
        expect(node.achievements.edges[0]!.node.citations[0]!.article.slug).toMatch(/^article-/);
      }
      expect(large.count).toBe(expected);
      expect(small[i]!.count).toBe(expected);
    }
  });
});

describe.each(testBackends())('the benchmark’s four shapes on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(backend);
  });
  afterAll(() => api?.close());

  /** Adds `n` organizations, each with a series of articles and achievements in 2020. */
  async function grow(n: number) {
    const made = [];
    for (let i = 0; i < n; i += 1) {
      const org = await createOrganization(api.db.prisma);
      const series = await createSeries(api.db.prisma, org.id);
      for (let episode = 1; episode <= 3; episode += 1) {
        const article = await createArticle(api.db.prisma, {
          seriesId: series.id,
          episode,
          organizations: [{ organizationId: org.id, role: 'SUBJECT' }],
        });
        await createAchievement(api.db.prisma, { organizationId: org.id, level: 'NATIONAL', occurredOn: new Date(Date.UTC(2020, episode, 1)), citeArticle: article });
      }
      made.push({ org, series });
    }
    return made;
  }

  async function count<R, V>(document: TypedDocumentNode<R, V>, variables: V, path: TestApi = api) {
    api.resetStatements();
    const result = await path.execute(document, variables);
    expect(result.errors).toBeUndefined();
    return { count: api.statements.length, data: result.data! };
  }

  async function countShapes(slugs: { org: string; series: string }, path: TestApi = api) {
    return {
      q1: await count(BenchQ1Document, { slug: slugs.org }, path),
      q2: await count(BenchQ2Document, {}, path),
      q3: await count(BenchQ3Document, { slug: slugs.series }, path),
      q4: await count(BenchQ4Document, { level: ['NATIONAL'], yearFrom: 2020, yearTo: 2020 }, path),
    };
  }

  it('issues the same small number of statements for each shape with 2 organizations or 12', async () => {
    const [first] = await grow(2);
    const slugs = { org: first!.org.slug, series: first!.series.slug };
    const prismaPath = api.prismaPath();
    const small = await countShapes(slugs);
    const smallPrisma = await countShapes(slugs, prismaPath);
    await grow(10);
    const large = await countShapes(slugs);
    const largePrisma = await countShapes(slugs, prismaPath);
    for (const shapes of [large, largePrisma]) {
      expect(shapes.q2.data.organizations.edges.length).toBe(small.q2.data.organizations.edges.length + 10);
      expect(shapes.q4.data.achievements.totalCount).toBe(small.q4.data.achievements.totalCount + 30);
      expect(shapes.q1.data.organization.achievements.totalCount).toBe(3);
      expect(shapes.q3.data.series.articles.edges.map((e) => e.node.episode)).toEqual([1, 2, 3]);
    }
    const counts = (s: typeof small) => [s.q1.count, s.q2.count, s.q3.count, s.q4.count];
    // Compiled: one statement per root field, each shape (src/compiled/).
    expect(counts(large)).toEqual([1, 1, 1, 1]);
    expect(counts(small)).toEqual([1, 1, 1, 1]);
    // The Prisma path, for what the compiler does not cover:
    // Q1: organization; its page of article ids; the articles with their series; the count.
    // Q2: organizations; their pages of achievement ids; the achievements.
    // Q3: the series with its articles (one joined statement).
    // Q4: the achievements with their organizations (joined); the count.
    expect(counts(largePrisma)).toEqual([4, 3, 1, 2]);
    expect(counts(smallPrisma)).toEqual([4, 3, 1, 2]);
  });

  it('does not read article bodies when a list asks for titles only', async () => {
    const [made] = await grow(1);
    await count(BenchQ3Document, { slug: made!.series.slug });
    expect(api.statements.join('\n')).not.toMatch(/"body"|"bodyText"/);
    const withBody = await api.execute(
      'query ($slug: String!) { series(slug: $slug) { episode(number: 1) { body { text } } } }',
      { slug: made!.series.slug },
    );
    expect(withBody.errors).toBeUndefined();
    expect(api.statements.join('\n')).toMatch(/"body"/);
  });
});
