// A worker process for import jobs, on DATABASE_URL (PostgreSQL); any number may run:
//   npm run worker
// It takes queued import jobs one at a time until SIGTERM or SIGINT, then finishes its current job
// (or, after IMPORT_WORKER_GRACE_MS, leaves it to be run again by another worker) and exits 0.
// It logs JSON lines (src/observability/log.ts). On the embedded database there is nothing to run:
// the server runs imports in-process there, so it refuses (exit 1).
import type { Console } from 'node:console';
import { type CliIo, isEntryPoint, runAsScript, runCommand, UsageError } from './cli.js';
import { databaseConfigFromEnv, openDatabase } from '../src/db/client.js';
import { wholeNumber } from '../src/domain/env.js';
import { ImportConfigError, importConfigFromEnv } from '../src/ingest/config.js';
import { ImportJobConfigError, importJobSettingsFromEnv } from '../src/jobs/config.js';
import { bullTarget } from '../src/jobs/queue.js';
import { startImportWorker } from '../src/jobs/worker.js';
import { log } from '../src/observability/log.js';
import { createRedisEventBus } from '../src/db/event-bus.js';
import { attachEventBus, eventBusOf } from '../src/store/events.js';

const USAGE = `Usage:
  npm run worker

Runs queued import jobs (importContent, the schedule) from the database at DATABASE_URL, one at a
time, until SIGTERM or SIGINT. Start as many as you like. The server runs one too unless
IMPORT_WORKER=off. Settings (environment): DATABASE_URL (required), JOB_BACKEND, REDIS_URL,
IMPORT_JOB_ATTEMPTS, IMPORT_JOB_BACKOFF_MS, IMPORT_JOB_LOCK_MS, IMPORT_JOB_STALLED_INTERVAL_MS,
IMPORT_WORKER_GRACE_MS and the importer's IMPORT_* settings. With REDIS_URL (and LIVE_CHANNEL_PREFIX),
the events of its imports reach the servers' subscribers; without it they stay in this process.`;

class WorkerSetupError extends Error {}

async function run(argv: string[], io: CliIo, console: Console): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length) throw new UsageError(`Unexpected arguments: ${argv.join(' ')}`);
  const database = databaseConfigFromEnv(io.env);
  if (database.kind !== 'postgres') {
    throw new WorkerSetupError(
      'npm run worker needs DATABASE_URL (PostgreSQL). On the embedded database (PGlite) the server runs imports itself, in-process: start it with npm start.',
    );
  }
  const settings = importJobSettingsFromEnv(io.env, 'postgres');
  importConfigFromEnv(io.env);
  const grace = wholeNumber(25_000, 0, 3_600_000).safeParse(io.env.IMPORT_WORKER_GRACE_MS);
  if (!grace.success) throw new WorkerSetupError(`IMPORT_WORKER_GRACE_MS ${grace.error.issues[0]?.message}`);

  const db = await openDatabase(database);
  // Its imports' events (articlePublished, importRunFinished) reach subscribers only through Redis.
  const redisUrl = io.env.REDIS_URL?.trim();
  if (redisUrl) attachEventBus(db.prisma, createRedisEventBus(redisUrl, { prefix: io.env.LIVE_CHANNEL_PREFIX || undefined, subscribe: false }));
  else log.warn('REDIS_URL is not set: subscribers of the servers will not hear of the imports this worker runs (docs/live.md)');
  const target = bullTarget(settings, database.url);
  const worker = startImportWorker(db.prisma, target, settings);
  log.info({ backend: target.kind, attempts: settings.attempts, lockMs: settings.lockMs }, 'import worker started');

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'import worker closing');
  await worker.close(grace.data);
  await eventBusOf(db.prisma).close();
  await db.close();
  log.info('import worker closed');
  return 0;
}

/** `npm run worker`: returns the exit code (0 after a signal, 1 on bad settings or no PostgreSQL, 2 on bad arguments). */
export function main(argv: string[], io: CliIo): Promise<number> {
  return runCommand(run, argv, io, USAGE, [WorkerSetupError, ImportJobConfigError, ImportConfigError]);
}

if (isEntryPoint(import.meta.url)) runAsScript(main);
