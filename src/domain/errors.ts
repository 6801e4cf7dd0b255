import { GraphQLError } from 'graphql';
import { PothosValidationError } from '@pothos/core';
import { ZodError } from 'zod';
import { Prisma } from '../generated/prisma/client.js';

/** Stable codes that clients may branch on (`extensions.code`). */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'EVENTS_LOST'
  | 'TOO_MANY_SUBSCRIPTIONS';

/** An expected failure: its message and `extensions.code` reach the client unmasked. */
export class ExpectedError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extra, code } });
    this.name = 'ExpectedError';
  }
}

/** The requested entity does not exist (or is not visible to the viewer). */
export class NotFoundError extends ExpectedError {
  constructor(type: string, key: string) {
    super('NOT_FOUND', `${type} "${key}" was not found`, { type });
  }
}

/** The request's arguments are well-formed GraphQL but not acceptable. */
export class BadUserInputError extends ExpectedError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, extra);
  }
}

/**
 * The request presents a credential that is unknown, malformed, revoked or expired: HTTP 401.
 * Never answered as if anonymous, so a broken key fails loudly instead of quietly seeing less.
 */
export class UnauthenticatedError extends ExpectedError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } });
  }
}

/**
 * The viewer is known but may not do this (e.g. a partner key calling an editorial mutation): 403.
 * Anonymous callers get UnauthenticatedError instead: presenting a token might help them.
 */
export class ForbiddenError extends ExpectedError {
  constructor(message: string) {
    super('FORBIDDEN', message, { http: { status: 403 } });
  }
}

/** One field's problem, as listed in `extensions.fields` of a BAD_USER_INPUT error. */
export interface FieldProblem {
  /** Where the value is, e.g. `input.slug` or `input.body.2.text`. */
  path: string;
  message: string;
}

/**
 * Invalid input, field by field: the message names each field, and `extensions.fields` lists them
 * by path so that a form can put each message next to its input (the same shape as the zod
 * plugin's validation errors, see src/schema/builder.ts).
 */
export class FieldsError extends BadUserInputError {
  constructor(readonly fields: FieldProblem[], extra: Record<string, unknown> = {}) {
    super(fields.map((field) => `${field.path}: ${field.message}`).join('; '), { ...extra, fields });
  }
}

/**
 * An optimistic-concurrency check failed: the row is no longer at the version the client read
 * (someone else changed it in between). `extensions.currentVersion` says where it is now; the
 * client reloads, reapplies its change and retries with that version.
 */
export class ConflictError extends ExpectedError {
  constructor(type: string, id: string, currentVersion: number, expectedVersion: number) {
    super(
      'CONFLICT',
      `${type} "${id}" was changed by someone else: it is at version ${currentVersion}, not ${expectedVersion}. Reload it and apply your change again`,
      { type, id, currentVersion, expectedVersion },
    );
  }
}

/**
 * The database cannot be reached right now (down, restarting, the network cut): HTTP 503 with
 * Retry-After. The request may be retried as it is; nothing of it was committed, because a write
 * commits only when PostgreSQL confirms its COMMIT.
 */
export class ServiceUnavailableError extends ExpectedError {
  constructor(cause?: unknown) {
    super('SERVICE_UNAVAILABLE', 'The database is unavailable right now. Retry in a few seconds.', {
      http: { status: 503, headers: { 'Retry-After': '5' } },
    });
    // For the operator's log only: the client sees the message and code above.
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause, enumerable: false });
  }
}

/**
 * Live updates cannot be served right now: their message bus (Redis) does not answer. HTTP 503
 * with Retry-After; the subscription may be opened again as it is.
 */
export class LiveUnavailableError extends ExpectedError {
  constructor() {
    super('SERVICE_UNAVAILABLE', 'Live updates are unavailable right now: their message bus does not answer. Retry in a few seconds.', {
      http: { status: 503, headers: { 'Retry-After': '5' } },
    });
  }
}

/**
 * A subscription's stream ended because events may have been missed: the message bus (Redis)
 * dropped its connection, or the subscriber fell too far behind. The client subscribes again and
 * re-queries what it shows (docs/live.md#after-a-reconnect).
 */
export class EventsLostError extends ExpectedError {
  constructor(reason: string) {
    super('EVENTS_LOST', `Events may have been lost: ${reason}. Subscribe again, then re-query what you show.`);
  }
}

/** A caller opened more subscriptions than its limit allows: HTTP 429. */
export class TooManySubscriptionsError extends ExpectedError {
  constructor(message: string, limit: number) {
    super('TOO_MANY_SUBSCRIPTIONS', message, { limit, http: { status: 429, headers: { 'Retry-After': '5' } } });
  }
}

// What a lost or refused database connection looks like, in each layer that may report it.
/** Socket errors (node:net) of a connection refused, reset, timed out or unroutable. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * PostgreSQL's SQLSTATEs: class 08 (connection exception), 57P01-57P03 (the server is shutting
 * down, crashed, or not accepting connections yet), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** node-postgres' and pg-pool's own messages for a connection that died or never came. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Query read timeout|Cannot use a pool after calling end on the pool)/;
/**
 * Prisma's codes: P1001 can't reach the server, P1002 timed out, P1008 operation timed out, P1017
 * the server closed the connection, P2024 timed out waiting for a pooled connection.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapters' error kinds (Prisma 7, `meta.driverAdapterError.cause.kind`). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/**
 * True when `error`, or anything it wraps, says the database connection failed or could not be
 * made, as opposed to a statement that failed on a working connection. Follows `cause`,
 * `originalError` and Prisma's `meta.driverAdapterError` a few levels down.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as {
    code?: unknown;
    message?: unknown;
    kind?: unknown;
    cause?: unknown;
    originalError?: unknown;
    meta?: { driverAdapterError?: unknown };
    errors?: unknown;
  };
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (typeof e.code === 'string') {
    if (SOCKET_ERRORS.has(e.code) || PRISMA_CODES.has(e.code)) return true;
    if (UNAVAILABLE_SQLSTATE.test(e.code)) return true;
  }
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message)) return true;
  // node's AggregateError (an address family each refused, e.g. ::1 and 127.0.0.1).
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return [e.cause, e.originalError, e.meta?.driverAdapterError].some((inner) => inner !== error && isDatabaseUnavailable(inner, depth + 1));
}

/**
 * An error thrown by Prisma's client or one of its driver adapters. A driver error Prisma does not
 * convert (node-postgres' "Connection terminated due to connection timeout") reaches the caller as
 * it was, marked only by the `clientVersion` Prisma adds.
 */
function isPrismaError(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError ||
    error instanceof Prisma.PrismaClientInitializationError ||
    (error instanceof Error && (error.name === 'DriverAdapterError' || typeof (error as { clientVersion?: unknown }).clientVersion === 'string'))
  );
}

/** The columns a unique-constraint violation (P2002) names, across Prisma's error shapes. */
function uniqueFields(meta: Record<string, unknown> | undefined): string[] {
  const target = meta?.target;
  if (Array.isArray(target)) return target.map(String);
  if (typeof target === 'string') return [target];
  // Driver adapters (Prisma 7): meta.driverAdapterError.cause.constraint is { fields } or { index }.
  const cause = (meta?.driverAdapterError as { cause?: { constraint?: { fields?: unknown; index?: unknown } } } | undefined)
    ?.cause;
  const fields = cause?.constraint?.fields;
  if (Array.isArray(fields)) return fields.map((field) => String(field).replaceAll('"', ''));
  if (typeof cause?.constraint?.index === 'string') {
    // Index names follow Prisma's convention: <Model>_<field>[_<field>…]_key.
    return cause.constraint.index.replace(/^[A-Za-z]+_/, '').replace(/_key$/, '').split('_');
  }
  return [];
}

/**
 * Turns a known library error into an expected error, or returns null for anything unexpected
 * (which the server then masks). The one place that knows Prisma's and Pothos' error shapes.
 */
export function toExpectedError(error: unknown): ExpectedError | null {
  if (error instanceof ExpectedError) return error;
  // Only errors of the database path: a socket error of anything else (an import's fetch, say)
  // says nothing about the database. The compiled reads' own errors are turned into
  // ServiceUnavailableError where they are sent (src/db/client.ts).
  if (isPrismaError(error) && isDatabaseUnavailable(error)) return new ServiceUnavailableError();
  if (error instanceof ZodError) {
    const message = error.issues
      .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
      .join('; ');
    return new BadUserInputError(message, {
      fields: error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
    });
  }
  if (error instanceof PothosValidationError) return new BadUserInputError(error.message);
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    switch (error.code) {
      case 'P2025':
        return new ExpectedError('NOT_FOUND', 'The requested record was not found');
      case 'P2002': {
        // A race the write path's own checks could not see (two creates of one slug at once).
        const fields = uniqueFields(error.meta);
        const names = fields.length ? fields.join(', ') : 'a unique field';
        return new FieldsError(
          (fields.length ? fields : ['input']).map((field) => ({
            path: fields.length ? `input.${field}` : 'input',
            message: `is already taken (${names} must be unique)`,
          })),
        );
      }
      case 'P2023': // inconsistent column data, e.g. a malformed uuid in a cursor
      case 'P2007':
        return new BadUserInputError('Malformed identifier or cursor');
      default:
        return null;
    }
  }
  return null;
}
