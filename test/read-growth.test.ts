import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../src/ingest/import.js';
import { createCredential } from '../src/auth/credentials.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import { seedSynthetic } from '../scripts/synthetic/generate.js';
import { decodeGlobalId } from '../src/domain/global-id.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { unique } from './support/factory.js';

// The copies that keep reads flat as the data grows (migration 20261206075336_read_growth), kept
// by database triggers for every writer: each link of "ArticleOrganization" holds its article's
// publishedAt, and "AchievementTally" counts the achievements of each level, kind and year. Here
// every kind of writer writes, and the copies must still equal what they copy.

const CORPUS_PAGE = fileURLToPath(new URL('../data/corpus/liupanshui-procurators-50.txt', import.meta.url));

describe.each(testBackends())('copies kept by triggers on %s', (backend) => {
  let api: TestApi;
  let editor: string;

  beforeAll(async () => {
    api = await createTestApi(backend);
    editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor growth' })).secret;
  });
  afterAll(() => api?.close());

  /** Links whose publishedAt differs from their article's. */
  const staleLinks = () =>
    api.db.prisma.$queryRaw<{ articleId: string }[]>`
      SELECT link."articleId"::text AS "articleId" FROM "ArticleOrganization" link JOIN "Article" article ON article.id = link."articleId"
      WHERE link."publishedAt" IS DISTINCT FROM article."publishedAt"`;

  /** Buckets whose tally differs from a count of the achievements. */
  const wrongTallies = () =>
    api.db.prisma.$queryRaw<{ level: string | null; kind: string; year: number | null; counted: number; tallied: number }[]>`
      WITH counted AS (
        SELECT level, kind, extract(year FROM "occurredOn")::int AS year, count(*)::int AS n FROM "Achievement" GROUP BY 1, 2, 3
      ), tallied AS (
        SELECT level, kind, year, sum(count)::int AS n FROM "AchievementTally" GROUP BY 1, 2, 3
      )
      SELECT coalesce(c.level, t.level)::text AS level, coalesce(c.kind, t.kind)::text AS kind, coalesce(c.year, t.year) AS year,
        coalesce(c.n, 0) AS counted, coalesce(t.n, 0) AS tallied
      FROM counted c FULL JOIN tallied t ON c.level IS NOT DISTINCT FROM t.level AND c.kind = t.kind AND c.year IS NOT DISTINCT FROM t.year
      WHERE coalesce(c.n, 0) <> coalesce(t.n, 0)`;

  async function write(query: string, input: Record<string, unknown>) {
    const answer = await api.execute(query, { input }, { authorization: `Bearer ${editor}` });
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    return answer.data as any;
  }

  async function linkDates(articleId: string): Promise<(string | null)[]> {
    const rows = await api.db.prisma.$queryRaw<{ publishedAt: Date | null }[]>`
      SELECT "publishedAt" FROM "ArticleOrganization" WHERE "articleId" = ${articleId}::uuid ORDER BY role`;
    return rows.map((row) => row.publishedAt?.toISOString() ?? null);
  }

  it('keeps both after the corpus loader, the importer and the synthetic seed', async () => {
    await loadCorpus(api.db.prisma);
    await runImport(api.db.prisma, [CORPUS_PAGE], { trigger: 'CLI', actorName: 'test' });
    await seedSynthetic(api.db.prisma, { scale: 0.02, seed: 11 });
    const [counts] = await api.db.prisma.$queryRaw<{ links: number; dated: number; tallied: number }[]>`
      SELECT (SELECT count(*)::int FROM "ArticleOrganization") AS links,
             (SELECT count("publishedAt")::int FROM "ArticleOrganization") AS dated,
             (SELECT coalesce(sum(count), 0)::int FROM "AchievementTally") AS tallied`;
    const { links, dated, tallied } = counts!;
    expect(dated).toBeGreaterThan(0);
    expect(links).toBeGreaterThan(dated); // drafts' links too, undated
    expect(tallied).toBe(await api.db.prisma.achievement.count());
    expect(await staleLinks()).toEqual([]);
    expect(await wrongTallies()).toEqual([]);
  });

  it('passes an article’s publishedAt on to its links through every editorial write and plain SQL', async () => {
    const org = (
      await write('mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }', {
        slug: unique('org'),
        name: `机构 ${unique('n')}`,
        kind: 'PROCURATORATE',
        level: 'DISTRICT',
      })
    ).createOrganization.organization;
    const other = (
      await write('mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }', {
        slug: unique('org'),
        name: `机构 ${unique('n')}`,
        kind: 'COURT',
        level: 'DISTRICT',
      })
    ).createOrganization.organization;
    const article = (
      await write('mutation ($input: CreateArticleInput!) { createArticle(input: $input) { article { id version } } }', {
        slug: unique('article'),
        title: `标题 ${unique('t')}`,
        body: [{ kind: 'PARAGRAPH', text: '该院荣获全国先进基层检察院称号。' }],
        organizations: [{ organization: org.id, role: 'SUBJECT' }],
      })
    ).createArticle.article;
    const uuid = decodeGlobalId(article.id).id;
    expect(await linkDates(uuid)).toEqual([null]);

    const published = (
      await write('mutation ($input: PublishArticleInput!) { publishArticle(input: $input) { article { publishedAt version } } }', {
        id: article.id,
        expectedVersion: 1,
      })
    ).publishArticle.article;
    expect(published.publishedAt).not.toBeNull();
    expect(await linkDates(uuid)).toEqual([published.publishedAt]);

    // New links (one organization in two roles) take the article's value.
    const relinked = (
      await write('mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) { article { version } } }', {
        id: article.id,
        expectedVersion: published.version,
        organizations: [
          { organization: org.id, role: 'SUBJECT' },
          { organization: other.id, role: 'SUBJECT' },
          { organization: other.id, role: 'MENTIONED' },
        ],
      })
    ).updateArticle.article;
    expect(await linkDates(uuid)).toEqual([published.publishedAt, published.publishedAt, published.publishedAt]);

    const redated = '2019-03-04T05:06:07.089Z';
    await write('mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) { article { version } } }', {
      id: article.id,
      expectedVersion: relinked.version,
      publishedAt: redated,
    });
    expect(await linkDates(uuid)).toEqual([redated, redated, redated]);

    await api.db.prisma.$executeRaw`UPDATE "Article" SET "publishedAt" = NULL WHERE id = ${uuid}::uuid`;
    expect(await linkDates(uuid)).toEqual([null, null, null]);
    // A link written by hand with another value is corrected as it is written.
    await api.db.prisma.$executeRaw`UPDATE "ArticleOrganization" SET "publishedAt" = now() WHERE "articleId" = ${uuid}::uuid`;
    expect(await linkDates(uuid)).toEqual([null, null, null]);
    expect(await staleLinks()).toEqual([]);
  });

  it('keeps the achievement tally exact through creates, updates, deletes and plain SQL', async () => {
    const org = (
      await write('mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }', {
        slug: unique('org'),
        name: `机构 ${unique('n')}`,
        kind: 'PROCURATORATE',
        level: 'DISTRICT',
      })
    ).createOrganization.organization;
    const create = (extra: Record<string, unknown>) =>
      write('mutation ($input: CreateAchievementInput!) { createAchievement(input: $input) { achievement { id version } } }', {
        slug: unique('achievement'),
        organization: org.id,
        title: '全国先进基层检察院',
        kind: 'HONOR',
        ...extra,
      }).then((data) => data.createAchievement.achievement as { id: string; version: number });
    const tally = async (level: string | null, kind: string, year: number | null) => {
      const [row] = await api.db.prisma.$queryRaw<{ n: number }[]>`
        SELECT coalesce(sum(count), 0)::int AS n FROM "AchievementTally"
        WHERE level IS NOT DISTINCT FROM ${level}::"AchievementLevel" AND kind = ${kind}::"AchievementKind" AND year IS NOT DISTINCT FROM ${year}::int`;
      return row!.n;
    };
    const before = await tally('NATIONAL', 'HONOR', 1987);
    const dated = await create({ level: 'NATIONAL', awardedOn: '1987-06-01' });
    const undated = await create({});
    expect(await tally('NATIONAL', 'HONOR', 1987)).toBe(before + 1);

    await write('mutation ($input: UpdateAchievementInput!) { updateAchievement(input: $input) { achievement { version } } }', {
      id: dated.id,
      expectedVersion: dated.version,
      kind: 'AWARD',
      awardedOn: '1988-01-02',
    });
    expect(await tally('NATIONAL', 'HONOR', 1987)).toBe(before);
    expect(await tally('NATIONAL', 'AWARD', 1988)).toBeGreaterThan(0);
    await write('mutation ($input: DeleteAchievementInput!) { deleteAchievement(input: $input) { deletedAchievementId } }', {
      id: undated.id,
      expectedVersion: undated.version,
    });
    expect(await wrongTallies()).toEqual([]);

    await api.db.prisma.$executeRaw`UPDATE "Achievement" SET level = 'PROVINCIAL', "occurredOn" = NULL WHERE "organizationId" IN (SELECT id FROM "Organization" WHERE kind = 'PROCURATORATE')`;
    expect(await wrongTallies()).toEqual([]);
    await api.db.prisma.$executeRaw`DELETE FROM "Achievement" WHERE kind = 'AWARD'`;
    expect(await wrongTallies()).toEqual([]);
  });

  it('lists an organization’s newest articles once each, ties by id, alike on both paths', async () => {
    const prisma = api.db.prisma;
    const org = await prisma.organization.create({ data: { slug: unique('org'), name: '同日机构', kind: 'COURT', level: 'DISTRICT' } });
    const same = new Date('2020-05-05T00:00:00.000Z');
    const make = (n: number, publishedAt: Date | null, status: 'PUBLISHED' | 'DRAFT' | 'ARCHIVED', roles: ('SUBJECT' | 'MENTIONED' | 'PUBLISHER')[]) =>
      prisma.article.create({
        data: {
          slug: unique(`tie-${n}`),
          title: `同日 ${n}`,
          publishedAt,
          status,
          contentHash: 'x',
          organizations: { create: roles.map((role) => ({ organizationId: org.id, role })) },
        },
      });
    for (let n = 0; n < 6; n++) await make(n, same, 'PUBLISHED', n % 2 ? ['SUBJECT', 'MENTIONED', 'PUBLISHER'] : ['SUBJECT']);
    await make(6, new Date('2021-01-01T00:00:00.000Z'), 'ARCHIVED', ['MENTIONED']);
    await make(7, null, 'DRAFT', ['SUBJECT', 'PUBLISHER']);
    const query = `query ($slug: String!) { organization(slug: $slug) {
      all: articles(first: 5) { edges { node { title publishedAt } } pageInfo { hasNextPage } }
      mentioned: articles(first: 5, role: MENTIONED) { edges { node { title } } }
    } }`;
    const asEditor = { authorization: `Bearer ${editor}` };
    for (const headers of [{}, asEditor]) {
      const compiled = await api.execute(query, { slug: org.slug }, headers);
      const viaPrisma = await api.prismaPath().execute(query, { slug: org.slug }, headers);
      expect(compiled.errors).toBeUndefined();
      expect(compiled.data).toEqual(viaPrisma.data);
    }
    const anonymous = (await api.execute(query, { slug: org.slug })).data as any;
    const titles = anonymous.organization.all.edges.map((edge: any) => edge.node.title);
    expect(new Set(titles).size).toBe(5);
    expect(anonymous.organization.all.pageInfo.hasNextPage).toBe(true);
    const editorView = (await api.execute(query, { slug: org.slug }, asEditor)).data as any;
    expect(editorView.organization.all.edges[0].node.title).toBe('同日 6');
  });
});
