import { createInMemoryCache } from '@graphql-yoga/plugin-response-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArticleBlock, blocksToText, contentHash } from '../src/domain/article-body.js';
import { occurrences, relocateExcerpt } from '../src/resolvers/editorial/article.js';
import { createCredential } from '../src/auth/credentials.js';
import { decodeGlobalId, encodeGlobalId } from '../src/domain/global-id.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { unique } from './support/factory.js';

// Editorial writes that succeed: what they store, the audit entry they leave, and that search and
// cached answers are current right after them. Refusals are in editorial-abuse.test.ts.

interface Answer {
  status: number;
  data?: any;
  errors?: { message: string; extensions?: Record<string, any> }[];
  extensions?: Record<string, any>;
}

const cacheHit = (answer: Answer) => answer.extensions?.responseCache?.hit === true;

describe('citation offsets follow the text', () => {
  it('finds every occurrence, overlapping ones included, in UTF-16 code units', () => {
    expect(occurrences('𠀀全市第二全市第二', '全市第二')).toEqual([2, 6]);
    expect(occurrences('aaa', 'aa')).toEqual([0, 1]);
    expect(occurrences('abc', 'x')).toEqual([]);
  });

  it('keeps a citation on the same occurrence when the excerpt appears as often as before', () => {
    expect(relocateExcerpt('甲全市第二，乙全市第二', '前言。甲全市第二，乙全市第二', '全市第二', 7)).toBe(10);
  });

  it('moves a citation to the nearest occurrence when the count changed, and loses it when none is left', () => {
    expect(relocateExcerpt('甲全市第二，乙全市第二', '乙全市第二', '全市第二', 7)).toBe(1);
    expect(relocateExcerpt('甲全市第二', '甲全市第三', '全市第二', 1)).toBeNull();
  });
});

describe.each(testBackends())('editorial writes on %s', (backend) => {
  let api: TestApi;
  let editor: string;
  let admin: string;

  beforeAll(async () => {
    api = await createTestApi(backend, { responseCache: { cache: createInMemoryCache(), ttlMs: 60_000 } });
    editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor 王' })).secret;
    admin = (await createCredential(api.db.prisma, { kind: 'ADMIN', name: 'admin 李' })).secret;
  });
  afterAll(() => api?.close());

  async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return (await api.execute(query, variables, headers)) as Answer;
  }

  /** Runs a mutation that must succeed, returning its data. */
  async function write(query: string, input: Record<string, unknown>, token = editor) {
    const answer = await gql(query, { input }, token);
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answer.status).toBe(200);
    return answer.data;
  }

  async function auditEntries(entityId: string) {
    const answer = await gql(
      `query ($entity: ID!) { auditLog(filter: { entity: $entity }) {
        totalCount edges { node { actorName actorKind action entityType entityId at before after } } } }`,
      { entity: entityId },
      admin,
    );
    expect(answer.errors).toBeUndefined();
    return answer.data.auditLog.edges.map((edge: { node: unknown }) => edge.node) as {
      actorName: string;
      actorKind: string;
      action: string;
      entityType: string;
      entityId: string;
      at: string;
      before: any;
      after: any;
    }[];
  }

  const searchIds = async (query: string, token?: string) => {
    const answer = await gql(
      `query ($q: String!) { search(query: $q, first: 50) { edges { node { ... on Node { id } } } } }`,
      { q: query },
      token,
    );
    expect(answer.errors).toBeUndefined();
    return answer.data.search.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
  };

  const CREATE_ORGANIZATION = `mutation ($input: CreateOrganizationInput!) {
    createOrganization(input: $input) { organization { id slug name version parent { slug } } } }`;
  const UPDATE_ORGANIZATION = `mutation ($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) { organization { id name shortName version parent { slug } } } }`;

  async function newOrganization(extra: Record<string, unknown> = {}) {
    const slug = unique('org');
    const data = await write(CREATE_ORGANIZATION, { slug, name: `测试检察院${slug}`, kind: 'PROCURATORATE', level: 'DISTRICT', ...extra });
    return data.createOrganization.organization as { id: string; slug: string; name: string; version: number };
  }

  describe('organizations', () => {
    it('creates an organization at version 1 under its parent, searchable at once, with an audit entry by its editor', async () => {
      const parent = await newOrganization();
      const slug = unique('org');
      const started = Date.now();
      const data = await write(CREATE_ORGANIZATION, {
        slug,
        name: '六盘水市钟山区人民检察院',
        shortName: '钟山区检察院',
        aliases: ['钟山检察'],
        kind: 'PROCURATORATE',
        level: 'DISTRICT',
        foundedOn: '1980-05-01',
        parent: parent.id,
      });
      const created = data.createOrganization.organization;
      expect(created).toMatchObject({ slug, name: '六盘水市钟山区人民检察院', version: 1, parent: { slug: parent.slug } });
      expect(decodeGlobalId(created.id).typename).toBe('Organization');
      expect(await searchIds('钟山检察')).toContain(created.id);

      const [entry, ...older] = await auditEntries(created.id);
      expect(older).toEqual([]);
      expect(entry).toMatchObject({
        actorName: 'editor 王',
        actorKind: 'EDITOR',
        action: 'createOrganization',
        entityType: 'ORGANIZATION',
        entityId: created.id,
        before: null,
        after: { slug, name: '六盘水市钟山区人民检察院', aliases: ['钟山检察'], version: 1, foundedOn: '1980-05-01T00:00:00.000Z' },
      });
      expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(started - 5_000);
      expect(Date.parse(entry!.at)).toBeLessThanOrEqual(Date.now() + 5_000);
    });

    it('updates only the given fields, clears a field given as null, and moves the version on', async () => {
      const org = await newOrganization({ shortName: '旧简称' });
      const data = await write(
        UPDATE_ORGANIZATION,
        { id: org.id, expectedVersion: 1, name: '新名称检察院', shortName: null },
        admin,
      );
      expect(data.updateOrganization.organization).toMatchObject({ id: org.id, name: '新名称检察院', shortName: null, version: 2 });
      const row = await api.db.prisma.organization.findUniqueOrThrow({ where: { id: decodeGlobalId(org.id).id } });
      expect(row).toMatchObject({ kind: 'PROCURATORATE', level: 'DISTRICT', slug: org.slug, version: 2 });

      const [entry] = await auditEntries(org.id);
      expect(entry).toMatchObject({
        actorName: 'admin 李',
        actorKind: 'ADMIN',
        action: 'updateOrganization',
        before: { name: org.name, shortName: '旧简称', version: 1 },
        after: { name: '新名称检察院', shortName: null, version: 2 },
      });
    });

    it('keeps search current: the new name is found and the old one no longer is', async () => {
      const org = await newOrganization({ name: '甲乙丙丁检察院' });
      expect(await searchIds('甲乙丙丁')).toContain(org.id);
      await write(UPDATE_ORGANIZATION, { id: org.id, expectedVersion: 1, name: '戊己庚辛检察院' });
      expect(await searchIds('甲乙丙丁')).not.toContain(org.id);
      expect(await searchIds('戊己庚辛')).toContain(org.id);
    });

    it('answers a cached query with the new data right after the write', async () => {
      const org = await newOrganization();
      const query = 'query ($slug: String!) { organization(slug: $slug) { name } }';
      await gql(query, { slug: org.slug });
      const cached = await gql(query, { slug: org.slug });
      expect(cacheHit(cached)).toBe(true);
      await write(UPDATE_ORGANIZATION, { id: org.id, expectedVersion: 1, name: '缓存之后的新名称' });
      const fresh = await gql(query, { slug: org.slug });
      expect(cacheHit(fresh)).toBe(false);
      expect(fresh.data).toEqual({ organization: { name: '缓存之后的新名称' } });
    });

    it('lists a new organization in a cached list right after it is created', async () => {
      const parent = await newOrganization();
      const query = 'query ($parent: ID!) { organizations(filter: { parent: $parent }) { edges { node { id } } } }';
      expect((await gql(query, { parent: parent.id })).data.organizations.edges).toEqual([]);
      expect(cacheHit(await gql(query, { parent: parent.id }))).toBe(true);
      const child = await newOrganization({ parent: parent.id });
      expect((await gql(query, { parent: parent.id })).data.organizations.edges).toEqual([{ node: { id: child.id } }]);
    });

    it('re-parents an organization and makes a root of it with parent: null', async () => {
      const a = await newOrganization();
      const b = await newOrganization({ parent: a.id });
      const c = await newOrganization();
      const moved = await write(UPDATE_ORGANIZATION, { id: b.id, expectedVersion: 1, parent: c.id });
      expect(moved.updateOrganization.organization.parent).toEqual({ slug: c.slug });
      const root = await write(UPDATE_ORGANIZATION, { id: b.id, expectedVersion: 2, parent: null });
      expect(root.updateOrganization.organization).toMatchObject({ parent: null, version: 3 });
    });
  });

  const CREATE_SERIES = `mutation ($input: CreateSeriesInput!) {
    createSeries(input: $input) { series { id slug title status version publisher { slug } } } }`;
  const UPDATE_SERIES = `mutation ($input: UpdateSeriesInput!) {
    updateSeries(input: $input) { series { id title status version description publisher { slug } } } }`;

  describe('series', () => {
    it('creates a series (ONGOING by default) and updates it, each write audited', async () => {
      const publisher = await newOrganization();
      const slug = unique('series');
      const created = (await write(CREATE_SERIES, { slug, title: '中国凉都系列报道', publisher: publisher.id })).createSeries.series;
      expect(created).toMatchObject({ slug, title: '中国凉都系列报道', status: 'ONGOING', version: 1, publisher: { slug: publisher.slug } });
      const updated = (
        await write(UPDATE_SERIES, { id: created.id, expectedVersion: 1, status: 'COMPLETED', description: '五十集', publisher: null })
      ).updateSeries.series;
      expect(updated).toMatchObject({ status: 'COMPLETED', description: '五十集', version: 2, publisher: null });
      const entries = await auditEntries(created.id);
      expect(entries.map((entry) => entry.action)).toEqual(['updateSeries', 'createSeries']);
      expect(entries[0]).toMatchObject({ before: { status: 'ONGOING', description: null }, after: { status: 'COMPLETED', description: '五十集' } });
    });
  });

  const CREATE_ARTICLE = `mutation ($input: CreateArticleInput!) {
    createArticle(input: $input) { article { id slug title status version episode bodyText contentHash publishedAt
      series { slug } organizations { role organization { slug } } } } }`;
  const UPDATE_ARTICLE = `mutation ($input: UpdateArticleInput!) {
    updateArticle(input: $input) { article { id title bodyText contentHash version episode tags } } }`;
  const PUBLISH = `mutation ($input: PublishArticleInput!) { publishArticle(input: $input) { article { status publishedAt version } } }`;
  const ARCHIVE = `mutation ($input: ArchiveArticleInput!) { archiveArticle(input: $input) { article { status version } } }`;

  async function newSeries() {
    const data = await write(CREATE_SERIES, { slug: unique('series'), title: `系列 ${unique('t')}` });
    return data.createSeries.series as { id: string; slug: string };
  }

  async function newArticle(extra: Record<string, unknown> = {}) {
    const data = await write(CREATE_ARTICLE, {
      slug: unique('article'),
      title: `标题 ${unique('t')}`,
      body: [
        { kind: 'HEADING', text: '思想破旧立新' },
        { kind: 'PARAGRAPH', text: '该院荣获全国先进基层检察院称号。' },
      ],
      ...extra,
    });
    return data.createArticle.article as { id: string; slug: string; bodyText: string; version: number };
  }

  describe('articles', () => {
    it('creates a draft with its text, hash, first revision, organization links and audit entry', async () => {
      const series = await newSeries();
      const org = await newOrganization();
      const body = [
        { kind: 'HEADING', text: '思想“破旧立新”' },
        { kind: 'PARAGRAPH', text: '  司法救助金额五十二万元。 ' },
      ];
      const data = await write(CREATE_ARTICLE, {
        slug: unique('article'),
        title: '钟山区检察院：勇立潮头',
        series: series.id,
        episode: 50,
        tags: ['检察'],
        body,
        organizations: [{ organization: org.id, role: 'SUBJECT' }],
      });
      const article = data.createArticle.article;
      const bodyText = blocksToText([
        { kind: 'HEADING', text: '思想“破旧立新”' },
        { kind: 'PARAGRAPH', text: '司法救助金额五十二万元。' },
      ]);
      expect(article).toMatchObject({
        status: 'DRAFT',
        version: 1,
        episode: 50,
        bodyText,
        contentHash: contentHash(bodyText),
        publishedAt: null,
        series: { slug: series.slug },
        organizations: [{ role: 'SUBJECT', organization: { slug: org.slug } }],
      });
      const revisions = await api.db.prisma.articleRevision.findMany({ where: { articleId: decodeGlobalId(article.id).id } });
      expect(revisions).toMatchObject([{ number: 1, title: '钟山区检察院：勇立潮头', bodyText, contentHash: contentHash(bodyText) }]);
      const [entry] = await auditEntries(article.id);
      expect(entry).toMatchObject({
        action: 'createArticle',
        entityType: 'ARTICLE',
        before: null,
        after: { status: 'DRAFT', bodyText, organizations: [{ role: 'SUBJECT', organizationId: decodeGlobalId(org.id).id }] },
      });
      // A draft is searchable for editors, not for the public.
      expect(await searchIds('司法救助', editor)).toContain(article.id);
      expect(await searchIds('司法救助')).not.toContain(article.id);
    });

    it('publishes a draft (setting publishedAt), archives it, and republishes it; the public cached view follows', async () => {
      const series = await newSeries();
      const article = await newArticle({ series: series.id, episode: 1 });
      const count = 'query ($slug: String!) { series(slug: $slug) { articleCount } }';
      expect((await gql(count, { slug: series.slug })).data.series.articleCount).toBe(0);
      expect(cacheHit(await gql(count, { slug: series.slug }))).toBe(true);

      const before = Date.now();
      const published = (await write(PUBLISH, { id: article.id, expectedVersion: 1 })).publishArticle.article;
      expect(published).toMatchObject({ status: 'PUBLISHED', version: 2 });
      expect(Date.parse(published.publishedAt)).toBeGreaterThanOrEqual(before - 5_000);
      expect((await gql(count, { slug: series.slug })).data.series.articleCount).toBe(1);

      expect((await write(ARCHIVE, { id: article.id, expectedVersion: 2 })).archiveArticle.article).toEqual({ status: 'ARCHIVED', version: 3 });
      expect((await gql(count, { slug: series.slug })).data.series.articleCount).toBe(0);

      const again = (await write(PUBLISH, { id: article.id, expectedVersion: 3 })).publishArticle.article;
      // The first publication date stays.
      expect(again).toMatchObject({ status: 'PUBLISHED', version: 4, publishedAt: published.publishedAt });
      const entries = await auditEntries(article.id);
      expect(entries.map((entry) => entry.action)).toEqual(['publishArticle', 'archiveArticle', 'publishArticle', 'createArticle']);
      expect(entries[1]).toMatchObject({ before: { status: 'PUBLISHED' }, after: { status: 'ARCHIVED' } });
    });

    it('changes the text, moving each citation to its excerpt’s new place, and adds a revision', async () => {
      const org = await newOrganization();
      const article = await newArticle();
      const achievement = await newAchievement(org.id);
      await write(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '全国先进基层检察院' });
      const oldOffset = article.bodyText.indexOf('全国先进基层检察院');

      const body: ArticleBlock[] = [
        { kind: 'HEADING', text: '思想破旧立新' },
        { kind: 'PARAGRAPH', text: '近年来，该院荣获全国先进基层检察院称号。' },
        { kind: 'LIST_ITEM', text: '司法救助。' },
      ];
      const updated = (
        await write(UPDATE_ARTICLE, { id: article.id, expectedVersion: 1, title: '新标题', body, tags: ['救助', '检察'] })
      ).updateArticle.article;
      const bodyText = blocksToText(body);
      expect(updated).toMatchObject({ title: '新标题', bodyText, contentHash: contentHash(bodyText), version: 2, tags: ['救助', '检察'] });

      const citations = await api.db.prisma.citation.findMany({ where: { articleId: decodeGlobalId(article.id).id } });
      expect(citations).toHaveLength(1);
      expect(citations[0]!.offset).toBe(bodyText.indexOf('全国先进基层检察院'));
      expect(citations[0]!.offset).not.toBe(oldOffset);
      const revisions = await api.db.prisma.articleRevision.findMany({
        where: { articleId: decodeGlobalId(article.id).id },
        orderBy: { number: 'asc' },
      });
      expect(revisions.map((r) => [r.number, r.title, r.bodyText])).toEqual([
        [1, expect.stringMatching(/^标题/), article.bodyText],
        [2, '新标题', bodyText],
      ]);
      expect(await searchIds('近年来', editor)).toContain(article.id);
    });

    it('changes metadata without adding a revision', async () => {
      const series = await newSeries();
      const article = await newArticle();
      const updated = (await write(UPDATE_ARTICLE, { id: article.id, expectedVersion: 1, series: series.id, episode: 7 })).updateArticle.article;
      expect(updated).toMatchObject({ episode: 7, version: 2 });
      expect(await api.db.prisma.articleRevision.count({ where: { articleId: decodeGlobalId(article.id).id } })).toBe(1);
    });
  });

  const CREATE_ACHIEVEMENT = `mutation ($input: CreateAchievementInput!) {
    createAchievement(input: $input) { achievement { id slug title kind rank date periodStart periodEnd version metric { value unit baseline }
      organization { slug } } } }`;
  const UPDATE_ACHIEVEMENT = `mutation ($input: UpdateAchievementInput!) {
    updateAchievement(input: $input) { achievement { id title kind rank date version metric { value unit } } } }`;
  const DELETE_ACHIEVEMENT = `mutation ($input: DeleteAchievementInput!) {
    deleteAchievement(input: $input) { deletedAchievementId organization { slug } } }`;
  const ADD_CITATION = `mutation ($input: AddCitationInput!) {
    addCitation(input: $input) { citation { excerpt offset article { slug } } achievement { version citations { excerpt offset } } } }`;

  async function newAchievement(organization: string, extra: Record<string, unknown> = {}) {
    const data = await write(CREATE_ACHIEVEMENT, {
      slug: unique('achievement'),
      organization,
      title: '全国先进基层检察院',
      kind: 'HONOR',
      awardedOn: '2021-06-01',
      ...extra,
    });
    return data.createAchievement.achievement as { id: string; version: number };
  }

  describe('achievements and citations', () => {
    it('creates a ranking whose date is the end of its period, and updates it into a metric', async () => {
      const org = await newOrganization();
      const created = (
        await write(CREATE_ACHIEVEMENT, {
          slug: unique('achievement'),
          organization: org.id,
          title: '案件质量评查全市第二',
          kind: 'RANKING',
          level: 'MUNICIPAL',
          rank: 2,
          periodStart: '2021-01-01',
          periodEnd: '2021-12-31',
        })
      ).createAchievement.achievement;
      expect(created).toMatchObject({ kind: 'RANKING', rank: 2, date: '2021-12-31', version: 1, organization: { slug: org.slug } });
      expect(await searchIds('案件质量评查')).toContain(created.id);

      const updated = (
        await write(UPDATE_ACHIEVEMENT, {
          id: created.id,
          expectedVersion: 1,
          title: '司法救助金额',
          kind: 'METRIC',
          rank: null,
          metric: { value: 52.2, unit: '万元' },
        })
      ).updateAchievement.achievement;
      expect(updated).toMatchObject({ title: '司法救助金额', kind: 'METRIC', rank: null, version: 2, metric: { value: 52.2, unit: '万元' } });
      expect(await searchIds('案件质量评查')).not.toContain(created.id);
      const [entry] = await auditEntries(created.id);
      expect(entry).toMatchObject({
        action: 'updateAchievement',
        before: { kind: 'RANKING', rank: 2, metricValue: null, citations: [] },
        after: { kind: 'METRIC', rank: null, metricValue: 52.2, metricUnit: '万元', version: 2 },
      });
    });

    it('cites a verbatim excerpt at its UTF-16 offset, choosing an occurrence when it appears twice', async () => {
      const org = await newOrganization();
      const article = await newArticle({
        body: [
          { kind: 'PARAGRAPH', text: '𠀀年度考核全市第二。' },
          { kind: 'PARAGRAPH', text: '专项工作全市第二。' },
        ],
      });
      const achievement = await newAchievement(org.id);
      const first = (await write(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '年度考核全市第二' })).addCitation;
      expect(first.citation).toEqual({ excerpt: '年度考核全市第二', offset: 2, article: { slug: article.slug } });
      // Citing does not change the achievement's version.
      expect(first.achievement.version).toBe(1);

      const second = (
        await write(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '全市第二', occurrence: 2 })
      ).addCitation;
      expect(second.citation.offset).toBe(article.bodyText.lastIndexOf('全市第二'));
      expect(second.achievement.citations.map((c: { offset: number }) => c.offset)).toEqual([2, article.bodyText.lastIndexOf('全市第二')]);

      const log = await gql(
        `query ($actor: String!) { auditLog(filter: { action: "addCitation", actor: $actor, entityType: CITATION }, first: 2) {
          edges { node { entityType after } } } }`,
        { actor: 'editor 王' },
        admin,
      );
      expect(log.data.auditLog.edges[0].node).toMatchObject({
        entityType: 'CITATION',
        after: { excerpt: '全市第二', offset: second.citation.offset, achievementId: decodeGlobalId(achievement.id).id },
      });
    });

    it('removes a citation, after which an edit may drop its passage', async () => {
      const org = await newOrganization();
      const article = await newArticle();
      const achievement = await newAchievement(org.id);
      const offset = (await write(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '全国先进基层检察院' })).addCitation
        .citation.offset;
      const dropping = { id: article.id, expectedVersion: 1, body: [{ kind: 'PARAGRAPH', text: '全文改写。' }] };
      expect((await gql(UPDATE_ARTICLE, { input: dropping }, editor)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

      const removed = await write(
        'mutation ($input: RemoveCitationInput!) { removeCitation(input: $input) { achievement { citations { offset } } } }',
        { achievement: achievement.id, article: article.id, offset },
      );
      expect(removed.removeCitation.achievement.citations).toEqual([]);
      expect((await write(UPDATE_ARTICLE, dropping)).updateArticle.article.bodyText).toBe('全文改写。');
      const log = await gql(
        `{ auditLog(filter: { action: "removeCitation" }, first: 1) { edges { node { before after } } } }`,
        {},
        admin,
      );
      expect(log.data.auditLog.edges[0].node).toMatchObject({ before: { excerpt: '全国先进基层检察院', offset }, after: null });
    });

    it('deletes an achievement with its citations, keeping both in the audit entry; cached pages follow', async () => {
      const org = await newOrganization();
      const article = await newArticle();
      const achievement = await newAchievement(org.id);
      await write(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '全国先进基层检察院' });
      const timeline = 'query ($slug: String!) { organization(slug: $slug) { achievements { totalCount } } }';
      expect((await gql(timeline, { slug: org.slug }, editor)).data.organization.achievements.totalCount).toBe(1);
      expect(cacheHit(await gql(timeline, { slug: org.slug }, editor))).toBe(true);

      const deleted = (await write(DELETE_ACHIEVEMENT, { id: achievement.id, expectedVersion: 1 })).deleteAchievement;
      expect(deleted).toEqual({ deletedAchievementId: achievement.id, organization: { slug: org.slug } });
      expect((await gql(timeline, { slug: org.slug }, editor)).data.organization.achievements.totalCount).toBe(0);
      expect(await api.db.prisma.citation.count({ where: { achievementId: decodeGlobalId(achievement.id).id } })).toBe(0);
      expect((await gql('query ($id: ID!) { node(id: $id) { id } }', { id: achievement.id })).data.node).toBeNull();

      const [entry] = await auditEntries(achievement.id);
      expect(entry).toMatchObject({
        action: 'deleteAchievement',
        after: null,
        before: {
          title: '全国先进基层检察院',
          version: 1,
          citations: [{ articleId: decodeGlobalId(article.id).id, excerpt: '全国先进基层检察院', offset: article.bodyText.indexOf('全国先进基层检察院') }],
        },
      });
    });
  });

  describe('admins', () => {
    it('may make every editorial write, each audited under their name and role', async () => {
      // From the database's clock, just before the first write (a millisecond earlier: `at` is
      // stored to the millisecond). A window reaching back further took in the previous test's writes.
      const clock = await api.db.prisma.$queryRaw<{ from: string }[]>`SELECT to_char((now() - interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "from"`;
      const from = clock[0]!.from;
      const as = (query: string, input: Record<string, unknown>) => write(query, input, admin);
      const org = (await as(CREATE_ORGANIZATION, { slug: unique('org'), name: '管理员建的院', kind: 'COURT', level: 'MUNICIPAL' }))
        .createOrganization.organization;
      await as(UPDATE_ORGANIZATION, { id: org.id, expectedVersion: 1, region: '贵州省六盘水市' });
      const series = (await as(CREATE_SERIES, { slug: unique('series'), title: '管理员的系列', publisher: org.id })).createSeries.series;
      await as(UPDATE_SERIES, { id: series.id, expectedVersion: 1, status: 'COMPLETED' });
      const article = (
        await as(CREATE_ARTICLE, {
          slug: unique('article'),
          title: '管理员的文章',
          series: series.id,
          episode: 1,
          body: [{ kind: 'PARAGRAPH', text: '荣获全省优秀公诉人称号。' }],
        })
      ).createArticle.article;
      await as(UPDATE_ARTICLE, { id: article.id, expectedVersion: 1, category: '国内资讯' });
      await as(PUBLISH, { id: article.id, expectedVersion: 2 });
      await as(ARCHIVE, { id: article.id, expectedVersion: 3 });
      const achievement = (
        await as(CREATE_ACHIEVEMENT, { slug: unique('achievement'), organization: org.id, title: '全省优秀公诉人', kind: 'HONOR', level: 'PROVINCIAL' })
      ).createAchievement.achievement;
      await as(UPDATE_ACHIEVEMENT, { id: achievement.id, expectedVersion: 1, awardedOn: '2020-10-01' });
      const { offset } = (await as(ADD_CITATION, { achievement: achievement.id, article: article.id, excerpt: '全省优秀公诉人' })).addCitation.citation;
      await as('mutation ($input: RemoveCitationInput!) { removeCitation(input: $input) { achievement { id } } }', {
        achievement: achievement.id,
        article: article.id,
        offset,
      });
      await as(DELETE_ACHIEVEMENT, { id: achievement.id, expectedVersion: 2 });

      const log = await gql(
        'query ($from: DateTime!) { auditLog(filter: { actor: "admin 李", from: $from }, first: 100) { edges { node { action actorKind } } } }',
        { from },
        admin,
      );
      const nodes = log.data.auditLog.edges.map((edge: { node: { action: string; actorKind: string } }) => edge.node);
      expect(nodes.map((node: { action: string }) => node.action).reverse()).toEqual([
        'createOrganization',
        'updateOrganization',
        'createSeries',
        'updateSeries',
        'createArticle',
        'updateArticle',
        'publishArticle',
        'archiveArticle',
        'createAchievement',
        'updateAchievement',
        'addCitation',
        'removeCitation',
        'deleteAchievement',
      ]);
      expect(new Set(nodes.map((node: { actorKind: string }) => node.actorKind))).toEqual(new Set(['ADMIN']));
    });
  });

  describe('the audit log', () => {
    const LOG = `query ($filter: AuditLogFilter, $first: Int, $after: String) {
      auditLog(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { action entityId at } } } }`;

    it('lists one entity’s history newest first, page by page', async () => {
      const org = await newOrganization();
      for (const version of [1, 2, 3]) await write(UPDATE_ORGANIZATION, { id: org.id, expectedVersion: version, name: `名称${version}` });
      const first = await gql(LOG, { filter: { entity: org.id }, first: 3 }, admin);
      expect(first.data.auditLog.totalCount).toBe(4);
      expect(first.data.auditLog.pageInfo.hasNextPage).toBe(true);
      const rest = await gql(LOG, { filter: { entity: org.id }, first: 3, after: first.data.auditLog.pageInfo.endCursor }, admin);
      const nodes = [...first.data.auditLog.edges, ...rest.data.auditLog.edges].map((edge: { node: any }) => edge.node);
      expect(nodes.map((node) => node.action)).toEqual(['updateOrganization', 'updateOrganization', 'updateOrganization', 'createOrganization']);
      const times = nodes.map((node) => Date.parse(node.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('filters by time: nothing before the first write, everything from it on', async () => {
      const org = await newOrganization();
      const [entry] = await auditEntries(org.id);
      const at = new Date(Date.parse(entry!.at));
      const before = new Date(at.getTime() - 1);
      expect((await gql(LOG, { filter: { entity: org.id, to: before.toISOString() } }, admin)).data.auditLog.totalCount).toBe(0);
      expect((await gql(LOG, { filter: { entity: org.id, from: at.toISOString(), to: at.toISOString() } }, admin)).data.auditLog.totalCount).toBe(1);
    });

    it('is current after a write, for lists with entries and empty ones: the response cache never keeps it', async () => {
      const org = await newOrganization();
      const query = 'query ($filter: AuditLogFilter) { auditLog(filter: $filter) { edges { node { action } } } }';
      const actions = async (variables: Record<string, unknown>) =>
        (await gql(query, variables, admin)).data.auditLog.edges.map((edge: { node: { action: string } }) => edge.node.action);
      expect(await actions({ filter: { entity: org.id } })).toEqual(['createOrganization']);
      expect(cacheHit(await gql(query, { filter: { entity: org.id } }, admin))).toBe(false);
      await write(UPDATE_ORGANIZATION, { id: org.id, expectedVersion: 1, name: '再改一次' });
      expect(await actions({ filter: { entity: org.id } })).toEqual(['updateOrganization', 'createOrganization']);

      const empty = { filter: { action: 'deleteAchievement', from: new Date().toISOString() } };
      expect(await actions(empty)).toEqual([]);
      expect(cacheHit(await gql(query, empty, admin))).toBe(false);
      const achievement = await newAchievement(org.id);
      await write(DELETE_ACHIEVEMENT, { id: achievement.id, expectedVersion: 1 });
      expect(await actions(empty)).toEqual(['deleteAchievement']);
    });

    it('gives each entity a global ID that node(id:) answers', async () => {
      const org = await newOrganization();
      const [entry] = await auditEntries(org.id);
      expect(entry!.entityId).toBe(encodeGlobalId('Organization', decodeGlobalId(org.id).id));
      const node = await gql('query ($id: ID!) { node(id: $id) { ... on Organization { slug } } }', { id: entry!.entityId });
      expect(node.data.node).toEqual({ slug: org.slug });
    });
  });
});
