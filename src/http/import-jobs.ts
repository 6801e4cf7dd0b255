import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { DatabaseConfig } from '../db/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { importJobSettingsFromEnv } from '../jobs/config.js';
import { createInProcessImportJobs } from '../jobs/in-process.js';
import type { ImportJobs } from '../jobs/queue.js';
import { log } from '../observability/log.js';
import { importCacheUpkeep } from '../resolvers/import.js';
import { schema } from '../schema/index.js';

// The server's import jobs (docs/import.md "Background jobs"): on PostgreSQL, the BullMQ queue
// importContent adds to, the schedule, and (unless IMPORT_WORKER=off) a worker in this process,
// which drops the cached answers its runs made stale; on the embedded database, the in-process
// runner, which first resumes the runs a stopped server left RUNNING.

export interface ServerImportJobs {
  jobs: ImportJobs;
  /** For the start-up line, e.g. "import jobs on PostgreSQL (BullMQ), worker in-process". */
  description: string;
  /** Stops the worker (its running job finishes, or is left to be run again) and the queue. */
  close(): Promise<void>;
}

/**
 * How long the server's shutdown waits for a running import: within the 10 s each closer has
 * (src/http/shutdown.ts). A job still running then is given up: BullMQ retries it on a worker, and
 * the embedded runner resumes its run at the next start.
 */
const JOB_GRACE_MS = 8_000;

/** Throws ImportJobConfigError on bad settings (the server then exits with its message). */
export async function startImportJobs({
  prisma,
  database,
  responseCache,
  env = process.env,
}: {
  prisma: PrismaClient;
  database: DatabaseConfig;
  responseCache: Cache | null;
  env?: NodeJS.ProcessEnv;
}): Promise<ServerImportJobs> {
  const settings = importJobSettingsFromEnv(env, database.kind);
  const onEntitiesChanged = responseCache ? importCacheUpkeep(responseCache, schema) : undefined;
  const every = settings.schedule ? `, schedule every ${settings.schedule.everyMs / 1000} s` : '';

  if (database.kind === 'pglite') {
    const runner = createInProcessImportJobs(prisma, { onEntitiesChanged });
    const resumed = await runner.resumeInterrupted();
    if (resumed) log.warn({ resumed }, 'resumed import runs that a stopped server left RUNNING');
    if (settings.schedule) runner.startSchedule(settings.schedule);
    return { jobs: runner, description: `import jobs in-process${every}`, close: () => runner.close(JOB_GRACE_MS) };
  }

  // BullMQ is loaded only here: the embedded default does without its 24 MB and 160 ms of start-up.
  const [{ bullTarget, openBullImportQueue }, { startImportWorker }] = await Promise.all([
    import('../jobs/queue.js'),
    import('../jobs/worker.js'),
  ]);
  const target = bullTarget(settings, database.url);
  const queue = openBullImportQueue(target, settings);
  // The server owns the schedule: set when IMPORT_SCHEDULE_INPUTS is, removed when not.
  await queue.schedule(settings.schedule);
  const worker = settings.serverWorker ? startImportWorker(prisma, target, settings, { onEntitiesChanged }) : null;
  const where = target.kind === 'postgres' ? 'PostgreSQL' : 'Redis';
  return {
    jobs: queue,
    description: `import jobs on ${where} (BullMQ), ${worker ? 'worker in-process' : 'no worker in-process'}${every}`,
    async close() {
      await worker?.close(JOB_GRACE_MS);
      await queue.close();
    },
  };
}
