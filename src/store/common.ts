import type { Prisma } from '../generated/prisma/client.js';
import { type SearchModel, SEARCH_MODELS } from '../search/documents.js';
import { refreshSearchVectors } from '../search/vectors.js';

// What the writes of every versioned entity share: the transaction they run in, the version bump
// and its optional check, and when the search index follows.

/** The transaction client of `$transaction(async (tx) => …)`: every store write runs inside one. */
export type Tx = Prisma.TransactionClient;

/**
 * Ids whose search vectors a bulk writer (the corpus loader) refreshes once per model at the end of
 * its transaction, instead of after each row.
 */
export class SearchBatch {
  private readonly pending = new Map<SearchModel, Set<string>>(SEARCH_MODELS.map((model) => [model, new Set()]));

  add(model: SearchModel, id: string): void {
    this.pending.get(model)!.add(id);
  }

  /** Refreshes the rows of `model` added so far, in one batch. */
  async flush(tx: Tx, model: SearchModel): Promise<void> {
    const ids = this.pending.get(model)!;
    await refreshSearchVectors(tx, model, [...ids]);
    ids.clear();
  }
}

/** How a store write is done; every field is optional. */
export interface WriteOptions {
  /**
   * The version the caller read (an editor's `expectedVersion`): the update matches no row, and
   * fails, unless the row is still at it. Writers that own the row's content (import, corpus) give
   * none. Either way the version goes up by one.
   */
  expectedVersion?: number;
  /** Defer the search refresh to this batch instead of doing it after the write. */
  search?: SearchBatch;
}

/** The `where` of an update: the row, at `expectedVersion` when one is given. */
export const atVersion = (id: string, expectedVersion: number | undefined) =>
  expectedVersion === undefined ? { id } : { id, version: expectedVersion };

/** What every update of a versioned row adds to its data: a stale `expectedVersion` gets CONFLICT. */
export const NEXT_VERSION = { version: { increment: 1 } } as const;

/** Refreshes a row's search vector now, or adds it to the writer's batch. */
export async function refreshSearch(tx: Tx, model: SearchModel, id: string, batch: SearchBatch | undefined): Promise<void> {
  if (batch) batch.add(model, id);
  else await refreshSearchVectors(tx, model, [id]);
}
