import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { type CorpusFixture, type CorpusLoadSummary, DEFAULT_CORPUS_FIXTURE, loadCorpus } from '../src/ingest/corpus.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';

// Every writer of a versioned entity goes through src/store/, which bumps `version`: so a corpus
// reload that changes a row makes an editor's stale `expectedVersion` a CONFLICT, never a silent
// overwrite of the corpus change. Before, the loader bumped series and articles but not
// organizations and achievements.

const SLUGS = {
  Organization: 'zhongshan-procuratorate',
  Achievement: 'zhongshan-national-advanced-grassroots-procuratorate-2016',
  Series: 'liupanshui-procurators',
  Article: 'liupanshui-procurators-50',
} as const;
type Model = keyof typeof SLUGS;

/** The fixture with one managed field of each of the four entities changed. */
function changedFixture(): CorpusFixture {
  const fixture = JSON.parse(readFileSync(DEFAULT_CORPUS_FIXTURE, 'utf8')) as CorpusFixture;
  fixture.organizations.find((item) => item.slug === SLUGS.Organization)!.description = '语料修订：钟山区检察院简介';
  fixture.achievements.find((item) => item.slug === SLUGS.Achievement)!.title = '语料修订：全国先进基层检察院';
  fixture.series.find((item) => item.slug === SLUGS.Series)!.description = '语料修订：系列报道简介';
  fixture.articles.find((item) => item.slug === SLUGS.Article)!.tags.push('语料修订');
  return fixture;
}

const UPDATE: Record<Model, string> = {
  Organization: `mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { version } } }`,
  Achievement: `mutation ($input: UpdateAchievementInput!) { updateAchievement(input: $input) { achievement { version } } }`,
  Series: `mutation ($input: UpdateSeriesInput!) { updateSeries(input: $input) { series { version } } }`,
  Article: `mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) { article { version } } }`,
};

/** What the editor writes: a field the corpus reload changed, back to the editor's own text. */
const EDIT: Record<Model, Record<string, unknown>> = {
  Organization: { description: '编辑的简介' },
  Achievement: { title: '编辑的标题' },
  Series: { description: '编辑的系列简介' },
  Article: { tags: ['编辑的标签'] },
};

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** A Prisma call that creates or changes a row of a versioned entity or a revision. */
const ROW_WRITE = /\.(organization|series|article|achievement|articleRevision)\.(create|createMany|update|updateMany|upsert)\(/g;
/** src/store/ is the write path; the synthetic generator bulk-inserts rows of its own for benchmarks and tests. */
const ALLOWED = [/^store\//, /^generated\//, /^seed\/synthetic\.ts$/];

function rowWrites(file: string, text: string): string[] {
  return [...text.matchAll(ROW_WRITE)].map((match) => `${file}: ${match[0]}`);
}

describe('the write path', () => {
  it('is the only code that creates or updates organizations, series, articles, achievements and revisions', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => relative(SRC, join(SRC, file)).replaceAll('\\', '/'))
      .filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((file) => rowWrites(file, readFileSync(join(SRC, file), 'utf8')))).toEqual([]);
    // The check itself finds a write that bypasses the store.
    expect(rowWrites('probe.ts', 'await tx.article.update({ where: { id } })')).toEqual(['probe.ts: .article.update(']);
  });
});

describe.each(testBackends())('a corpus reload and a stale editorial write on %s', (backend) => {
  let api: TestApi;
  let editor: string;
  /** Each entity's id and the version an editor read before the reload. */
  const read = {} as Record<Model, { id: string; version: number }>;
  /** Each entity's version right after the reload. */
  const reloaded = {} as Record<Model, number>;
  let reload: CorpusLoadSummary;

  async function current(model: Model) {
    const where = { where: { slug: SLUGS[model] } };
    const prisma = api.db.prisma;
    switch (model) {
      case 'Organization':
        return prisma.organization.findUniqueOrThrow(where);
      case 'Achievement':
        return prisma.achievement.findUniqueOrThrow(where);
      case 'Series':
        return prisma.series.findUniqueOrThrow(where);
      default:
        return prisma.article.findUniqueOrThrow(where);
    }
  }

  function update(model: Model, expectedVersion: number) {
    const input = { id: encodeGlobalId(model, read[model].id), expectedVersion, ...EDIT[model] };
    return api.execute(UPDATE[model], { input }, { authorization: `Bearer ${editor}` });
  }

  beforeAll(async () => {
    api = await createTestApi(backend);
    editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor 赵' })).secret;
    await loadCorpus(api.db.prisma);
    for (const model of Object.keys(SLUGS) as Model[]) {
      const row = await current(model);
      read[model] = { id: row.id, version: row.version };
    }
    reload = await loadCorpus(api.db.prisma, { fixture: changedFixture() });
    for (const model of Object.keys(SLUGS) as Model[]) reloaded[model] = (await current(model)).version;
  });
  afterAll(() => api?.close());

  it('rewrites each changed row and bumps its version by one', async () => {
    expect([reload.organizations.updated, reload.achievements.updated, reload.series.updated, reload.articles.updated]).toEqual([1, 1, 1, 1]);
    expect(reloaded).toEqual(Object.fromEntries(Object.entries(read).map(([model, row]) => [model, row.version + 1])));
  });

  it.each(['Organization', 'Achievement', 'Series', 'Article'] as const)(
    'refuses an editor’s write of the %s at the version read before the reload with CONFLICT, keeping the corpus change',
    async (model) => {
      const before = await current(model);
      const stale = await update(model, read[model].version);
      expect(stale.errors?.[0]?.extensions).toMatchObject({
        code: 'CONFLICT',
        currentVersion: reloaded[model],
        expectedVersion: read[model].version,
      });
      expect(await current(model)).toEqual(before);

      // At the version it has now, the same write goes through.
      const fresh = await update(model, before.version);
      expect(fresh.errors, JSON.stringify(fresh.errors)).toBeUndefined();
      expect(await current(model)).toMatchObject({ ...EDIT[model], version: before.version + 1 });
    },
  );

  it('leaves every version as it is when a reload changes nothing', async () => {
    const versions = async () => Promise.all((Object.keys(SLUGS) as Model[]).map(async (model) => (await current(model)).version));
    // Editors may have changed rows since the reload: one load brings the database back to the fixture.
    await loadCorpus(api.db.prisma, { fixture: changedFixture() });
    const settled = await versions();
    const again = await loadCorpus(api.db.prisma, { fixture: changedFixture() });
    for (const counts of Object.values(again)) expect(counts.created + counts.updated + counts.deleted).toBe(0);
    expect(await versions()).toEqual(settled);
  });
});
