import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { importConfigFromEnv } from '../ingest/config.js';
import { publishCommitted } from '../store/events.js';
import { runImport, type ChangedEntity } from '../ingest/import.js';
import type { ImportRunSummary, RawDocument } from '../ingest/types.js';

// One import job: what it carries, and the one processor that runs it, called by a BullMQ worker
// (src/jobs/worker.ts) or by the embedded database's in-process runner (src/jobs/in-process.ts).

/** A document sent inline with importContent, as the job carries it. */
export interface QueuedDocument {
  name: string;
  contentType: string | null;
  content: string;
}

/** What an import job carries: everything the run needs, so that any worker can run it. */
export interface ImportJobData {
  /** The run recorded when the job was queued; absent on a scheduled job, whose run id is derived from its job id. */
  runId?: string;
  trigger: 'MUTATION' | 'SCHEDULE';
  actorName: string;
  /** URLs (and, under IMPORT_FILE_ROOT, paths), already checked. */
  inputs: string[];
  documents: QueuedDocument[];
  /** ISO time the job was queued: the fetch time of its inline documents. */
  queuedAt: string;
}

/** A job whose run is recorded. */
export type QueuedImport = ImportJobData & { runId: string };

/** Called after a run with the entities it changed: the server drops the cached answers they made stale. */
export type EntitiesChanged = (entities: ChangedEntity[]) => Promise<void> | void;

/** The actor of scheduled runs. */
export const SCHEDULE_ACTOR = 'schedule';

/** The locator an inline document is recorded under. */
export const inlineLocator = (name: string) => `inline:${name}`;

/**
 * The run id of a job that carries none (a scheduled job): a UUID derived from the job id, so that
 * every attempt of the job continues the same run.
 */
export function runIdForJob(jobId: string): string {
  const hex = createHash('sha256').update(`import-job:${jobId}`).digest('hex');
  // Shaped as a version 8 (custom) UUID with the RFC 4122 variant.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Records the run of a job about to be queued: RUNNING, with its trigger, actor and inputs. */
export async function recordQueuedRun(prisma: PrismaClient, job: ImportJobData): Promise<string> {
  const run = await prisma.importRun.create({
    data: {
      trigger: job.trigger,
      actorName: job.actorName,
      inputs: [...job.inputs, ...job.documents.map((document) => inlineLocator(document.name))],
    },
    select: { id: true },
  });
  return run.id;
}

/** Marks a run FAILED with `reason`, unless it has already finished. */
export async function failRun(prisma: PrismaClient, runId: string, reason: string): Promise<void> {
  const run = await prisma.importRun.findUnique({ where: { id: runId }, select: { startedAt: true } });
  const finishedAt = new Date();
  const { count } = await prisma.importRun.updateMany({
    where: { id: runId, status: 'RUNNING' },
    data: { status: 'FAILED', reason, finishedAt, durationMs: run ? finishedAt.getTime() - run.startedAt.getTime() : null },
  });
  if (count) publishCommitted(prisma, 'IMPORT', [{ type: 'importRunFinished', id: runId, status: 'FAILED' }]);
}

function rawDocument(document: QueuedDocument, fetchedAt: Date): RawDocument {
  return {
    locator: inlineLocator(document.name),
    url: null,
    // GraphQL strings are Unicode: the document arrives as UTF-8 whatever it was written in or
    // declares (a pasted GBK page's <meta charset>). A UTF-8 byte order mark says so, and the
    // decoder trusts it before any declaration.
    bytes: new TextEncoder().encode(`\ufeff${document.content}`),
    contentType: document.contentType,
    fetchedAt,
  };
}

/**
 * Runs an import job: continues its recorded run (created first for a scheduled job), skipping
 * what an earlier attempt already imported. Resolves with null when the run had already finished
 * (an earlier attempt completed it but died before the queue heard). On an attempt that is not
 * the last, a broken run (the database) stays RUNNING and the error goes to the queue, which
 * retries; on the last, the run is marked FAILED with its reason.
 */
export async function processImportJob(
  prisma: PrismaClient,
  job: QueuedImport,
  { finalAttempt, onEntitiesChanged }: { finalAttempt: boolean; onEntitiesChanged?: EntitiesChanged },
): Promise<ImportRunSummary | null> {
  const existing = await prisma.importRun.findUnique({ where: { id: job.runId }, select: { status: true } });
  if (existing && existing.status !== 'RUNNING') return null;
  const fetchedAt = job.queuedAt ? new Date(job.queuedAt) : new Date();
  return runImport(prisma, job.inputs, {
    runId: job.runId,
    trigger: job.trigger,
    actorName: job.actorName,
    config: importConfigFromEnv(),
    documents: job.documents.map((document) => rawDocument(document, fetchedAt)),
    failRunOnError: finalAttempt,
    onEntitiesChanged,
  });
}
