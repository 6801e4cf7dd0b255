import { z } from 'zod';
import { wholeNumber } from '../domain/env.js';

/**
 * The importer's settings, in one place. `npm run import` and the importContent mutation read them
 * from the environment (`importConfigFromEnv`); tests build them directly. docs/import.md lists
 * each variable and its default.
 */
export interface ImportConfig {
  /** Milliseconds one HTTP request (connect, headers and body) may take. */
  timeoutMs: number;
  /** Bytes one input may have, read from disk or downloaded (after decompression). */
  maxBytes: number;
  /** Redirects followed per fetch; one more is an error. */
  maxRedirects: number;
  /** Requests in flight to one host (host:port) at a time; the rest wait in a queue. */
  hostConcurrency: number;
  /** Documents (files, URLs, feed pages) worked on at once in a run. */
  concurrency: number;
  /**
   * Whether URLs may reach loopback, private, link-local and other non-public addresses. Null when
   * IMPORT_ALLOW_PRIVATE_NETWORKS is unset: the CLI then allows them, the mutation refuses them.
   */
  allowPrivateNetworks: boolean | null;
  /**
   * The directory the importContent mutation may read files from; null: the mutation reads no
   * files at all (the CLI reads any file its user can).
   */
  fileRoot: string | null;
  userAgent: string;
}

export const DEFAULT_USER_AGENT = 'content-federation-importer/0.1 (report series importer; set IMPORT_USER_AGENT to add a contact)';

export const DEFAULT_IMPORT_CONFIG: ImportConfig = {
  timeoutMs: 15_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  hostConcurrency: 2,
  concurrency: 4,
  allowPrivateNetworks: null,
  fileRoot: null,
  userAgent: DEFAULT_USER_AGENT,
};

type Env = Record<string, string | undefined>;

/** An IMPORT_* environment variable has a value the importer cannot use. */
export class ImportConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportConfigError';
  }
}

const yesNo = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const value = raw?.trim().toLowerCase();
    if (!value) return null;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, not "${raw}"` });
    return z.NEVER;
  });

const optionalText = z
  .string()
  .optional()
  .transform((raw) => raw?.trim() || null);

const envSchema = z.object({
  IMPORT_TIMEOUT_MS: wholeNumber(DEFAULT_IMPORT_CONFIG.timeoutMs, 100, 600_000),
  IMPORT_MAX_BYTES: wholeNumber(DEFAULT_IMPORT_CONFIG.maxBytes, 1_024, 1024 * 1024 * 1024),
  IMPORT_MAX_REDIRECTS: wholeNumber(DEFAULT_IMPORT_CONFIG.maxRedirects, 0, 20),
  IMPORT_HOST_CONCURRENCY: wholeNumber(DEFAULT_IMPORT_CONFIG.hostConcurrency, 1, 32),
  IMPORT_CONCURRENCY: wholeNumber(DEFAULT_IMPORT_CONFIG.concurrency, 1, 64),
  IMPORT_ALLOW_PRIVATE_NETWORKS: yesNo,
  IMPORT_FILE_ROOT: optionalText,
  IMPORT_USER_AGENT: optionalText,
});

/** The importer's settings from environment variables. Throws one error naming every bad variable. */
export function importConfigFromEnv(env: Env = process.env): ImportConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ImportConfigError(`Invalid import settings in the environment: ${problems.join('; ')}`);
  }
  const v = parsed.data;
  return {
    timeoutMs: v.IMPORT_TIMEOUT_MS,
    maxBytes: v.IMPORT_MAX_BYTES,
    maxRedirects: v.IMPORT_MAX_REDIRECTS,
    hostConcurrency: v.IMPORT_HOST_CONCURRENCY,
    concurrency: v.IMPORT_CONCURRENCY,
    allowPrivateNetworks: v.IMPORT_ALLOW_PRIVATE_NETWORKS,
    fileRoot: v.IMPORT_FILE_ROOT,
    userAgent: v.IMPORT_USER_AGENT ?? DEFAULT_USER_AGENT,
  };
}
