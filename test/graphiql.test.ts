import { parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import { GRAPHIQL_EXAMPLES } from '../src/http/yoga.js';
import { createTestApi, type TestApi } from './support/api.js';
import { readSse } from './support/sse.js';

// GraphiQL opens with example operations; each must work on the corpus a new user gets.

const operations = parse(GRAPHIQL_EXAMPLES)
  .definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')
  .map((d) => d.name!.value);

async function run(api: TestApi, operationName: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await api.yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: GRAPHIQL_EXAMPLES, operationName, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

describe('GraphiQL on the corpus', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite');
    await loadCorpus(api.db.prisma);
  });
  afterAll(() => api?.close());

  it('offers the nine example operations', () => {
    expect(operations).toEqual([
      'OrganizationProfile',
      'SeriesInOrder',
      'AchievementsByLevel',
      'Search',
      'ArticleProvenance',
      'RenameOrganization',
      'ArticlePublishedInSeries',
      'CreateDraft',
      'PublishDraft',
    ]);
  });

  it('runs the organization profile example: hierarchy, articles and achievements with evidence', async () => {
    const { data, errors } = await run(api, 'OrganizationProfile');
    expect(errors).toBeUndefined();
    const org = data.organization;
    expect(org.name).toBe('六盘水市钟山区人民检察院');
    expect(org.ancestors.map((o: { name: string }) => o.name)).toEqual(['最高人民检察院', '贵州省人民检察院', '六盘水市人民检察院']);
    expect(org.articles.totalCount).toBe(1);
    expect(org.articles.edges[0].node.episode).toBe(50);
    expect(org.achievements.totalCount).toBeGreaterThanOrEqual(15);
    expect(org.achievements.edges).toHaveLength(10);
    for (const { node } of org.achievements.edges) expect(node.citations.length).toBeGreaterThan(0);
  });

  it('runs the series example: episode 50 with its body, source, attribution and organizations', async () => {
    const { data, errors } = await run(api, 'SeriesInOrder');
    expect(errors).toBeUndefined();
    expect(data.series.title).toBe('中国凉都——六盘水检察人系列报道');
    expect(data.series.articleCount).toBe(1);
    const episode = data.series.episode;
    expect(episode.title).toBe('乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进');
    expect(episode.attribution).toBe('凉都检察');
    expect(episode.organizations.find((o: { role: string }) => o.role === 'SUBJECT').organization.name).toBe('六盘水市钟山区人民检察院');
    expect(episode.body.map((b: { kind: string }) => b.kind)).toEqual(expect.arrayContaining(['HEADING', 'PARAGRAPH', 'LIST_ITEM']));
    expect(JSON.stringify(episode.body)).not.toMatch(/首页|本文采摘于网络|联系我们|在线咨询/);
    expect(episode.previous).toBeNull();
  });

  it('runs the achievements-by-level example', async () => {
    const { data, errors } = await run(api, 'AchievementsByLevel');
    expect(errors).toBeUndefined();
    expect(data.achievements.totalCount).toBeGreaterThan(0);
    for (const { node } of data.achievements.edges) expect(['NATIONAL', 'PROVINCIAL']).toContain(node.level);
  });

  it('runs the search example: 司法救助 finds episode 50, which says 国家司法救助案件, with the match marked', async () => {
    const { data, errors } = await run(api, 'Search');
    expect(errors).toBeUndefined();
    expect(data.search.totalCount).toBeGreaterThan(0);
    const article = data.search.edges.find((e: { node: { __typename: string } }) => e.node.__typename === 'Article');
    expect(article.node.slug).toBe('liupanshui-procurators-50');
    expect(article.node.series.title).toBe('中国凉都——六盘水检察人系列报道');
    expect(article.snippet.html).toContain('<mark>司法救助</mark>');
  });

  it('runs the provenance example: the corpus article with its canonical copy', async () => {
    const { data, errors } = await run(api, 'ArticleProvenance');
    expect(errors).toBeUndefined();
    expect(data.article.provenance).toHaveLength(1);
    expect(data.article.provenance[0]).toMatchObject({ isCanonical: true, contentHash: data.article.contentHash });
  });

  it('runs the rename example for an editor, and refuses it without a token', async () => {
    const { data: profile } = await run(api, 'OrganizationProfile');
    const { secret } = await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'graphiql example editor' });
    const variables = { id: profile.organization.id, version: 1, shortName: '钟山检察' };
    const refused = await run(api, 'RenameOrganization', variables);
    expect(refused.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    const { data, errors } = await run(api, 'RenameOrganization', variables, { authorization: `Bearer ${secret}` });
    expect(errors).toBeUndefined();
    expect(data.updateOrganization.organization).toMatchObject({ name: '六盘水市钟山区人民检察院', shortName: '钟山检察', version: 2 });
    const stale = await run(api, 'RenameOrganization', variables, { authorization: `Bearer ${secret}` });
    expect(stale.errors).toMatchObject([{ extensions: { code: 'CONFLICT' } }]);
  });

  it('runs the live example: a subscriber to the corpus series hears of a draft an editor publishes, and only then', async () => {
    const { data: series } = await run(api, 'SeriesInOrder');
    const seriesId = series.series.id;
    expect(seriesId).toEqual(expect.any(String));
    const response = await api.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: GRAPHIQL_EXAMPLES, operationName: 'ArticlePublishedInSeries', variables: { series: seriesId } }),
    });
    expect(response.status).toBe(200);
    const stream = readSse(response);
    const { secret } = await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'graphiql live editor' });
    const auth = { authorization: `Bearer ${secret}` };
    const created = await run(api, 'CreateDraft', { series: seriesId }, auth);
    expect(created.errors).toBeUndefined();
    const draft = created.data.createArticle.article;
    expect(draft).toMatchObject({ status: 'DRAFT', version: 1 });
    expect(await stream.read(300)).toBeNull();
    const published = await run(api, 'PublishDraft', { id: draft.id, version: draft.version }, auth);
    expect(published.errors).toBeUndefined();
    const message = await stream.read();
    expect(message?.data.data.articlePublished).toMatchObject({
      version: 2,
      origin: 'EDITORIAL',
      republished: false,
      article: { slug: 'liupanshui-procurators-draft', episode: 51, status: 'PUBLISHED', series: { title: '中国凉都——六盘水检察人系列报道' } },
    });
    await stream.close();
  });

  it('serves GraphiQL with the examples to a browser at /graphql', async () => {
    const response = await api.yoga.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Content federation API');
    expect(html).toContain('OrganizationProfile');
    // Self-contained: nothing is fetched from a CDN, so GraphiQL works offline.
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
    // The page is rendered once and its bytes reused: a second request gets the same page whole.
    const again = await api.yoga.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(await again.text()).toBe(html);
  });
});
