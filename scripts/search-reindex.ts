import { databaseConfigFromEnv, openDatabase } from '../src/db/client.js';
import { rebuildSearchVectors } from '../src/search/vectors.js';

// npm run search:reindex [-- --missing]
// Recomputes the search vectors of every article, organization and achievement (or, with
// --missing, only of rows that have none) in DATABASE_URL, else in the embedded PGlite. Run it
// after a change to src/search/tokens.ts or to the Node version (its ICU data cuts words).

async function main(argv: string[]) {
  const unknown = argv.filter((arg) => arg !== '--missing');
  if (unknown.length) throw new Error(`Unknown argument(s): ${unknown.join(' ')}. Usage: npm run search:reindex [-- --missing]`);
  const db = await openDatabase(databaseConfigFromEnv());
  try {
    const summary = await rebuildSearchVectors(db.prisma, { onlyMissing: argv.includes('--missing') });
    console.table(summary);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
