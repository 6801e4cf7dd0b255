import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInMemoryCache } from '@graphql-yoga/plugin-response-cache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { runImport } from '../src/ingest/import.js';
import { normalizedHash } from '../src/domain/article-body.js';
import { createCredential } from '../src/auth/credentials.js';
import { corpusLocator, DEFAULT_CORPUS_FIXTURE, loadCorpus, type CorpusFixture } from '../src/ingest/corpus.js';
import { createTestApi, type TestApi } from './support/api.js';
import { createTestDatabase, testBackends, withDatabase } from './support/database.js';
import { unique } from './support/factory.js';
import { databaseFingerprint } from './support/fingerprint.js';
import { awaitRun } from './support/import-runs.js';

// Importing the corpus page must give the article the foundation loads, and loading
// both, in either order, must leave one article.

const CORPUS_PAGE = fileURLToPath(new URL('../data/corpus/liupanshui-procurators-50.txt', import.meta.url));
const fixtureText = readFileSync(DEFAULT_CORPUS_FIXTURE, 'utf8');

/** The fixture's organizations, sources and series, without its article (and the achievements citing it). */
function fixtureWithoutArticles(): CorpusFixture {
  const fixture = JSON.parse(fixtureText) as CorpusFixture;
  return { ...fixture, articles: [], achievements: [] };
}

const importCorpusPage = (prisma: PrismaClient) => runImport(prisma, [CORPUS_PAGE], { trigger: 'CLI', actorName: 'test' });

/** What the issue asks to be equal: body blocks, series, episode, attribution, organizations (and the text and its hashes). */
async function articleShape(prisma: PrismaClient) {
  const [article, ...others] = await prisma.article.findMany({
    include: { series: true, organizations: { include: { organization: true } } },
  });
  expect(others).toEqual([]);
  return {
    title: article!.title,
    body: article!.body,
    bodyText: article!.bodyText,
    contentHash: article!.contentHash,
    normalizedHash: article!.normalizedHash,
    series: article!.series?.slug ?? null,
    episode: article!.episode,
    attribution: article!.attribution,
    category: article!.category,
    organizations: article!.organizations.map((link) => `${link.role} ${link.organization.slug}`).sort(),
  };
}

describe.each(testBackends())('the corpus page, imported and loaded, on %s', (backend) => {
  it('imports into the article the foundation loads: body blocks, series, episode, attribution and organizations', async () => {
    const loaded = await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      return articleShape(prisma);
    });
    expect(loaded.organizations).toHaveLength(6);
    expect(loaded.normalizedHash).toBe(normalizedHash(loaded.bodyText));

    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma, { fixture: fixtureWithoutArticles() });
      const summary = await importCorpusPage(prisma);
      expect(summary.items).toMatchObject([{ status: 'CREATED', unknownOrganizations: [] }]);
      expect(await articleShape(prisma)).toEqual(loaded);
    });
  });

  it('leaves one article when the corpus is loaded first and the page imported after, and keeps the curated copy canonical', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      const before = await prisma.article.findFirstOrThrow();
      const summary = await importCorpusPage(prisma);
      expect(summary.items).toMatchObject([{ status: 'DUPLICATE', articleId: before.id }]);
      expect(await prisma.article.findMany()).toEqual([before]);
      const provenances = await prisma.articleProvenance.findMany({ orderBy: { createdAt: 'asc' } });
      expect(provenances.map((p) => [p.locator, p.isCanonical])).toEqual([
        [corpusLocator('liupanshui-procurators-50.txt'), true],
        [CORPUS_PAGE, false],
      ]);
      expect(await prisma.articleRevision.count()).toBe(1);

      // Again: nothing changes, and the corpus loader (npm start runs it every time) changes nothing either.
      const fingerprint = await databaseFingerprint(prisma);
      expect((await importCorpusPage(prisma)).items).toMatchObject([{ status: 'UNCHANGED' }]);
      await loadCorpus(prisma);
      const after = await databaseFingerprint(prisma);
      // Only the second run's own bookkeeping was added.
      expect({ ...after, ImportRun: undefined, ImportItem: undefined }).toEqual({ ...fingerprint, ImportRun: undefined, ImportItem: undefined });
    });
  });

  it('leaves one article equal to the foundation’s when the page is imported first and the corpus loaded after', async () => {
    const loaded = await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      const article = await prisma.article.findFirstOrThrow();
      return { shape: await articleShape(prisma), slug: article.slug, status: article.status, tags: article.tags, sourceId: article.sourceId };
    });

    await withDatabase(backend, async ({ prisma }) => {
      const summary = await importCorpusPage(prisma);
      // No organization is known yet: the ones the page names are reported, none is created.
      expect(summary.items[0]).toMatchObject({ status: 'CREATED' });
      expect(summary.items[0]!.unknownOrganizations).toEqual(expect.arrayContaining(['六盘水市钟山区人民检察院']));
      expect(await prisma.organization.count()).toBe(0);
      const imported = await prisma.article.findFirstOrThrow();

      await loadCorpus(prisma);
      expect(await prisma.article.count()).toBe(1);
      expect(await prisma.series.count()).toBe(1);
      const article = await prisma.article.findFirstOrThrow({ include: { source: true } });
      expect(article.id).toBe(imported.id);
      expect(article).toMatchObject({ slug: loaded.slug, status: loaded.status, tags: loaded.tags, source: { slug: 'unnamed-news-portal' } });
      expect(await articleShape(prisma)).toEqual(loaded.shape);
      const provenances = await prisma.articleProvenance.findMany({ orderBy: { createdAt: 'asc' } });
      expect(provenances.map((p) => [p.locator, p.isCanonical])).toEqual([
        [CORPUS_PAGE, false],
        [corpusLocator('liupanshui-procurators-50.txt'), true],
      ]);
      // The text did not change, so the import's revision 1 is the only one.
      expect(await prisma.articleRevision.count()).toBe(1);
      expect(await prisma.citation.count()).toBe(25);

      const fingerprint = await databaseFingerprint(prisma);
      await loadCorpus(prisma);
      expect(await databaseFingerprint(prisma)).toEqual(fingerprint);
    });
  });
});

// importContent answers at once with its run RUNNING; RUN is polled until the run ends.
const IMPORT_CONTENT = /* GraphQL */ `
  mutation ImportContent($inputs: [String!]!) {
    importContent(input: { inputs: $inputs }) { id status finishedAt items { totalCount } }
  }
`;

const RUN = /* GraphQL */ `
  query Run($id: ID!) {
    node(id: $id) {
      ... on ImportRun {
        id
        trigger
        actorName
        inputs
        status
        durationMs
        finishedAt
        counts { created updated unchanged duplicate failed }
        items {
          totalCount
          edges {
            node {
              locator
              status
              reason
              unknownOrganizations
              article {
                slug
                episode
                organizations { role organization { slug } }
                provenance { isCanonical locator contentHash source { slug } }
                revisions { totalCount edges { node { number contentHash importRun { id } } } }
              }
            }
          }
        }
      }
    }
  }
`;

const IMPORT_RUNS = /* GraphQL */ `
  query ImportRuns($filter: ImportRunFilter) {
    importRuns(first: 10, filter: $filter) {
      totalCount
      edges { node { id trigger status counts { created failed } items(status: FAILED) { totalCount edges { node { locator reason } } } } }
    }
  }
`;

describe.each(testBackends())('the corpus loader on a database from before imports, on %s', (backend) => {
  it('adds the normalized hash, revision 1 and the canonical provenance record once, bumping the version, then changes nothing', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      // As an older release left it: no history, no normalized hash.
      await prisma.articleRevision.deleteMany();
      await prisma.articleProvenance.deleteMany();
      await prisma.article.updateMany({ data: { normalizedHash: null } });
      const summary = await loadCorpus(prisma);
      expect(summary.articles.updated).toBe(1);
      expect(summary.articleRevisions.created).toBe(1);
      expect(summary.articleProvenances.created).toBe(1);
      const article = await prisma.article.findFirstOrThrow({ include: { revisions: true, provenances: true } });
      expect(article.version).toBe(2);
      expect(article.normalizedHash).toBe(normalizedHash(article.bodyText));
      expect(article.revisions).toMatchObject([{ number: 1, contentHash: article.contentHash, title: article.title, importRunId: null }]);
      expect(article.provenances).toMatchObject([
        { locator: corpusLocator('liupanshui-procurators-50.txt'), isCanonical: true, contentHash: article.contentHash, attribution: '凉都检察' },
      ]);
      const fingerprint = await databaseFingerprint(prisma);
      await loadCorpus(prisma);
      expect(await databaseFingerprint(prisma)).toEqual(fingerprint);
    });
  });
});

describe.each(testBackends())('importContent and importRuns over GraphQL on %s', (backend) => {
  let api: Awaited<ReturnType<typeof createTestApi>>;
  const savedRoot = process.env.IMPORT_FILE_ROOT;
  beforeEach(async () => {
    api = await createTestApi(backend, { responseCache: { cache: createInMemoryCache(), ttlMs: 60_000 } });
  });
  afterEach(async () => {
    if (savedRoot === undefined) delete process.env.IMPORT_FILE_ROOT;
    else process.env.IMPORT_FILE_ROOT = savedRoot;
    await api.close();
  });
  const bearer = async (kind: 'ADMIN' | 'EDITOR', name = unique(kind.toLowerCase())) => ({
    authorization: `Bearer ${(await createCredential(api.db.prisma, { kind, name })).secret}`,
  });

  it('lets an admin import the corpus page and read the run, its items, the article’s provenance and revisions', async () => {
    await loadCorpus(api.db.prisma, { fixture: fixtureWithoutArticles() });
    process.env.IMPORT_FILE_ROOT = dirname(CORPUS_PAGE);
    const name = unique('admin');
    const admin = await bearer('ADMIN', name);
    // Cached before the import: the anonymous list of articles is empty.
    const articles = '{ articles { edges { node { slug } } } }';
    expect((await api.execute(articles)).data).toEqual({ articles: { edges: [] } });
    expect((await api.execute(articles)).extensions).toMatchObject({ responseCache: { hit: true } });

    const result = await api.execute(IMPORT_CONTENT, { inputs: ['liupanshui-procurators-50.txt'] }, admin);
    expect(result.errors).toBeUndefined();
    const queued = (result.data as { importContent: Record<string, any> }).importContent;
    expect(queued).toMatchObject({ status: 'RUNNING', finishedAt: null, items: { totalCount: 0 } });
    const run = await awaitRun<any>(api, RUN, queued.id, admin);
    expect(run).toMatchObject({
      trigger: 'MUTATION',
      actorName: name,
      inputs: ['liupanshui-procurators-50.txt'],
      status: 'SUCCEEDED',
      counts: { created: 1, updated: 0, unchanged: 0, duplicate: 0, failed: 0 },
      items: { totalCount: 1 },
    });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    const item = run.items.edges[0].node;
    expect(item).toMatchObject({ locator: CORPUS_PAGE, status: 'CREATED', reason: null, unknownOrganizations: [] });
    expect(item.article).toMatchObject({
      slug: 'liupanshui-procurators-50',
      episode: 50,
      provenance: [{ isCanonical: true, locator: CORPUS_PAGE }],
      revisions: { totalCount: 1, edges: [{ node: { number: 1, importRun: { id: run.id } } }] },
    });
    expect(item.article.organizations.map((l: any) => `${l.role} ${l.organization.slug}`).sort()).toEqual([
      'MENTIONED guizhou-procuratorate',
      'MENTIONED liupanshui-procuratorate',
      'MENTIONED spp',
      'MENTIONED zhongshan-procuratorate-branch-1',
      'PUBLISHER liupanshui-procuratorate',
      'SUBJECT zhongshan-procuratorate',
    ]);
    // The import dropped the cached list.
    expect((await api.execute(articles)).data).toEqual({ articles: { edges: [{ node: { slug: 'liupanshui-procurators-50' } }] } });

    // A second run finds it unchanged; a path outside the file root fails as an item with its reason.
    const again = await api.execute(IMPORT_CONTENT, { inputs: ['liupanshui-procurators-50.txt', '../../package.json'] }, admin);
    expect(await awaitRun(api, RUN, (again.data as any).importContent.id, admin)).toMatchObject({
      status: 'PARTIAL',
      counts: { unchanged: 1, failed: 1 },
    });

    const runs = await api.execute(IMPORT_RUNS, {}, admin);
    expect(runs.errors).toBeUndefined();
    const list = (runs.data as any).importRuns;
    expect(list.totalCount).toBe(2);
    expect(list.edges.map((e: any) => e.node.status)).toEqual(['PARTIAL', 'SUCCEEDED']);
    expect(list.edges[0].node.items).toMatchObject({ totalCount: 1, edges: [{ node: { reason: expect.stringMatching(/outside the import directory/) } }] });
    const partial = await api.execute(IMPORT_RUNS, { filter: { status: 'PARTIAL', trigger: 'MUTATION' } }, admin);
    expect((partial.data as any).importRuns.totalCount).toBe(1);

    // node(id:) finds a run for an admin only.
    const node = `query($id: ID!) { node(id: $id) { id ... on ImportRun { status } } }`;
    expect((await api.execute(node, { id: run.id }, admin)).data).toEqual({ node: { id: run.id, status: 'SUCCEEDED' } });
    expect((await api.execute(node, { id: run.id }, await bearer('EDITOR'))).data).toEqual({ node: null });
  });

  it('refuses importRuns and importContent to editors (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED), running nothing', async () => {
    const editor = await bearer('EDITOR');
    for (const [headers, code] of [
      [editor, 'FORBIDDEN'],
      [{}, 'UNAUTHENTICATED'],
    ] as const) {
      const runs = await api.execute(IMPORT_RUNS, {}, headers);
      expect(runs.errors?.[0]?.extensions?.code).toBe(code);
      const imported = await api.execute(IMPORT_CONTENT, { inputs: ['https://portal.example/a.html'] }, headers);
      expect(imported.errors?.[0]?.extensions?.code).toBe(code);
    }
    // Editors may read revisions and locators; anonymous callers may not.
    await loadCorpus(api.db.prisma);
    const revisions = '{ article(slug: "liupanshui-procurators-50") { provenance { isCanonical } revisions { totalCount } } }';
    expect((await api.execute(revisions, {}, editor)).data).toEqual({
      article: { provenance: [{ isCanonical: true }], revisions: { totalCount: 1 } },
    });
    expect((await api.execute(revisions)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await api.db.prisma.importRun.count()).toBe(0);
  });

  it('rejects server file paths when IMPORT_FILE_ROOT is not set, and too many inputs, before recording a run', async () => {
    delete process.env.IMPORT_FILE_ROOT;
    const admin = await bearer('ADMIN');
    const paths = await api.execute(IMPORT_CONTENT, { inputs: ['https://portal.example/a.html', '/etc/passwd', 'ftp://x.example/f'] }, admin);
    expect(paths.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [
        { path: 'input.inputs.1', message: expect.stringMatching(/IMPORT_FILE_ROOT is not set/) },
        { path: 'input.inputs.2', message: 'must be an http or https URL' },
      ],
    });
    const many = await api.execute(IMPORT_CONTENT, { inputs: Array.from({ length: 21 }, (_, i) => `https://portal.example/${i}.html`) }, admin);
    expect(many.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'input.inputs', message: 'at most 20 inputs and documents per call' }] });
    expect(await api.db.prisma.importRun.count()).toBe(0);
  });
});

describe.each(testBackends())('documents pushed with importContent on %s', (backend) => {
  const PUSH = /* GraphQL */ `
    mutation Push($documents: [ImportDocumentInput!]) {
      importContent(input: { documents: $documents }) { id inputs status }
    }
  `;
  const PUSHED_RUN = /* GraphQL */ `
    query Pushed($id: ID!) {
      node(id: $id) {
        ... on ImportRun {
          inputs
          status
          counts { created failed }
          items { edges { node { locator status reason article { title } } } }
        }
      }
    }
  `;
  /** Pushes `documents` and waits for the run to end. */
  const push = async (api: TestApi, documents: unknown[], admin: Record<string, string>) => {
    const result = await api.execute(PUSH, { documents }, admin);
    expect(result.errors).toBeUndefined();
    expect((result.data as any).importContent.status).toBe('RUNNING');
    return awaitRun<any>(api, PUSHED_RUN, (result.data as any).importContent.id, admin);
  };

  it('imports a partner’s JSON sent inline, item by item, and records it as inline:<name>', async () => {
    const api = await createTestApi(backend);
    try {
      const admin = { authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') })).secret}` };
      const content = readFileSync(new URL('./fixtures/import/partner-invalid-item.json', import.meta.url), 'utf8');
      const run = await push(api, [{ name: 'push.json', contentType: 'application/json', content }], admin);
      expect(run).toMatchObject({ inputs: ['inline:push.json'], status: 'PARTIAL', counts: { created: 2, failed: 1 } });
      const items = run.items.edges.map((edge: any) => edge.node);
      expect(items.map((item: any) => item.locator).sort()).toEqual(['inline:push.json#fz-bad-2', 'inline:push.json#fz-ok-1', 'inline:push.json#fz-ok-3']);
      expect(items.find((item: any) => item.status === 'FAILED').reason).toMatch(/fails the partner schema/);
      expect(await api.db.prisma.article.count()).toBe(2);
    } finally {
      await api.close();
    }
  });

  it('refuses a cursor from another staff list, as the content lists do', async () => {
    const api = await createTestApi(backend);
    try {
      const admin = { authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') })).secret}` };
      const content = readFileSync(new URL('./fixtures/import/partner-valid.json', import.meta.url), 'utf8');
      expect((await push(api, [{ name: 'a.json', content }], admin)).status).toBe('SUCCEEDED');
      const listed = await api.execute('{ importRuns { edges { cursor node { items { edges { cursor } } } } } }', {}, admin);
      const run = (listed.data as any).importRuns.edges[0];
      const itemCursor = run.node.items.edges[0].cursor;
      const page = (after: string) => api.execute('query ($after: String) { importRuns(after: $after) { totalCount } }', { after }, admin);
      expect((await page(run.cursor)).errors).toBeUndefined();
      expect((await page(itemCursor)).errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' }, message: '"after" is a cursor from another connection' }]);
      const log = await api.execute('query ($after: String) { auditLog(after: $after) { totalCount } }', { after: run.cursor }, admin);
      expect(log.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    } finally {
      await api.close();
    }
  });

  it('reads a pasted page that declares GBK as the Unicode text it arrives as', async () => {
    const api = await createTestApi(backend);
    try {
      const admin = { authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') })).secret}` };
      // The fixture's bytes are GBK; decoded, it is what a browser would show and an admin would paste.
      const bytes = readFileSync(new URL('./fixtures/import/portal-gbk.html', import.meta.url));
      const content = new TextDecoder('gb18030').decode(bytes);
      expect(content).toMatch(/charset=(gbk|gb2312)/i);
      const run = await push(api, [{ name: 'pasted.html', contentType: 'text/html; charset=gbk', content }], admin);
      expect(run).toMatchObject({ status: 'SUCCEEDED', counts: { created: 1, failed: 0 } });
      expect(run.items.edges[0].node.article.title).toMatch(/[\u4e00-\u9fff]/);
    } finally {
      await api.close();
    }
  });

  it('refuses documents without a name, with a name used twice, or empty, before recording a run', async () => {
    const api = await createTestApi(backend);
    try {
      const admin = { authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') })).secret}` };
      const refused = await api.execute(
        PUSH,
        { documents: [{ name: ' ', content: '{}' }, { name: 'a.json', content: '{}' }, { name: 'a.json', content: '' }] },
        admin,
      );
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [
          { path: 'input.documents.0.name', message: 'must be 1 to 200 characters' },
          { path: 'input.documents.2.name', message: 'is used twice' },
          { path: 'input.documents.2.content', message: 'is empty' },
        ],
      });
      const nothing = await api.execute(PUSH, { documents: [] }, admin);
      expect(nothing.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'input.inputs' }] });
      expect(await api.db.prisma.importRun.count()).toBe(0);
    } finally {
      await api.close();
    }
  });
});

describe('an import run’s statements', () => {
  it('reads the known organizations once per run, however many articles it stores', async () => {
    const statements: string[] = [];
    const db = await createTestDatabase('pglite', { onQuery: (sql) => statements.push(sql) });
    try {
      await loadCorpus(db.prisma);
      const fixtures = new URL('./fixtures/import/', import.meta.url);
      const inputs = ['partner-valid.json', 'portal-article.html', 'portal-trs.html'].map((name) => fileURLToPath(new URL(name, fixtures)));
      statements.splice(0);
      const summary = await runImport(db.prisma, inputs, { trigger: 'CLI', actorName: 'test' });
      expect(summary.counts.created + summary.counts.duplicate).toBe(4);
      // The matcher's read: every organization's names, aliases and parents.
      const reads = statements.filter((sql) => /FROM "public"\."Organization"/.test(sql) && /"aliases"/.test(sql) && !/WHERE/.test(sql));
      expect(reads, reads.join("\n")).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
