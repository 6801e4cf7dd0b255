import { createHash } from 'node:crypto';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';
import { Prisma } from './generated/prisma/client.js';
import { migrateDatabase, readMigrationsList } from './migrations.js';
import { rebuildSearchVectors } from './search/index.js';
import { corpusFingerprint, loadCorpus } from './seed/corpus.js';

// The embedded default's start-up work (migrations, the corpus, missing search vectors) takes
// seconds, and on most starts has nothing to do. After it ran, a state file in the PGlite
// directory records a digest of its inputs (migrations, corpus, code) and a signal per table of
// what the database held then: the row count and the newest row version (xmin). A start whose
// inputs and tables both match skips the work. Any write since (an editorial change, an import, a
// row without a search vector) moves a table's signal, and the next start does the work again,
// exactly as it would without the state file.

const STATE_FILE = 'cf-startup-state.json';
const MIGRATIONS_TABLE = '_prisma_migrations';
const CODE_DIR = fileURLToPath(new URL('.', import.meta.url));

interface StartupState {
  inputs: string;
  tables: string;
}

/** What {@link prepareEmbeddedDatabase} did. */
export interface EmbeddedStartup {
  /** True when the state file showed that nothing changed, so nothing ran. */
  upToDate: boolean;
  appliedMigrations: string[];
}

/** The build's stamp when running built code (dist/.build-stamp); else the sources' sizes and times. */
async function codeFingerprint(): Promise<string> {
  const stamp = await readFile(path.join(CODE_DIR, '.build-stamp'), 'utf8').catch(() => null);
  if (stamp) return stamp.trim();
  const hash = createHash('sha256');
  const entries = await readdir(CODE_DIR, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  for (const file of files) {
    const info = await stat(file);
    hash.update(`${file}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

async function inputsFingerprint(): Promise<string> {
  const [migrations, corpus, code] = await Promise.all([readMigrationsList(), corpusFingerprint(), codeFingerprint()]);
  return createHash('sha256')
    .update(JSON.stringify(migrations))
    .update(`\0${corpus}\0${code}`)
    .digest('hex');
}

/** One query: every table's row count and newest row version. Throws when a table is missing. */
async function tableSignals(db: Database): Promise<string> {
  const tables = [MIGRATIONS_TABLE, ...Object.values(Prisma.ModelName)];
  const fields = tables.map(
    (table) => `'${table}', (SELECT json_build_array(count(*), max(xmin::text::bigint)) FROM "${table}")`,
  );
  const sql = `SELECT json_build_object(${fields.join(', ')})::text AS signals`;
  if (db.pglite) return (await db.pglite.query<{ signals: string }>(sql)).rows[0]!.signals;
  return (await db.prisma.$queryRawUnsafe<{ signals: string }[]>(sql))[0]!.signals;
}

function stateFileOf(db: Database): string | null {
  const dir = db.config.kind === 'pglite' ? db.config.dataDir : undefined;
  // Only a directory on disk can hold the file (not memory:// or idb://).
  return dir && !/^[a-z]+:\/\//i.test(dir) ? path.join(dir, STATE_FILE) : null;
}

/**
 * Brings the embedded database up to date: applies pending migrations, loads the corpus, and
 * fills missing search vectors; or, when the state file shows that neither the inputs nor the
 * database changed since that last ran, does nothing (one small query).
 */
export async function prepareEmbeddedDatabase(db: Database): Promise<EmbeddedStartup> {
  const stateFile = stateFileOf(db);
  const inputs = await inputsFingerprint();
  if (stateFile) {
    const recorded = await readFile(stateFile, 'utf8')
      .then((text) => JSON.parse(text) as StartupState)
      .catch(() => null);
    if (recorded?.inputs === inputs) {
      const tables = await tableSignals(db).catch(() => null);
      if (tables === recorded.tables) return { upToDate: true, appliedMigrations: [] };
    }
  }
  const appliedMigrations = await migrateDatabase(db);
  await loadCorpus(db.prisma);
  // Rows written before search existed (or by a writer that skipped it) get their vectors now.
  await rebuildSearchVectors(db.prisma, { onlyMissing: true });
  if (stateFile) {
    const state: StartupState = { inputs, tables: await tableSignals(db) };
    await writeFile(`${stateFile}.tmp`, `${JSON.stringify(state)}\n`);
    await rename(`${stateFile}.tmp`, stateFile);
  }
  return { upToDate: false, appliedMigrations };
}
