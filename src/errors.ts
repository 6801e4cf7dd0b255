import { GraphQLError } from 'graphql';
import { PothosValidationError } from '@pothos/core';
import { ZodError } from 'zod';
import { Prisma } from './generated/prisma/client.js';

/** Stable codes that clients may branch on (`extensions.code`). */
export type ErrorCode = 'NOT_FOUND' | 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CONFLICT';

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

/**
 * Turns a known library error into an expected error, or returns null for anything unexpected
 * (which the server then masks). The one place that knows Prisma's and Pothos' error shapes.
 */
export function toExpectedError(error: unknown): ExpectedError | null {
  if (error instanceof ExpectedError) return error;
  if (error instanceof ZodError) {
    const message = error.issues
      .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
      .join('; ');
    return new BadUserInputError(message);
  }
  if (error instanceof PothosValidationError) return new BadUserInputError(error.message);
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    switch (error.code) {
      case 'P2025':
        return new ExpectedError('NOT_FOUND', 'The requested record was not found');
      case 'P2023': // inconsistent column data, e.g. a malformed uuid in a cursor
      case 'P2007':
        return new BadUserInputError('Malformed identifier or cursor');
      default:
        return null;
    }
  }
  return null;
}
