import type { Server, ServerResponse } from 'node:http';
import { log as processLog, type Logger } from '../observability/log.js';

// Graceful shutdown of the HTTP server and what it uses. On a signal the server stops taking
// connections at once (a load balancer's next attempt goes to another instance), answers the
// requests it has, up to a bound, closes every connection, and then closes its resources.

/** A resource closed at shutdown, after the HTTP server has stopped (a pool, a client, a worker). */
export interface Closer {
  name: string;
  close(): Promise<unknown> | unknown;
}

export interface ShutdownOptions {
  /** How long requests in flight may take to finish before their connections are cut (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** How long one closer may take before it counts as failed. */
  closerTimeoutMs?: number;
  logger?: Logger;
}

/** The default of `SHUTDOWN_TIMEOUT_MS`. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface Shutdown {
  /**
   * Registers a resource to close at shutdown. They are closed in the reverse order of
   * registration, like a stack: register each right after opening it, and it is closed before
   * what it depends on (a job worker before the database it writes to).
   */
  add(closer: Closer): void;
  /**
   * Calls `listener` when shutdown starts, before requests drain: for answers that never finish
   * by themselves (subscription streams), which end there and then.
   */
  onStopping(listener: () => void): void;
  /**
   * Shuts down (once; later calls return the same promise): stops accepting connections and
   * closes idle keep-alive ones at once, lets requests in flight finish for up to `timeoutMs`,
   * cuts the connections still open, then runs the closers. Resolves to the exit code: 0, or 1
   * when a closer failed or took longer than `closerTimeoutMs`.
   */
  run(reason: string): Promise<number>;
  /** Cuts the requests still in flight now, without waiting for the bound (a second signal). */
  cutNow(): void;
}

/** Sets up graceful shutdown for `server`; call before it takes its first request. */
export function createShutdown(
  server: Server,
  { timeoutMs, closerTimeoutMs = 10_000, logger = processLog }: ShutdownOptions,
): Shutdown {
  const closers: Closer[] = [];
  const stoppingListeners: (() => void)[] = [];
  const inFlight = new Set<ServerResponse>();
  let stopping: Promise<number> | null = null;
  let cut: (() => void) | null = null;

  // Answers written during shutdown say `Connection: close`, so that node closes their keep-alive
  // connection once they are sent and the client does not send another request on it.
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (stopping) closeAfter(res);
  });

  async function drain(): Promise<void> {
    for (const res of inFlight) closeAfter(res);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() refuses new connections and closes the idle ones; a connection whose request is still
    // running is closed as soon as that answer is out.
    server.closeIdleConnections();
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      cut = () => resolve('timeout');
    });
    try {
      if ((await Promise.race([closed.then(() => 'drained' as const), bound])) === 'timeout') {
        logger.warn({ requests: inFlight.size }, `Cutting ${inFlight.size} request(s) still running after the shutdown timeout`);
        server.closeAllConnections();
        await closed;
      }
    } finally {
      clearInterval(idleSweep);
      clearTimeout(timer);
    }
  }

  async function closeAll(): Promise<number> {
    let code = 0;
    for (const closer of [...closers].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => closer.close()),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not close within ${closerTimeoutMs} ms`)), closerTimeoutMs);
          }),
        ]);
      } catch (error) {
        code = 1;
        logger.error({ err: error }, `Closing ${closer.name} failed`);
      } finally {
        clearTimeout(timer);
      }
    }
    return code;
  }

  return {
    add: (closer) => void closers.push(closer),
    onStopping: (listener) => void stoppingListeners.push(listener),
    run(reason) {
      stopping ??= (async () => {
        const started = Date.now();
        logger.info({ reason }, `${reason}: closing (requests in flight get up to ${timeoutMs} ms)`);
        for (const listener of stoppingListeners) {
          try {
            listener();
          } catch (error) {
            logger.error({ err: error }, 'A shutdown listener failed');
          }
        }
        await drain();
        const code = await closeAll();
        logger.info({ reason, ms: Date.now() - started, code }, `Closed in ${Date.now() - started} ms`);
        return code;
      })();
      return stopping;
    },
    cutNow: () => cut?.(),
  };
}
