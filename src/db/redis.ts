import { Redis } from 'ioredis';
import { log as processLog, type Logger } from '../observability/log.js';
import { dependencyUp } from '../observability/metrics.js';

// One Redis connection for the response cache and the rate limiter (REDIS_URL), and the one place
// that knows whether Redis answers. Both stores fall back when it does not (see
// docs/operations.md#faults), so a request must learn that at once: commands are never queued
// while the connection is down (enableOfflineQueue: false) and never wait long on a connection
// that hangs (commandTimeout). The state is logged once per change, not once per request, and
// kept in the cf_dependency_up{dependency="redis"} gauge.

/** Whether a dependency answers. */
export type DependencyStatus = 'up' | 'down';

/** A Redis connection and whether it answers now. */
export interface RedisConnection {
  client: Redis;
  /** `up` once Redis answered and until it stops; `down` before that and while it does not. */
  status(): DependencyStatus;
  /** Calls `listener` at every change of {@link status}; returns a function that stops it. */
  onChange(listener: (status: DependencyStatus) => void): () => void;
  /**
   * Tells the connection that a command failed. A connection that is itself fine but whose Redis
   * no longer answers (hung, or a silent network) is found this way: one PING decides, and until
   * a PING answers again the status is `down`.
   */
  failed(error: unknown): void;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  /** Where state changes are logged; the process log by default. */
  logger?: Logger;
  /** How long a command may take before it fails (and Redis is checked); 500 ms by default. */
  commandTimeoutMs?: number;
  /** The longest wait between two attempts to reconnect; 1000 ms by default. */
  maxReconnectDelayMs?: number;
}

/** Opens a connection to `url`; it reconnects by itself for as long as it is open. */
export function openRedis(
  url: string,
  { logger = processLog, commandTimeoutMs = 500, maxReconnectDelayMs = 1_000 }: RedisConnectionOptions = {},
): RedisConnection {
  const client = new Redis(url, {
    // Fail a command at once while disconnected, instead of queueing it until Redis is back.
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails; it is not sent again on reconnect.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, maxReconnectDelayMs),
  });
  const listeners = new Set<(status: DependencyStatus) => void>();
  let state: DependencyStatus | 'unknown' = 'unknown';
  let closing = false;
  let lastError: Error | null = null;
  let probe: NodeJS.Timeout | null = null;
  const gauge = dependencyUp.labels({ dependency: 'redis' });

  function change(next: DependencyStatus, reason?: Error | null) {
    if (state === next || closing) return;
    const previous = state;
    state = next;
    gauge.set(next === 'up' ? 1 : 0);
    if (next === 'down') {
      logger.warn(
        { dependency: 'redis', err: reason ?? undefined },
        'Redis is down: the response cache answers uncached and rate limits are counted in this process until it is back',
      );
    } else {
      if (probe) clearInterval(probe);
      probe = null;
      logger.info({ dependency: 'redis' }, previous === 'down' ? 'Redis is back up: the response cache and rate limits use it again' : 'Redis is up');
    }
    for (const listener of listeners) listener(next);
  }

  client.on('ready', () => change('up'));
  // ioredis emits an error for every failed attempt to reconnect: remembered, and logged with the
  // change to down, never one by one.
  client.on('error', (error: Error) => (lastError = error));
  client.on('close', () => change('down', lastError));

  async function ping(): Promise<boolean> {
    try {
      await client.ping();
      return true;
    } catch (error) {
      lastError = error as Error;
      return false;
    }
  }

  let checking = false;
  return {
    client,
    status: () => (state === 'up' ? 'up' : 'down'),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    failed(error) {
      lastError = error instanceof Error ? error : new Error(String(error));
      // A connection that is not ready has already said so ('close'); reconnecting brings it back.
      if (client.status !== 'ready' || state !== 'up' || checking || closing) return;
      checking = true;
      void ping().then((answered) => {
        checking = false;
        if (answered) return;
        change('down', lastError);
        // Connected, but Redis does not answer: ask again every second until it does.
        probe ??= setInterval(() => {
          void ping().then((ok) => ok && client.status === 'ready' && change('up'));
        }, 1_000);
        probe.unref();
      });
    },
    async close() {
      closing = true;
      if (probe) clearInterval(probe);
      listeners.clear();
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    },
  };
}
