import { databaseConfigFromEnv, openDatabase, type DatabaseConfig } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrations.js';
import { rebuildSearchVectors } from '../src/search/vectors.js';
import { DEFAULT_CORPUS_FIXTURE, loadCorpus } from '../src/ingest/corpus.js';

// npm run seed [-- path/to/fixture.json]
// Applies pending migrations, then loads the corpus into DATABASE_URL, or into the embedded
// PGlite (PGLITE_DIR, default .data/pglite) when DATABASE_URL is not set. Safe to run again.

function describeTarget(config: DatabaseConfig): string {
  if (config.kind === 'pglite') return `PGlite at ${config.dataDir ?? '(memory)'}`;
  const url = new URL(config.url);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

async function main() {
  const config = databaseConfigFromEnv();
  const fixturePath = process.argv[2] ?? DEFAULT_CORPUS_FIXTURE;
  const db = await openDatabase(config);
  try {
    const applied = await migrateDatabase(db);
    if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
    const summary = await loadCorpus(db.prisma, { fixturePath });
    console.log(`Loaded ${fixturePath} into ${describeTarget(config)}`);
    console.table(summary);
    // Rows that predate the search migration have no search vector yet.
    const indexed = await rebuildSearchVectors(db.prisma, { onlyMissing: true });
    const missing = Object.values(indexed).reduce((sum, count) => sum + count, 0);
    if (missing) console.log(`Indexed ${missing} row(s) for search that had no search vector`);
  } finally {
    await db.close();
  }
}

// The schema engine leaves a timer running, so the script ends explicitly.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
