// Import runs (src/ingest/import.ts) and `npm run import` (scripts/import.ts) on both backends.
// The parser and the writer are simple fakes here, so that these tests pin fetching and
// orchestration: what a run records, how it goes on after a failure, conditional requests.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as importCli } from '../scripts/import.js';
import type { Database } from '../src/db/client.js';
import { DEFAULT_IMPORT_CONFIG, type ImportConfig } from '../src/ingest/config.js';
import { createFetcher, type Fetcher } from '../src/ingest/fetch.js';
import { runImport, runStatus, type RunImportOptions, type StoreStage } from '../src/ingest/import.js';
import { parsePortalText } from '../src/ingest/portal-text.js';
import type { ImportedArticle, ImportProgress, ParsedDocument, RawDocument } from '../src/ingest/types.js';
import { contentHash } from '../src/domain/article-body.js';
import { runMain, spawnScript } from './support/cli.js';
import { createTestDatabase, createTestDataDir, testBackends } from './support/database.js';
import { unique } from './support/factory.js';
import { pause, startTestServer, type TestServer } from './fixtures/fetch/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGES = path.join(ROOT, 'test/fixtures/fetch/pages');
// PGlite runs on the test's own event loop, so a busy database can hold up a response for a while:
// the timeout is small, but not so small that a healthy page times out.
const CONFIG: ImportConfig = { ...DEFAULT_IMPORT_CONFIG, timeoutMs: 1_500, allowPrivateNetworks: true };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** An article from a plain-text portal page, the way formats.ts will make one. */
function article(doc: RawDocument, text: string): ImportedArticle {
  const page = parsePortalText(text);
  const url = doc.url ? new URL(doc.url) : null;
  return {
    locator: doc.locator,
    source: { name: url?.host ?? 'local files', kind: 'PORTAL', url: url ? `${url.origin}/` : null },
    originalUrl: doc.url,
    originalPath: page.originalPath,
    title: page.title,
    series: page.series && { title: page.series.title, episode: page.series.episode },
    blocks: page.blocks,
    bodyText: page.bodyText,
    contentHash: page.contentHash,
    normalizedHash: contentHash(`${page.title}\n${page.bodyText}`),
    publishedAt: null,
    category: page.category,
    tags: [],
    attribution: page.attribution,
    language: 'zh-CN',
    organizations: [],
    fetchedAt: doc.fetchedAt,
  };
}

/**
 * A stand-in for formats.ts `parseDocument`: portal text pages; `FEED` documents whose lines
 * are `url|title|published|tag` entries that carry only a summary; `THROW` documents throw.
 */
function createFakeParser() {
  const parsed: string[] = [];
  const parse = (doc: RawDocument): ParsedDocument => {
    parsed.push(doc.locator);
    const text = decode(doc.bytes);
    if (text.startsWith('THROW')) throw new Error('a bug in the parser');
    if (text.startsWith('FEED\n')) {
      const lines = text.split('\n').slice(1).filter(Boolean);
      return {
        format: 'RSS',
        articles: [],
        failures: [],
        pagesToFetch: lines.map((line, i) => {
          const [url, title, published, tag] = line.split('|') as [string, string, string, string];
          return {
            locator: `${doc.locator}#${i + 1}`,
            url,
            entry: {
              title,
              publishedAt: new Date(published),
              tags: [tag],
              category: null,
              attribution: null,
              source: { name: 'Test feed', kind: 'FEED', url: doc.locator },
            },
          };
        }),
      };
    }
    try {
      return { format: 'PORTAL_TEXT', articles: [article(doc, text)], failures: [], pagesToFetch: [] };
    } catch (error) {
      return { format: 'PORTAL_TEXT', articles: [], failures: [{ locator: doc.locator, reason: (error as Error).message }], pagesToFetch: [] };
    }
  };
  return { parse, parsed };
}

/** A stand-in for store.ts `storeArticle`: CREATED once per text, then UNCHANGED; a title with STORE-FAILS throws. */
function createFakeStore() {
  const byHash = new Map<string, string>();
  const stored: ImportedArticle[] = [];
  const store: StoreStage = async (_prisma, item) => {
    if (item.title.includes('STORE-FAILS')) throw new Error('boom');
    stored.push(item);
    const known = byHash.get(item.contentHash);
    const articleId = known ?? randomUUID();
    byHash.set(item.contentHash, articleId);
    return {
      status: known ? 'UNCHANGED' : 'CREATED',
      articleId,
      unknownOrganizations: item.title.includes('另一') ? ['另一检察院'] : [],
      changedEntities: known ? [] : [{ typename: 'Article', id: articleId }],
    };
  };
  return { store, stored };
}

/** A portal page with this title and a body unique to the call. */
function portalPage(title: string): string {
  const body = `测试检察院办结案件${randomUUID()}件。`;
  return ['1. 首页 > 国内资讯', title, `\u3000\u3000${body}`, `\u3000\u3000该院被评为全省先进集体。(凉都检察)`, '联系我们'].join('\n\n');
}

// What `npm run import` gets from the environment besides the database.
const CLI_ENV = { IMPORT_TIMEOUT_MS: '3000' };

describe('runStatus', () => {
  const counts = { created: 0, updated: 0, unchanged: 0, duplicate: 0, failed: 0 };
  it('is SUCCEEDED with no failure, PARTIAL with some, FAILED when nothing was imported', () => {
    expect(runStatus({ ...counts, created: 2, unchanged: 1 })).toBe('SUCCEEDED');
    expect(runStatus({ ...counts, duplicate: 1, failed: 3 })).toBe('PARTIAL');
    expect(runStatus({ ...counts, failed: 3 })).toBe('FAILED');
    expect(runStatus(counts)).toBe('FAILED');
  });
});

describe.each(testBackends())('import runs on %s', (backend) => {
  let db: Database;
  let server: TestServer;
  let tmp: string;
  const fetchers: Fetcher[] = [];

  beforeAll(async () => {
    [db, server, tmp] = await Promise.all([
      createTestDatabase(backend),
      startTestServer(),
      mkdtemp(path.join(os.tmpdir(), 'cf-import-run-')),
    ]);
  });
  afterAll(async () => {
    for (const fetcher of fetchers) fetcher.close();
    await Promise.all([db?.close(), server?.close(), tmp && rm(tmp, { recursive: true, force: true })]);
  });

  /** A run with the fake stages and a loopback-allowed fetcher of its own. */
  function run(inputs: string[], options: Partial<RunImportOptions> & { config?: ImportConfig } = {}) {
    const fetcher = createFetcher({ ...CONFIG, ...options.config, allowPrivateNetworks: true });
    fetchers.push(fetcher);
    return runImport(db.prisma, inputs, {
      trigger: 'CLI',
      actorName: unique('tester'),
      config: CONFIG,
      fetcher,
      parse: createFakeParser().parse,
      store: createFakeStore().store,
      ...options,
    });
  }

  /** Serves `text` at a fresh path, with an ETag; returns the URL. */
  function serve(text: string, headers: Record<string, string> = {}): string {
    return server.route(`/${randomUUID()}`, (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
    });
  }

  async function recorded(runId: string) {
    const row = await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } });
    const items = await db.prisma.importItem.findMany({ where: { runId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return { row, items };
  }

  it('records the run and one item per document, with its counts, reasons and duration', async () => {
    const actorName = unique('editor');
    const missing = path.join(tmp, 'missing.txt');
    const progress: ImportProgress[] = [];
    const changed: unknown[] = [];
    const summary = await run([PAGES, missing], {
      actorName,
      onProgress: (p) => progress.push(p),
      onEntitiesChanged: (entities) => void changed.push(...entities),
    });

    const files = ['a.txt', 'b.txt', 'sub/c.txt'].map((name) => path.join(PAGES, name));
    expect(summary.status).toBe('PARTIAL');
    expect(summary.counts).toEqual({ created: 3, updated: 0, unchanged: 0, duplicate: 0, failed: 1 });
    expect(summary.items.map(({ locator, status, reason }) => ({ locator, status, reason }))).toEqual([
      ...files.map((locator) => ({ locator, status: 'CREATED', reason: null })),
      { locator: missing, status: 'FAILED', reason: 'cannot read: no such file or directory' },
    ]);
    expect(summary.items[0]!.articleId).toMatch(UUID);
    expect(summary.items[2]!.unknownOrganizations).toEqual(['另一检察院']);

    const { row, items } = await recorded(summary.runId);
    expect(row).toMatchObject({
      trigger: 'CLI',
      actorName,
      inputs: [PAGES, missing],
      status: 'PARTIAL',
      createdCount: 3,
      updatedCount: 0,
      unchangedCount: 0,
      duplicateCount: 0,
      failedCount: 1,
      durationMs: summary.durationMs,
    });
    expect(row.finishedAt!.getTime()).toBeGreaterThanOrEqual(row.startedAt.getTime());
    expect(row.durationMs).toBeGreaterThanOrEqual(0);
    expect(items.map(({ locator, status, reason, articleId, unknownOrganizations }) => ({ locator, status, reason, articleId, unknownOrganizations })).sort((a, b) => a.locator.localeCompare(b.locator))).toEqual(
      summary.items.map(({ locator, status, reason, articleId, unknownOrganizations }) => ({ locator, status, reason, articleId, unknownOrganizations })).sort((a, b) => a.locator.localeCompare(b.locator)),
    );

    expect(progress).toHaveLength(4);
    expect(progress.at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(progress.every((p, i) => p.done === i + 1 && p.total >= p.done)).toBe(true);
    expect(changed).toHaveLength(3);
  });

  it('imports the other URLs of a batch when one times out, and records "timed out after 1500 ms"', async () => {
    const a = serve(await readFile(path.join(PAGES, 'a.txt'), 'utf8'));
    const slow = server.route(`/${randomUUID()}`, async (_request, response) => {
      await pause(response, 5_000);
      response.end('too late');
    });
    const b = serve(await readFile(path.join(PAGES, 'b.txt'), 'utf8'));
    const summary = await run([a, slow, b]);
    expect(summary.items.map(({ locator, status, reason }) => ({ locator, status, reason }))).toEqual([
      { locator: a, status: 'CREATED', reason: null },
      { locator: slow, status: 'FAILED', reason: 'timed out after 1500 ms' },
      { locator: b, status: 'CREATED', reason: null },
    ]);
    expect(summary.status).toBe('PARTIAL');
    expect((await recorded(summary.runId)).row).toMatchObject({ status: 'PARTIAL', createdCount: 2, failedCount: 1 });
  });

  it('fetches a URL conditionally the next time, and records a 304 as UNCHANGED without parsing it', async () => {
    const path_ = `/${randomUUID()}`;
    const etag = `"${randomUUID()}"`;
    const page = portalPage('条件请求的测试文章');
    const url = server.route(path_, (request, response) => {
      if (request.headers['if-none-match'] === etag) response.writeHead(304).end();
      else response.writeHead(200, { etag, 'last-modified': 'Wed, 02 Nov 2022 10:00:00 GMT' }).end(page);
    });
    const parser = createFakeParser();
    const first = await run([url], { parse: parser.parse });
    expect(first.items.map((i) => i.status)).toEqual(['CREATED']);
    expect(await db.prisma.fetchedResource.findUnique({ where: { url } })).toMatchObject({
      etag,
      lastModified: 'Wed, 02 Nov 2022 10:00:00 GMT',
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const second = await run([url], { parse: parser.parse });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.items).toEqual([{ locator: url, status: 'UNCHANGED', reason: null, articleId: null, unknownOrganizations: [] }]);
    expect(parser.parsed).toEqual([url]);
    const sent = server.requests.filter((r) => r.path === path_).map((r) => r.headers['if-none-match'] ?? null);
    expect(sent).toEqual([null, etag]);
    expect((await recorded(second.runId)).row).toMatchObject({ status: 'SUCCEEDED', unchangedCount: 1, createdCount: 0 });

    // --force asks without validators and parses again.
    const forced = await run([url], { parse: parser.parse, force: true });
    expect(forced.items.map((i) => i.status)).toEqual(['CREATED']);
    expect(server.requests.filter((r) => r.path === path_).at(-1)!.headers['if-none-match']).toBeUndefined();
  });

  it('treats the same bytes as unchanged when the server sends no validators', async () => {
    const url = serve(portalPage('没有校验器的页面'));
    const parser = createFakeParser();
    expect((await run([url], { parse: parser.parse })).items[0]!.status).toBe('CREATED');
    expect((await run([url], { parse: parser.parse })).items[0]!.status).toBe('UNCHANGED');
    expect(parser.parsed).toEqual([url]);
  });

  it('does not remember a URL whose document had a failed item, so the next run tries it again', async () => {
    const url = serve('这不是一篇文章', { etag: '"broken"' });
    const first = await run([url]);
    expect(first.status).toBe('FAILED');
    expect(first.items[0]).toMatchObject({ locator: url, status: 'FAILED', reason: expect.any(String) });
    expect(await db.prisma.fetchedResource.findUnique({ where: { url } })).toBeNull();
    await run([url]);
    const path_ = new URL(url).pathname;
    expect(server.requests.filter((r) => r.path === path_).map((r) => r.headers['if-none-match'] ?? null)).toEqual([null, null]);
  });

  it('records an unexpected error inside one item and finishes the run', async () => {
    const dir = await mkdtemp(path.join(tmp, 'errors-'));
    await copyFile(path.join(PAGES, 'a.txt'), path.join(dir, '1-ok.txt'));
    await writeFile(path.join(dir, '2-parser-bug.txt'), 'THROW');
    await writeFile(path.join(dir, '3-store-fails.txt'), portalPage('STORE-FAILS 的文章'));
    const summary = await run([dir]);
    expect(summary.items.map(({ status, reason }) => ({ status, reason }))).toEqual([
      { status: 'CREATED', reason: null },
      { status: 'FAILED', reason: 'unexpected error: a bug in the parser' },
      { status: 'FAILED', reason: 'could not be stored: unexpected error: boom' },
    ]);
    const { row, items } = await recorded(summary.runId);
    expect(row).toMatchObject({ status: 'PARTIAL', createdCount: 1, failedCount: 2 });
    expect(row.finishedAt).not.toBeNull();
    expect(items).toHaveLength(3);
  });

  it('fetches the full page of a feed entry, keeping what the entry says where the page says nothing', async () => {
    const pageUrl = serve(portalPage('订阅条目的全文'));
    const missingUrl = `${server.origin}/${randomUUID()}`;
    const feedUrl = serve(`FEED\n${pageUrl}|条目标题|2022-11-02T02:00:00Z|检察\n${missingUrl}|另一条目|2022-11-03T02:00:00Z|检察\n`, {
      etag: `"${randomUUID()}"`,
    });
    const writer = createFakeStore();
    const summary = await run([feedUrl], { store: writer.store });
    expect(summary.items.map(({ locator, status, reason }) => ({ locator, status, reason }))).toEqual([
      { locator: `${feedUrl}#1`, status: 'CREATED', reason: null },
      { locator: `${feedUrl}#2`, status: 'FAILED', reason: 'HTTP 404 Not Found' },
    ]);
    expect(writer.stored).toHaveLength(1);
    expect(writer.stored[0]).toMatchObject({
      locator: `${feedUrl}#1`,
      title: '订阅条目的全文',
      originalUrl: pageUrl,
      publishedAt: new Date('2022-11-02T02:00:00Z'),
      tags: ['检察'],
      source: { url: `${server.origin}/` },
    });
    // The entry that failed must be tried again: the feed's validators are not kept.
    expect(await db.prisma.fetchedResource.findUnique({ where: { url: feedUrl } })).toBeNull();
    expect(await db.prisma.fetchedResource.findUnique({ where: { url: pageUrl } })).not.toBeNull();
  });

  it('is SUCCEEDED when nothing failed and FAILED when nothing could be read', async () => {
    const ok = await run([path.join(PAGES, 'a.txt')]);
    expect(ok.status).toBe('SUCCEEDED');
    const bad = await run([path.join(tmp, 'nothing-here.txt'), 'gopher://127.0.0.1/']);
    expect(bad.status).toBe('FAILED');
    expect(bad.items.map((i) => i.reason)).toEqual([
      'cannot read: no such file or directory',
      'unsupported scheme gopher: (only http and https URLs, files and directories)',
    ]);
    const none = await run([]);
    expect(none.status).toBe('FAILED');
    for (const summary of [ok, bad, none]) {
      expect((await recorded(summary.runId)).row.status).toBe(summary.status);
    }
  });

  it('marks the run FAILED, never leaving it RUNNING, when the run itself breaks', async () => {
    const actorName = unique('breaks');
    await expect(
      run([path.join(PAGES, 'a.txt')], {
        actorName,
        onProgress: () => {
          throw new Error('the progress bar broke');
        },
      }),
    ).rejects.toThrow('the progress bar broke');
    const row = await db.prisma.importRun.findFirstOrThrow({ where: { actorName } });
    expect(row.status).toBe('FAILED');
    expect(row.finishedAt).not.toBeNull();
    expect(row.durationMs).not.toBeNull();
  });

  it('refuses private addresses and local files for the mutation unless configured', async () => {
    const path_ = `/${randomUUID()}`;
    const url = server.route(path_, (_request, response) => response.end(portalPage('内网页面')));
    const file = path.join(PAGES, 'a.txt');
    const options = { trigger: 'MUTATION' as const, actorName: unique('admin'), parse: createFakeParser().parse, store: createFakeStore().store };
    const refused = await runImport(db.prisma, [url, file], { ...options, config: { ...DEFAULT_IMPORT_CONFIG, timeoutMs: 2_000 } });
    expect(refused.items.map((i) => i.reason)).toEqual([
      'refused: 127.0.0.1 is not a public address; private networks are not allowed here (IMPORT_ALLOW_PRIVATE_NETWORKS)',
      'files can only be imported from the command line (IMPORT_FILE_ROOT is not set)',
    ]);
    expect(server.count(path_)).toBe(0);

    const config = { ...DEFAULT_IMPORT_CONFIG, timeoutMs: 2_000, allowPrivateNetworks: true, fileRoot: PAGES };
    const allowed = await runImport(db.prisma, [url, 'a.txt'], { ...options, config });
    expect(allowed.items.map((i) => i.status)).toEqual(['CREATED', 'CREATED']);
  });

  describe('npm run import', () => {
    /** The script opens the database its environment names; on PGlite, a copy of the template. */
    async function cliDatabase(): Promise<Record<string, string>> {
      if (db.config.kind === 'postgres') return { ...CLI_ENV, DATABASE_URL: db.config.url };
      const dataDir = path.join(await mkdtemp(path.join(tmp, 'cli-')), 'pglite');
      await createTestDataDir(dataDir);
      return { ...CLI_ENV, PGLITE_DIR: dataDir };
    }

    it('prints a line per item and a summary, and exits 1 when an item failed', async () => {
      const env = await cliDatabase();
      const missing = path.join(tmp, 'not-there.txt');
      const gone = `${server.origin}/${randomUUID()}`;
      const result = await runMain(importCli, ['--actor', 'cli-test', missing, gone], env);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`[1/2] FAILED    ${missing}`);
      expect(result.stdout).toMatch(/^Import run [0-9a-f-]{36}: FAILED in \d+\.\d s$/m);
      expect(result.stdout).toContain('0 created, 0 updated, 0 unchanged, 0 duplicate, 2 failed');
      expect(result.stdout).toContain(`  ${missing}\n    cannot read: no such file or directory`);
      expect(result.stdout).toContain(`  ${gone}\n    HTTP 404 Not Found`);
      if (db.config.kind === 'postgres') {
        const runId = /^Import run ([0-9a-f-]{36})/m.exec(result.stdout)![1]!;
        expect(await db.prisma.importRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({
          trigger: 'CLI',
          actorName: 'cli-test',
          status: 'FAILED',
          failedCount: 2,
        });
      }
    });

    it('imports a directory and a URL with exit 0, then finds the URL unchanged through its ETag', { timeout: 150_000 }, async () => {
      const env = await cliDatabase();
      const etag = `"${randomUUID()}"`;
      const route = `/${randomUUID()}`;
      const page = portalPage('命令行导入的网页');
      const url = server.route(route, (request, response) => {
        if (request.headers['if-none-match'] === etag) response.writeHead(304).end();
        else response.writeHead(200, { etag, 'content-type': 'text/plain; charset=utf-8' }).end(page);
      });
      const first = await runMain(importCli, [PAGES, url], env);
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      expect(first.stdout).toMatch(/^Import run [0-9a-f-]{36}: SUCCEEDED in \d+\.\d s$/m);
      expect(first.stdout).toContain('4 created, 0 updated, 0 unchanged, 0 duplicate, 0 failed');
      expect(first.stdout).not.toContain('Failed items');

      const second = await runMain(importCli, [url], env);
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toContain('0 created, 0 updated, 1 unchanged, 0 duplicate, 0 failed');
      expect(second.stderr).toContain(`[1/1] UNCHANGED ${url}`);
      expect(server.requests.filter((r) => r.path === route).map((r) => r.headers['if-none-match'] ?? null)).toEqual([null, etag]);
    });
  });
});

// Checked before any database is opened, so once is enough.
describe('npm run import arguments and settings', () => {
  // Never opened; should a regression open it, it is a throwaway directory, and the check fails.
  const NO_DATABASE = { PGLITE_DIR: path.join(os.tmpdir(), `cf-import-unused-${randomUUID()}`) };
  afterAll(() => expect(existsSync(NO_DATABASE.PGLITE_DIR)).toBe(false));

  it('exits 2 with the usage when no input is given, and on an unknown option', async () => {
    const none = await runMain(importCli, [], NO_DATABASE);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^No inputs given\n\nUsage:\n  npm run import -- /);
    expect(none.stdout).toBe('');
    const unknown = await runMain(importCli, ['--fast', 'a.txt'], NO_DATABASE);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown option '--fast'/);
    expect(unknown.stderr).toContain('\n\nUsage:\n');
    const emptyActor = await runMain(importCli, ['--actor', ' ', 'a.txt'], NO_DATABASE);
    expect(emptyActor.code).toBe(2);
    expect(emptyActor.stderr).toMatch(/^--actor must not be empty\n\nUsage:\n/);
  });

  it('refuses bad settings with exit 1 and names the variable', async () => {
    const result = await runMain(importCli, ['a.txt'], { ...NO_DATABASE, IMPORT_MAX_REDIRECTS: 'many' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: Invalid import settings in the environment: /);
    expect(result.stderr).toContain('IMPORT_MAX_REDIRECTS must be a whole number from 0 to 20, not "many"');
    expect(result.stderr).not.toContain('Usage:');
  });

  it('reads its settings from the environment of a real `npm run import` process and exits with 1', async () => {
    const result = await spawnScript('import.ts', ['a.txt'], { ...NO_DATABASE, IMPORT_MAX_REDIRECTS: 'many' });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('IMPORT_MAX_REDIRECTS must be a whole number from 0 to 20, not "many"');
  });
});
