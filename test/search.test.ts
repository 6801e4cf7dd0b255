import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { searchHits } from '../src/resolvers/search.js';
import { type SearchModel, SEARCH_MODELS } from '../src/search/documents.js';
import { rebuildSearchVectors, refreshSearchVectors } from '../src/search/vectors.js';
import { parseSearchQuery } from '../src/search/tokens.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import { ANONYMOUS } from '../src/auth/viewer.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { unique } from './support/factory.js';

// Full-text search (`search` root field). Every test scopes its queries with a marker word of its
// own (a unique Latin word, or unique Han characters), so the corpus and other tests' rows never
// match by accident.

/** A unique Latin word, e.g. `zq3f9a1c2b`: one lexeme that only this test's rows contain. */
const marker = () => `zq${unique('m').slice(2).replace('-', '')}`;
/** Four random CJK ideographs, unique in practice: a Han marker. */
const hanMarker = () => String.fromCodePoint(...Array.from({ length: 4 }, () => 0x4e00 + randomInt(0x9fa5 - 0x4e00)));

const SEARCH = /* GraphQL */ `
  query Search($query: String!, $types: [SearchType!], $first: Int, $after: String, $last: Int, $before: String) {
    search(query: $query, types: $types, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        rank
        snippet { field text html highlights { start end } }
        node {
          __typename
          ... on Article { slug title }
          ... on Organization { slug name }
          ... on Achievement { slug title }
        }
      }
    }
  }
`;

interface Hit {
  cursor: string;
  rank: number;
  snippet: { field: string; text: string; html: string; highlights: { start: number; end: number }[] };
  node: { __typename: SearchModel; slug: string; title?: string; name?: string };
}
interface SearchData {
  search: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
    edges: Hit[];
  };
}

describe.each(testBackends())('search on %s', (backend) => {
  let api: TestApi;
  let prisma: PrismaClient;
  beforeAll(async () => {
    api = await createTestApi(backend);
    prisma = api.db.prisma;
    await loadCorpus(prisma);
  });
  afterAll(() => api?.close());

  async function search(variables: Record<string, unknown>) {
    const result = await api.execute<SearchData, Record<string, unknown>>(SEARCH, variables);
    return result;
  }
  async function hits(variables: Record<string, unknown>) {
    const result = await search(variables);
    expect(result.errors).toBeUndefined();
    return result.data!.search;
  }
  const slugs = (edges: Hit[]) => edges.map((edge) => edge.node.slug);
  const errorCode = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
    result.errors?.[0]?.extensions?.code;

  // Rows are written the way every writer must: create, then refreshSearchVectors.
  async function article(data: { title: string; bodyText?: string; status?: 'DRAFT' | 'PUBLISHED' | 'ARCHIVED' }) {
    const slug = unique('article');
    const bodyText = data.bodyText ?? '';
    const row = await prisma.article.create({
      data: {
        slug,
        title: data.title,
        status: data.status ?? 'PUBLISHED',
        body: [{ kind: 'PARAGRAPH', text: bodyText }],
        bodyText,
        contentHash: slug,
      },
    });
    await refreshSearchVectors(prisma, 'Article', [row.id]);
    return row;
  }
  async function organization(data: { name: string; shortName?: string; aliases?: string[]; description?: string }) {
    const row = await prisma.organization.create({
      data: { slug: unique('org'), kind: 'PROCURATORATE', level: 'DISTRICT', aliases: [], ...data },
    });
    await refreshSearchVectors(prisma, 'Organization', [row.id]);
    return row;
  }
  async function achievement(data: { organizationId: string; title: string; description?: string }) {
    const row = await prisma.achievement.create({ data: { slug: unique('achievement'), kind: 'HONOR', ...data } });
    await refreshSearchVectors(prisma, 'Achievement', [row.id]);
    return row;
  }

  it('finds 司法救助 in the corpus article, which only says 国家司法救助案件, and marks it in the snippet', async () => {
    const result = await hits({ query: '司法救助', types: ['ARTICLE'] });
    const edge = result.edges.find((e) => e.node.slug === 'liupanshui-procurators-50');
    expect(edge).toBeDefined();
    expect(edge!.snippet.field).toBe('BODY');
    expect(edge!.snippet.html).toContain('<mark>司法救助</mark>');
    expect(edge!.snippet.text).toContain('国家司法救助案件');
    const [first] = edge!.snippet.highlights;
    expect(edge!.snippet.text.slice(first!.start, first!.end)).toMatch(/司法|救助/);
  });

  it('has the corpus loader refresh the vectors of the rows it writes, and of none when nothing changed', async () => {
    api.resetStatements();
    const summary = await loadCorpus(prisma);
    expect(summary.articles.unchanged).toBeGreaterThan(0);
    expect(api.statements.filter((sql) => sql.includes('"searchVector"'))).toEqual([]);
  });

  it('finds a word inside a longer compound: 检察 finds text that only says 检察院, 法院 finds 人民法院', async () => {
    const m = marker();
    const procuratorate = await article({ title: `${m} 通报`, bodyText: `六盘水市钟山区人民检察院召开会议。` });
    const court = await article({ title: `${m} 通报`, bodyText: `钟山区人民法院召开会议。` });
    expect(slugs((await hits({ query: `检察 ${m}` })).edges)).toEqual([procuratorate.slug]);
    expect(slugs((await hits({ query: `法院 ${m}` })).edges)).toEqual([court.slug]);
    expect(slugs((await hits({ query: `检察院 ${m}` })).edges)).toEqual([procuratorate.slug]);
    expect((await hits({ query: `法官 ${m}` })).edges).toEqual([]);
  });

  it('ranks an exact title match first, above titles and bodies that only contain it', async () => {
    const h = hanMarker();
    const phrase = `${h}司法改革`;
    const exact = await article({ title: phrase, bodyText: '简讯。' });
    await article({ title: `关于${phrase}的报道`, bodyText: `${phrase}。`.repeat(30) });
    await article({ title: '工作简报', bodyText: `${phrase}。`.repeat(30) });
    const org = await organization({ name: `${phrase}办公室` });
    await achievement({ organizationId: org.id, title: `${phrase}先进集体` });
    const result = await hits({ query: phrase });
    expect(result.totalCount).toBe(5);
    expect(result.edges[0]!.node.slug).toBe(exact.slug);
    expect(result.edges[0]!.rank).toBeGreaterThanOrEqual(1);
    expect(result.edges.slice(1).every((edge) => edge.rank < 1)).toBe(true);
    const ranks = result.edges.map((edge) => edge.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    // A title match outweighs thirty body matches.
    expect(result.edges.at(-1)!.node.title).toBe('工作简报');
  });

  it('matches queries that mix Chinese and Latin text, case-insensitively', async () => {
    const m = marker();
    const app = await article({ title: `钟山检察 App 上线 ${m}`, bodyText: '推行“4+1”工作法。' });
    expect(slugs((await hits({ query: `app 检察 ${m}` })).edges)).toEqual([app.slug]);
    expect(slugs((await hits({ query: `${m.toUpperCase()} APP` })).edges)).toEqual([app.slug]);
    expect(slugs((await hits({ query: `4+1 ${m}` })).edges)).toEqual([app.slug]);
    expect((await hits({ query: `App 法院 ${m}` })).edges).toEqual([]);
    const edge = (await hits({ query: `App 检察 ${m}` })).edges[0]!;
    expect(edge.snippet.field).toBe('TITLE');
    expect(edge.snippet.html).toBe(`钟山<mark>检察</mark> <mark>App</mark> 上线 <mark>${m}</mark>`);
  });

  it('searches organizations by name, short name, alias and description, and achievements by title and description', async () => {
    const m = marker();
    const org = await organization({ name: `${m} 某区人民检察院`, shortName: '某区检察院', aliases: ['某检'], description: '负责公益诉讼' });
    const prize = await achievement({ organizationId: org.id, title: `${m} 全国先进`, description: '青年普法课程一等奖' });
    expect(slugs((await hits({ query: `${m} 公益诉讼` })).edges)).toEqual([org.slug]);
    expect(slugs((await hits({ query: `${m} 普法` })).edges)).toEqual([prize.slug]);
    const byAlias = await hits({ query: '某检' });
    expect(slugs(byAlias.edges)).toContain(org.slug);
    const aliasEdge = byAlias.edges.find((edge) => edge.node.slug === org.slug)!;
    // An exact alias is an exact name match.
    expect(aliasEdge.rank).toBeGreaterThanOrEqual(1);
  });

  it('finds only the types asked for', async () => {
    const m = marker();
    const org = await organization({ name: `${m} 检察院` });
    const a = await article({ title: `${m} 检察` });
    const prize = await achievement({ organizationId: org.id, title: `${m} 检察先进` });
    const all = await hits({ query: m });
    expect(new Set(slugs(all.edges))).toEqual(new Set([org.slug, a.slug, prize.slug]));
    expect(slugs((await hits({ query: m, types: ['ORGANIZATION'] })).edges)).toEqual([org.slug]);
    const two = await hits({ query: m, types: ['ARTICLE', 'ACHIEVEMENT'] });
    expect(new Set(slugs(two.edges))).toEqual(new Set([a.slug, prize.slug]));
    expect(two.totalCount).toBe(2);
    expect((await hits({ query: m, types: [] })).totalCount).toBe(3);
    expect(all.edges.map((edge) => edge.node.__typename).sort()).toEqual(['Achievement', 'Article', 'Organization']);
  });

  it('hides draft and archived articles from anonymous callers', async () => {
    const m = marker();
    const published = await article({ title: `${m} 已发布` });
    const draft = await article({ title: `${m} 草稿`, status: 'DRAFT' });
    await article({ title: `${m} 归档`, status: 'ARCHIVED' });
    const result = await hits({ query: m });
    expect(slugs(result.edges)).toEqual([published.slug]);
    expect(result.totalCount).toBe(1);
    // An editor would see them: the ranking itself honours the viewer.
    const editor = await searchHits(
      prisma,
      { query: parseSearchQuery(`${m} 草稿`), types: SEARCH_MODELS, viewer: { ...ANONYMOUS, canSeeDrafts: true } },
      { limit: 10, inverted: false },
    );
    expect(editor.map((hit) => hit.id)).toEqual([draft.id]);
  });

  it('rejects an empty, blank, over-long or unsearchable query with BAD_USER_INPUT', async () => {
    for (const query of ['', '   ', '\u3000\t', '检'.repeat(201), '！？——']) {
      const result = await search({ query });
      expect(errorCode(result), JSON.stringify(query)).toBe('BAD_USER_INPUT');
      expect(result.data).toBeNull();
    }
    expect((await search({ query: '检'.repeat(200) })).errors).toBeUndefined();
  });

  it('treats SQL-like and tsquery-like strings as plain text', async () => {
    const m = marker();
    const quoted = await article({ title: `${m} it's O'Brien`, bodyText: 'a\\b' });
    for (const query of [
      `'; DROP TABLE "Article"; --`,
      `检察' OR 1=1 --`,
      `${m} & !x | (y <-> z):*`,
      `${m} \\'\\\\ ''`,
      `${m}')) UNION SELECT 1 --`,
    ]) {
      const result = await search({ query });
      expect(result.errors, query).toBeUndefined();
    }
    expect(slugs((await hits({ query: `${m} O'Brien it's` })).edges)).toEqual([quoted.slug]);
    expect(slugs((await hits({ query: `${m} a\\b` })).edges)).toEqual([quoted.slug]);
    expect(await prisma.article.count()).toBeGreaterThan(0);
  });

  it('pages forwards and backwards with cursors, in rank order, without repeats', async () => {
    const m = marker();
    // Different numbers of matches give different ranks; two share each rank.
    for (let i = 0; i < 7; i += 1) await article({ title: `报道 ${i}`, bodyText: `${m} `.repeat(1 + (i % 4)) });
    const whole = await hits({ query: m, first: 10 });
    expect(whole.edges).toHaveLength(7);
    expect(whole.pageInfo.hasNextPage).toBe(false);

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 4; page += 1) {
      const result = await hits({ query: m, first: 2, after });
      seen.push(...slugs(result.edges));
      expect(result.pageInfo.hasPreviousPage).toBe(after !== undefined);
      expect(result.pageInfo.hasNextPage).toBe(page < 3);
      expect(result.totalCount).toBe(7);
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(slugs(whole.edges));

    const last = await hits({ query: m, last: 3 });
    expect(slugs(last.edges)).toEqual(slugs(whole.edges).slice(4));
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const before = await hits({ query: m, last: 3, before: last.pageInfo.startCursor });
    expect(slugs(before.edges)).toEqual(slugs(whole.edges).slice(1, 4));
    const between = await hits({ query: m, first: 10, after: whole.edges[1]!.cursor, before: whole.edges[5]!.cursor });
    expect(slugs(between.edges)).toEqual(slugs(whole.edges).slice(2, 5));
  });

  it('rejects a garbage cursor, another connection’s cursor and another search’s cursor with BAD_USER_INPUT', async () => {
    const m = marker();
    await article({ title: `${m} 一` });
    await article({ title: `${m} 二` });
    const own = await hits({ query: m, first: 1 });
    const articles = await api.execute<{ articles: { pageInfo: { endCursor: string } } }, object>(
      '{ articles(first: 1) { pageInfo { endCursor } } }',
    );
    const foreign = articles.data!.articles.pageInfo.endCursor;
    for (const cursor of ['garbage', '', 'eyJ9', Buffer.from('["s1","x",1,"Article","nope"]').toString('base64url'), foreign]) {
      expect(errorCode(await search({ query: m, after: cursor })), cursor).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await search({ query: `${m} 一`, after: own.pageInfo.endCursor }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await search({ query: m, types: ['ARTICLE'], after: own.pageInfo.endCursor }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await search({ query: m, before: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await search({ query: m, first: 101 }))).toBe('BAD_USER_INPUT');
    // The same search in other words is the same search.
    expect((await search({ query: ` ${m.toUpperCase()} `, after: own.pageInfo.endCursor })).errors).toBeUndefined();
  });

  it('issues the same few statements for 3 hits as for 30, nested relations included', async () => {
    const document = /* GraphQL */ `
      query SearchShape($query: String!) {
        search(query: $query, first: 100) {
          totalCount
          edges {
            rank
            snippet { html }
            node {
              ... on Article { title series { title } organizations { role organization { name } } }
              ... on Organization { name parent { name } children(first: 5) { totalCount edges { node { name } } } }
              ... on Achievement { title organization { name parent { name } } citations { excerpt article { title } } }
            }
          }
        }
      }
    `;
    async function addHits(m: string, count: number) {
      const parent = await organization({ name: `上级 ${m}` });
      for (let i = 0; i < count; i += 1) {
        const org = await prisma.organization.create({
          data: { slug: unique('org'), name: `${m} 检察院 ${i}`, kind: 'PROCURATORATE', level: 'DISTRICT', parentId: parent.id },
        });
        const a = await prisma.article.create({
          data: {
            slug: unique('article'),
            title: `${m} 报道 ${i}`,
            status: 'PUBLISHED',
            bodyText: `${m} 正文`,
            contentHash: 'x',
            organizations: { create: { organizationId: org.id, role: 'SUBJECT' } },
          },
        });
        await prisma.achievement.create({
          data: {
            slug: unique('achievement'),
            organizationId: org.id,
            title: `${m} 荣誉 ${i}`,
            kind: 'HONOR',
            citations: { create: { articleId: a.id, excerpt: `${m} 正文`, offset: 0 } },
          },
        });
      }
      // A bulk writer refreshes each batch at once.
      const where = { OR: [{ name: { contains: m } }, { title: { contains: m } }] };
      await refreshSearchVectors(prisma, 'Organization', (await prisma.organization.findMany({ where: where.OR[0]! })).map((r) => r.id));
      await refreshSearchVectors(prisma, 'Article', (await prisma.article.findMany({ where: where.OR[1]! })).map((r) => r.id));
      await refreshSearchVectors(prisma, 'Achievement', (await prisma.achievement.findMany({ where: where.OR[1]! })).map((r) => r.id));
    }
    const run = async (m: string) => {
      api.resetStatements();
      const result = await api.execute<{ search: { totalCount: number; edges: unknown[] } }, object>(document, { query: m });
      expect(result.errors).toBeUndefined();
      return { total: result.data!.search.totalCount, statements: [...api.statements] };
    };
    const small = marker();
    const large = marker();
    await addHits(small, 1);
    await addHits(large, 10);
    const three = await run(small);
    const thirty = await run(large);
    expect(three.total).toBe(3 + 1); // and the parent organization, whose name has the marker
    expect(thirty.total).toBe(30 + 1);
    // The ranking; one findMany per type (relations joined in); the count.
    expect(thirty.statements).toHaveLength(three.statements.length);
    expect(thirty.statements).toHaveLength(5);
  });

  it('keeps the index current through refreshSearchVectors: a new title is found, the old one no longer', async () => {
    const m = marker();
    const row = await article({ title: `${m} 旧标题甲乙` });
    expect(slugs((await hits({ query: `旧标题甲乙 ${m}` })).edges)).toEqual([row.slug]);

    await prisma.article.update({ where: { id: row.id }, data: { title: `${m} 新标题丙丁` } });
    // Not yet refreshed: the index still has the old text.
    expect((await hits({ query: `新标题丙丁 ${m}` })).edges).toEqual([]);
    api.resetStatements();
    expect(await refreshSearchVectors(prisma, 'Article', [row.id, row.id])).toBe(1);
    expect(api.statements).toHaveLength(2); // read the rows, update them all
    expect(api.statements[1]).toMatch(/^\s*UPDATE "Article"/);

    expect(slugs((await hits({ query: `新标题丙丁 ${m}` })).edges)).toEqual([row.slug]);
    expect((await hits({ query: `旧标题甲乙 ${m}` })).edges).toEqual([]);
  });

  it('refreshes a batch in one UPDATE, and backfills rows that have no vector', async () => {
    const m = marker();
    const rows = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        prisma.organization.create({ data: { slug: unique('org'), name: `${m} 机构 ${i}`, kind: 'OTHER', level: 'UNIT' } }),
      ),
    );
    expect((await hits({ query: m })).totalCount).toBe(0);
    api.resetStatements();
    expect(await refreshSearchVectors(prisma, 'Organization', rows.slice(0, 3).map((r) => r.id))).toBe(3);
    expect(api.statements.filter((sql) => /^\s*UPDATE/.test(sql))).toHaveLength(1);
    expect((await hits({ query: m })).totalCount).toBe(3);

    const rebuilt = await rebuildSearchVectors(prisma, { onlyMissing: true, batchSize: 1 });
    expect(rebuilt.Organization).toBeGreaterThanOrEqual(2);
    expect((await hits({ query: m })).totalCount).toBe(5);
    expect(await rebuildSearchVectors(prisma, { onlyMissing: true })).toEqual({ Article: 0, Organization: 0, Achievement: 0 });
  });
});
