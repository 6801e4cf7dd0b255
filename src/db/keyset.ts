import { Prisma } from '../generated/prisma/client.js';

// Keyset ("seek") pagination in SQL, for the lists that Prisma's own cursors cannot serve: one
// page per parent row in a single LATERAL query, and lists over a whole subtree. Seeking from
// the cursor row's sort key keeps deep pages as cheap as the first.

/** A sort key: an SQL expression over a table alias. Nullable columns must be coalesced. */
export type SortKeyExpr = (alias: Prisma.Sql) => Prisma.Sql;

export interface KeysetOrder {
  /** Sort keys, most significant first; `id` is appended as the tie-breaker. */
  keys: SortKeyExpr[];
  direction: 'ASC' | 'DESC';
}

export interface KeysetPage {
  /** Rows to fetch: page size plus one, negative when paging backwards (as Pothos plans it). */
  take: number;
  /** The row the page starts after (or before, when `take` is negative). */
  cursorId: string | null;
}

/**
 * `SELECT alias.id FROM table alias WHERE … ORDER BY … LIMIT …` for one page. `where` may refer
 * to the alias and to outer LATERAL columns.
 */
export function keysetPageSql(
  table: string,
  alias: string,
  where: Prisma.Sql[],
  order: KeysetOrder,
  page: KeysetPage,
): Prisma.Sql {
  const a = Prisma.raw(alias);
  const c = Prisma.raw(`${alias}_cursor`);
  const backwards = page.take < 0;
  // Walking backwards is walking the reverse order forwards; the caller reverses the rows.
  const ascending = (order.direction === 'ASC') !== backwards;
  const rowOf = (t: Prisma.Sql) => Prisma.join([...order.keys.map((key) => key(t)), Prisma.sql`${t}.id`]);
  const conditions = [...where];
  if (page.cursorId) {
    conditions.push(
      Prisma.sql`(${rowOf(a)}) ${Prisma.raw(ascending ? '>' : '<')} (SELECT ${rowOf(c)} FROM ${Prisma.raw(`"${table}"`)} ${c} WHERE ${c}.id = ${page.cursorId}::uuid)`,
    );
  }
  return Prisma.sql`SELECT ${a}.id FROM ${Prisma.raw(`"${table}"`)} ${a}
    WHERE ${conditions.length ? Prisma.join(conditions, ' AND ') : Prisma.sql`TRUE`}
    ORDER BY ${keysetOrderSql(order, a, ascending)} LIMIT ${Math.abs(page.take)}`;
}

/**
 * The ORDER BY list of a keyset order over `alias`: its keys, then `id`, all one way. Keys are
 * never null (nullable columns are coalesced, or filtered), so NULLS LAST changes no order; it
 * lets a DESC walk use the (…, occurredOn DESC NULLS LAST, id DESC) indexes.
 */
export function keysetOrderSql(order: KeysetOrder, alias: Prisma.Sql, ascending = order.direction === 'ASC'): Prisma.Sql {
  const dir = Prisma.raw(ascending ? 'ASC NULLS LAST' : 'DESC NULLS LAST');
  return Prisma.join([...order.keys.map((key) => key(alias)), Prisma.sql`${alias}.id`].map((k) => Prisma.sql`${k} ${dir}`));
}

/** The ids of an organization and every organization below it, as an SQL subquery. */
export function subtreeIdsSql(rootId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(WITH RECURSIVE subtree AS (
      SELECT s.id, 0 AS depth FROM "Organization" s WHERE s.id = ${rootId}
      UNION ALL
      SELECT child.id, subtree.depth + 1 FROM "Organization" child
      JOIN subtree ON child."parentId" = subtree.id WHERE subtree.depth < 32
    ) SELECT id FROM subtree)`;
}

/** Splits what Pothos plans for a connection into the page and the nodes' Prisma selection. */
export function splitConnectionQuery(query: { take?: number; skip?: number; cursor?: { id?: string } } & object): {
  page: KeysetPage;
  selection: Record<string, unknown>;
} {
  const { take, skip: _skip, cursor, ...selection } = query as {
    take?: number;
    skip?: number;
    cursor?: { id?: string };
  } & Record<string, unknown>;
  return { page: { take: take ?? 21, cursorId: cursor?.id ?? null }, selection };
}

/** One entry of a Prisma `orderBy` list: a column and its direction, with nulls placed or not. */
type PrismaOrderEntry = Record<string, 'asc' | 'desc' | { sort: 'asc' | 'desc'; nulls?: 'first' | 'last' }>;

/**
 * A Prisma `orderBy` list (scalar columns only) as the ORDER BY list PostgreSQL gets from Prisma
 * for it, over `alias`: the compiled reads sort by the very declarations the Prisma path uses.
 */
export function prismaOrderSql(orderBy: readonly object[], alias: Prisma.Sql): Prisma.Sql {
  const items = (orderBy as PrismaOrderEntry[]).flatMap((entry) =>
    Object.entries(entry).map(([column, how]) => {
      const { sort, nulls } = typeof how === 'string' ? { sort: how, nulls: undefined } : how;
      if (!/^[A-Za-z]+$/.test(column) || (sort !== 'asc' && sort !== 'desc')) {
        throw new Error(`Cannot order by ${column} ${JSON.stringify(how)} in SQL`);
      }
      const placed = nulls ? ` NULLS ${nulls === 'first' ? 'FIRST' : 'LAST'}` : '';
      return Prisma.sql`${alias}.${Prisma.raw(`"${column}" ${sort.toUpperCase()}${placed}`)}`;
    }),
  );
  return Prisma.join(items);
}

/**
 * `column` holds one of `values` of the enum `enumType`: an equality for one value (which the
 * planner estimates from the column's statistics, unlike `= ANY(array)`), else `= ANY(…)`.
 */
export function enumInSql(column: Prisma.Sql, values: readonly string[], enumType: string): Prisma.Sql {
  const type = Prisma.raw(`"${enumType}"`);
  return values.length === 1
    ? Prisma.sql`${column} = ${values[0]}::${type}`
    : Prisma.sql`${column} = ANY(${[...values]}::text[]::${type}[])`;
}
