import os from 'node:os';
import type { Job } from 'bullmq';
import type { PrismaClient } from '../generated/prisma/client.js';
import { log } from '../observability/log.js';
import { importJobs } from '../observability/metrics.js';
import type { ImportJobSettings } from './config.js';
import { failRun, processImportJob, runIdForJob, type EntitiesChanged, type ImportJobData } from './import-job.js';
import { bullConnection, IMPORT_QUEUE, type BullTarget } from './queue.js';

// A BullMQ worker for import jobs: one job at a time (a run has its own concurrency,
// IMPORT_CONCURRENCY). Its lock on a job is renewed while the job runs; when the worker dies, the
// lock expires and another worker's stall check puts the job back in the queue, where it is run
// again (continuing its run). Every start counts as an attempt: after IMPORT_JOB_ATTEMPTS starts or
// failures, the job fails, and its run is marked FAILED with the reason.

export interface ImportWorker {
  /** Stops taking jobs and waits for the current one; after `graceMs`, leaves it to be run again elsewhere. */
  close(graceMs?: number): Promise<void>;
}

const runIdOf = (job: Job<ImportJobData>) => job.data.runId ?? runIdForJob(job.id!);

export function startImportWorker(
  prisma: PrismaClient,
  target: BullTarget,
  settings: ImportJobSettings,
  { onEntitiesChanged }: { onEntitiesChanged?: EntitiesChanged } = {},
): ImportWorker {
  const bull = bullConnection(target);
  const worker = new bull.Worker<ImportJobData>(
    IMPORT_QUEUE,
    async (job) => {
      const runId = runIdOf(job);
      // attemptsMade counts failures; attemptsStarted also counts starts a dead worker never finished.
      const attempt = Math.max(job.attemptsMade + 1, job.attemptsStarted);
      // The job's attempts, or this worker's when fewer: it refuses further starts (maxStartedAttempts).
      const finalAttempt = attempt >= Math.min(job.opts.attempts ?? 1, settings.attempts);
      log.info({ jobId: job.id, runId, attempt, trigger: job.data.trigger }, 'import job started');
      const summary = await processImportJob(prisma, { ...job.data, runId }, { finalAttempt, onEntitiesChanged });
      return { runId, status: summary?.status ?? 'FINISHED_EARLIER' };
    },
    {
      ...bull.options,
      name: `${os.hostname()}:${process.pid}`,
      concurrency: 1,
      lockDuration: settings.lockMs,
      stalledInterval: settings.stalledIntervalMs,
      // Starts beyond the attempts fail the job (through this worker, so that the run is marked
      // FAILED below) before the stall check would fail it on its own.
      maxStalledCount: settings.attempts,
      maxStartedAttempts: settings.attempts,
    },
  );
  worker.on('completed', (job, result: { runId: string; status: string }) => {
    importJobs.inc({ event: 'completed' });
    log.info({ jobId: job.id, ...result }, 'import job completed');
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const runId = runIdOf(job);
    if (!job.finishedOn) {
      importJobs.inc({ event: 'retried' });
      log.warn({ jobId: job.id, runId, attemptsMade: job.attemptsMade, err: error }, 'import job failed; it will be retried');
      return;
    }
    importJobs.inc({ event: 'failed' });
    log.error({ jobId: job.id, runId, attemptsStarted: job.attemptsStarted, err: error }, 'import job failed for good');
    // A start beyond the attempts is refused: the attempt before it was cut short by a dead worker.
    const attempts = Math.min(job.attemptsStarted, job.opts.attempts ?? 1, settings.attempts);
    const cause = error.message === 'job started more than allowable limit' ? 'its worker stopped during the last one' : error.message;
    const reason = `the job gave up after ${attempts} attempt(s): ${cause}`;
    failRun(prisma, runId, reason).catch((failure: unknown) => log.error({ runId, err: failure }, 'could not mark the import run FAILED'));
  });
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'import job stalled (its worker stopped); it goes back to the queue'));
  worker.on('error', (error) => log.error({ err: error }, 'import worker error'));

  return {
    async close(graceMs = 25_000) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = worker.close();
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      if ((await Promise.race([graceful, timeout])) === 'timeout') {
        log.warn({ graceMs }, 'the import job did not finish in time; it will be run again by another worker');
        await worker.close(true);
      }
      clearTimeout(timer);
      await bull.close();
    },
  };
}
