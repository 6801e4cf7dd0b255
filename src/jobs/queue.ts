import { createPostgresBackend, Queue, Worker, withBackend, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { pgConnectionFields } from '../db/client.js';
import { importJobs } from '../observability/metrics.js';
import type { ImportJobSettings, ImportSchedule } from './config.js';
import { SCHEDULE_ACTOR, type ImportJobData, type QueuedImport } from './import-job.js';

// The import queue on BullMQ: on PostgreSQL (its tables in the schema "bullmq" of the service's own
// database, so jobs live beside their ImportRun rows) or on Redis (JOB_BACKEND=redis). The embedded
// database has no queue service; src/jobs/in-process.ts runs its jobs instead.

/** The queue's name (one queue, for imports). */
export const IMPORT_QUEUE = 'imports';
/** The id of the job scheduler that re-polls IMPORT_SCHEDULE_INPUTS. */
export const SCHEDULER_ID = 'import-schedule';

/** Where import jobs go, whatever the backend. */
export interface ImportJobs {
  readonly kind: ImportJobSettings['backend'];
  /** Queues a job whose run is recorded (status RUNNING). */
  enqueue(job: QueuedImport): Promise<void>;
  close(): Promise<void>;
}

/** Where a BullMQ queue lives. `prefix` namespaces Redis keys (tests use their own). */
export type BullTarget = { kind: 'postgres'; url: string } | { kind: 'redis'; url: string; prefix?: string };

/** The BullMQ target of a service on PostgreSQL with these settings. */
export function bullTarget(settings: ImportJobSettings, databaseUrl: string): BullTarget {
  return settings.backend === 'redis' && settings.redisUrl ? { kind: 'redis', url: settings.redisUrl } : { kind: 'postgres', url: databaseUrl };
}

/** The queue and worker classes and a connection for `target`; `close` ends what was opened here. */
export function bullConnection(target: BullTarget) {
  if (target.kind === 'postgres') {
    const classes = withBackend(createPostgresBackend);
    // A config object (not a URL string: node-postgres lets one override the database), small
    // pools, and BullMQ's own migrations of its schema, serialized by an advisory lock.
    const connection = { ...pgConnectionFields(target.url), max: 3, migrate: true };
    return {
      Queue: classes.Queue as unknown as typeof Queue,
      Worker: classes.Worker as unknown as typeof Worker,
      options: { connection: connection as never },
      close: async () => {},
    };
  }
  // Workers block on their connection: BullMQ wants no per-request retry limit on it.
  const redis = new Redis(target.url, { maxRetriesPerRequest: null, lazyConnect: true });
  return {
    Queue,
    Worker,
    options: { connection: redis, prefix: target.prefix ?? 'cf' },
    close: async () => {
      redis.disconnect();
    },
  };
}

/** Attempts, backoff and retention of import jobs. Completed jobs (and their inline documents) go soon: the run is the record. */
export function importJobOptions(settings: ImportJobSettings): JobsOptions {
  return {
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The BullMQ import queue, with the schedule this process sets or clears. */
export interface BullImportQueue extends ImportJobs {
  /** Sets the job scheduler that re-polls `schedule.inputs` (replacing any earlier one), or removes it (null). */
  schedule(schedule: ImportSchedule | null): Promise<void>;
  /** Job counts by state (for tests and diagnostics). */
  counts(): Promise<Record<string, number>>;
}

export function openBullImportQueue(target: BullTarget, settings: ImportJobSettings): BullImportQueue {
  const bull = bullConnection(target);
  const options = importJobOptions(settings);
  const queue = new bull.Queue<ImportJobData>(IMPORT_QUEUE, { ...bull.options, defaultJobOptions: options });
  return {
    kind: target.kind,
    async enqueue(job) {
      // The run id is the job id: queuing the same run twice adds one job.
      await queue.add('import', job, { ...options, jobId: job.runId });
      importJobs.inc({ event: 'enqueued' });
    },
    async schedule(schedule) {
      if (!schedule) {
        await queue.removeJobScheduler(SCHEDULER_ID);
        return;
      }
      await queue.upsertJobScheduler(
        SCHEDULER_ID,
        { every: schedule.everyMs },
        {
          name: 'scheduled-import',
          data: { trigger: 'SCHEDULE', actorName: SCHEDULE_ACTOR, inputs: schedule.inputs, documents: [], queuedAt: '' },
          opts: options,
        },
      );
    },
    async counts() {
      return queue.getJobCounts();
    },
    async close() {
      await queue.close();
      await bull.close();
    },
  };
}
