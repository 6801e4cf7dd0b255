import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Organization } from '../src/generated/prisma/client.js';
import { EveryOrganizationRollupDocument, OrganizationRollupDocument, OrganizationStatsDocument } from './generated/graphql.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization } from './support/factory.js';

// A hand-built tree, so every rollup can be checked against numbers worked out by hand:
//
//   root (2019 NATIONAL)
//   ├── left (2020 PROVINCIAL, 2021 PROVINCIAL)
//   │   └── leaf (2021 MUNICIPAL, undated DISTRICT)
//   └── right (none)

describe.each(testBackends())('organization rollups on %s', (backend) => {
  let api: TestApi;
  let tree: Record<'root' | 'left' | 'leaf' | 'right', Organization>;
  const year = (y: number, m = 6) => new Date(Date.UTC(y, m - 1, 1));

  beforeAll(async () => {
    api = await createTestApi(backend);
    const { prisma } = api.db;
    const root = await createOrganization(prisma, { level: 'NATIONAL' });
    const left = await createOrganization(prisma, { level: 'PROVINCIAL', parentId: root.id });
    const right = await createOrganization(prisma, { level: 'PROVINCIAL', parentId: root.id });
    const leaf = await createOrganization(prisma, { level: 'MUNICIPAL', parentId: left.id });
    tree = { root, left, leaf, right };
    await createAchievement(prisma, { organizationId: root.id, level: 'NATIONAL', occurredOn: year(2019) });
    await createAchievement(prisma, { organizationId: left.id, level: 'PROVINCIAL', occurredOn: year(2020) });
    await createAchievement(prisma, { organizationId: left.id, level: 'PROVINCIAL', occurredOn: year(2021, 3) });
    await createAchievement(prisma, { organizationId: leaf.id, level: 'MUNICIPAL', occurredOn: year(2021, 9) });
    await createAchievement(prisma, { organizationId: leaf.id, level: 'DISTRICT' });
  });
  afterAll(() => api?.close());

  async function rollup(slug: string, variables: Record<string, unknown> = {}) {
    const result = await api.execute(OrganizationRollupDocument, { slug, ...variables });
    expect(result.errors).toBeUndefined();
    return result.data!.organization.achievements;
  }

  it('counts an organization’s own achievements with scope SELF, and its subtree’s with SUBTREE', async () => {
    expect((await rollup(tree.root.slug, { scope: 'SELF' })).totalCount).toBe(1);
    expect((await rollup(tree.root.slug, { scope: 'SUBTREE' })).totalCount).toBe(5);
    expect((await rollup(tree.left.slug, { scope: 'SUBTREE' })).totalCount).toBe(4);
    expect((await rollup(tree.leaf.slug, { scope: 'SUBTREE' })).totalCount).toBe(2);
    expect((await rollup(tree.right.slug, { scope: 'SUBTREE' })).totalCount).toBe(0);
    expect((await rollup(tree.left.slug)).totalCount).toBe(2);
  });

  it('lists a subtree’s achievements newest first with undated ones last, and pages through them', async () => {
    const all = await rollup(tree.root.slug, { scope: 'SUBTREE' });
    expect(all.edges.map((e) => [e.node.date, e.node.organization.slug])).toEqual([
      ['2021-09-01', tree.leaf.slug],
      ['2021-03-01', tree.left.slug],
      ['2020-06-01', tree.left.slug],
      ['2019-06-01', tree.root.slug],
      [null, tree.leaf.slug],
    ]);
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let i = 0; i < 5; i += 1) {
      const page = await rollup(tree.root.slug, { scope: 'SUBTREE', first: 2, after });
      seen.push(...page.edges.map((e) => e.node.slug));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.edges.map((e) => e.node.slug));
  });

  it('filters a subtree rollup by level and by year range', async () => {
    expect((await rollup(tree.root.slug, { scope: 'SUBTREE', filter: { level: ['PROVINCIAL'] } })).totalCount).toBe(2);
    const y2021 = await rollup(tree.root.slug, { scope: 'SUBTREE', filter: { yearFrom: 2021, yearTo: 2021 } });
    expect(y2021.totalCount).toBe(2);
    expect(y2021.edges.map((e) => e.node.date)).toEqual(['2021-09-01', '2021-03-01']);
    const range = await rollup(tree.root.slug, { scope: 'SUBTREE', filter: { from: '2020-01-01', to: '2021-06-30' } });
    expect(range.edges.map((e) => e.node.date)).toEqual(['2021-03-01', '2020-06-01']);
  });

  it('groups a subtree’s achievements by year, level and kind in SQL', async () => {
    const stats = async (groupBy: 'YEAR' | 'LEVEL' | 'KIND', scope: 'SELF' | 'SUBTREE') => {
      const result = await api.execute(OrganizationStatsDocument, { slug: tree.root.slug, groupBy, scope });
      expect(result.errors).toBeUndefined();
      return result.data!.organization.achievementStats;
    };
    expect(await stats('YEAR', 'SUBTREE')).toEqual([
      { key: '2019', count: 1 },
      { key: '2020', count: 1 },
      { key: '2021', count: 2 },
      { key: null, count: 1 },
    ]);
    expect(await stats('LEVEL', 'SUBTREE')).toEqual([
      { key: 'NATIONAL', count: 1 },
      { key: 'PROVINCIAL', count: 2 },
      { key: 'MUNICIPAL', count: 1 },
      { key: 'DISTRICT', count: 1 },
    ]);
    expect(await stats('KIND', 'SUBTREE')).toEqual([{ key: 'HONOR', count: 5 }]);
    expect(await stats('YEAR', 'SELF')).toEqual([{ key: '2019', count: 1 }]);
  });

  it('finds articles linked anywhere in an organization’s subtree with includeDescendants', async () => {
    const { prisma } = api.db;
    const onLeaf = await createArticle(prisma, { organizations: [{ organizationId: tree.leaf.id, role: 'SUBJECT' }] });
    const onRoot = await createArticle(prisma, { organizations: [{ organizationId: tree.root.id, role: 'SUBJECT' }] });
    const ids = await api.execute<{ organization: { id: string } }, unknown>('query ($slug: String!) { organization(slug: $slug) { id } }', {
      slug: tree.left.slug,
    });
    const query = 'query ($filter: ArticleFilter) { articles(filter: $filter) { totalCount edges { node { slug } } } }';
    const own = await api.execute<{ articles: { totalCount: number; edges: { node: { slug: string } }[] } }, unknown>(query, {
      filter: { organization: ids.data!.organization.id },
    });
    expect(own.data!.articles.totalCount).toBe(0);
    const subtree = await api.execute<{ articles: { totalCount: number; edges: { node: { slug: string } }[] } }, unknown>(query, {
      filter: { organization: ids.data!.organization.id, includeDescendants: true },
    });
    expect(subtree.data!.articles.edges.map((e) => e.node.slug)).toEqual([onLeaf.slug]);
    expect(onRoot.slug).not.toBe(onLeaf.slug);
  });

  it('rolls up every organization’s subtree with the same statement count for 4 organizations or 14', async () => {
    api.resetStatements();
    const before = await api.execute(EveryOrganizationRollupDocument);
    expect(before.errors).toBeUndefined();
    const count = api.statements.length;
    for (let i = 0; i < 10; i += 1) {
      const org = await createOrganization(api.db.prisma, { parentId: tree.right.id });
      await createAchievement(api.db.prisma, { organizationId: org.id, occurredOn: year(2022) });
    }
    api.resetStatements();
    const after = await api.execute(EveryOrganizationRollupDocument);
    expect(after.errors).toBeUndefined();
    const right = after.data!.organizations.edges.find((e) => e.node.slug === tree.right.slug)!.node;
    expect(right.achievements.totalCount).toBe(10);
    expect(right.year).toEqual([{ key: '2022', count: 10 }]);
    expect(api.statements.length).toBe(count);
    // organizations; subtree pages of ids; the achievements; the subtree counts; the year stats.
    expect(count).toBe(5);
  });
});
