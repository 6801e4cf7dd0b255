import type { PrismaClient } from '../generated/prisma/client.js';
import { createMemoryEventBus, type EventBus } from '../db/event-bus.js';
import type { ContentEvent, WriteOrigin } from '../domain/events.js';
import type { Tx } from './common.js';

// Publish after commit, never before (docs/live.md). Every write of the store runs in a transaction
// opened by `writeTransaction`; the store's functions record their events in it (`recordEvent`),
// and the events go to the database's event bus only once the transaction has committed. A
// transaction that rolls back publishes nothing. A store write in a transaction opened any other
// way fails at once: a writer cannot forget to publish.

/** A database's event bus: the one its writes publish to and its server's subscriptions read. */
const buses = new WeakMap<PrismaClient, EventBus>();

/**
 * Makes `bus` the event bus of the writes through `prisma` (the server and the worker do, with
 * Redis when REDIS_URL is set). A client that was given none gets an in-memory bus of its own.
 */
export function attachEventBus(prisma: PrismaClient, bus: EventBus): void {
  buses.set(prisma, bus);
}

/** The event bus of `prisma`'s writes: the attached one, or an in-memory one made on first use. */
export function eventBusOf(prisma: PrismaClient): EventBus {
  let bus = buses.get(prisma);
  if (!bus) {
    bus = createMemoryEventBus();
    buses.set(prisma, bus);
  }
  return bus;
}

/** An event as a store write records it: `at` and `origin` are added when it is published. */
export type RecordedEvent = ContentEvent extends infer E ? (E extends ContentEvent ? Omit<E, 'at' | 'origin'> : never) : never;

interface OpenWrite {
  origin: WriteOrigin;
  events: RecordedEvent[];
}

const openWrites = new WeakMap<Tx, OpenWrite>();

/**
 * Runs `run` in one transaction of `prisma` and, once it has committed, publishes the events its
 * store writes recorded: one per entity and type (the last write's version wins), stamped with the
 * commit time and `origin`. Resolves with `run`'s result; on an error nothing is published.
 */
export async function writeTransaction<T>(
  prisma: PrismaClient,
  origin: WriteOrigin,
  run: (tx: Tx) => Promise<T>,
  options: { maxWait?: number; timeout?: number } = {},
): Promise<T> {
  const write: OpenWrite = { origin, events: [] };
  const result = await prisma.$transaction(async (tx) => {
    openWrites.set(tx, write);
    try {
      return await run(tx);
    } finally {
      openWrites.delete(tx);
    }
  }, options);
  publishCommitted(prisma, origin, write.events);
  return result;
}

/**
 * Records an event of the write running in `tx`, to be published after it commits.
 * @throws when `tx` was not opened by writeTransaction.
 */
export function recordEvent(tx: Tx, event: RecordedEvent): void {
  requireOpenWrite(tx).events.push(event);
}

/**
 * The write running in `tx`. Every store write starts with it, so that a writer that opened its
 * transaction another way fails at once, even for a write that has no event yet.
 * @throws when `tx` was not opened by writeTransaction.
 */
export function requireOpenWrite(tx: Tx): OpenWrite {
  const write = openWrites.get(tx);
  if (!write) throw new Error('A store write ran in a transaction not opened by writeTransaction (src/store/events.ts): its events would be lost');
  return write;
}

/**
 * Publishes events of writes that have committed: those of a writeTransaction, or of a single
 * statement that was its own transaction (an import run's last update).
 */
export function publishCommitted(prisma: PrismaClient, origin: WriteOrigin, events: readonly RecordedEvent[]): void {
  if (!events.length) return;
  const at = new Date().toISOString();
  const last = new Map<string, RecordedEvent>();
  for (const event of events) {
    const key = `${event.type}:${event.id}`;
    // A row created and then changed in one write is one event: "created", at its last version.
    const earlier = last.get(key);
    last.delete(key);
    last.set(key, earlier && 'created' in earlier && earlier.created ? ({ ...event, created: true } as RecordedEvent) : event);
  }
  const bus = eventBusOf(prisma);
  for (const event of last.values()) bus.publish({ ...event, at, origin } as ContentEvent);
}
