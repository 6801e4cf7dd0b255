import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db.js';
import { prepareEmbeddedDatabase } from '../src/startup.js';

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

    expect(await prepareEmbeddedDatabase(db)).toEqual({ upToDate: true, appliedMigrations: [] });
  });

  it('loads the corpus again after a write changed a corpus row, and restores it as before', async () => {
    const article = await db.prisma.article.findFirstOrThrow({ orderBy: { slug: 'asc' } });
    await db.prisma.article.update({ where: { id: article.id }, data: { title: `${article.title} (edited)` } });

    expect(await prepareEmbeddedDatabase(db)).toEqual({ upToDate: false, appliedMigrations: [] });
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
