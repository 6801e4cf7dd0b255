import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Database, type DatabaseConfig, openDatabase, type OpenDatabaseOptions } from './db/client.js';
import { Prisma } from './generated/prisma/client.js';
import { migrateDatabase, readMigrationsList } from './db/migrations.js';
import { rebuildSearchVectors } from './search/vectors.js';
import { corpusFingerprint, loadCorpus } from './ingest/corpus.js';

// The embedded default's start-up work (migrations, the corpus, missing search vectors) takes
// seconds, and on most starts has nothing to do. After it ran, a state file in the PGlite
// directory records a digest of its inputs (migrations, corpus, code) and a signal per table of
// what the database held then: the row count and the newest row version (xmin). A start whose
// inputs and tables both match skips the work. Any write since (an editorial change, an import, a
// row without a search vector) moves a table's signal, and the next start does the work again,
// exactly as it would without the state file.
//
// A cold start (an empty directory) would also pay for initdb, the WASM schema engine, every
// migration and the corpus transaction: seconds. `npm run build` does that work once and leaves
// the resulting data directory, state file included, next to the built code (the snapshot). A
// start on an empty directory copies it in when its state file's digest is this code's, and then
// takes the usual path: the state file and the table signals match, so nothing runs. A stale
// snapshot is not copied, and the start does the work itself, as without one.

const execFileAsync = promisify(execFile);
const STATE_FILE = 'cf-startup-state.json';
/** The snapshot's directory, next to the code that made it (dist/ for the built server). */
export const SNAPSHOT_DIR = 'pglite-snapshot';
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
  /** True when an empty directory was filled from the build's snapshot. */
  fromSnapshot: boolean;
  appliedMigrations: string[];
}

type EmbeddedConfig = Extract<DatabaseConfig, { kind: 'pglite' }>;

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

/** The data directory when it is one on disk (not memory:// or idb://), else null. */
function diskDirOf(config: DatabaseConfig): string | null {
  const dir = config.kind === 'pglite' ? config.dataDir : undefined;
  return dir && !/^[a-z]+:\/\//i.test(dir) ? dir : null;
}

function stateFileOf(db: Database): string | null {
  const dir = diskDirOf(db.config);
  return dir ? path.join(dir, STATE_FILE) : null;
}

async function writeState(db: Database, stateFile: string, inputs: string): Promise<void> {
  const state: StartupState = { inputs, tables: await tableSignals(db) };
  await writeFile(`${stateFile}.tmp`, `${JSON.stringify(state)}\n`);
  await rename(`${stateFile}.tmp`, stateFile);
}

async function readState(dir: string): Promise<StartupState | null> {
  return readFile(path.join(dir, STATE_FILE), 'utf8')
    .then((text) => JSON.parse(text) as StartupState)
    .catch(() => null);
}

/**
 * Copies the directory `from` to `to` (which must not exist): a copy-on-write clone where the file
 * system has them, a copy otherwise; never hard links, since PostgreSQL writes its files in place.
 * On Linux, GNU cp does it in another process, off this one's event loop: 0.14 s for the
 * snapshot's 1,070 files, where `fs.promises.cp` took 1.0 s of mostly this thread's time, in the
 * middle of the modules' loading. Elsewhere, or when that cp is missing or fails, `fs.promises.cp`.
 */
async function copyTree(from: string, to: string): Promise<void> {
  if (process.platform === 'linux') {
    const copied = await execFileAsync('cp', ['-a', '--reflink=auto', from, to]).then(
      () => true,
      () => false,
    );
    if (copied) return;
    await rm(to, { recursive: true, force: true });
  }
  await cp(from, to, { recursive: true, mode: constants.COPYFILE_FICLONE });
}

/**
 * Fills the empty or missing directory `dir` with a copy of the snapshot, when the snapshot was
 * made from `inputs`. Copied next to it, then renamed into place: an interrupted copy never leaves
 * a half database behind. Returns whether it did.
 */
async function copySnapshot(snapshot: string, dir: string, inputs: string): Promise<boolean> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : null));
  if (entries?.length !== 0) return false;
  if ((await readState(snapshot))?.inputs !== inputs) return false;
  const copy = `${path.resolve(dir)}.snapshot-${process.pid}`;
  await mkdir(path.dirname(copy), { recursive: true });
  try {
    await copyTree(snapshot, copy);
    await rm(dir, { recursive: true, force: true });
    await rename(copy, dir);
  } catch (error) {
    await rm(copy, { recursive: true, force: true });
    throw error;
  }
  return true;
}

/**
 * Opens the embedded database and brings it up to date (see {@link prepareEmbeddedDatabase}); an
 * empty directory is first filled from the build's snapshot when that was made from this code.
 */
export async function openEmbeddedDatabase(
  config: EmbeddedConfig,
  options: OpenDatabaseOptions & { snapshotDir?: string } = {},
): Promise<{ db: Database; startup: EmbeddedStartup }> {
  const { snapshotDir = path.join(CODE_DIR, SNAPSHOT_DIR), ...openOptions } = options;
  const inputs = await inputsFingerprint();
  const dir = diskDirOf(config);
  const fromSnapshot = dir !== null && !config.loadDataDir && (await copySnapshot(snapshotDir, dir, inputs));
  const db = await openDatabase(config, openOptions);
  try {
    return { db, startup: { ...(await prepare(db, inputs)), fromSnapshot } };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Makes the snapshot in `dir` (by default next to this code): a fresh data directory, migrated,
 * loaded and with its state file, as a cold start would leave it. Needs no database server.
 */
export async function writeEmbeddedSnapshot(dir: string = path.join(CODE_DIR, SNAPSHOT_DIR)): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const db = await openDatabase({ kind: 'pglite', dataDir: dir });
  try {
    await prepare(db, await inputsFingerprint());
  } finally {
    await db.close();
  }
}

/**
 * Brings the embedded database up to date: applies pending migrations, loads the corpus, and
 * fills missing search vectors; or, when the state file shows that neither the inputs nor the
 * database changed since that last ran, does nothing (one small query).
 */
export async function prepareEmbeddedDatabase(db: Database): Promise<EmbeddedStartup> {
  return prepare(db, await inputsFingerprint());
}

async function prepare(db: Database, inputs: string): Promise<EmbeddedStartup> {
  const stateFile = stateFileOf(db);
  if (stateFile) {
    const recorded = await readState(path.dirname(stateFile));
    if (recorded?.inputs === inputs) {
      const tables = await tableSignals(db).catch(() => null);
      if (tables === recorded.tables) return { upToDate: true, fromSnapshot: false, appliedMigrations: [] };
    }
  }
  const appliedMigrations = await migrateDatabase(db);
  await loadCorpus(db.prisma);
  // Rows written before search existed (or by a writer that skipped it) get their vectors now.
  await rebuildSearchVectors(db.prisma, { onlyMissing: true });
  if (stateFile) await writeState(db, stateFile, inputs);
  return { upToDate: false, fromSnapshot: false, appliedMigrations };
}
