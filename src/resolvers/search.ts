import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Achievement, Article, Organization } from '../generated/prisma/client.js';
import { BadUserInputError } from '../domain/errors.js';
import { type SearchModel, SEARCH_MODELS, searchDocument, snippetSources } from '../search/documents.js';
import { buildSnippet, type Snippet } from '../search/snippet.js';
import type { SearchQuery } from '../search/tokens.js';
import type { Viewer } from '../auth/viewer.js';
import {
  achievementScopeSql,
  achievementScopeWhere,
  narrow,
  organizationScopeSql,
  organizationScopeWhere,
  readableArticleSql,
  readableArticleWhere,
} from '../auth/scope.js';

// The SQL of `search`: one statement ranks the hits of all three tables and returns the page
// with the text its snippets need; one findMany per type on the page loads the nodes; one
// statement counts, when `totalCount` is asked for.
//
// Order: rank, highest first; then type and id, so that equal ranks have a stable order. A
// cursor is that keyset position (rank, type, id), so paging stays correct when rows are added
// or removed elsewhere in the ranking. The rank is a float4 that round-trips exactly through
// JSON and back to `real`.

/** Sort position of each type among hits of equal rank. */
const ORDINAL: Record<SearchModel, number> = { Article: 1, Organization: 2, Achievement: 3 };
const BY_ORDINAL = new Map(Object.entries(ORDINAL).map(([model, ordinal]) => [ordinal, model as SearchModel]));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_VERSION = 's1';

/** A hit's place in the ranking. */
export interface SearchPosition {
  model: SearchModel;
  id: string;
  /** ts_rank scaled into [0, 1) (normalization 32), plus 1 for an exact title or name match. */
  rank: number;
}

/** One ranked hit, with its snippet. */
export interface SearchHit extends SearchPosition {
  snippet: Snippet;
}

/** What a search ranks over: the parsed query, the types asked for, and who is asking. */
export interface SearchScope {
  query: SearchQuery;
  types: readonly SearchModel[];
  viewer: Viewer;
}

/** Ties a cursor to the search it came from: the lexemes, the exact-match key and the types. */
function fingerprint({ query, types }: SearchScope): string {
  const key = JSON.stringify([query.tsquery, query.exact, [...types].sort()]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 12);
}

/** An opaque cursor for a hit of this search. */
export function encodeSearchCursor(scope: SearchScope, hit: SearchPosition): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, fingerprint(scope), hit.rank, hit.model, hit.id])).toString(
    'base64url',
  );
}

/**
 * Reads a cursor of this search back.
 * @throws BadUserInputError for anything that is not a cursor of this same search (same query
 *   and types): another connection's cursor, another search's, or garbage.
 */
export function decodeSearchCursor(scope: SearchScope, cursor: string, argument: 'after' | 'before'): SearchPosition {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 5 ||
    parsed[0] !== CURSOR_VERSION ||
    typeof parsed[2] !== 'number' ||
    !Number.isFinite(parsed[2]) ||
    !SEARCH_MODELS.includes(parsed[3]) ||
    typeof parsed[4] !== 'string' ||
    !UUID.test(parsed[4])
  ) {
    throw new BadUserInputError(`"${argument}" is not a valid cursor`, { argument });
  }
  if (parsed[1] !== fingerprint(scope)) {
    throw new BadUserInputError(`"${argument}" is a cursor from another search (another query or types)`, { argument });
  }
  return { rank: parsed[2], model: parsed[3] as SearchModel, id: parsed[4] };
}

/** `column` as an exact-match key, the way `exactKey` in src/search/tokens.ts makes one in JS. */
const exactKey = (column: string) =>
  Prisma.sql`lower(btrim(regexp_replace(normalize(${Prisma.raw(column)}, NFKC), '\\s+', ' ', 'g')))`;

/** The rank expression and WHERE clause of each type's part of the ranking. */
function hitsSql({ query, types, viewer }: SearchScope): Prisma.Sql {
  const tsquery = Prisma.sql`${query.tsquery}::tsquery`;
  const rank = (alias: string, exact: Prisma.Sql) =>
    Prisma.sql`(ts_rank(${Prisma.raw(alias)}."searchVector", ${tsquery}, 32) + CASE WHEN ${exact} THEN 1 ELSE 0 END)::real`;
  // What the viewer may read: drafts for editors only, a partner key's subtree (src/auth/scope.ts).
  const and = (conditions: Prisma.Sql[]) => (conditions.length ? Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}` : Prisma.empty);
  const parts: Record<SearchModel, () => Prisma.Sql> = {
    Article: () => Prisma.sql`
      SELECT ${ORDINAL.Article}::int AS ord, a.id, ${rank('a', Prisma.sql`${exactKey('a.title')} = ${query.exact}`)} AS rank
      FROM "Article" a
      WHERE a."searchVector" @@ ${tsquery} ${and(readableArticleSql(viewer, Prisma.raw('a')))}`,
    Organization: () => Prisma.sql`
      SELECT ${ORDINAL.Organization}::int AS ord, o.id, ${rank(
        'o',
        Prisma.sql`(${exactKey('o.name')} = ${query.exact} OR ${exactKey('o."shortName"')} = ${query.exact}
          OR EXISTS (SELECT 1 FROM unnest(o.aliases) AS alias WHERE ${exactKey('alias')} = ${query.exact}))`,
      )} AS rank
      FROM "Organization" o
      WHERE o."searchVector" @@ ${tsquery} ${and(organizationScopeSql(viewer, Prisma.raw('o.id')))}`,
    Achievement: () => Prisma.sql`
      SELECT ${ORDINAL.Achievement}::int AS ord, h.id, ${rank('h', Prisma.sql`${exactKey('h.title')} = ${query.exact}`)} AS rank
      FROM "Achievement" h
      WHERE h."searchVector" @@ ${tsquery} ${and(achievementScopeSql(viewer, Prisma.raw('h')))}`,
  };
  return Prisma.join(
    types.map((model) => parts[model]()),
    ' UNION ALL ',
  );
}

/** Hits strictly after (`after`) or before (`before`) a position in the ranking. */
function beyond(position: SearchPosition, side: 'after' | 'before'): Prisma.Sql {
  const key = Prisma.sql`(${ORDINAL[position.model]}::int, ${position.id}::uuid)`;
  const rank = Prisma.sql`${position.rank}::real`;
  return side === 'after'
    ? Prisma.sql`AND (rank < ${rank} OR (rank = ${rank} AND (ord, id) > ${key}))`
    : Prisma.sql`AND (rank > ${rank} OR (rank = ${rank} AND (ord, id) < ${key}))`;
}

interface RankedRow {
  ord: number;
  id: string;
  rank: number;
  title: string | null;
  bodyText: string | null;
  shortName: string | null;
  aliases: string[] | null;
  description: string | null;
}

function snippetOf(model: SearchModel, row: RankedRow, query: SearchQuery): Snippet {
  const document =
    model === 'Article' ? searchDocument(model, { title: row.title ?? '', bodyText: row.bodyText ?? '' })
    : model === 'Organization'
      ? searchDocument(model, {
          name: row.title ?? '',
          shortName: row.shortName,
          aliases: row.aliases ?? [],
          description: row.description,
        })
      : searchDocument(model, { title: row.title ?? '', description: row.description });
  return buildSnippet(snippetSources(document), query);
}

/**
 * One page of ranked hits, in one statement: at most `limit` of them, after and/or before the
 * given positions, best first (or worst first when `inverted`, for `last`/`before`).
 */
export async function searchHits(
  db: PrismaClient,
  scope: SearchScope,
  page: { after?: SearchPosition; before?: SearchPosition; limit: number; inverted: boolean },
): Promise<SearchHit[]> {
  if (!scope.types.length) return [];
  const order = (alias: string) =>
    Prisma.raw(
      page.inverted
        ? `${alias}rank ASC, ${alias}ord DESC, ${alias}id DESC`
        : `${alias}rank DESC, ${alias}ord ASC, ${alias}id ASC`,
    );
  const rows = await db.$queryRaw<RankedRow[]>(Prisma.sql`
    WITH hits AS (${hitsSql(scope)}),
    page AS (
      SELECT ord, id, rank FROM hits
      WHERE true ${page.after ? beyond(page.after, 'after') : Prisma.empty} ${page.before ? beyond(page.before, 'before') : Prisma.empty}
      ORDER BY ${order('')}
      LIMIT ${page.limit}
    )
    SELECT p.ord, p.id::text AS id, p.rank,
      COALESCE(a.title, o.name, h.title) AS title, a."bodyText", o."shortName", o.aliases,
      COALESCE(o.description, h.description) AS description
    FROM page p
    LEFT JOIN "Article" a ON p.ord = ${ORDINAL.Article} AND a.id = p.id
    LEFT JOIN "Organization" o ON p.ord = ${ORDINAL.Organization} AND o.id = p.id
    LEFT JOIN "Achievement" h ON p.ord = ${ORDINAL.Achievement} AND h.id = p.id
    ORDER BY ${order('p.')}`);
  return rows.map((row) => {
    const model = BY_ORDINAL.get(Number(row.ord))!;
    return { model, id: row.id, rank: Number(row.rank), snippet: snippetOf(model, row, scope.query) };
  });
}

/** How many hits the whole search has, across all pages (one statement). */
export async function countSearchHits(db: PrismaClient, scope: SearchScope): Promise<number> {
  if (!scope.types.length) return 0;
  const [row] = await db.$queryRaw<{ count: number }[]>(
    Prisma.sql`WITH hits AS (${hitsSql(scope)}) SELECT count(*)::int AS count FROM hits`,
  );
  return Number(row?.count ?? 0);
}

/** The Prisma query (select/include) to load each type's nodes with, as Pothos planned it. */
export type SearchNodeQueries = Record<SearchModel, () => object>;

/** A node of a search hit: the row, typed as its model, though it holds what the selection asked for. */
export type SearchNode = Article | Organization | Achievement;

/**
 * Loads the nodes of a page of hits: one findMany per type present, each with the selection the
 * GraphQL query asked for. Rows the viewer may not read (drafts, content outside a partner key's
 * scope) are left out, like missing rows.
 * @returns the rows by `Model:id`.
 */
export async function loadSearchNodes(
  db: PrismaClient,
  viewer: Viewer,
  hits: readonly SearchPosition[],
  queries: SearchNodeQueries,
): Promise<Map<string, { model: SearchModel; row: SearchNode }>> {
  const idsOf = (model: SearchModel) => hits.filter((hit) => hit.model === model).map((hit) => hit.id);
  const load = async (model: SearchModel): Promise<SearchNode[]> => {
    const ids = idsOf(model);
    if (!ids.length) return [];
    // The query comes from Pothos' plan for this type; Prisma cannot type it statically.
    const query = queries[model]() as object;
    switch (model) {
      case 'Article':
        return db.article.findMany({
          ...(query as Prisma.ArticleFindManyArgs),
          where: { id: { in: ids }, ...readableArticleWhere(viewer) },
        });
      case 'Organization':
        return db.organization.findMany({
          ...(query as Prisma.OrganizationFindManyArgs),
          where: narrow({ id: { in: ids } }, organizationScopeWhere(viewer)),
        });
      default:
        return db.achievement.findMany({
          ...(query as Prisma.AchievementFindManyArgs),
          where: narrow({ id: { in: ids } }, achievementScopeWhere(viewer)),
        });
    }
  };
  const loaded = await Promise.all(SEARCH_MODELS.map(async (model) => ({ model, rows: await load(model) })));
  return new Map(loaded.flatMap(({ model, rows }) => rows.map((row) => [`${model}:${row.id}`, { model, row }] as const)));
}
