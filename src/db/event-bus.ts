import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { CONTENT_EVENT_TYPES, type ContentEvent, type ContentEventType, type EventOf } from '../domain/events.js';
import { EventsLostError, LiveUnavailableError } from '../domain/errors.js';
import { log as processLog, type Logger } from '../observability/log.js';
import { liveEvents, liveStreamsEnded } from '../observability/metrics.js';
import { type DependencyStatus, openRedis } from './redis.js';

// The event bus of committed writes (docs/live.md). Writers publish through it after their
// transaction commits (src/store/events.ts); subscriptions read streams of it. In memory by default;
// with REDIS_URL, through @graphql-yoga/redis-event-target, so that an event committed on one
// instance (or by a worker process) reaches subscribers connected to every instance.
//
// Each instance subscribes to each event type's channel once and fans the events out to its open
// streams itself. Redis pub/sub delivers at most once: a message sent while a subscriber's
// connection is down is gone. So when the subscribing connection drops, every open stream ends
// with EVENTS_LOST (the client subscribes again and re-queries), and while it is down new
// subscriptions are refused with SERVICE_UNAVAILABLE.

/** Events a stream may hold unread before it counts as fallen behind and ends with EVENTS_LOST. */
export const MAX_PENDING_EVENTS = 100;

export interface EventBus {
  readonly kind: 'memory' | 'redis';
  /** Sends a committed write's event to every subscriber; never throws (a failure is logged and counted). */
  publish(event: ContentEvent): void;
  /**
   * A stream of the events of `type` from now on. It ends (done) when the bus closes, and fails with
   * EventsLostError when events may have been missed.
   * @throws LiveUnavailableError while Redis does not answer.
   */
  subscribe<T extends ContentEventType>(type: T): AsyncIterableIterator<EventOf<T>>;
  /** `up` when subscriptions can be served: always in memory; with Redis, while the subscribing connection is ready. */
  status(): DependencyStatus;
  /** Streams open now. */
  streams(): number;
  /** Ends every open stream (done) and closes the bus's connections. */
  close(): Promise<void>;
}

/** One subscriber's stream: subscribed at once (not on the first read), bounded, ended from outside. */
class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly onEnd: (stream: EventStream<T>) => void) {}

  deliver(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve({ value, done: false });
    } else if (this.queue.length >= MAX_PENDING_EVENTS) {
      liveStreamsEnded.inc({ reason: 'behind' });
      this.end(new EventsLostError(`this subscriber fell more than ${MAX_PENDING_EVENTS} events behind`));
    } else {
      this.queue.push(value);
    }
  }

  /** Ends the stream: done, or failing with `error` once the events already queued are read. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) {
      this.failure = error ?? null;
    } else if (error) {
      waiting.reject(error);
    } else {
      waiting.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.failure = null;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

interface Target {
  addEventListener(type: string, listener: (event: CustomEvent) => void): void;
  dispatchEvent(event: CustomEvent): boolean;
}

/** The fan-out both buses share: one listener per type on `target`, streams in memory. */
function fanOut(target: Target, channel: (type: ContentEventType) => string) {
  const open = new Map<ContentEventType, Set<EventStream<ContentEvent>>>(CONTENT_EVENT_TYPES.map((type) => [type, new Set()]));
  for (const type of CONTENT_EVENT_TYPES) {
    target.addEventListener(channel(type), (event) => {
      const detail = event.detail as ContentEvent | null;
      if (!detail || detail.type !== type) return;
      for (const stream of [...open.get(type)!]) stream.deliver(detail);
    });
  }
  const all = () => [...open.values()].flatMap((streams) => [...streams]);
  return {
    subscribe<T extends ContentEventType>(type: T): AsyncIterableIterator<EventOf<T>> {
      const streams = open.get(type)!;
      const stream = new EventStream<ContentEvent>((ended) => streams.delete(ended));
      streams.add(stream);
      return stream as unknown as AsyncIterableIterator<EventOf<T>>;
    },
    publish(event: ContentEvent) {
      target.dispatchEvent(new CustomEvent(channel(event.type), { detail: event }));
    },
    streams: () => all().length,
    endAll(error?: Error) {
      for (const stream of all()) stream.end(error);
    },
  };
}

/** The in-memory bus: events reach the subscribers of this process only. */
export function createMemoryEventBus(): EventBus {
  const bus = fanOut(new EventTarget() as Target, (type) => type);
  return {
    kind: 'memory',
    publish(event) {
      bus.publish(event);
      liveEvents.inc({ type: event.type, result: 'published' });
    },
    subscribe: bus.subscribe,
    status: () => 'up',
    streams: bus.streams,
    async close() {
      bus.endAll();
    },
  };
}

export interface RedisEventBusOptions {
  /** Prefix of the Redis channels (LIVE_CHANNEL_PREFIX): instances that share it share events. */
  prefix?: string;
  /** Open the subscribing connection (servers); a process that only writes (a worker) does not need it. */
  subscribe?: boolean;
  logger?: Logger;
}

export const DEFAULT_CHANNEL_PREFIX = 'cf:events:';

/**
 * The bus over Redis at `url`, on connections of its own: one that publishes (fails fast while
 * Redis is down, like the shared one) and, unless `subscribe` is false, one in subscriber mode.
 */
export function createRedisEventBus(url: string, { prefix = DEFAULT_CHANNEL_PREFIX, subscribe = true, logger = processLog }: RedisEventBusOptions = {}): EventBus {
  const publisher = openRedis(url, { logger });
  const subscriber = subscribe
    ? new Redis(url, {
        // A subscriber only listens: nothing to fail fast. It reconnects, and ioredis subscribes
        // its channels again; what was sent meanwhile is lost, and the streams were told so.
        maxRetriesPerRequest: null,
        connectTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
      })
    : null;
  let up = false;
  let closing = false;
  let lastError: Error | null = null;
  let lastPublishWarning = 0;

  // redis-event-target calls publish and subscribe without awaiting them: the clients it gets
  // handle their failures here, so that none becomes an unhandled rejection.
  const publishClient = {
    publish(channel: string, message: string) {
      const type = message ? (JSON.parse(message) as ContentEvent).type : 'unknown';
      return publisher.client.publish(channel, message).then(
        () => liveEvents.inc({ type, result: 'published' }),
        (error: unknown) => {
          publisher.failed(error);
          liveEvents.inc({ type, result: 'failed' });
          if (Date.now() - lastPublishWarning > 60_000) {
            lastPublishWarning = Date.now();
            logger.warn({ err: error, dependency: 'redis' }, 'An event could not be published to Redis: its subscribers will not receive it');
          }
        },
      );
    },
  };
  const subscribeClient = subscriber && {
    on: (event: string, listener: (channel: string, message: string) => void) => subscriber.on(event, listener),
    subscribe: (channel: string) => subscriber.subscribe(channel).catch((error: unknown) => logger.warn({ err: error }, 'Could not subscribe to a Redis channel')),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(() => undefined),
  };
  const target = createRedisEventTarget<CustomEvent>({
    publishClient: publishClient as unknown as Redis,
    // A writer that does not subscribe gets a client that never hears anything.
    subscribeClient: (subscribeClient ?? { on: () => undefined, subscribe: async () => undefined, unsubscribe: async () => undefined }) as unknown as Redis,
  });
  const bus = fanOut(target as unknown as Target, (type) => `${prefix}${type}`);

  if (subscriber) {
    subscriber.on('error', (error: Error) => (lastError = error));
    // Up once Redis has confirmed every channel: a stream opened from then on misses nothing.
    subscriber.on('ready', () => {
      void subscriber.subscribe(...CONTENT_EVENT_TYPES.map((type) => `${prefix}${type}`)).then(
        () => {
          if (closing || subscriber.status !== 'ready') return;
          up = true;
          logger.info({ dependency: 'redis' }, 'Live updates: subscribed to the event bus (Redis)');
        },
        (error: unknown) => (lastError = error as Error),
      );
    });
    subscriber.on('close', () => {
      if (!up || closing) return;
      up = false;
      const open = bus.streams();
      logger.warn(
        { dependency: 'redis', err: lastError ?? undefined, streams: open },
        `Live updates: the event bus (Redis) connection was lost; ${open} subscription(s) end with EVENTS_LOST`,
      );
      liveStreamsEnded.inc({ reason: 'lost' }, open);
      bus.endAll(new EventsLostError('the connection to the event bus (Redis) was lost'));
    });
  }

  return {
    kind: 'redis',
    publish(event) {
      bus.publish(event);
    },
    subscribe(type) {
      if (!subscriber) throw new Error('This event bus was opened without a subscribing connection');
      if (!up || subscriber.status !== 'ready') throw new LiveUnavailableError();
      return bus.subscribe(type);
    },
    status: () => (up && subscriber?.status === 'ready' ? 'up' : 'down'),
    streams: bus.streams,
    async close() {
      closing = true;
      bus.endAll();
      if (subscriber) {
        try {
          if (subscriber.status === 'ready') await subscriber.quit();
          else subscriber.disconnect();
        } catch {
          subscriber.disconnect();
        }
      }
      await publisher.close();
    },
  };
}
