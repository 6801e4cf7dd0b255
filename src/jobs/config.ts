import { z } from 'zod';
import { wholeNumber } from '../domain/env.js';

/**
 * Where import jobs are queued: BullMQ on PostgreSQL (beside the data, the default with
 * DATABASE_URL), BullMQ on Redis (JOB_BACKEND=redis), or the embedded database's in-process runner.
 */
export type JobBackend = 'postgres' | 'redis' | 'in-process';

/** The import jobs' settings; docs/import.md lists each variable. */
export interface ImportJobSettings {
  backend: JobBackend;
  /** REDIS_URL, when the backend is Redis. */
  redisUrl: string | null;
  /** Attempts per job, counting the starts a dead worker left unfinished (IMPORT_JOB_ATTEMPTS). */
  attempts: number;
  /** The first retry's delay; each later one doubles it (IMPORT_JOB_BACKOFF_MS). */
  backoffMs: number;
  /** How long a worker's lock on its job lasts without renewal; renewed at half of it (IMPORT_JOB_LOCK_MS). */
  lockMs: number;
  /** How often workers look for jobs whose lock expired, i.e. whose worker died (IMPORT_JOB_STALLED_INTERVAL_MS). */
  stalledIntervalMs: number;
  /** Whether this server also runs a worker (IMPORT_WORKER=off: only separate `npm run worker` processes do). */
  serverWorker: boolean;
  /** Feeds re-polled on a schedule (IMPORT_SCHEDULE_INPUTS, IMPORT_SCHEDULE_EVERY); null: none. */
  schedule: ImportSchedule | null;
}

export interface ImportSchedule {
  inputs: string[];
  everyMs: number;
}

/** A job setting in the environment has a value the service cannot use. */
export class ImportJobConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportJobConfigError';
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MIN_EVERY_MS = 1_000;
const MAX_EVERY_MS = 30 * 86_400_000;

/** `1h`, `30m`, `90s`, `1d`, `1500ms` → milliseconds, from 1 s to 30 days. */
export function parseInterval(raw: string): number | null {
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return ms >= MIN_EVERY_MS && ms <= MAX_EVERY_MS ? ms : null;
}

const envSchema = z.object({
  IMPORT_JOB_ATTEMPTS: wholeNumber(3, 1, 20),
  IMPORT_JOB_BACKOFF_MS: wholeNumber(10_000, 0, 3_600_000),
  IMPORT_JOB_LOCK_MS: wholeNumber(30_000, 1_000, 600_000),
  IMPORT_JOB_STALLED_INTERVAL_MS: wholeNumber(30_000, 500, 600_000),
});

type Env = Record<string, string | undefined>;

/**
 * The import jobs' settings from the environment, for a service whose database is PostgreSQL
 * (`DATABASE_URL`) or the embedded one. Throws one error naming every bad variable.
 */
export function importJobSettingsFromEnv(env: Env, database: 'postgres' | 'pglite'): ImportJobSettings {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));

  const requested = env.JOB_BACKEND?.trim().toLowerCase() || null;
  let backend: JobBackend = database === 'postgres' ? 'postgres' : 'in-process';
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (requested === 'redis') {
    if (database !== 'postgres') problems.push('JOB_BACKEND=redis needs DATABASE_URL: workers cannot reach the embedded database');
    else if (!redisUrl) problems.push('JOB_BACKEND=redis needs REDIS_URL');
    else backend = 'redis';
  } else if (requested && requested !== 'postgres') {
    problems.push(`JOB_BACKEND must be postgres or redis, not "${env.JOB_BACKEND}"`);
  }

  const worker = env.IMPORT_WORKER?.trim().toLowerCase() || 'on';
  if (worker !== 'on' && worker !== 'off') problems.push(`IMPORT_WORKER must be on or off, not "${env.IMPORT_WORKER}"`);
  if (worker === 'off' && database === 'pglite') {
    problems.push('IMPORT_WORKER=off needs DATABASE_URL: on the embedded database only the server can run imports');
  }

  let schedule: ImportSchedule | null = null;
  const inputs = (env.IMPORT_SCHEDULE_INPUTS ?? '').split(/\s+/).filter(Boolean);
  const every = env.IMPORT_SCHEDULE_EVERY?.trim();
  const everyMs = every ? parseInterval(every) : 3_600_000;
  if (every && everyMs === null) {
    problems.push(`IMPORT_SCHEDULE_EVERY must be an interval from 1s to 30d such as 15m, 1h or 1d, not "${env.IMPORT_SCHEDULE_EVERY}"`);
  }
  const badInputs = inputs.filter((input) => !/^https?:\/\//i.test(input) || !URL.canParse(input));
  if (badInputs.length) problems.push(`IMPORT_SCHEDULE_INPUTS must be http(s) URLs; not: ${badInputs.join(', ')}`);
  if (every && !inputs.length) problems.push('IMPORT_SCHEDULE_EVERY is set but IMPORT_SCHEDULE_INPUTS names no URL');
  if (inputs.length && everyMs !== null) schedule = { inputs, everyMs };

  if (problems.length || !parsed.success) {
    throw new ImportJobConfigError(`Invalid import job settings in the environment: ${problems.join('; ')}`);
  }
  const v = parsed.data;
  return {
    backend,
    redisUrl: backend === 'redis' ? redisUrl : null,
    attempts: v.IMPORT_JOB_ATTEMPTS,
    backoffMs: v.IMPORT_JOB_BACKOFF_MS,
    lockMs: v.IMPORT_JOB_LOCK_MS,
    stalledIntervalMs: v.IMPORT_JOB_STALLED_INTERVAL_MS,
    serverWorker: worker !== 'off',
    schedule,
  };
}
