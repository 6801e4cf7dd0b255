import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

// Which database, and the embedded one's opening. Kept apart from client.ts (Prisma, pg) so that
// the server can read its configuration and start PGlite before it loads anything heavy.

/** Where the data lives: an embedded PGlite (the default) or a PostgreSQL server. */
export type DatabaseConfig =
  | { kind: 'postgres'; url: string }
  | {
      kind: 'pglite';
      /** On-disk data directory; omit for an in-memory database. */
      dataDir?: string;
      /** A `dumpDataDir()` tarball to start from (used to clone a migrated template in tests). */
      loadDataDir?: Blob;
    };

export const DEFAULT_PGLITE_DIR = '.data/pglite';

/** Reads `DATABASE_URL` and `PGLITE_DIR`; with no `DATABASE_URL` the embedded PGlite is used. */
export function databaseConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
    }
    return { kind: 'postgres', url };
  }
  return { kind: 'pglite', dataDir: env.PGLITE_DIR?.trim() || DEFAULT_PGLITE_DIR };
}

type EmbeddedConfig = Extract<DatabaseConfig, { kind: 'pglite' }>;

/**
 * Directories whose opening {@link startOpeningPGlite} began, by resolved path: the instance, or
 * null when the directory turned out empty or missing (then nothing was started).
 */
const started = new Map<string, Promise<PGlite | null>>();

/** Creates the instance; `begun` resolves once PGlite's module is loaded and its start under way. */
async function createPGlite(config: EmbeddedConfig, begun?: () => void): Promise<PGlite> {
  // PGlite creates its data directory but not the directories above it (e.g. `.data/`).
  if (config.dataDir) await mkdir(path.dirname(path.resolve(config.dataDir)), { recursive: true });
  // Imported here, not at the top: a server on PostgreSQL never loads PGlite (36 MB of RSS).
  const { PGlite } = await import('@electric-sql/pglite');
  const creating = PGlite.create({
    dataDir: config.dataDir,
    loadDataDir: config.loadDataDir,
    // PostgreSQL's default 128 MB of shared buffers lives in PGlite's WASM memory, and a warm start
    // touched most of it (RSS 510 MB; 350-380 MB with 16 MB). The data files are real files, read
    // through the OS page cache, so small buffers mostly cost copies, not disk reads.
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
  });
  begun?.();
  return creating;
}

/** Opens the embedded database: the instance {@link startOpeningPGlite} started for this directory, or a new one. */
export async function openPGlite(config: EmbeddedConfig): Promise<PGlite> {
  const key = config.dataDir && !config.loadDataDir ? path.resolve(config.dataDir) : null;
  const early = key ? started.get(key) : undefined;
  if (early) {
    started.delete(key!);
    const pglite = await early;
    if (pglite) return pglite;
  }
  return createPGlite(config);
}

/**
 * Starts opening the embedded database now when its directory already holds one, for the
 * {@link openPGlite} that follows to take; resolves once PGlite's start is under way (at once when
 * there is nothing to start). Most of that start (reading and compiling 8.7 MB of WASM, PostgreSQL's
 * own start) waits on other threads, so the server loads its modules after this resolves: begun
 * after them, PGlite's module import alone waited behind theirs, and its start followed them
 * (docs/performance.md, "Start-up"). An empty or missing directory is left alone: a cold start
 * first fills it from the build's snapshot (src/startup.ts), and openPGlite opens it after that.
 * An error is the later openPGlite's to report.
 */
export function startOpeningPGlite(config: DatabaseConfig): Promise<void> {
  if (config.kind !== 'pglite' || !config.dataDir || config.loadDataDir || /^[a-z]+:\/\//i.test(config.dataDir)) {
    return Promise.resolve();
  }
  const key = path.resolve(config.dataDir);
  if (started.has(key)) return Promise.resolve();
  let begun!: () => void;
  const underWay = new Promise<void>((resolve) => (begun = resolve));
  const opening = readdir(key).then(
    (entries) => (entries.length ? createPGlite(config, begun) : null),
    () => null,
  );
  // Settled either way: resolved by createPGlite, or here when nothing was started or it failed early.
  opening.then(begun, begun);
  started.set(key, opening);
  return underWay;
}
