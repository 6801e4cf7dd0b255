import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { jsonReader } from '../db/client.js';
import { log } from '../observability/log.js';
import { importJobs } from '../observability/metrics.js';
import type { ImportSchedule } from './config.js';
import {
  inlineLocator,
  processImportJob,
  recordQueuedRun,
  SCHEDULE_ACTOR,
  type EntitiesChanged,
  type QueuedDocument,
  type QueuedImport,
} from './import-job.js';
import type { ImportJobs } from './queue.js';

// The embedded database's import runner: no queue service, so the server runs its import jobs
// itself, one at a time, with the same processor as a BullMQ worker. The jobs are the RUNNING runs;
// a job's inline documents are kept in its run row (queuedDocuments) until it finishes, so that a
// server that died mid-run runs it again at its next start (resumeInterrupted). One attempt each:
// a run that breaks is marked FAILED, as `npm run import` marks its own.

export interface InProcessImportJobs extends ImportJobs {
  /** Queues again the MUTATION and SCHEDULE runs that a dead process left RUNNING; resolves with how many. */
  resumeInterrupted(): Promise<number>;
  /** Records and queues a SCHEDULE run of `schedule.inputs` every `schedule.everyMs` (none while the last one is queued). */
  startSchedule(schedule: ImportSchedule): void;
  /** Resolves when no job is queued or running (tests). */
  idle(): Promise<void>;
  /** Takes no more jobs and waits up to `graceMs` (10 s) for the running one; its run is resumed at the next start. */
  close(graceMs?: number): Promise<void>;
}

export function createInProcessImportJobs(
  prisma: PrismaClient,
  { onEntitiesChanged }: { onEntitiesChanged?: EntitiesChanged } = {},
): InProcessImportJobs {
  const waiting: QueuedImport[] = [];
  let draining: Promise<void> | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let scheduledPending = false;

  async function runOne(job: QueuedImport) {
    log.info({ runId: job.runId, trigger: job.trigger }, 'import job started (in-process)');
    try {
      const summary = await processImportJob(prisma, job, { finalAttempt: true, onEntitiesChanged });
      importJobs.inc({ event: 'completed' });
      log.info({ runId: job.runId, status: summary?.status ?? 'FINISHED_EARLIER' }, 'import job completed');
    } catch (error) {
      importJobs.inc({ event: 'failed' });
      log.error({ runId: job.runId, err: error }, 'import job failed');
    } finally {
      if (job.trigger === 'SCHEDULE') scheduledPending = false;
      if (job.documents.length) {
        // Only once the run has ended: a run the database left RUNNING is resumed at the next
        // start, and needs its documents then.
        await prisma.importRun
          .updateMany({ where: { id: job.runId, status: { not: 'RUNNING' } }, data: { queuedDocuments: Prisma.DbNull } })
          .catch((error: unknown) => log.error({ runId: job.runId, err: error }, 'could not clear the run’s queued documents'));
      }
    }
  }

  function drain() {
    draining ??= (async () => {
      for (let job = waiting.shift(); job && !closed; job = waiting.shift()) await runOne(job);
      draining = null;
    })();
  }

  async function enqueue(job: QueuedImport) {
    if (closed) throw new Error('the import runner is closed');
    if (job.documents.length) {
      await prisma.importRun.update({ where: { id: job.runId }, data: { queuedDocuments: job.documents as unknown as Prisma.InputJsonValue } });
    }
    if (job.trigger === 'SCHEDULE') scheduledPending = true;
    waiting.push(job);
    importJobs.inc({ event: 'enqueued' });
    // After the caller has answered: importContent reads its RUNNING run back first.
    setImmediate(drain);
  }

  return {
    kind: 'in-process',
    enqueue,
    async resumeInterrupted() {
      // Most starts find none: asked in plain SQL first, so that a start does not wake Prisma's
      // query compiler (some 150–250 ms) only to learn that.
      const any = await jsonReader(prisma)(
        Prisma.sql`SELECT 'true' AS json FROM "ImportRun" WHERE status = 'RUNNING' AND trigger IN ('MUTATION', 'SCHEDULE') LIMIT 1`,
      );
      if (any === null) return 0;
      const runs = await prisma.importRun.findMany({
        where: { status: 'RUNNING', trigger: { in: ['MUTATION', 'SCHEDULE'] } },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      });
      for (const run of runs) {
        const documents = (run.queuedDocuments ?? []) as unknown as QueuedDocument[];
        const inline = new Set(documents.map((document) => inlineLocator(document.name)));
        log.warn({ runId: run.id }, 'resuming an import run that a stopped server left RUNNING');
        await enqueue({
          runId: run.id,
          trigger: run.trigger as QueuedImport['trigger'],
          actorName: run.actorName,
          inputs: run.inputs.filter((input) => !inline.has(input)),
          documents,
          queuedAt: run.startedAt.toISOString(),
        });
      }
      return runs.length;
    },
    startSchedule(schedule) {
      const tick = async () => {
        if (scheduledPending || closed) return;
        const job = { trigger: 'SCHEDULE' as const, actorName: SCHEDULE_ACTOR, inputs: schedule.inputs, documents: [], queuedAt: new Date().toISOString() };
        scheduledPending = true;
        try {
          await enqueue({ ...job, runId: await recordQueuedRun(prisma, job) });
        } catch (error) {
          scheduledPending = false;
          log.error({ err: error }, 'could not queue the scheduled import');
        }
      };
      timer = setInterval(() => void tick(), schedule.everyMs);
      timer.unref();
    },
    async idle() {
      while (draining) await draining;
    },
    /** Takes no more jobs; waits up to `graceMs` for the running one (an unfinished run resumes at the next start). */
    async close(graceMs = 10_000) {
      closed = true;
      clearInterval(timer);
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise((resolve) => (wait = setTimeout(resolve, graceMs)))]);
      clearTimeout(wait);
    },
  } as InProcessImportJobs;
}
