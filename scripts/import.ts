// Imports articles from files, directories and http(s) URLs, into DATABASE_URL, else the embedded
// PGlite:
//   npm run import -- [--force] [--actor NAME] <file|dir|url>...
// Prints a progress bar on stderr (a line per item when stderr is not a terminal) and a summary.
// Exits 0 when every item was imported or unchanged, 1 when any item failed, 2 on bad arguments.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Console } from 'node:console';
import { type CliIo, type CliStream, isEntryPoint, runAsScript, runCommand, UsageError } from './cli.js';
import { createRedisEventBus } from '../src/db/event-bus.js';
import { attachEventBus, eventBusOf } from '../src/store/events.js';
import { databaseConfigFromEnv, openDatabase } from '../src/db/client.js';
import { ImportConfigError, importConfigFromEnv } from '../src/ingest/config.js';
import { runImport } from '../src/ingest/import.js';
import type { ImportProgress, ImportRunSummary } from '../src/ingest/types.js';
import { migrateDatabase } from '../src/db/migrations.js';

const USAGE = `Usage:
  npm run import -- [--force] [--actor NAME] <file|dir|url>...

Each input is a file, a directory (walked recursively for .txt .html .htm .xml .rss .atom .json,
hidden entries skipped), or an http(s) URL. URLs are fetched conditionally (ETag, Last-Modified)
when an earlier run stored them; --force fetches and imports everything again.
--actor names who ran the import in the run's record (default: cli:<user name>).

Settings (environment): IMPORT_TIMEOUT_MS, IMPORT_MAX_BYTES, IMPORT_MAX_REDIRECTS,
IMPORT_HOST_CONCURRENCY, IMPORT_CONCURRENCY, IMPORT_ALLOW_PRIVATE_NETWORKS, IMPORT_USER_AGENT.
Exit status: 0 when nothing failed, 1 when any item failed, 2 on bad arguments.`;

function parseCommandLine(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { force: { type: 'boolean' }, actor: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  if (!positionals.length) throw new UsageError('No inputs given');
  if (values.actor !== undefined && !values.actor.trim()) throw new UsageError('--actor must not be empty');
  return { help: false as const, inputs: positionals, force: values.force ?? false, actor: values.actor?.trim() ?? defaultActor() };
}

function defaultActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A bar redrawn in place on a terminal; one line per item otherwise (logs, CI, pipes). */
function progressReporter(stderr: CliStream, started: number): (progress: ImportProgress) => void {
  const tty = stderr.isTTY;
  let lastDraw = 0;
  return ({ done, total, locator, status }) => {
    const elapsed = seconds(performance.now() - started);
    const counts = `${done}/${total}`;
    if (tty) {
      const now = performance.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((total ? done / total : 1) * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const columns = stderr.columns || 100;
      const line = `${bar} ${counts} items · ${elapsed} · ${status} ${locator}`;
      stderr.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
      return;
    }
    stderr.write(`[${counts}] ${status.padEnd(9)} ${locator}\n`);
  };
}

function printSummary(console: Console, summary: ImportRunSummary) {
  const { counts } = summary;
  console.log(`Import run ${summary.runId}: ${summary.status} in ${seconds(summary.durationMs)}`);
  console.log(
    `  ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
      `${counts.duplicate} duplicate, ${counts.failed} failed`,
  );
  const failures = summary.items.filter((item) => item.status === 'FAILED');
  if (failures.length) {
    console.log('Failed items:');
    for (const item of failures) console.log(`  ${item.locator}\n    ${item.reason}`);
  }
  const unknown = [...new Set(summary.items.flatMap((item) => item.unknownOrganizations))];
  if (unknown.length) console.log(`Unknown organizations, for review: ${unknown.join(', ')}`);
}

async function run(argv: string[], io: CliIo, console: Console): Promise<number> {
  const args = parseCommandLine(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = importConfigFromEnv(io.env);
  const dbConfig = databaseConfigFromEnv(io.env);
  const db = await openDatabase(dbConfig);
  // With REDIS_URL, the servers' subscribers hear of what this run publishes (docs/live.md).
  const redisUrl = io.env.REDIS_URL?.trim();
  if (redisUrl) attachEventBus(db.prisma, createRedisEventBus(redisUrl, { prefix: io.env.LIVE_CHANNEL_PREFIX || undefined, subscribe: false }));
  try {
    // The embedded database is brought up to date, as the server does on start.
    if (dbConfig.kind === 'pglite') await migrateDatabase(db);
    const started = performance.now();
    const summary = await runImport(db.prisma, args.inputs, {
      trigger: 'CLI',
      actorName: args.actor,
      config,
      force: args.force,
      onProgress: progressReporter(io.stderr, started),
    });
    if (io.stderr.isTTY) io.stderr.write('\n');
    printSummary(console, summary);
    return summary.counts.failed ? 1 : 0;
  } finally {
    await eventBusOf(db.prisma).close();
    await db.close();
  }
}

/** `npm run import -- …`: writes to `io` and returns the exit code (0, 1 when an item failed, 2). */
export function main(argv: string[], io: CliIo): Promise<number> {
  return runCommand(run, argv, io, USAGE, [ImportConfigError]);
}

if (isEntryPoint(import.meta.url)) runAsScript(main);
