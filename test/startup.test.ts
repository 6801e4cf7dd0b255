import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.js';
import { startOpeningPGlite } from '../src/db/pglite.js';
import { openEmbeddedDatabase, prepareEmbeddedDatabase, writeEmbeddedSnapshot } from '../src/startup.js';

// The embedded default's start-up work runs when something changed and only then. One on-disk
// PGlite directory, prepared again and again as consecutive starts would.

describe('the start-up of the embedded default', () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cf-startup-'));
    db = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pglite') });
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates and loads the corpus on a fresh directory, then finds nothing to do', async () => {
    const first = await prepareEmbeddedDatabase(db);
    expect(first.upToDate).toBe(false);
    expect(first.appliedMigrations.length).toBeGreaterThan(0);
    expect(await db.prisma.article.count()).toBeGreaterThan(0);

    expect(await prepareEmbeddedDatabase(db)).toEqual({ upToDate: true, fromSnapshot: false, appliedMigrations: [] });
  });

  it('loads the corpus again after a write changed a corpus row, and restores it as before', async () => {
    const article = await db.prisma.article.findFirstOrThrow({ orderBy: { slug: 'asc' } });
    await db.prisma.article.update({ where: { id: article.id }, data: { title: `${article.title} (edited)` } });

    expect(await prepareEmbeddedDatabase(db)).toEqual({ upToDate: false, fromSnapshot: false, appliedMigrations: [] });
    expect((await db.prisma.article.findUniqueOrThrow({ where: { id: article.id } })).title).toBe(article.title);
    expect((await prepareEmbeddedDatabase(db)).upToDate).toBe(true);
  });

  it('does the work again when a row was deleted', async () => {
    const citation = await db.prisma.citation.findFirstOrThrow();
    await db.prisma.citation.delete({ where: { id: citation.id } });

    expect((await prepareEmbeddedDatabase(db)).upToDate).toBe(false);
    expect(await db.prisma.citation.count({ where: { achievementId: citation.achievementId, offset: citation.offset } })).toBe(1);
  });
});

/**
 * Every table's rows without the values a load draws afresh (ids, references to them, and the
 * clock), in a fixed order: equal for two databases loaded from the same inputs.
 */
async function contentFingerprint(db: Database): Promise<Record<string, string>> {
  const tables = await db.prisma.$queryRaw<{ name: string; drop: string[] }[]>`
    SELECT table_name::text AS name,
      coalesce(array_agg(column_name::text) FILTER (
        WHERE data_type IN ('uuid', 'timestamp with time zone', 'timestamp without time zone')
      ), '{}') AS drop
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
    GROUP BY table_name ORDER BY table_name`;
  const result: Record<string, string> = {};
  for (const { name, drop } of tables) {
    const list = `ARRAY[${drop.map((column) => `'${column}'`).join(', ')}]::text[]`;
    const [row] = await db.prisma.$queryRawUnsafe<{ rows: number; md5: string }[]>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(v, E'\\n' ORDER BY v), '')) AS md5
       FROM (SELECT (to_jsonb(t) - ${list})::text AS v FROM "${name}" t) s`,
    );
    result[name] = `${row!.rows} ${row!.md5}`;
  }
  return result;
}

describe("a cold start from the build's snapshot", () => {
  let dir: string;
  let snapshot: string;
  const open: Database[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cf-snapshot-'));
    snapshot = path.join(dir, 'snapshot');
    await writeEmbeddedSnapshot(snapshot);
  }, 180_000);
  afterAll(async () => {
    for (const db of open) await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  async function start(name: string, snapshotDir: string) {
    const started = await openEmbeddedDatabase({ kind: 'pglite', dataDir: path.join(dir, name, 'pglite') }, { snapshotDir });
    open.push(started.db);
    return started;
  }

  it('fills an empty directory from the snapshot, with the rows of a full cold start, and finds nothing to do', async () => {
    const copied = await start('copied', snapshot);
    expect(copied.startup).toEqual({ upToDate: true, fromSnapshot: true, appliedMigrations: [] });
    const full = await start('full', path.join(dir, 'no-snapshot'));
    expect(full.startup.fromSnapshot).toBe(false);
    expect(full.startup.appliedMigrations.length).toBeGreaterThan(0);

    const copiedRows = await contentFingerprint(copied.db);
    expect(Object.keys(copiedRows).length).toBeGreaterThan(5);
    expect(copiedRows.Article).not.toMatch(/^0 /);
    expect(copiedRows).toEqual(await contentFingerprint(full.db));
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining([expect.stringMatching(/\.snapshot-/)]));
  }, 180_000);

  it('takes the full path when the snapshot was made from other inputs (migrations, corpus or code)', async () => {
    const stale = path.join(dir, 'stale-snapshot');
    await cp(snapshot, stale, { recursive: true });
    const stateFile = path.join(stale, 'cf-startup-state.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { inputs: string };
    await writeFile(stateFile, JSON.stringify({ ...state, inputs: `${state.inputs}-older` }));

    const started = await start('from-stale', stale);
    expect(started.startup.fromSnapshot).toBe(false);
    expect(started.startup.appliedMigrations.length).toBeGreaterThan(0);
    expect(await started.db.prisma.article.count()).toBeGreaterThan(0);
  }, 180_000);

  it('opened early (as the server does), leaves an empty directory to the snapshot and takes a filled one as it is', async () => {
    // Empty: nothing is started, the snapshot is copied in, then opened.
    const empty = { kind: 'pglite' as const, dataDir: path.join(dir, 'early', 'pglite') };
    await startOpeningPGlite(empty);
    expect(await readdir(path.dirname(empty.dataDir)).catch(() => [])).toEqual([]);
    const first = await openEmbeddedDatabase(empty, { snapshotDir: snapshot });
    expect(first.startup).toEqual({ upToDate: true, fromSnapshot: true, appliedMigrations: [] });
    const articles = await first.db.prisma.article.count();
    await first.db.close();

    // Filled: its opening starts at once, and the start that follows takes that instance (one
    // PGlite is created in all, not a second one on the same directory).
    const create = vi.spyOn(PGlite, 'create');
    await startOpeningPGlite(empty);
    expect(create).toHaveBeenCalledTimes(1);
    const again = await openEmbeddedDatabase(empty, { snapshotDir: snapshot });
    open.push(again.db);
    expect(create).toHaveBeenCalledTimes(1);
    create.mockRestore();
    expect(again.startup).toEqual({ upToDate: true, fromSnapshot: false, appliedMigrations: [] });
    expect(await again.db.prisma.article.count()).toBe(articles);
    expect(articles).toBeGreaterThan(0);
  }, 180_000);

  it('never copies the snapshot into a directory that already holds something', async () => {
    const target = path.join(dir, 'occupied', 'pglite');
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, 'notes.txt'), 'mine');

    const started = await start('occupied', snapshot);
    expect(started.startup.fromSnapshot).toBe(false);
    expect(started.startup.appliedMigrations.length).toBeGreaterThan(0);
    expect(await readFile(path.join(target, 'notes.txt'), 'utf8')).toBe('mine');
  }, 180_000);
});
