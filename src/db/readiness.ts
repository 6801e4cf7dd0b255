import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PrismaClient } from '../generated/prisma/client.js';

// What GET /readyz asks of the database (src/http/health.ts). Deliberately not src/db/migrations.ts:
// that module loads PGlite and the schema engine, which a server on PostgreSQL never loads.

/** `prisma/migrations`, the migrations this code ships with (dist/ resolves it the same way). */
const SHIPPED_MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** The database answers a trivial statement. Throws when it does not. */
export async function pingDatabase(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}

/** The names of the migrations in `dir` (one directory each), sorted. */
export async function shippedMigrations(dir: string = SHIPPED_MIGRATIONS_DIR): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

/**
 * The shipped migrations that `_prisma_migrations` does not record as applied (finished, not rolled
 * back): empty when the database is up to date. Throws when the table cannot be read.
 */
export async function unappliedMigrations(prisma: PrismaClient, shipped: readonly string[]): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const applied = new Set(rows.map((row) => row.migration_name));
  return shipped.filter((name) => !applied.has(name));
}
