import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganizationBreadcrumbsDocument, SeriesEpisodesDocument } from './generated/graphql.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries, unique } from './support/factory.js';

describe.each(testBackends())('the read API on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(backend);
  });
  afterAll(() => api?.close());

  it('gives an organization its ancestors root first, its parent and its children', async () => {
    const { prisma } = api.db;
    const root = await createOrganization(prisma, { level: 'NATIONAL', name: unique('甲') });
    const province = await createOrganization(prisma, { level: 'PROVINCIAL', parentId: root.id });
    const city = await createOrganization(prisma, { level: 'MUNICIPAL', parentId: province.id });
    const districtB = await createOrganization(prisma, { parentId: city.id, name: `B ${unique('d')}` });
    const districtA = await createOrganization(prisma, { parentId: city.id, name: `A ${unique('d')}` });

    const leaf = await api.execute(OrganizationBreadcrumbsDocument, { slug: districtA.slug });
    expect(leaf.errors).toBeUndefined();
    expect(leaf.data!.organization.ancestors.map((o) => o.slug)).toEqual([root.slug, province.slug, city.slug]);
    expect(leaf.data!.organization.parent?.slug).toBe(city.slug);

    const middle = await api.execute(OrganizationBreadcrumbsDocument, { slug: city.slug });
    expect(middle.data!.organization.children.totalCount).toBe(2);
    expect(middle.data!.organization.children.edges.map((e) => e.node.slug)).toEqual([districtA.slug, districtB.slug]);

    const top = await api.execute(OrganizationBreadcrumbsDocument, { slug: root.slug });
    expect(top.data!.organization.ancestors).toEqual([]);
    expect(top.data!.organization.parent).toBeNull();
  });

  it('lists a series in episode order, finds an episode and its published neighbours, and hides drafts', async () => {
    const { prisma } = api.db;
    const series = await createSeries(prisma);
    for (const episode of [3, 1, 4, 2, 5]) {
      await createArticle(prisma, { seriesId: series.id, episode, status: episode === 4 ? 'DRAFT' : 'PUBLISHED' });
    }
    const result = await api.execute(SeriesEpisodesDocument, { slug: series.slug, number: 3 });
    expect(result.errors).toBeUndefined();
    const data = result.data!.series!;
    expect(data.articleCount).toBe(4);
    expect(data.articles.totalCount).toBe(4);
    expect(data.articles.edges.map((e) => e.node.episode)).toEqual([1, 2, 3, 5]);
    expect(data.episode).toMatchObject({ previous: { episode: 2 }, next: { episode: 5 } });

    const draft = await api.execute(SeriesEpisodesDocument, { slug: series.slug, number: 4 });
    expect(draft.data!.series!.episode).toBeNull();
  });

  it('pages through a series with cursors, 20 at a time by default', async () => {
    const { prisma } = api.db;
    const series = await createSeries(prisma);
    for (let episode = 1; episode <= 23; episode += 1) await createArticle(prisma, { seriesId: series.id, episode });
    const page1 = await api.execute(SeriesEpisodesDocument, { slug: series.slug, number: 1 });
    const articles1 = page1.data!.series!.articles;
    expect(articles1.edges).toHaveLength(20);
    expect(articles1.pageInfo.hasNextPage).toBe(true);
    const page2 = await api.execute(SeriesEpisodesDocument, {
      slug: series.slug,
      number: 1,
      after: articles1.pageInfo.endCursor,
    });
    const articles2 = page2.data!.series!.articles;
    expect(articles2.edges.map((e) => e.node.episode)).toEqual([21, 22, 23]);
    expect(articles2.pageInfo.hasNextPage).toBe(false);
  });

  it('filters articles by organization, role, tag and publication window, newest first', async () => {
    const { prisma } = api.db;
    const org = await createOrganization(prisma);
    const tag = unique('tag');
    const day = (d: number) => new Date(Date.UTC(2023, 5, d));
    const a1 = await createArticle(prisma, { publishedAt: day(1), tags: [tag], organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    const a2 = await createArticle(prisma, { publishedAt: day(2), organizations: [{ organizationId: org.id, role: 'MENTIONED' }] });
    const a3 = await createArticle(prisma, { publishedAt: day(3), tags: [tag], organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    await createArticle(prisma, { publishedAt: day(4), status: 'DRAFT', organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });

    const ids = await api.execute<{ organization: { id: string; articles: { totalCount: number; edges: { node: { slug: string } }[] } } }, unknown>(
      'query ($slug: String!) { organization(slug: $slug) { id articles { totalCount edges { node { slug } } } } }',
      { slug: org.slug },
    );
    expect(ids.data!.organization.articles.edges.map((e) => e.node.slug)).toEqual([a3.slug, a2.slug, a1.slug]);
    expect(ids.data!.organization.articles.totalCount).toBe(3);
    const orgId = ids.data!.organization.id;

    const query = `query ($filter: ArticleFilter, $orderBy: ArticleOrderBy) {
      articles(filter: $filter, orderBy: $orderBy) { totalCount edges { node { slug } } } }`;
    const run = async (filter: object, orderBy?: string) => {
      const r = await api.execute<{ articles: { totalCount: number; edges: { node: { slug: string } }[] } }, unknown>(query, { filter, orderBy });
      expect(r.errors).toBeUndefined();
      return r.data!.articles.edges.map((e) => e.node.slug);
    };
    expect(await run({ organization: orgId })).toEqual([a3.slug, a2.slug, a1.slug]);
    expect(await run({ organization: orgId, role: 'SUBJECT' })).toEqual([a3.slug, a1.slug]);
    expect(await run({ tag })).toEqual([a3.slug, a1.slug]);
    expect(await run({ tag }, 'PUBLISHED_AT_ASC')).toEqual([a1.slug, a3.slug]);
    expect(await run({ organization: orgId, publishedFrom: day(2).toISOString(), publishedTo: day(3).toISOString() })).toEqual([a3.slug, a2.slug]);

    const roleOnly = await api.execute<{ organization: { articles: { totalCount: number } } }, unknown>(
      'query ($slug: String!) { organization(slug: $slug) { articles(role: MENTIONED) { totalCount edges { node { slug } } } } }',
      { slug: org.slug },
    );
    expect(roleOnly.data!.organization.articles.totalCount).toBe(1);
  });

  it('filters achievements by organization, level and year range, and orders them by date', async () => {
    const { prisma } = api.db;
    const org = await createOrganization(prisma);
    const year = (y: number) => new Date(Date.UTC(y, 6, 1));
    const a2019 = await createAchievement(prisma, { organizationId: org.id, level: 'NATIONAL', occurredOn: year(2019) });
    const a2021 = await createAchievement(prisma, { organizationId: org.id, level: 'PROVINCIAL', occurredOn: year(2021) });
    const a2022 = await createAchievement(prisma, { organizationId: org.id, level: 'NATIONAL', occurredOn: year(2022) });
    const orgNode = await api.execute<{ organization: { id: string } }, unknown>(
      'query ($slug: String!) { organization(slug: $slug) { id } }',
      { slug: org.slug },
    );
    const organization = orgNode.data!.organization.id;
    const query = `query ($filter: AchievementFilter, $orderBy: AchievementOrderBy) {
      achievements(filter: $filter, orderBy: $orderBy) { totalCount edges { node { slug year level } } } }`;
    const run = async (filter: object, orderBy?: string) => {
      const r = await api.execute<{ achievements: { totalCount: number; edges: { node: { slug: string } }[] } }, unknown>(query, {
        filter: { organization, ...filter },
        orderBy,
      });
      expect(r.errors).toBeUndefined();
      return r.data!.achievements.edges.map((e) => e.node.slug);
    };
    expect(await run({})).toEqual([a2022.slug, a2021.slug, a2019.slug]);
    expect(await run({}, 'DATE_ASC')).toEqual([a2019.slug, a2021.slug, a2022.slug]);
    expect(await run({ level: ['NATIONAL'] })).toEqual([a2022.slug, a2019.slug]);
    expect(await run({ yearFrom: 2020, yearTo: 2021 })).toEqual([a2021.slug]);
    expect(await run({ from: '2021-07-01', to: '2022-06-30' })).toEqual([a2021.slug]);
  });

  it('fetches every kind of entity again by its global ID through node and nodes', async () => {
    const { prisma } = api.db;
    const org = await createOrganization(prisma);
    const series = await createSeries(prisma, org.id);
    const article = await createArticle(prisma, { seriesId: series.id, episode: 1 });
    await createAchievement(prisma, { organizationId: org.id, citeArticle: article });
    const found = await api.execute<
      { series: { id: string; publisher: { id: string }; episode: { id: string; achievements: { id: string }[] } } },
      unknown
    >(
      'query ($slug: String!) { series(slug: $slug) { id publisher { id } episode(number: 1) { id achievements { id } } } }',
      { slug: series.slug },
    );
    expect(found.errors).toBeUndefined();
    const s = found.data!.series;
    const ids = [s.id, s.publisher.id, s.episode.id, s.episode.achievements[0]!.id];
    const nodes = await api.execute<{ nodes: ({ __typename: string; id: string } | null)[] }, unknown>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
    );
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data!.nodes.map((n) => n?.__typename)).toEqual(['Series', 'Organization', 'Article', 'Achievement']);
    expect(nodes.data!.nodes.map((n) => n?.id)).toEqual(ids);
  });

  it('does not reveal a draft article through node(id)', async () => {
    const { prisma } = api.db;
    const draft = await createArticle(prisma, { status: 'DRAFT' });
    const { encodeGlobalId } = await import('../src/domain/global-id.js');
    const result = await api.execute('query ($id: ID!) { node(id: $id) { id } }', { id: encodeGlobalId('Article', draft.id) });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: null });
  });
});
