import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type SearchModel, SEARCH_MODELS, type SearchableRow, searchDocument } from './documents.js';
import { tsvectorLiteral } from './tokens.js';

// The write path of search: every writer of an Article, Organization or Achievement calls
// refreshSearchVectors for the rows it created or changed, in the same transaction.

/** A Prisma client, or the transaction client of `$transaction(async (tx) => …)`. */
export type SearchWriter = PrismaClient | Prisma.TransactionClient;

async function readRows<M extends SearchModel>(
  db: SearchWriter,
  model: M,
  ids: string[],
): Promise<(SearchableRow[M] & { id: string })[]> {
  const where = { id: { in: ids } };
  switch (model) {
    case 'Article':
      return (await db.article.findMany({ where, select: { id: true, title: true, bodyText: true } })) as never;
    case 'Organization':
      return (await db.organization.findMany({
        where,
        select: { id: true, name: true, shortName: true, aliases: true, description: true },
      })) as never;
    default:
      return (await db.achievement.findMany({ where, select: { id: true, title: true, description: true } })) as never;
  }
}

/**
 * Recomputes the stored search vector (`searchVector`) of the given rows of `model` from their
 * current text: one SELECT, then one UPDATE for the whole batch, whatever its size. Call it
 * after every write that creates a row or changes its searchable text, inside the same
 * transaction; bulk loaders call it once per batch. IDs that match no row are ignored.
 * @returns how many rows were updated.
 */
export async function refreshSearchVectors(
  db: SearchWriter,
  model: SearchModel,
  ids: readonly string[],
): Promise<number> {
  const unique = [...new Set(ids)];
  if (!unique.length) return 0;
  const rows = await readRows(db, model, unique);
  if (!rows.length) return 0;
  const vectors = rows.map((row) => tsvectorLiteral(searchDocument(model, row)));
  // Array parameters are cast from text[]: PGlite caches array type OIDs when it starts.
  return db.$executeRaw(Prisma.sql`
    UPDATE ${Prisma.raw(`"${model}"`)} AS t
    SET "searchVector" = v.vector::tsvector
    FROM unnest(${rows.map((row) => row.id)}::text[], ${vectors}::text[]) AS v(id, vector)
    WHERE t.id = v.id::uuid`);
}

/** How many rows {@link rebuildSearchVectors} refreshed, per model. */
export type RebuildSummary = Record<SearchModel, number>;

/**
 * Refreshes search vectors in batches of `batchSize` rows: only rows that have none (`onlyMissing`,
 * e.g. rows that existed before the search migration), or every row (after the tokenizer or the
 * Node/ICU version changed). Not one transaction: each batch commits on its own.
 */
export async function rebuildSearchVectors(
  db: PrismaClient,
  { onlyMissing = false, batchSize = 500 }: { onlyMissing?: boolean; batchSize?: number } = {},
): Promise<RebuildSummary> {
  const summary: RebuildSummary = { Article: 0, Organization: 0, Achievement: 0 };
  for (const model of SEARCH_MODELS) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await db.$queryRaw<{ id: string }[]>(Prisma.sql`
        SELECT id::text AS id FROM ${Prisma.raw(`"${model}"`)}
        WHERE id > ${after}::uuid ${onlyMissing ? Prisma.sql`AND "searchVector" IS NULL` : Prisma.empty}
        ORDER BY id LIMIT ${batchSize}`);
      if (!batch.length) break;
      summary[model] += await refreshSearchVectors(db, model, batch.map((row) => row.id));
      after = batch.at(-1)!.id;
    }
  }
  return summary;
}
