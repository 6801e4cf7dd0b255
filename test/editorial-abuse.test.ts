import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpectedError } from '../src/domain/errors.js';
import { createCredential } from '../src/auth/credentials.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries, unique } from './support/factory.js';
import { databaseFingerprint, type DatabaseFingerprint } from './support/fingerprint.js';

// Editorial writes under abuse: no token, the wrong token, bad input, stale versions, and two
// writers at once. Each gets its own error code and leaves every table as it was (proven by
// fingerprints: row counts and checksums), except for the one write that wins a race.

const INTERNALS = /prisma|select |insert |postgres|pglite|stack|at \w+ \(|\.ts:\d+|invalid input syntax/i;

interface Answer {
  status: number;
  data?: any;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

const MUTATIONS = {
  createOrganization: 'CreateOrganizationInput',
  updateOrganization: 'UpdateOrganizationInput',
  createSeries: 'CreateSeriesInput',
  updateSeries: 'UpdateSeriesInput',
  createArticle: 'CreateArticleInput',
  updateArticle: 'UpdateArticleInput',
  publishArticle: 'PublishArticleInput',
  archiveArticle: 'ArchiveArticleInput',
  createAchievement: 'CreateAchievementInput',
  updateAchievement: 'UpdateAchievementInput',
  deleteAchievement: 'DeleteAchievementInput',
  addCitation: 'AddCitationInput',
  removeCitation: 'RemoveCitationInput',
} as const;
type Mutation = keyof typeof MUTATIONS;

/** A mutation document that asks only for `__typename` of its payload. */
const doc = (name: Mutation) => `mutation ($input: ${MUTATIONS[name]}!) { ${name}(input: $input) { __typename } }`;

const gid = (type: string, id: string) => encodeGlobalId(type, id);

describe.each(testBackends())('editorial writes under abuse on %s', (backend) => {
  let api: TestApi;
  let editor: string;
  let partner: string;
  let ids: { org: string; otherOrg: string; child: string; series: string; article: string; published: string; achievement: string };
  let articleBody: string;
  let orgSlug: string;

  beforeAll(async () => {
    api = await createTestApi(backend);
    const { prisma } = api.db;
    editor = (await createCredential(prisma, { kind: 'EDITOR', name: 'an editor' })).secret;
    partner = (await createCredential(prisma, { kind: 'PARTNER', name: 'a partner' })).secret;
    const org = await createOrganization(prisma);
    const otherOrg = await createOrganization(prisma);
    const child = await createOrganization(prisma, { parentId: org.id });
    const series = await createSeries(prisma, org.id);
    articleBody = '该院荣获全国先进基层检察院称号，案件质量评查全市第二。';
    const article = await createArticle(prisma, { seriesId: series.id, episode: 1, status: 'DRAFT', bodyText: articleBody });
    const published = await createArticle(prisma, { seriesId: series.id, episode: 2, status: 'PUBLISHED' });
    const achievement = await createAchievement(prisma, { organizationId: org.id });
    await prisma.citation.create({
      data: { achievementId: achievement.id, articleId: article.id, excerpt: '全国先进基层检察院', offset: articleBody.indexOf('全国先进基层检察院') },
    });
    orgSlug = org.slug;
    ids = {
      org: gid('Organization', org.id),
      otherOrg: gid('Organization', otherOrg.id),
      child: gid('Organization', child.id),
      series: gid('Series', series.id),
      article: gid('Article', article.id),
      published: gid('Article', published.id),
      achievement: gid('Achievement', achievement.id),
    };
    // Each key used once: its lastUsedAt is written at most once a minute, and must not show up
    // in the fingerprints below.
    for (const key of [editor, partner]) await api.execute('{ viewer { kind } }', {}, { authorization: `Bearer ${key}` });
  });
  afterAll(() => api?.close());

  let before: DatabaseFingerprint;
  beforeEach(async () => {
    before = await databaseFingerprint(api.db.prisma);
  });
  const expectUnchanged = async () => expect(await databaseFingerprint(api.db.prisma)).toEqual(before);

  async function run(name: Mutation, input: Record<string, unknown>, token: string | null = editor): Promise<Answer> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return (await api.execute(doc(name), { input }, headers)) as Answer;
  }

  function expectRefused(answer: Answer, code: string) {
    expect(answer.errors?.map((e) => e.extensions?.code), JSON.stringify(answer)).toEqual([code]);
    expect(answer.data ?? null).toBeNull();
    expect(JSON.stringify(answer)).not.toMatch(INTERNALS);
  }

  /** The per-field problems of a BAD_USER_INPUT answer, as `path: message`. */
  function fields(answer: Answer): Record<string, string> {
    expectRefused(answer, 'BAD_USER_INPUT');
    const list = answer.errors![0]!.extensions!.fields as { path: string; message: string }[];
    expect(list.length).toBeGreaterThan(0);
    return Object.fromEntries(list.map((field) => [field.path, field.message]));
  }

  /** A valid input for each mutation, against the rows made in beforeAll. */
  const validInputs = (): Record<Mutation, Record<string, unknown>> => ({
    createOrganization: { slug: unique('org'), name: '新检察院', kind: 'PROCURATORATE', level: 'DISTRICT' },
    updateOrganization: { id: ids.org, expectedVersion: 1, name: '改名' },
    createSeries: { slug: unique('series'), title: '新系列' },
    updateSeries: { id: ids.series, expectedVersion: 1, title: '改名' },
    createArticle: { slug: unique('article'), title: '新文章', body: [{ kind: 'PARAGRAPH', text: '正文' }] },
    updateArticle: { id: ids.article, expectedVersion: 1, title: '改名' },
    publishArticle: { id: ids.article, expectedVersion: 1 },
    archiveArticle: { id: ids.article, expectedVersion: 1 },
    createAchievement: { slug: unique('achievement'), organization: ids.org, title: '荣誉', kind: 'HONOR' },
    updateAchievement: { id: ids.achievement, expectedVersion: 1, title: '改名' },
    deleteAchievement: { id: ids.achievement, expectedVersion: 1 },
    addCitation: { achievement: ids.achievement, article: ids.article, excerpt: '全市第二' },
    removeCitation: { achievement: ids.achievement, article: ids.article, offset: articleBody.indexOf('全国先进基层检察院') },
  });

  describe('who may write', () => {
    it('refuses every editorial mutation without a token: 401 UNAUTHENTICATED, nothing written', async () => {
      for (const [name, input] of Object.entries(validInputs()) as [Mutation, Record<string, unknown>][]) {
        const answer = await run(name, input, null);
        expectRefused(answer, 'UNAUTHENTICATED');
        expect(answer.status, name).toBe(401);
      }
      await expectUnchanged();
    });

    it('refuses every editorial mutation with a partner key: 403 FORBIDDEN, nothing written', async () => {
      for (const [name, input] of Object.entries(validInputs()) as [Mutation, Record<string, unknown>][]) {
        const answer = await run(name, input, partner);
        expectRefused(answer, 'FORBIDDEN');
        expect(answer.status, name).toBe(403);
      }
      await expectUnchanged();
    });

    it('refuses the audit log to editors (FORBIDDEN) and to callers without a token (UNAUTHENTICATED)', async () => {
      const query = '{ auditLog { totalCount } }';
      expectRefused((await api.execute(query, {}, { authorization: `Bearer ${editor}` })) as Answer, 'FORBIDDEN');
      expectRefused((await api.execute(query)) as Answer, 'UNAUTHENTICATED');
      expectRefused((await api.execute(query, {}, { authorization: `Bearer ${partner}` })) as Answer, 'FORBIDDEN');
      await expectUnchanged();
    });
  });

  describe('invalid input', () => {
    it('names every bad field of a new organization, each with its own message', async () => {
      const problems = fields(
        await run('createOrganization', {
          slug: 'Bad Slug',
          name: '   ',
          kind: 'PROCURATORATE',
          level: 'DISTRICT',
          aliases: ['', 'ok'],
          parent: ids.series,
        }),
      );
      expect(problems).toEqual({
        'input.slug': expect.stringMatching(/lower-case ASCII/),
        'input.name': 'must not be empty',
        'input.aliases.0': 'must not be empty',
        'input.parent': 'must be the ID of a Organization',
      });
      await expectUnchanged();
    });

    it('refuses a taken slug and a parent that does not exist', async () => {
      const problems = fields(
        await run('createOrganization', {
          slug: orgSlug,
          name: '重名',
          kind: 'COURT',
          level: 'UNIT',
          parent: gid('Organization', randomUUID()),
        }),
      );
      expect(problems).toEqual({
        'input.slug': `"${orgSlug}" is already the slug of another organization`,
        'input.parent': 'no organization has this ID',
      });
      await expectUnchanged();
    });

    it('refuses a parent that would make the organization tree a cycle', async () => {
      expect(fields(await run('updateOrganization', { id: ids.org, expectedVersion: 1, parent: ids.child }))).toEqual({
        'input.parent': 'is below this organization: the tree would form a cycle',
      });
      expect(fields(await run('updateOrganization', { id: ids.org, expectedVersion: 1, parent: ids.org }))).toEqual({
        'input.parent': 'an organization cannot be its own parent',
      });
      await expectUnchanged();
    });

    it('refuses null for a field that cannot be cleared, and a malformed ID', async () => {
      expect(fields(await run('updateOrganization', { id: ids.org, expectedVersion: 1, name: null, kind: null }))).toEqual({
        'input.name': 'cannot be cleared: omit it to leave it unchanged',
        'input.kind': 'cannot be cleared: omit it to leave it unchanged',
      });
      expect(fields(await run('updateSeries', { id: 'not-an-id', expectedVersion: 0 }))).toEqual({
        'input.id': 'must be the ID of a Series',
        'input.expectedVersion': 'must be a version number, as read from the `version` field',
      });
      await expectUnchanged();
    });

    it('refuses an episode taken in its series, an episode without a series, and an empty body', async () => {
      expect(
        fields(
          await run('createArticle', {
            slug: unique('article'),
            title: '第二集',
            series: ids.series,
            episode: 2,
            body: [{ kind: 'PARAGRAPH', text: '正文' }],
          }),
        ),
      ).toEqual({ 'input.episode': expect.stringMatching(/^episode 2 of this series is already article "article-/) });
      expect(fields(await run('updateArticle', { id: ids.article, expectedVersion: 1, series: null }))).toEqual({
        'input.episode': 'needs a series: an episode is a number within a series',
      });
      expect(
        fields(
          await run('createArticle', {
            slug: unique('article'),
            title: '空',
            episode: -1,
            body: [],
            originalUrl: 'javascript:alert(1)',
            tags: ['a', 'a'],
          }),
        ),
      ).toEqual({
        'input.episode': 'must be a positive whole number (之五十 is 50)',
        'input.body': 'must have at least one block',
        'input.originalUrl': 'must be an absolute http(s) URL',
        'input.tags': 'must not repeat a tag',
      });
      expect(
        fields(await run('updateArticle', { id: ids.article, expectedVersion: 1, body: [{ kind: 'PARAGRAPH', text: ' ' }, { kind: 'HEADING', text: '甲\n\n乙' }] })),
      ).toEqual({
        'input.body.0.text': 'must not be empty',
        'input.body.1.text': 'must not contain a blank line: split it into two blocks',
      });
      await expectUnchanged();
    });

    it('refuses an achievement whose fields disagree: a reversed period, a rank on an honour, a ranking without rank', async () => {
      expect(
        fields(
          await run('createAchievement', {
            slug: unique('achievement'),
            organization: ids.org,
            title: '荣誉',
            kind: 'HONOR',
            periodStart: '2022-01-01',
            periodEnd: '2021-12-31',
            rank: 2,
          }),
        ),
      ).toEqual({
        'input.periodEnd': 'must not be before periodStart',
        'input.rank': 'is only for RANKING achievements, and this one is a HONOR',
      });
      expect(fields(await run('updateAchievement', { id: ids.achievement, expectedVersion: 1, kind: 'RANKING' }))).toEqual({
        'input.rank': 'is required for a RANKING',
      });
      expect(fields(await run('updateAchievement', { id: ids.achievement, expectedVersion: 1, rank: 0, organization: ids.otherOrg, issuer: gid('Organization', randomUUID()) }))).toEqual({
        'input.rank': 'must be a positive whole number: 全市第二 is 2',
      });
      await expectUnchanged();
    });

    it('refuses an unknown enum value before any resolver runs', async () => {
      const answer = await run('createOrganization', { slug: unique('org'), name: '名', kind: 'BANK', level: 'DISTRICT' });
      expect(answer.errors?.[0]?.message).toMatch(/BANK/);
      expect(answer.data ?? null).toBeNull();
      await expectUnchanged();
    });
  });

  describe('citations', () => {
    it('refuses an excerpt that is not a verbatim substring of the article text', async () => {
      expect(fields(await run('addCitation', { achievement: ids.achievement, article: ids.article, excerpt: '全国先进集体' }))).toEqual({
        'input.excerpt': expect.stringMatching(/^"全国先进集体" is not a verbatim part of the text of article "article-/),
      });
      // Full-width and half-width punctuation are different text.
      const halfWidth = fields(
        await run('addCitation', { achievement: ids.achievement, article: ids.article, excerpt: '全国先进基层检察院称号,案件' }),
      );
      expect(halfWidth['input.excerpt']).toMatch(/character width/);
      await expectUnchanged();
    });

    it('refuses a citation that already exists, and an occurrence past the last one', async () => {
      expect(fields(await run('addCitation', { achievement: ids.achievement, article: ids.article, excerpt: '全国先进基层检察院' }))).toEqual({
        'input.excerpt': 'the achievement already cites this passage of the article',
      });
      expect(fields(await run('addCitation', { achievement: ids.achievement, article: ids.article, excerpt: '全市第二', occurrence: 2 }))).toEqual({
        'input.occurrence': 'must be at most 1: the excerpt appears once',
      });
      await expectUnchanged();
    });

    it('refuses a citation of an achievement or article that does not exist: NOT_FOUND', async () => {
      expectRefused(await run('addCitation', { achievement: gid('Achievement', randomUUID()), article: ids.article, excerpt: '全市第二' }), 'NOT_FOUND');
      expectRefused(await run('addCitation', { achievement: ids.achievement, article: gid('Article', randomUUID()), excerpt: '全市第二' }), 'NOT_FOUND');
      expectRefused(await run('removeCitation', { achievement: ids.achievement, article: ids.article, offset: 1 }), 'NOT_FOUND');
      expect(fields(await run('removeCitation', { achievement: ids.achievement, article: ids.article, offset: -1 }))).toEqual({
        'input.offset': 'must be the citation’s `offset`, 0 or more',
      });
      await expectUnchanged();
    });

    it('refuses a new body that drops a cited excerpt, listing the excerpt', async () => {
      const answer = await run('updateArticle', {
        id: ids.article,
        expectedVersion: 1,
        body: [{ kind: 'PARAGRAPH', text: '该院荣获全国先进集体称号。' }],
      });
      expect(fields(answer)['input.body']).toMatch(/no longer contains a cited excerpt verbatim: "全国先进基层检察院"/);
      expect(answer.errors![0]!.extensions!.lostCitations).toEqual([
        { achievement: ids.achievement, excerpt: '全国先进基层检察院', offset: articleBody.indexOf('全国先进基层检察院') },
      ]);
      await expectUnchanged();
    });
  });

  describe('versions', () => {
    it('refuses a stale expectedVersion with CONFLICT and the current version, for every versioned write', async () => {
      const stale = validInputs();
      for (const name of ['updateOrganization', 'updateSeries', 'updateArticle', 'publishArticle', 'archiveArticle', 'updateAchievement', 'deleteAchievement'] as const) {
        const answer = await run(name, { ...stale[name], expectedVersion: 7 });
        expectRefused(answer, 'CONFLICT');
        expect(answer.errors![0]!.extensions).toMatchObject({ currentVersion: 1, expectedVersion: 7 });
        expect(answer.errors![0]!.message).toMatch(/changed by someone else: it is at version 1, not 7/);
      }
      await expectUnchanged();
    });

    it('answers NOT_FOUND for an entity that does not exist', async () => {
      expectRefused(await run('updateOrganization', { id: gid('Organization', randomUUID()), expectedVersion: 1, name: '无' }), 'NOT_FOUND');
      expectRefused(await run('deleteAchievement', { id: gid('Achievement', randomUUID()), expectedVersion: 1 }), 'NOT_FOUND');
      await expectUnchanged();
    });

    it('refuses a status change that does not apply', async () => {
      expect(fields(await run('publishArticle', { id: ids.published, expectedVersion: 1 }))).toEqual({ 'input.id': 'the article is already PUBLISHED' });
      await expectUnchanged();
    });
  });

  describe('concurrent writers', () => {
    /** Tables whose fingerprint differs from `before`. */
    const changedTables = (after: DatabaseFingerprint) => Object.keys(after).filter((table) => after[table]!.md5 !== before[table]!.md5);

    it('lets exactly one of two updates with the same expectedVersion win; the other gets CONFLICT', async () => {
      const org = await createOrganization(api.db.prisma);
      before = await databaseFingerprint(api.db.prisma);
      const id = gid('Organization', org.id);
      const answers = await Promise.all(
        ['甲检察院', '乙检察院'].map((name) => run('updateOrganization', { id, expectedVersion: 1, name })),
      );
      const won = answers.filter((answer) => !answer.errors);
      const lost = answers.filter((answer) => answer.errors);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expectRefused(lost[0]!, 'CONFLICT');
      expect(lost[0]!.errors![0]!.extensions).toMatchObject({ currentVersion: 2, expectedVersion: 1 });

      const after = await databaseFingerprint(api.db.prisma);
      expect(changedTables(after).sort()).toEqual(['AuditLogEntry', 'Organization']);
      expect(after.AuditLogEntry!.rows).toBe(before.AuditLogEntry!.rows + 1);
      expect(after.Organization!.rows).toBe(before.Organization!.rows);
      const row = await api.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
      const winner = answers.indexOf(won[0]!) === 0 ? '甲检察院' : '乙检察院';
      expect(row).toMatchObject({ name: winner, version: 2 });
      const entry = await api.db.prisma.auditLogEntry.findFirstOrThrow({ where: { entityId: org.id } });
      expect(entry.after).toMatchObject({ name: winner, version: 2 });
    });

    it('lets one of a delete and an update of the same version win, never both', async () => {
      const org = await createOrganization(api.db.prisma);
      const achievement = await createAchievement(api.db.prisma, { organizationId: org.id });
      before = await databaseFingerprint(api.db.prisma);
      const id = gid('Achievement', achievement.id);
      const answers = await Promise.all([
        run('updateAchievement', { id, expectedVersion: 1, title: '新名' }),
        run('deleteAchievement', { id, expectedVersion: 1 }),
      ]);
      const codes = answers.map((answer) => answer.errors?.[0]?.extensions?.code ?? 'OK');
      // The update first: the delete sees version 2 (CONFLICT). The delete first: the update finds no row (NOT_FOUND).
      expect([['OK', 'CONFLICT'], ['NOT_FOUND', 'OK']]).toContainEqual(codes);
      const after = await databaseFingerprint(api.db.prisma);
      expect(after.AuditLogEntry!.rows).toBe(before.AuditLogEntry!.rows + 1);
      // A delete also takes the achievement out of its level/kind/year tally (kept by a trigger); a
      // title change leaves the tally alone.
      const deleted = codes[1] === 'OK';
      expect(changedTables(after).sort()).toEqual(
        deleted ? ['Achievement', 'AchievementTally', 'AuditLogEntry'] : ['Achievement', 'AuditLogEntry'],
      );
    });

    it('maps a unique violation that the checks could not see to BAD_USER_INPUT naming the field', async () => {
      const error = await api.db.prisma.organization
        .create({ data: { slug: orgSlug, name: '重复', kind: 'OTHER', level: 'UNIT' } })
        .catch((caught: unknown) => caught);
      const expected = toExpectedError(error);
      expect(expected?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ path: 'input.slug', message: 'is already taken (slug must be unique)' }],
      });
      await expectUnchanged();
    });

    it('creates one organization when two creates race for the same slug; the other is told the slug is taken', async () => {
      const slug = unique('org');
      const answers = await Promise.all(
        ['甲', '乙'].map((name) => run('createOrganization', { slug, name, kind: 'PROCURATORATE', level: 'DISTRICT' })),
      );
      const lost = answers.filter((answer) => answer.errors);
      expect(lost).toHaveLength(1);
      expect(fields(lost[0]!)).toEqual({ 'input.slug': expect.stringMatching(/taken|already the slug/) });
      expect(await api.db.prisma.organization.count({ where: { slug } })).toBe(1);
      const after = await databaseFingerprint(api.db.prisma);
      expect(after.Organization!.rows).toBe(before.Organization!.rows + 1);
      expect(after.AuditLogEntry!.rows).toBe(before.AuditLogEntry!.rows + 1);
    });
  });
});
