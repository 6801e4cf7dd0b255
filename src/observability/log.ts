import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

// The process's structured log: one JSON object per line on stdout (pino), at LOG_LEVEL (default
// "info"; "silent" turns it off). A request runs in a request scope (src/http/request-log.ts): every
// line logged while it is handled, by whatever module, carries its `requestId`, added by the mixin
// below, so that one id finds all of a request's lines.

/** What the code handling one HTTP request may ask for, wherever it runs. */
export interface RequestScope {
  requestId: string;
  /** The logger the server was given (a test's, or `log`). */
  log: Logger;
}

const requestScope = new AsyncLocalStorage<RequestScope>();

/** A pino logger in the service's format; `destination` defaults to stdout (tests pass a stream). */
export function createLogger(
  destination?: DestinationStream,
  level: string = process.env.LOG_LEVEL || 'info',
): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const requestId = requestScope.getStore()?.requestId;
        return requestId ? { requestId } : {};
      },
    },
    destination,
  );
}

export const log: Logger = createLogger();

/** Runs `fn` (and everything it awaits) as part of the request `scope`. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return requestScope.run(scope, fn);
}

/** The id of the request being handled here, if any. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** The logger of the request being handled here (its lines carry its id), else `log`. */
export function requestLog(): Logger {
  return requestScope.getStore()?.log ?? log;
}

export type { Logger };
