import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { parsePortalText } from '../src/ingest/portal-text.js';
import {
  CorpusError,
  DEFAULT_CORPUS_FIXTURE,
  fixtureDate,
  loadCorpus,
  planCorpus,
  type CorpusFixture,
} from '../src/ingest/corpus.js';
import { testBackends, withDatabase } from './support/database.js';
import { rowCounts } from './support/fingerprint.js';

const fixtureText = readFileSync(DEFAULT_CORPUS_FIXTURE, 'utf8');
const pageText = readFileSync(new URL('../data/corpus/liupanshui-procurators-50.txt', import.meta.url), 'utf8');
const bodyText = parsePortalText(pageText).bodyText;

/** A private copy of the fixture to alter. */
function fixtureCopy(): CorpusFixture {
  return JSON.parse(fixtureText) as CorpusFixture;
}

function withExcerpt(slug: string, excerpt: string): CorpusFixture {
  const fixture = fixtureCopy();
  const achievement = fixture.achievements.find((item) => item.slug === slug)!;
  achievement.citations[0]!.excerpt = excerpt;
  return fixture;
}


/** Every row of every table the corpus writes, timestamps included, in a stable order. */
async function snapshot(prisma: PrismaClient) {
  return {
    organizations: await prisma.organization.findMany({ orderBy: { slug: 'asc' } }),
    sources: await prisma.source.findMany({ orderBy: { slug: 'asc' } }),
    series: await prisma.series.findMany({ orderBy: { slug: 'asc' } }),
    articles: await prisma.article.findMany({ orderBy: { slug: 'asc' } }),
    articleOrganizations: await prisma.articleOrganization.findMany({
      orderBy: [{ articleId: 'asc' }, { organizationId: 'asc' }, { role: 'asc' }],
    }),
    achievements: await prisma.achievement.findMany({ orderBy: { slug: 'asc' } }),
    citations: await prisma.citation.findMany({ orderBy: [{ achievementId: 'asc' }, { offset: 'asc' }] }),
  };
}

const EMPTY = {
  organizations: 0,
  sources: 0,
  series: 0,
  articles: 0,
  articleOrganizations: 0,
  achievements: 0,
  citations: 0,
};

describe('the corpus fixture', () => {
  const fixture = fixtureCopy();

  it('quotes every citation excerpt verbatim from the parsed bodyText, exactly once', () => {
    const excerpts = fixture.achievements.flatMap((achievement) =>
      achievement.citations.map((citation) => ({ slug: achievement.slug, excerpt: citation.excerpt })),
    );
    expect(excerpts.length).toBeGreaterThanOrEqual(fixture.achievements.length);
    for (const { slug, excerpt } of excerpts) {
      expect(bodyText.includes(excerpt), `${slug}: ${excerpt}`).toBe(true);
      expect(bodyText.indexOf(excerpt, bodyText.indexOf(excerpt) + 1), `${slug} is ambiguous`).toBe(-1);
    }
  });

  it('holds at least 15 achievements with unique slugs, covering every kind', () => {
    expect(fixture.achievements.length).toBeGreaterThanOrEqual(15);
    expect(new Set(fixture.achievements.map((achievement) => achievement.slug)).size).toBe(fixture.achievements.length);
    expect(new Set(fixture.achievements.map((achievement) => achievement.kind))).toEqual(
      new Set(['AWARD', 'HONOR', 'RANKING', 'SELECTION', 'METRIC', 'MILESTONE']),
    );
  });

  it('plans the rankings, periods and metrics the text states', () => {
    const plan = planCorpus(fixtureCopy(), () => pageText);
    const bySlug = new Map(plan.achievements.map((achievement) => [achievement.slug, achievement.data]));
    expect(bySlug.get('zhongshan-2021-municipal-overall-rank-2')).toMatchObject({
      kind: 'RANKING',
      level: 'MUNICIPAL',
      rank: 2,
      periodStart: new Date('2021-01-01'),
      periodEnd: new Date('2021-12-31'),
      occurredOn: new Date('2021-12-31'),
    });
    expect(bySlug.get('zhongshan-2022-jan-sep-municipal-rank-1')).toMatchObject({
      rank: 1,
      periodStart: new Date('2022-01-01'),
      periodEnd: new Date('2022-09-30'),
    });
    expect(bySlug.get('zhongshan-hearings-provincial-rank-2')).toMatchObject({ level: 'PROVINCIAL', rank: 2 });
    expect(bySlug.get('zhongshan-case-to-matter-ratio')).toMatchObject({ metricValue: 1.018, metricBaseline: 1.039 });
    expect(bySlug.get('zhongshan-judicial-aid-funds')).toMatchObject({ metricValue: 52.2, metricUnit: '万元' });
    expect(bySlug.get('zhongshan-party-group-average-age')).toMatchObject({ metricValue: 45, metricBaseline: 53, metricUnit: '岁' });
    expect(bySlug.get('zhongshan-founded-1988')).toMatchObject({ kind: 'MILESTONE', occurredOn: new Date('1988-05-01') });
    expect(bySlug.get('zhongshan-national-advanced-grassroots-procuratorate-2016')).toMatchObject({
      kind: 'HONOR',
      level: 'NATIONAL',
      awardedOn: new Date('2016-01-01'),
    });
  });

  it('plans only values Prisma returns (null, not undefined; Dates; plain objects and arrays), so isDeepStrictEqual finds a stored row equal', () => {
    const plan = planCorpus(fixtureCopy(), () => pageText);
    const odd: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (value === undefined) odd.push(`${path} is undefined`);
      else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (value instanceof Date) return;
      else if (typeof value === 'object' && value !== null) {
        if (Object.getPrototypeOf(value) !== Object.prototype) odd.push(`${path} is not a plain object`);
        for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
      }
    };
    for (const [table, rows] of Object.entries(plan)) {
      for (const row of rows as { slug: string; data: object; body?: object }[]) {
        walk(row.data, `${table} ${row.slug}`);
        if (row.body) walk(row.body, `${table} ${row.slug} body`);
      }
    }
    expect(odd).toEqual([]);
    // The check itself: a value the loader would see as changed on every load is reported.
    walk({ nested: [{ gone: undefined }] }, 'probe');
    expect(odd).toEqual(['probe.nested[0].gone is undefined']);
  });

  it('rejects an excerpt that is not verbatim, naming the achievement', () => {
    const fixture = withExcerpt('zhongshan-judicial-aid-funds', '发放救助金52.3万元');
    expect(() => planCorpus(fixture, () => pageText)).toThrow(CorpusError);
    expect(() => planCorpus(fixture, () => pageText)).toThrow(
      /achievement "zhongshan-judicial-aid-funds", citation 1: the excerpt "发放救助金52.3万元" is not a verbatim substring of the bodyText of article "liupanshui-procurators-50"/,
    );
  });

  it('says so when an excerpt differs from the page only in punctuation width', () => {
    const fixture = withExcerpt('zhongshan-2021-municipal-overall-rank-2', '在2021年度六盘水市检察机关业务工作综合排名中，钟山区检察院位列全市第二');
    expect(() => planCorpus(fixture, () => pageText)).toThrow(/only when character width is ignored/);
  });

  it('rejects an excerpt that occurs twice, and lists every problem at once', () => {
    const fixture = withExcerpt('zhongshan-hearings-held', '钟山区检察院');
    fixture.achievements[0]!.organization = 'no-such-organization';
    expect(() => planCorpus(fixture, () => pageText)).toThrow(
      /occurs more than once[\s\S]*refers to organization "no-such-organization"|refers to organization "no-such-organization"[\s\S]*occurs more than once/,
    );
  });

  it('rejects a fixture whose page names a different series', () => {
    const fixture = fixtureCopy();
    fixture.series[0]!.title = '另一个系列';
    expect(() => planCorpus(fixture, () => pageText)).toThrow(/its page names the series "中国凉都——六盘水检察人系列报道"/);
  });

  it('rejects a parent cycle and a schema violation with the path and slug', () => {
    const cyclic = fixtureCopy();
    cyclic.organizations[0]!.parent = 'zhongshan-procuratorate-branch-1';
    expect(() => planCorpus(cyclic, () => pageText)).toThrow(/form a parent cycle/);
    const misspelt = fixtureCopy() as unknown as { achievements: Record<string, unknown>[] };
    misspelt.achievements[1]!.kind = 'PRIZE';
    expect(() => planCorpus(misspelt, () => pageText)).toThrow(
      /achievements\[1\]\(zhongshan-cases-selected-into-spp-libraries\)\.kind: Invalid option/,
    );
  });

  it('reads partial dates as the first or last day of the span they name', () => {
    expect(fixtureDate('2016', 'start')).toEqual(new Date('2016-01-01'));
    expect(fixtureDate('2016', 'end')).toEqual(new Date('2016-12-31'));
    expect(fixtureDate('2024-02', 'end')).toEqual(new Date('2024-02-29'));
    expect(fixtureDate('2022-09-30', 'end')).toEqual(new Date('2022-09-30'));
    expect(() => fixtureDate('2022-02-30', 'start')).toThrow(RangeError);
  });

  it('rejects a date that is not on the calendar, naming the achievement', () => {
    const fixture = fixtureCopy();
    fixture.achievements.find((item) => item.slug === 'zhongshan-founded-1988')!.awardedOn = '1988-02-30';
    expect(() => planCorpus(fixture, () => pageText)).toThrow(/achievement "zhongshan-founded-1988": 1988-02-30 is not a calendar date/);
  });
});

describe.each(testBackends())('loadCorpus on %s', (backend) => {
  it('loads the organizations, the series, the article and its achievements into a fresh database', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const summary = await loadCorpus(prisma);
      expect(summary.achievements).toEqual({ created: 24, updated: 0, unchanged: 0, deleted: 0 });
      expect(await rowCounts(prisma)).toEqual({
        organizations: 5,
        sources: 2,
        series: 1,
        articles: 1,
        articleOrganizations: 6,
        achievements: 24,
        citations: 25,
      });

      const article = await prisma.article.findUniqueOrThrow({
        where: { slug: 'liupanshui-procurators-50' },
        include: { series: { include: { publisher: true } }, source: true, organizations: { include: { organization: true } } },
      });
      expect(article).toMatchObject({
        title: '乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进',
        episode: 50,
        category: '国内资讯',
        language: 'zh-CN',
        status: 'PUBLISHED',
        publishedAt: null,
        attribution: '凉都检察',
        originalUrl: '/showinfo-2-10183-0.html',
        bodyText,
        series: { title: '中国凉都——六盘水检察人系列报道', status: 'ONGOING', publisher: { name: '六盘水市人民检察院' } },
        source: { kind: 'PORTAL' },
      });
      expect(article.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(
        article.organizations.map((link) => `${link.role} ${link.organization.slug}`).sort(),
      ).toEqual([
        'MENTIONED guizhou-procuratorate',
        'MENTIONED liupanshui-procuratorate',
        'MENTIONED spp',
        'MENTIONED zhongshan-procuratorate-branch-1',
        'PUBLISHER liupanshui-procuratorate',
        'SUBJECT zhongshan-procuratorate',
      ]);

      const chain: string[] = [];
      let org = await prisma.organization.findUnique({ where: { slug: 'zhongshan-procuratorate-branch-1' } });
      while (org) {
        chain.push(`${org.level} ${org.name}`);
        org = org.parentId ? await prisma.organization.findUnique({ where: { id: org.parentId } }) : null;
      }
      expect(chain).toEqual([
        'UNIT 六盘水市钟山区人民检察院第一党支部',
        'DISTRICT 六盘水市钟山区人民检察院',
        'MUNICIPAL 六盘水市人民检察院',
        'PROVINCIAL 贵州省人民检察院',
        'NATIONAL 最高人民检察院',
      ]);
      expect(await prisma.organization.findUnique({ where: { slug: 'zhongshan-procuratorate' } })).toMatchObject({
        shortName: '钟山区检察院',
        foundedOn: new Date('1988-05-01'),
        region: '贵州省六盘水市钟山区',
      });

      const demonstration = await prisma.achievement.findUniqueOrThrow({
        where: { slug: 'zhongshan-branch-1-provincial-demonstration-site' },
        include: { organization: true },
      });
      expect(demonstration.organization.slug).toBe('zhongshan-procuratorate-branch-1');
      const selection = await prisma.achievement.findUniqueOrThrow({
        where: { slug: 'zhongshan-cases-selected-into-spp-libraries' },
        include: { issuer: true },
      });
      expect(selection.issuer?.slug).toBe('spp');

      for (const citation of await prisma.citation.findMany()) {
        expect(bodyText.slice(citation.offset, citation.offset + citation.excerpt.length)).toBe(citation.excerpt);
      }
    });
  });

  it('changes nothing when it loads the corpus a second time', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      const before = await snapshot(prisma);
      const summary = await loadCorpus(prisma);
      for (const counts of Object.values(summary)) {
        expect(counts.created + counts.updated + counts.deleted).toBe(0);
      }
      expect(summary.citations.unchanged).toBe(25);
      expect(await snapshot(prisma)).toEqual(before);
    });
  });

  it('rewrites only the rows whose fixture entry changed, and drops citations the fixture no longer makes', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      const before = await snapshot(prisma);
      const fixture = fixtureCopy();
      const honour = fixture.achievements.find((item) => item.slug === 'zhongshan-national-advanced-grassroots-procuratorate-2016')!;
      honour.title = '全国先进基层检察院称号';
      honour.citations.pop();
      const summary = await loadCorpus(prisma, { fixture });
      expect(summary.achievements).toEqual({ created: 0, updated: 1, unchanged: 23, deleted: 0 });
      expect(summary.citations).toEqual({ created: 0, updated: 0, unchanged: 24, deleted: 1 });
      const after = await snapshot(prisma);
      expect(after.citations).toHaveLength(24);
      const changed = after.achievements.filter((row, i) => row.updatedAt.getTime() !== before.achievements[i]!.updatedAt.getTime());
      expect(changed.map((row) => row.title)).toEqual(['全国先进基层检察院称号']);
      expect(after.organizations).toEqual(before.organizations);
      expect(after.articles).toEqual(before.articles);
    });
  });

  it('rejects a fixture with a non-verbatim excerpt and writes no row at all', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const fixture = withExcerpt('zhongshan-hearings-held', '共对198件案件组织听证会');
      await expect(loadCorpus(prisma, { fixture })).rejects.toThrow(
        /achievement "zhongshan-hearings-held", citation 1: the excerpt "共对198件案件组织听证会" is not a verbatim substring/,
      );
      expect(await rowCounts(prisma)).toEqual(EMPTY);
    });
  });

  it('rolls back every row it wrote when a later write fails', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      // Another article already holds episode 50 of the series, so the corpus article cannot be written.
      const series = await prisma.series.create({ data: { slug: 'liupanshui-procurators', title: '旧标题' } });
      await prisma.article.create({
        data: { slug: 'squatter', title: '占位', seriesId: series.id, episode: 50, contentHash: 'x' },
      });
      await expect(loadCorpus(prisma)).rejects.toThrow(/Writing article "liupanshui-procurators-50" failed; nothing was loaded/);
      expect(await rowCounts(prisma)).toEqual({ ...EMPTY, series: 1, articles: 1 });
      expect(await prisma.series.findUniqueOrThrow({ where: { slug: 'liupanshui-procurators' } })).toMatchObject({
        title: '旧标题',
        publisherId: null,
      });
    });
  });
});
