// The migration workflow, run through tsx (see package.json):
//   npm run db:migration -- NAME   write prisma/migrations/<timestamp>_NAME from schema.prisma
//   npm run db:deploy              apply pending migrations to DATABASE_URL, else to PGLITE_DIR
//   npm run db:check               fail when schema.prisma, the migrations and the database disagree
// With DATABASE_URL set, shadow databases are created (and dropped) on that PostgreSQL server;
// without it they are throwaway in-memory PGlite instances.
import path from 'node:path';
import { runCli, UsageError } from './cli.js';
import { databaseConfigFromEnv, type DatabaseConfig } from '../src/db/client.js';
import {
  DEFAULT_MIGRATIONS_DIR,
  type DriftReport,
  MigrationEngine,
  MigrationError,
  migrateDatabase,
  migrationDirectoryName,
  readMigrationsList,
  writeMigration,
} from '../src/db/migrations.js';

const USAGE = `Usage:
  npm run db:migration -- <name>   create a migration from changes in prisma/schema.prisma
  npm run db:deploy                apply pending migrations (DATABASE_URL, else the PGlite in PGLITE_DIR)
  npm run db:check                 check schema.prisma, prisma/migrations and the database agree`;


const relative = (file: string) => path.relative(process.cwd(), file) || '.';

function describe(config: DatabaseConfig): string {
  if (config.kind === 'pglite') return `the PGlite database in ${config.dataDir}`;
  const url = new URL(config.url);
  return `PostgreSQL database "${url.pathname.slice(1) || 'postgres'}" on ${url.host}`;
}

/** DATABASE_URL when set: the server the shadow databases are created on. Else in-memory PGlite. */
function shadowHost(): DatabaseConfig {
  const config = databaseConfigFromEnv();
  return config.kind === 'postgres' ? config : { kind: 'pglite' };
}

async function createMigration(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('db:migration takes exactly one argument, the migration name');
  const name = args[0]!;
  migrationDirectoryName(name); // reject an unusable name before the slow diff
  const engine = await MigrationEngine.open(shadowHost());
  let sql: string | null;
  try {
    sql = await engine.diffMigrationsToSchema();
  } finally {
    await engine.close();
  }
  if (sql === null) {
    console.error(`No changes: prisma/schema.prisma already matches ${relative(DEFAULT_MIGRATIONS_DIR)}. Nothing written.`);
    return 1;
  }
  const dir = await writeMigration(name, sql);
  console.log(`Created ${relative(path.join(dir, 'migration.sql'))}`);
  console.log('Review it, then apply it with `npm run db:deploy`.');
  return 0;
}

async function deploy(args: string[]): Promise<number> {
  if (args.length) throw new UsageError('db:deploy takes no arguments');
  const config = databaseConfigFromEnv();
  const applied = await migrateDatabase(config);
  const where = describe(config);
  if (applied.length === 0) {
    console.log(`No pending migrations: ${where} is up to date.`);
  } else {
    console.log(`Applied ${applied.length} migration(s) to ${where}:`);
    for (const name of applied) console.log(`  ${name}`);
  }
  return 0;
}

function printSql(text: string, maxLines = 40): void {
  const lines = text.trim().split('\n');
  for (const line of lines.slice(0, maxLines)) console.log(`    ${line}`);
  if (lines.length > maxLines) console.log(`    … ${lines.length - maxLines} more lines`);
}

async function check(args: string[]): Promise<number> {
  if (args.length) throw new UsageError('db:check takes no arguments');
  const config = databaseConfigFromEnv();
  const { migrationDirectories } = await readMigrationsList();
  const count = migrationDirectories.length;
  const migrations = `${relative(DEFAULT_MIGRATIONS_DIR)} (${count} migration${count === 1 ? '' : 's'})`;
  let report: DriftReport;
  let where: string;
  if (config.kind === 'postgres') {
    where = describe(config);
    const engine = await MigrationEngine.open(config);
    try {
      report = await engine.check({ database: true });
    } finally {
      await engine.close();
    }
  } else {
    // No server to check: prove instead that the migrations apply cleanly to an empty database.
    where = 'a fresh in-memory PGlite database';
    const engine = await MigrationEngine.open({ kind: 'pglite' });
    try {
      await engine.deploy();
      report = await engine.check({ database: true });
    } finally {
      await engine.close();
    }
  }

  if (report.replayError) {
    console.log(`FAIL  ${migrations} do not replay cleanly on an empty database:`);
    printSql(report.replayError);
  } else if (report.schemaChanges === null) {
    console.log(`ok    prisma/schema.prisma matches ${migrations}`);
  } else {
    console.log('FAIL  prisma/schema.prisma has changes that no migration captures. Create one with');
    console.log('      `npm run db:migration -- <name>`. The missing SQL:');
    printSql(report.schemaChanges);
  }
  if (report.databaseProblems.length === 0) {
    console.log(`ok    ${where} has applied every migration, unedited, with no drift`);
  }
  for (const problem of report.databaseProblems) console.log(`FAIL  ${problem}`);
  if (report.databaseDrift) {
    console.log('      SQL that turns the migrated schema into the live one:');
    printSql(report.databaseDrift);
  }
  return report.problems.length ? 1 : 0;
}

const commands: Record<string, (args: string[]) => Promise<number>> = {
  migration: createMigration,
  deploy,
  check,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const run = command ? commands[command] : undefined;
  if (!run) throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
  return run(args);
}

runCli(main, USAGE, [MigrationError]);
