import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { normalizedHash } from '../src/domain/article-body.js';
import { createOrganizationMatcher, implicitNames, linkOrganizations } from '../src/ingest/organizations.js';
import { parsePortalText } from '../src/ingest/portal-text.js';
import { replacesCanonical, storeArticle } from '../src/ingest/store.js';
import type { ImportedArticle, SourceHint } from '../src/ingest/types.js';
import { searchHits } from '../src/resolvers/search.js';
import { parseSearchQuery } from '../src/search/tokens.js';
import { createArticle as createEditorialArticle } from '../src/resolvers/editorial/article.js';
import { ANONYMOUS, credentialViewer } from '../src/auth/viewer.js';
import { testBackends, withDatabase } from './support/database.js';
import { unique } from './support/factory.js';
import { databaseFingerprint } from './support/fingerprint.js';

const PORTAL: SourceHint = { name: 'www.portal-a.example', kind: 'PORTAL', url: 'https://www.portal-a.example/' };
const OTHER_PORTAL: SourceHint = { name: 'news.portal-b.example', kind: 'PORTAL', url: 'https://news.portal-b.example/' };

/** A portal page as text: series line, title, body paragraphs and a trailing credit. */
function page({ series = '测试系列报道之三', title, paragraphs, credit = '凉都检察' }: {
  series?: string | null;
  title: string;
  paragraphs: string[];
  credit?: string | null;
}) {
  const body = paragraphs.map((p, i) => `  ${p}${i === paragraphs.length - 1 && credit ? `(${credit})` : ''}`);
  return [series ?? '', title, '', ...body].join('\n');
}

/** An ImportedArticle as the parsers hand it to storeArticle. */
function imported(text: string, source: SourceHint, locator: string, extra: Partial<ImportedArticle> = {}): ImportedArticle {
  const parsed = parsePortalText(text);
  return {
    locator,
    source,
    originalUrl: locator.startsWith('http') ? locator : null,
    originalPath: parsed.originalPath,
    title: parsed.title,
    series: parsed.series ? { title: parsed.series.title, episode: parsed.series.episode } : null,
    blocks: parsed.blocks,
    bodyText: parsed.bodyText,
    contentHash: parsed.contentHash,
    normalizedHash: normalizedHash(parsed.bodyText),
    publishedAt: null,
    category: parsed.category,
    tags: [],
    attribution: parsed.attribution,
    language: 'zh-CN',
    organizations: [],
    fetchedAt: new Date('2026-11-01T08:00:00Z'),
    ...extra,
  };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A story with a unique title, so that no two tests' articles are one story. */
function story(paragraphs = ['钟山区检察院坚持“应听证、尽听证”，共对189件案件组织听证会。', '一年多来，全院干警不断增强政治自觉。']) {
  const title = `乘风破浪!${unique('检察院')}脱“薄弱”争先进`;
  return { title, paragraphs };
}

async function hierarchy(prisma: PrismaClient) {
  const city = await prisma.organization.create({
    data: { slug: unique('city'), name: '六盘水市人民检察院', shortName: '六盘水市检察院', kind: 'PROCURATORATE', level: 'MUNICIPAL' },
  });
  const district = await prisma.organization.create({
    data: {
      slug: unique('district'),
      name: '六盘水市钟山区人民检察院',
      kind: 'PROCURATORATE',
      level: 'DISTRICT',
      parentId: city.id,
    },
  });
  const branch = await prisma.organization.create({
    data: { slug: unique('branch'), name: '六盘水市钟山区人民检察院第一党支部', shortName: '第一党支部', kind: 'PARTY_BRANCH', level: 'UNIT', parentId: district.id },
  });
  return { city, district, branch };
}

async function searchArticleIds(prisma: PrismaClient, query: string) {
  const hits = await searchHits(prisma, { query: parseSearchQuery(query), types: ['Article'], viewer: ANONYMOUS }, { limit: 20, inverted: false });
  return hits.map((hit) => hit.id);
}

describe('the canonical rule', () => {
  const at = (day: number) => new Date(Date.UTC(2022, 10, day));
  it('prefers the original publisher’s copy, then the earlier publication date, then the copy stored first', () => {
    expect(replacesCanonical({ publisher: true, publishedAt: null }, { publisher: false, publishedAt: at(1) })).toBe(true);
    expect(replacesCanonical({ publisher: false, publishedAt: at(1) }, { publisher: true, publishedAt: at(9) })).toBe(false);
    expect(replacesCanonical({ publisher: false, publishedAt: at(1) }, { publisher: false, publishedAt: at(9) })).toBe(true);
    expect(replacesCanonical({ publisher: false, publishedAt: at(1) }, { publisher: false, publishedAt: null })).toBe(true);
    expect(replacesCanonical({ publisher: false, publishedAt: at(9) }, { publisher: false, publishedAt: at(1) })).toBe(false);
    expect(replacesCanonical({ publisher: false, publishedAt: null }, { publisher: false, publishedAt: null })).toBe(false);
    expect(replacesCanonical({ publisher: false, publishedAt: at(1) }, { publisher: false, publishedAt: at(1) })).toBe(false);
    // The curated corpus's copy stays canonical.
    expect(replacesCanonical({ publisher: true, publishedAt: at(1) }, { publisher: false, publishedAt: null, curated: true })).toBe(false);
  });
});

describe('organization names', () => {
  it('derives 钟山区检察院 and 六盘水市检察机关 from the full names', () => {
    expect(implicitNames({ name: '六盘水市钟山区人民检察院', kind: 'PROCURATORATE' }, '六盘水市人民检察院')).toEqual(
      expect.arrayContaining(['六盘水市钟山区检察院', '钟山区人民检察院', '钟山区检察院', '钟山区检察机关']),
    );
    expect(implicitNames({ name: '六盘水市人民检察院', kind: 'PROCURATORATE' }, '贵州省人民检察院')).toEqual(
      expect.arrayContaining(['六盘水市检察院', '六盘水市检察机关']),
    );
    // A party branch keeps its parent's place: 人民检察院第一党支部 alone names nothing.
    expect(implicitNames({ name: '六盘水市钟山区人民检察院第一党支部', kind: 'PARTY_BRANCH' }, '六盘水市钟山区人民检察院')).toEqual([
      '六盘水市钟山区检察院第一党支部',
    ]);
  });

  it('gives a name shared by two organizations to the one whose parent the text names, else to none', () => {
    const orgs = [
      { id: 'a', name: '甲市人民检察院', shortName: null, aliases: [], parentId: null, kind: 'PROCURATORATE' },
      { id: 'a1', name: '甲市人民检察院第一党支部', shortName: '第一党支部', aliases: [], parentId: 'a', kind: 'PARTY_BRANCH' },
      { id: 'b', name: '乙市人民检察院', shortName: null, aliases: [], parentId: null, kind: 'PROCURATORATE' },
      { id: 'b1', name: '乙市人民检察院第一党支部', shortName: '第一党支部', aliases: [], parentId: 'b', kind: 'PARTY_BRANCH' },
    ];
    const matcher = createOrganizationMatcher(orgs);
    const link = (bodyText: string) =>
      linkOrganizations(matcher, { title: '标题', bodyText, attribution: null, organizations: [] }, null).links.map(
        (l) => `${l.role} ${l.organizationId}`,
      );
    // 第一党支部 is the branch of 乙市检察院, which the text names; mentioned twice, it is the SUBJECT.
    expect(link('乙市检察院第一党支部被评为示范点。乙市检察院成绩突出，第一党支部再获表彰。').sort()).toEqual(['MENTIONED b', 'SUBJECT b1']);
    expect(link('第一党支部被评为示范点。')).toEqual([]);
  });
});

describe('unknown organizations', () => {
  it('reports a name that looks like a public body without the words the sentence put before it', () => {
    const unknown = (bodyText: string) =>
      linkOrganizations(createOrganizationMatcher([]), { title: '标题', bodyText, attribution: null, organizations: [] }, null)
        .unknownOrganizations;
    expect(unknown('这是青川市石岭区检察院的经验。成绩离不开石岭区检察院全体干警。')).toEqual(['青川市石岭区检察院', '石岭区检察院']);
    expect(unknown('被贵阳市云岩区人民法院评为先进。')).toEqual(['贵阳市云岩区人民法院']);
  });
});

describe.each(testBackends())('storeArticle on %s', (backend) => {
  it('creates an article with revision 1, a canonical provenance record, its series and source', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const item = imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/1.html');
      const outcome = await storeArticle(prisma, item, { importRunId: null });
      // No organization is known yet: the one the text names is reported, not invented.
      expect(outcome).toMatchObject({ status: 'CREATED', unknownOrganizations: ['钟山区检察院'] });
      expect(await prisma.organization.count()).toBe(0);
      const article = await prisma.article.findUniqueOrThrow({
        where: { id: outcome.articleId },
        include: { series: true, source: true, revisions: true, provenances: { include: { source: true } } },
      });
      expect(article).toMatchObject({
        title,
        episode: 3,
        status: 'PUBLISHED',
        attribution: '凉都检察',
        contentHash: sha(item.bodyText),
        normalizedHash: item.normalizedHash,
        originalUrl: 'https://www.portal-a.example/a/1.html',
        version: 1,
        series: { title: '测试系列报道', slug: `series-${sha('测试系列报道').slice(0, 12)}` },
        source: { slug: 'portal-a-example', kind: 'PORTAL', url: 'https://www.portal-a.example/' },
      });
      expect(article.slug).toBe(`${article.series!.slug}-3`);
      expect(article.revisions).toMatchObject([{ number: 1, title, bodyText: item.bodyText, contentHash: item.contentHash }]);
      expect(article.provenances).toMatchObject([
        {
          locator: 'https://www.portal-a.example/a/1.html',
          isCanonical: true,
          contentHash: item.contentHash,
          normalizedHash: item.normalizedHash,
          fetchedAt: item.fetchedAt,
          attribution: '凉都检察',
        },
      ]);
      expect(await searchArticleIds(prisma, '听证会')).toEqual([article.id]);
      expect(outcome.changedEntities).toEqual(
        expect.arrayContaining([
          { typename: 'Article', id: article.id },
          { typename: 'Series', id: article.seriesId },
          { typename: 'Source', id: article.sourceId },
        ]),
      );
    });
  });

  it('changes nothing at all when the same content is imported again', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const text = page({ title, paragraphs });
      const first = await storeArticle(prisma, imported(text, PORTAL, 'https://www.portal-a.example/a/2.html'), { importRunId: null });
      const before = await databaseFingerprint(prisma);
      const again = imported(text, PORTAL, 'https://www.portal-a.example/a/2.html', { fetchedAt: new Date('2026-11-20T00:00:00Z') });
      expect(await storeArticle(prisma, again, { importRunId: null })).toEqual({
        status: 'UNCHANGED',
        articleId: first.articleId,
        unknownOrganizations: [],
        changedEntities: [],
      });
      expect(await databaseFingerprint(prisma)).toEqual(before);
    });
  });

  it('keeps the history when the content changes: a new revision, the new text searchable, the version bumped', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const locator = 'https://www.portal-a.example/a/3.html';
      const run = await prisma.importRun.create({ data: { trigger: 'CLI', actorName: 'test', inputs: [locator] } });
      const first = await storeArticle(prisma, imported(page({ title, paragraphs }), PORTAL, locator), { importRunId: null });
      const changed = imported(page({ title, paragraphs: [...paragraphs, '新增段落：钟山区检察院开展护苗专项行动。'] }), PORTAL, locator);
      const outcome = await storeArticle(prisma, changed, { importRunId: run.id });
      expect(outcome).toMatchObject({ status: 'UPDATED', articleId: first.articleId });
      expect(outcome.changedEntities).toContainEqual({ typename: 'Article', id: first.articleId });
      const article = await prisma.article.findUniqueOrThrow({
        where: { id: first.articleId },
        include: { revisions: { orderBy: { number: 'asc' } }, provenances: true },
      });
      expect(article).toMatchObject({ bodyText: changed.bodyText, contentHash: changed.contentHash, normalizedHash: changed.normalizedHash, version: 2 });
      expect(article.revisions.map((r) => [r.number, r.importRunId])).toEqual([
        [1, null],
        [2, run.id],
      ]);
      expect(article.revisions[1]!.contentHash).toBe(changed.contentHash);
      expect(article.revisions[0]!.bodyText).not.toContain('护苗');
      expect(article.provenances).toMatchObject([{ contentHash: changed.contentHash, isCanonical: true }]);
      expect(await searchArticleIds(prisma, '护苗专项')).toEqual([first.articleId]);
      expect(await prisma.article.count()).toBe(1);
    });
  });

  it('keeps a republished duplicate from another portal as a second provenance record of the same article', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const first = await storeArticle(prisma, imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/4.html'), {
        importRunId: null,
      });
      const before = await prisma.article.findUniqueOrThrow({ where: { id: first.articleId } });
      // The reprint has a different chrome and full-width punctuation: another contentHash, the same story.
      const reprint = imported(
        page({ series: '测试系列报道----之三', title, paragraphs: paragraphs.map((p) => p.replace(/，/g, ', ')) }),
        OTHER_PORTAL,
        'https://news.portal-b.example/n/77',
      );
      expect(reprint.contentHash).not.toBe(before.contentHash);
      expect(reprint.normalizedHash).toBe(before.normalizedHash);
      const outcome = await storeArticle(prisma, reprint, { importRunId: null });
      expect(outcome).toMatchObject({ status: 'DUPLICATE', articleId: first.articleId });
      expect(await prisma.article.count()).toBe(1);
      const provenances = await prisma.articleProvenance.findMany({ where: { articleId: first.articleId }, include: { source: true }, orderBy: { createdAt: 'asc' } });
      expect(provenances.map((p) => [p.source.slug, p.locator, p.isCanonical, p.contentHash])).toEqual([
        ['portal-a-example', 'https://www.portal-a.example/a/4.html', true, before.contentHash],
        ['news-portal-b-example', 'https://news.portal-b.example/n/77', false, reprint.contentHash],
      ]);
      // Neither copy is the publisher's nor dated: the first stays canonical and the article is untouched.
      expect(await prisma.article.findUniqueOrThrow({ where: { id: first.articleId } })).toEqual(before);
      expect(await prisma.articleRevision.count()).toBe(1);

      // The reprint changes later: its provenance record follows, the article (another copy's text) does not.
      const changedReprint = imported(
        page({ series: '测试系列报道----之三', title, paragraphs: [...paragraphs, '转载方补充的编者按。'] }),
        OTHER_PORTAL,
        'https://news.portal-b.example/n/77',
      );
      expect(await storeArticle(prisma, changedReprint, { importRunId: null })).toMatchObject({ status: 'UPDATED', articleId: first.articleId });
      expect(await prisma.articleProvenance.findFirstOrThrow({ where: { locator: 'https://news.portal-b.example/n/77' } })).toMatchObject({
        contentHash: changedReprint.contentHash,
        isCanonical: false,
      });
      expect(await prisma.article.findUniqueOrThrow({ where: { id: first.articleId } })).toEqual(before);
      expect(await prisma.articleRevision.count()).toBe(1);
    });
  });

  it('stores two copies of one story sent at the same moment as one article with one canonical copy', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      // One copy names its series and episode, the other does not: without the import lock each
      // transaction sees no stored copy and creates its own article (different slugs).
      const withSeries = imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/race.html');
      const withoutSeries = imported(page({ series: null, title, paragraphs }), OTHER_PORTAL, 'https://news.portal-b.example/n/race');
      expect(withSeries.normalizedHash).toBe(withoutSeries.normalizedHash);
      const outcomes = await Promise.all([
        storeArticle(prisma, withSeries, { importRunId: null }),
        storeArticle(prisma, withoutSeries, { importRunId: null }),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['CREATED', 'DUPLICATE']);
      expect(await prisma.article.count({ where: { normalizedHash: withSeries.normalizedHash } })).toBe(1);
      expect(await prisma.articleProvenance.count({ where: { normalizedHash: withSeries.normalizedHash, isCanonical: true } })).toBe(1);
    });
  });

  it('finds an article an editor wrote when the same story is imported, instead of adding a second one', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const editor = credentialViewer({
        id: '00000000-0000-7000-8000-000000000001',
        kind: 'EDITOR',
        name: 'an editor',
        organizationId: null,
        allowedOrigins: [],
        trustedDocumentsOnly: false,
      });
      const written = await createEditorialArticle(prisma, editor, {
        slug: unique('edited'),
        title,
        body: paragraphs.map((text) => ({ kind: 'PARAGRAPH' as const, text })),
      });
      // The portal's copy carries a trailing credit and its own punctuation: the same story.
      const copy = imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/edited.html');
      expect(await storeArticle(prisma, copy, { importRunId: null })).toMatchObject({ status: 'DUPLICATE', articleId: written.id });
      expect(await prisma.article.count()).toBe(1);
    });
  });

  it('makes the original publisher’s copy canonical, and then an earlier-dated one does not displace it', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const first = await storeArticle(
        prisma,
        imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/5.html', { publishedAt: new Date('2022-11-20T00:00:00Z') }),
        { importRunId: null },
      );
      const publisherCopy = imported(
        page({ title, paragraphs: paragraphs.map((p) => p.replace(/，/g, ',')) }),
        { name: '凉都检察', kind: 'WECHAT', url: null },
        'https://mp.weixin.qq.example/s/abc',
      );
      expect(await storeArticle(prisma, publisherCopy, { importRunId: null })).toMatchObject({ status: 'DUPLICATE', articleId: first.articleId });
      let article = await prisma.article.findUniqueOrThrow({ where: { id: first.articleId }, include: { source: true, revisions: true } });
      expect(article).toMatchObject({
        source: { name: '凉都检察', kind: 'WECHAT' },
        contentHash: publisherCopy.contentHash,
        bodyText: publisherCopy.bodyText,
        originalUrl: 'https://mp.weixin.qq.example/s/abc',
        version: 2,
      });
      expect(article.revisions).toHaveLength(2);

      const earlier = imported(page({ title, paragraphs }), OTHER_PORTAL, 'https://news.portal-b.example/n/5', {
        publishedAt: new Date('2022-11-01T00:00:00Z'),
      });
      expect(await storeArticle(prisma, earlier, { importRunId: null })).toMatchObject({ status: 'DUPLICATE' });
      article = await prisma.article.findUniqueOrThrow({ where: { id: first.articleId }, include: { source: true, revisions: true } });
      expect(article.source!.name).toBe('凉都检察');
      const canonical = await prisma.articleProvenance.findMany({ where: { articleId: first.articleId, isCanonical: true } });
      expect(canonical.map((p) => p.locator)).toEqual(['https://mp.weixin.qq.example/s/abc']);
    });
  });

  it('makes an earlier-dated copy canonical when neither copy is the publisher’s', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const first = await storeArticle(
        prisma,
        imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/6.html', { publishedAt: new Date('2022-11-20T00:00:00Z') }),
        { importRunId: null },
      );
      const earlier = imported(page({ title, paragraphs }), OTHER_PORTAL, 'https://news.portal-b.example/n/6', {
        publishedAt: new Date('2022-11-01T00:00:00Z'),
      });
      await storeArticle(prisma, earlier, { importRunId: null });
      const article = await prisma.article.findUniqueOrThrow({ where: { id: first.articleId }, include: { source: true, provenances: true } });
      expect(article.publishedAt).toEqual(new Date('2022-11-01T00:00:00Z'));
      expect(article.source!.slug).toBe('news-portal-b-example');
      expect(article.provenances.filter((p) => p.isCanonical).map((p) => p.locator)).toEqual(['https://news.portal-b.example/n/6']);
      // The text is the same, so no revision is added.
      expect(await prisma.articleRevision.count({ where: { articleId: first.articleId } })).toBe(1);
    });
  });

  it('treats an edited republication of the same episode as a copy of the same article', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { title, paragraphs } = story();
      const first = await storeArticle(prisma, imported(page({ title, paragraphs }), PORTAL, 'https://www.portal-a.example/a/7.html'), {
        importRunId: null,
      });
      const edited = imported(page({ title: `${title}（有删节）`, paragraphs: paragraphs.slice(0, 1) }), OTHER_PORTAL, 'https://news.portal-b.example/n/7');
      expect(await storeArticle(prisma, edited, { importRunId: null })).toMatchObject({ status: 'DUPLICATE', articleId: first.articleId });
      expect(await prisma.article.count()).toBe(1);
      expect(await prisma.articleProvenance.count({ where: { articleId: first.articleId } })).toBe(2);
    });
  });

  it('links organizations by name and alias, makes the one in the title the SUBJECT, and reports unknown ones without creating them', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { city, district, branch } = await hierarchy(prisma);
      const series = await prisma.series.create({ data: { slug: unique('series'), title: '链接测试系列报道', publisherId: city.id } });
      const text = page({
        series: '链接测试系列报道之一',
        title: '钟山区检察院脱“薄弱”争先进',
        paragraphs: [
          '第一党支部被评为示范点；',
          '在2021年度六盘水市检察机关业务工作综合排名中，钟山区检察院位列全市第二，遵义市红花岗区人民检察院位列第三。',
          '钟山区检察院被贵阳市云岩区人民法院评为先进。',
        ],
      });
      const organizationsBefore = await prisma.organization.count();
      const outcome = await storeArticle(prisma, imported(text, PORTAL, 'https://www.portal-a.example/a/8.html'), { importRunId: null });
      expect(outcome.status).toBe('CREATED');
      expect(outcome.unknownOrganizations).toEqual(['遵义市红花岗区人民检察院', '贵阳市云岩区人民法院']);
      const links = await prisma.articleOrganization.findMany({ where: { articleId: outcome.articleId } });
      expect(links.map((l) => `${l.role} ${l.organizationId}`).sort()).toEqual(
        [`SUBJECT ${district.id}`, `MENTIONED ${branch.id}`, `MENTIONED ${city.id}`, `PUBLISHER ${city.id}`].sort(),
      );
      expect(await prisma.organization.count()).toBe(organizationsBefore);
      expect(outcome.changedEntities).toEqual(expect.arrayContaining([{ typename: 'Organization', id: district.id }]));
      expect((await prisma.article.findUniqueOrThrow({ where: { id: outcome.articleId } })).seriesId).toBe(series.id);
    });
  });

  it('takes the most mentioned organization as the SUBJECT when the title names none, and honours names given by the input', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const { city, district, branch } = await hierarchy(prisma);
      const text = page({
        series: null,
        title: `脱“薄弱”争先进 ${unique('篇')}`,
        paragraphs: ['六盘水市检察院部署工作。钟山区检察院落实部署。', '钟山区检察院第一党支部被评为示范点，钟山区检察院再获表彰。'],
      });
      const item = imported(text, PORTAL, 'https://www.portal-a.example/a/9.html', {
        organizations: [
          { name: '六盘水市人民检察院', role: 'PUBLISHER' },
          { name: '不存在的某某机构', role: 'MENTIONED' },
        ],
      });
      const outcome = await storeArticle(prisma, item, { importRunId: null });
      const links = await prisma.articleOrganization.findMany({ where: { articleId: outcome.articleId } });
      expect(links.map((l) => `${l.role} ${l.organizationId}`).sort()).toEqual(
        [`SUBJECT ${district.id}`, `MENTIONED ${branch.id}`, `MENTIONED ${city.id}`, `PUBLISHER ${city.id}`].sort(),
      );
      expect(outcome.unknownOrganizations).toEqual(['不存在的某某机构']);
    });
  });

  it('writes nothing when a write fails halfway through the article', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await hierarchy(prisma);
      const before = await databaseFingerprint(prisma);
      const { title, paragraphs } = story();
      // A NUL character cannot be stored in a PostgreSQL text column: the article insert fails
      // after the source (a new one) and the series have been written in the same transaction.
      const item = imported(page({ title, paragraphs }), { name: 'broken.example', kind: 'PORTAL', url: 'https://broken.example/' }, 'https://broken.example/1');
      item.blocks = [...item.blocks, { kind: 'PARAGRAPH', text: 'bad\u0000byte' }];
      item.bodyText = `${item.bodyText}\n\nbad\u0000byte`;
      await expect(storeArticle(prisma, item, { importRunId: null })).rejects.toThrow();
      expect(await databaseFingerprint(prisma)).toEqual(before);
    });
  });
});
