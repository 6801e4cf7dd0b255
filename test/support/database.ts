// Fresh databases for tests. test/support/global-setup.ts migrates one template per backend once
// per run (through src/db/migrations.ts, the path users run); each createTestDatabase() clones it:
//   PGlite:     loadDataDir() of the template's dumpDataDir() tarball, into memory (no initdb);
//   PostgreSQL: CREATE DATABASE <unique> TEMPLATE <template>, dropped again on close().
// Environment: TEST_DATABASE_URL (a PostgreSQL server URL; its database is only used to connect),
// TEST_BACKENDS=pglite,postgres to choose, CI=true to make an unreachable PostgreSQL an error.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase, type OpenDatabaseOptions, openPGlite, pgConnectionFields } from '../../src/db/client.js';

export type TestBackend = 'pglite' | 'postgres';

/** What global-setup.ts hands the test workers. */
export interface TestDatabaseTemplates {
  /** Which backends this run tests. */
  backends: TestBackend[];
  /** A migrated PGlite data directory, as a `dumpDataDir()` tarball. */
  pgliteTemplateFile: string;
  /** An empty (unmigrated) PGlite data directory, as a tarball. */
  pgliteEmptyFile: string;
  postgres?: {
    /** Where test databases are created; its own database is never touched. */
    serverUrl: string;
    /** The migrated template database. */
    template: string;
    /** Prefix of every database this run creates: `cf_test_<pid of the vitest process>_`. */
    prefix: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabases: TestDatabaseTemplates;
  }
}

/** Prefix of every database that test runs create on PostgreSQL. */
export const TEST_DATABASE_PREFIX = 'cf_test_';

function templates(): TestDatabaseTemplates {
  const provided = inject('testDatabases');
  if (!provided) throw new Error('test/support/global-setup.ts did not run; run the tests through vitest.config.ts');
  return provided;
}

/** The backends to run database tests on: PGlite always, PostgreSQL when global setup found it. */
export function testBackends(): TestBackend[] {
  return templates().backends;
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(database)}`;
  return next.toString();
}

/** Runs one statement on the server of `url` (connected to that URL's database). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client(pgConnectionFields(url));
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

const tarballs = new Map<string, Promise<Blob>>();
function tarball(file: string): Promise<Blob> {
  let blob = tarballs.get(file);
  if (!blob) {
    blob = readFile(file).then((bytes) => new Blob([bytes]));
    tarballs.set(file, blob);
  }
  return blob;
}

async function createPostgresDatabase(template: string | undefined, options: OpenDatabaseOptions): Promise<Database> {
  const postgres = templates().postgres;
  if (!postgres) throw new Error('PostgreSQL is not available in this test run');
  const name = `${postgres.prefix}${randomBytes(6).toString('hex')}`;
  await adminQuery(postgres.serverUrl, `CREATE DATABASE ${quote(name)}${template ? ` TEMPLATE ${quote(template)}` : ''}`);
  const db = await openDatabase({ kind: 'postgres', url: databaseUrl(postgres.serverUrl, name) }, { poolSize: 4, ...options });
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        await adminQuery(postgres.serverUrl, `DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
      }
    },
  };
}

/**
 * A fresh, migrated database that belongs to the caller alone. Close it when done (on PostgreSQL,
 * closing drops it).
 */
export async function createTestDatabase(backend: TestBackend, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (backend === 'postgres') return createPostgresDatabase(templates().postgres?.template, options);
  const loadDataDir = await tarball(templates().pgliteTemplateFile);
  return openDatabase({ kind: 'pglite', loadDataDir }, options);
}

/** Runs `run` on a fresh, migrated database of its own, closed (and dropped) afterwards. */
export async function withDatabase<T>(backend: TestBackend, run: (db: Database) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(backend);
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

/** A fresh database with no migrations applied, for tests of the migrations themselves. */
export async function createEmptyTestDatabase(
  backend: TestBackend,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (backend === 'postgres') return createPostgresDatabase(undefined, options);
  const loadDataDir = await tarball(templates().pgliteEmptyFile);
  return openDatabase({ kind: 'pglite', loadDataDir }, options);
}

/**
 * A migrated PGlite data directory on disk, for a command-line script that opens `PGLITE_DIR`
 * itself: PGlite loads the template's tarball into `dataDir`, which must not exist yet.
 */
export async function createTestDataDir(dataDir: string): Promise<void> {
  const loadDataDir = await tarball(templates().pgliteTemplateFile);
  const pglite = await openPGlite({ kind: 'pglite', dataDir, loadDataDir });
  await pglite.close();
}
