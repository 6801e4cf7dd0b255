import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { Prisma } from '../generated/prisma/client.js';
import { organizationAchievementConditions } from '../loaders/organization-achievements.js';
import { organizationArticleConditions, organizationArticlesNewestSql, readsNewestOffLinks } from '../loaders/organization-articles.js';
import {
  achievementFilterSql,
  achievementOrderBy,
  achievementTallySql,
  articleOrderBy,
  CITATION_ORDER,
  organizationOrderBy,
  SERIES_ARTICLE_ORDER,
  type AchievementFilterInput,
  type AchievementOrder,
  type ArticleFilterInput,
  type ArticleOrder,
  type OrganizationOrder,
} from '../resolvers/filters.js';
import { prismaOrderSql } from '../db/keyset.js';
import { achievementScopeSql, organizationScopeSql, readableArticleSql, readableCitationSql, viewerScope } from '../auth/scope.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging.js';
import { visibleArticleStatuses, type Viewer } from '../auth/viewer.js';
import { collectFields, NotCompilable, subfields, type SelectedField, type SelectionContext } from './selection.js';

// Compiled reads: a root field's whole selection, nested lists included, as ONE SQL statement
// that returns the finished response as JSON. Every object in it carries `"$c": true` and is
// keyed by response key, so each field below resolves by reading its key (./plugin.ts).
//
// The rules come from the declarations the Prisma path uses: the conditions of the nested-list
// loaders, the SQL forms of visibility and partner scopes (src/auth/scope.ts), the filters'
// SQL forms, and the Prisma `orderBy` lists (src/resolvers/filters.ts), turned into SQL as Prisma
// turns them (prismaOrderSql). Whatever is
// not covered here (another field, a cursor argument, a filter by ID in a nested list, a scoped
// partner key on a route whose scope has no SQL form) throws NotCompilable, and the field runs on
// the Prisma path instead. test/compiled-reads.test.ts proves both paths answer alike.

type Sql = Prisma.Sql;
const sql = Prisma.sql;
const raw = Prisma.raw;

/** What compiling one root field needs: the viewer and GraphQL's view of the request. */
interface Compiler {
  viewer: Viewer;
  selection: SelectionContext;
  /**
   * The JSON is the response itself (./operation.ts): no `$c` markers, `__typename` written in.
   * Otherwise graphql-js walks it (./plugin.ts): marked objects, `__typename` left to graphql-js.
   */
  final: boolean;
  /** Numbers fresh table aliases (t1, t2, …). */
  aliases: number;
  /** The compiled fields below the root that take arguments, with their types: see CompiledRoot. */
  withArguments: { field: SelectedField; parentType: GraphQLObjectType }[];
}

const fieldsOf = (field: SelectedField, type: GraphQLObjectType, c: Compiler) => subfields(field, type, c.selection, c.final);

/** `__typename`, written into the JSON when it is the response itself. */
const typenameSql = (type: GraphQLObjectType) => raw(`'${type.name}'::text`);

const freshAlias = (c: Compiler) => raw(`t${(c.aliases += 1)}`);

/** `'key'`: response keys are GraphQL names (checked in selection.ts), safe to inline. */
const literal = (key: string) => raw(`'${key}'`);

/** A compiled object: the marker (unless final), then each response key with its value. */
function objectJson(entries: [string, Sql][], c: Compiler): Sql {
  // json_build_object takes at most 100 arguments.
  if (entries.length > 49) throw new NotCompilable('too many fields in one selection');
  const pairs = [...(c.final ? [] : [sql`'$c', true`]), ...entries.map(([key, value]) => sql`${literal(key)}, ${value}`)];
  return sql`json_build_object(${Prisma.join(pairs)})`;
}

/** The object type a field returns (lists and non-null unwrapped). */
function objectTypeOf(field: SelectedField): GraphQLObjectType {
  const type = getNamedType(field.def.type);
  if (!isObjectType(type)) throw new NotCompilable(`${field.name} does not return an object type`);
  return type;
}

// ---------------------------------------------------------------------------------------------
// Field compilers: each turns one selected field of a row under `alias` into an SQL expression.

type FieldSql = (field: SelectedField, alias: Sql, c: Compiler) => Sql;

const column =
  (name: string): FieldSql =>
  (_field, alias) =>
    sql`${alias}.${raw(`"${name}"`)}`;

/** A timestamptz as `Date.prototype.toISOString` writes it, which is how the Prisma path answers. */
const timestamp =
  (name: string): FieldSql =>
  (_field, alias) =>
    sql`to_char(${alias}.${raw(`"${name}"`)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The global ID, as src/domain/global-id.ts encodes it: base64url of `Typename:uuid`, unpadded. */
const globalId =
  (typename: string): FieldSql =>
  (_field, alias) =>
    sql`rtrim(translate(encode(convert_to(${raw(`'${typename}:'`)} || ${alias}.id::text, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`;

/** A connection cursor, as plugin-prisma encodes `cursor: 'id'`: base64 of `GPC:S:<id>`. */
const cursorOf = (alias: Sql) => sql`encode(convert_to('GPC:S:' || ${alias}.id::text, 'UTF8'), 'base64')`;

/** A row of another table, by the foreign key `fk` of this one; null when there is none. */
const toOne =
  (table: string, fk: string): FieldSql =>
  (field, alias, c) => {
    const type = objectTypeOf(field);
    const target = freshAlias(c);
    return sql`(SELECT ${nodeJson(type, fieldsOf(field, type, c), target, c)}
      FROM ${raw(`"${table}"`)} ${target} WHERE ${target}.id = ${alias}.${raw(`"${fk}"`)})`;
  };

/** Rows of another table that point here by `fk`, as a JSON array in `orderBy`'s order. */
const toMany =
  (table: string, fk: string, where: (row: Sql, parent: Sql, c: Compiler) => Sql[], orderBy: readonly object[]): FieldSql =>
  (field, alias, c) => {
    const type = objectTypeOf(field);
    const row = freshAlias(c);
    const conditions = [sql`${row}.${raw(`"${fk}"`)} = ${alias}.id`, ...where(row, alias, c)];
    return sql`(SELECT coalesce(json_agg(${nodeJson(type, fieldsOf(field, type, c), row, c)} ORDER BY ${prismaOrderSql(orderBy, row)}), '[]'::json)
      FROM ${raw(`"${table}"`)} ${row} WHERE ${whereSql(conditions)})`;
  };

/** A list's rows: its table, its conditions and its order, all over one alias. */
interface ListSource {
  table: string;
  alias: Sql;
  where: Sql[];
  orderBy: Sql;
  /**
   * The page as a merge of these disjoint parts, each read in order and cut at the page size:
   * a filter by a list of values on the leading column of an index that holds the order (levels
   * of achievements) reads a page per value off the index instead of sorting every match.
   */
  parts?: Sql[];
  /**
   * The page read another way: a statement that returns the list's first `take` rows (every
   * column of the table), in the list's order. The rest of the connection still reads `where`.
   */
  page?: (take: number) => Sql;
  /** `totalCount` got another way than counting the rows `where` selects (the same number). */
  count?: Sql;
}

const whereSql = (conditions: Sql[]) => (conditions.length ? Prisma.join(conditions, ' AND ') : sql`TRUE`);

/** `first` as the connection will read it, when it is a page the compiler serves. */
function pageSize(args: Record<string, unknown>): number {
  for (const name of ['after', 'before', 'last']) {
    if (args[name] != null) throw new NotCompilable(`argument ${name}`);
  }
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  // Out-of-range sizes are refused by the Prisma path with the documented error.
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new NotCompilable('page size out of range');
  }
  return first;
}

/**
 * A Relay connection over `source`: edges (node, cursor), pageInfo and totalCount, whichever are
 * selected. It reads `first + 1` rows, numbered in the list's order, to know whether more follow.
 */
function connectionJson(field: SelectedField, source: ListSource, first: number, c: Compiler): Sql {
  const connectionType = objectTypeOf(field);
  const { alias } = source;
  const page = freshAlias(c);
  const from = sql`${raw(`"${source.table}"`)} ${alias} WHERE ${whereSql(source.where)}`;
  const inPage = sql`${page}.rn <= ${first}`;
  let nodeSql: Sql | null = null;
  let cursorUsed = false;
  const entries: [string, Sql][] = [];
  let paged = false;

  for (const part of fieldsOf(field, connectionType, c)) {
    if (part.name === '__typename') {
      entries.push([part.key, typenameSql(connectionType)]);
    } else if (part.name === 'totalCount') {
      entries.push([part.key, source.count ?? sql`(SELECT count(*)::int FROM ${from})`]);
    } else if (part.name === 'edges') {
      paged = true;
      const edgeType = objectTypeOf(part);
      const edge: [string, Sql][] = [];
      for (const edgeField of fieldsOf(part, edgeType, c)) {
        if (edgeField.name === '__typename') {
          edge.push([edgeField.key, typenameSql(edgeType)]);
        } else if (edgeField.name === 'cursor') {
          cursorUsed = true;
          edge.push([edgeField.key, sql`${page}.cursor`]);
        } else if (edgeField.name === 'node') {
          // One page serves the connection: a second `node` key (or `edges` key) may select other fields.
          if (nodeSql) throw new NotCompilable('several node selections');
          const nodeType = objectTypeOf(edgeField);
          nodeSql = nodeJson(nodeType, fieldsOf(edgeField, nodeType, c), alias, c);
          edge.push([edgeField.key, sql`${page}.node`]);
        } else throw new NotCompilable(`${edgeType.name}.${edgeField.name}`);
      }
      entries.push([
        part.key,
        sql`coalesce(json_agg(${objectJson(edge, c)} ORDER BY ${page}.rn) FILTER (WHERE ${inPage}), '[]'::json)`,
      ]);
    } else if (part.name === 'pageInfo') {
      paged = true;
      const info: [string, Sql][] = [];
      const pageInfoType = objectTypeOf(part);
      for (const pageField of fieldsOf(part, pageInfoType, c)) {
        if (pageField.name === '__typename') info.push([pageField.key, typenameSql(pageInfoType)]);
        else if (pageField.name === 'hasNextPage') info.push([pageField.key, sql`count(*) > ${first}`]);
        else if (pageField.name === 'hasPreviousPage') info.push([pageField.key, sql`false`]);
        else if (pageField.name === 'startCursor' || pageField.name === 'endCursor') {
          cursorUsed = true;
          const direction = raw(pageField.name === 'startCursor' ? 'ASC' : 'DESC');
          info.push([pageField.key, sql`(array_agg(${page}.cursor ORDER BY ${page}.rn ${direction}) FILTER (WHERE ${inPage}))[1]`]);
        } else throw new NotCompilable(`PageInfo.${pageField.name}`);
      }
      entries.push([part.key, objectJson(info, c)]);
    } else {
      throw new NotCompilable(`${connectionType.name}.${part.name}`);
    }
  }

  if (!paged) return objectJson(entries, c);
  const columns = [
    sql`row_number() OVER (ORDER BY ${source.orderBy}) AS rn`,
    ...(nodeSql ? [sql`${nodeSql} AS node`] : []),
    ...(cursorUsed ? [sql`${cursorOf(alias)} AS cursor`] : []),
  ];
  return sql`(SELECT ${objectJson(entries, c)} FROM (
      SELECT ${Prisma.join(columns)} FROM ${pageSource(source, from, first + 1)} ORDER BY ${source.orderBy} LIMIT ${first + 1}
    ) ${page})`;
}

/** What a page is read from: the list itself, or the merge of its parts' pages. */
function pageSource(source: ListSource, from: Sql, take: number): Sql {
  if (source.page) return sql`(${source.page(take)}) ${source.alias}`;
  if (!source.parts || source.parts.length < 2) return from;
  const { alias } = source;
  const table = raw(`"${source.table}"`);
  const parts = source.parts.map(
    (part) => sql`(SELECT ${alias}.* FROM ${table} ${alias} WHERE ${whereSql([...source.where, part])} ORDER BY ${source.orderBy} LIMIT ${take})`,
  );
  return sql`(${Prisma.join(parts, ' UNION ALL ')}) ${alias}`;
}

/** Input objects whose ID fields need Pothos' global-ID decoding: not compiled in nested lists. */
function plainFilter<T extends object>(filter: unknown, idFields: string[]): T | null {
  if (filter == null) return null;
  for (const name of idFields) {
    if ((filter as Record<string, unknown>)[name] != null) throw new NotCompilable(`filter by ${name}`);
  }
  return filter as T;
}

/**
 * A connection below a row: `list` gives its conditions and order over the alias `a` (the nested
 * loaders' conditions are written over `a`), from the field's arguments and the parent row's id.
 */
const nestedConnection =
  (
    table: string,
    list: (args: Record<string, unknown>, parentId: Sql, c: Compiler) => { where: Sql[]; orderBy: readonly object[]; page?: ListSource['page'] },
  ): FieldSql =>
  (field, alias, c) => {
    const a = raw('a');
    const { where, orderBy, page } = list(field.args, sql`${alias}.id`, c);
    return connectionJson(field, { table, alias: a, where, orderBy: prismaOrderSql(orderBy, a), page }, pageSize(field.args), c);
  };

const organizationArticles = nestedConnection('Article', (args, organizationId, c) => {
  const { role, filter, orderBy } = args as { role?: 'SUBJECT' | 'MENTIONED' | 'PUBLISHER' | null; filter?: unknown; orderBy?: ArticleOrder | null };
  const spec = {
    role: role ?? null,
    statuses: visibleArticleStatuses(c.viewer),
    filter: plainFilter<Omit<ArticleFilterInput, 'organization' | 'includeDescendants' | 'role'>>(filter, ['series']),
  };
  return {
    where: organizationArticleConditions(c.viewer, spec, organizationId),
    orderBy: articleOrderBy(orderBy),
    // The newest first are read off the link table's index (the default order, Q1's).
    page: readsNewestOffLinks(orderBy) ? (take) => organizationArticlesNewestSql(c.viewer, spec, organizationId, take) : undefined,
  };
});

const organizationAchievements = nestedConnection('Achievement', (args, organizationId, c) => {
  const { scope, filter: rawFilter, orderBy } = args as { scope?: 'SELF' | 'SUBTREE' | null; filter?: unknown; orderBy?: AchievementOrder | null };
  const filter = plainFilter<AchievementFilterInput>(rawFilter, ['organization']);
  return {
    where: organizationAchievementConditions(c.viewer, { scope: scope ?? 'SELF', filter }, organizationId),
    orderBy: achievementOrderBy(orderBy),
  };
});

const seriesArticles = nestedConnection('Article', (_args, seriesId, c) => {
  const a = raw('a');
  return { where: [sql`${a}."seriesId" = ${seriesId}`, ...readableArticleSql(c.viewer, a)], orderBy: SERIES_ARTICLE_ORDER };
});

const seriesArticleCount: FieldSql = (_field, alias, c) => {
  const a = freshAlias(c);
  return sql`(SELECT count(*)::int FROM "Article" ${a}
    WHERE ${whereSql([sql`${a}."seriesId" = ${alias}.id`, ...readableArticleSql(c.viewer, a)])})`;
};

/** The fields the compiler serves, per GraphQL type; any other field makes the query fall back. */
const TYPES: Record<string, Record<string, FieldSql>> = {
  Organization: {
    id: globalId('Organization'),
    slug: column('slug'),
    version: column('version'),
    name: column('name'),
    shortName: column('shortName'),
    aliases: column('aliases'),
    kind: column('kind'),
    level: column('level'),
    region: column('region'),
    foundedOn: column('foundedOn'),
    description: column('description'),
    articles: organizationArticles,
    achievements: organizationAchievements,
  },
  Article: {
    id: globalId('Article'),
    slug: column('slug'),
    version: column('version'),
    title: column('title'),
    series: toOne('Series', 'seriesId'),
    episode: column('episode'),
    publishedAt: timestamp('publishedAt'),
    language: column('language'),
    category: column('category'),
    tags: column('tags'),
    status: column('status'),
    bodyText: column('bodyText'),
    attribution: column('attribution'),
    originalUrl: column('originalUrl'),
    canonicalUrl: column('canonicalUrl'),
    contentHash: column('contentHash'),
  },
  Series: {
    id: globalId('Series'),
    slug: column('slug'),
    version: column('version'),
    title: column('title'),
    description: column('description'),
    status: column('status'),
    articles: seriesArticles,
    articleCount: seriesArticleCount,
  },
  Achievement: {
    id: globalId('Achievement'),
    slug: column('slug'),
    version: column('version'),
    title: column('title'),
    description: column('description'),
    kind: column('kind'),
    level: column('level'),
    // An achievement is in a partner key's scope exactly when its organization is.
    organization: toOne('Organization', 'organizationId'),
    awardedOn: column('awardedOn'),
    periodStart: column('periodStart'),
    periodEnd: column('periodEnd'),
    date: column('occurredOn'),
    year: (_field, alias) => sql`extract(year FROM ${alias}."occurredOn")::int`,
    rank: column('rank'),
    citations: toMany('Citation', 'achievementId', (citation, achievement, c) => readableCitationSql(c.viewer, citation, achievement, freshAlias(c)), CITATION_ORDER),
  },
  Citation: {
    excerpt: column('excerpt'),
    offset: column('offset'),
    article: toOne('Article', 'articleId'),
  },
};

/** The types whose objects the compiler produces (their fields read compiled rows). */
export const COMPILED_TYPES: ReadonlySet<string> = new Set(Object.keys(TYPES));

function nodeJson(type: GraphQLObjectType, fields: SelectedField[], alias: Sql, c: Compiler): Sql {
  const compilers = TYPES[type.name];
  if (!compilers) throw new NotCompilable(`type ${type.name}`);
  return objectJson(
    fields.map((field) => {
      if (field.name === '__typename') return [field.key, typenameSql(type)];
      const compile = compilers[field.name];
      if (!compile) throw new NotCompilable(`${type.name}.${field.name}`);
      if (field.def.args.length) c.withArguments.push({ field, parentType: type });
      return [field.key, compile(field, alias, c)];
    }),
    c,
  );
}

// ---------------------------------------------------------------------------------------------
// Root fields. Each gets the arguments as the Prisma path gets them (mapped and validated by
// Pothos) and returns the statement, whose one row's `json` column is the field's value.

/** A root field's compiled statement, and what its empty answer means. */
export interface CompiledRoot {
  statement: Sql;
  /**
   * Fields below the root whose arguments the statement used as GraphQL coerced them. When
   * graphql-js walks the JSON, Pothos validates them as it resolves each field; when the JSON is
   * the response itself, ./operation.ts has them validated first.
   */
  withArguments: { field: SelectedField; parentType: GraphQLObjectType }[];
  /** When the statement finds no row: the field's value, or the error the Prisma path throws. */
  missing?: () => never;
}

type RootCompiler = (field: SelectedField, args: Record<string, unknown>, c: Compiler) => Omit<CompiledRoot, 'withArguments'>;

function rootSelection(field: SelectedField, c: Compiler): { type: GraphQLObjectType; fields: SelectedField[] } {
  const type = objectTypeOf(field);
  return { type, fields: fieldsOf(field, type, c) };
}

const bySlug =
  (table: 'Organization' | 'Series', scopeSql: (viewer: Viewer, alias: Sql) => Sql[], notFound: (slug: string) => never): RootCompiler =>
  (field, args, c) => {
    const { type, fields } = rootSelection(field, c);
    const alias = freshAlias(c);
    const slug = String(args.slug);
    return {
      statement: sql`SELECT ${nodeJson(type, fields, alias, c)}::text AS json FROM ${raw(`"${table}"`)} ${alias}
        WHERE ${whereSql([sql`${alias}.slug = ${slug}`, ...scopeSql(c.viewer, alias)])}`,
      missing: () => notFound(slug),
    };
  };

const rootConnection = (source: (args: Record<string, unknown>, alias: Sql, c: Compiler) => Omit<ListSource, 'alias'>): RootCompiler =>
  (field, args, c) => {
    const alias = freshAlias(c);
    const list = { ...source(args, alias, c), alias };
    return { statement: sql`SELECT ${connectionJson(field, list, pageSize(args), c)}::text AS json` };
  };

/** Compilers for root fields, by name. `notFound` builds the Prisma path's NOT_FOUND error. */
export function rootCompilers(notFound: (type: string, key: string) => Error): Record<string, RootCompiler> {
  const fail = (type: string) => (slug: string): never => {
    throw notFound(type, slug);
  };
  return {
    organization: bySlug('Organization', (viewer, alias) => organizationScopeSql(viewer, sql`${alias}.id`), fail('Organization')),
    // A series is in a partner key's scope through its articles: that rule has no SQL form yet.
    series: bySlug(
      'Series',
      (viewer) => {
        if (viewerScope(viewer)) throw new NotCompilable('series for a scoped key');
        return [];
      },
      fail('Series'),
    ),
    organizations: rootConnection((args, alias, c) => {
      const filter = args.filter as Record<string, unknown> | null | undefined;
      if (filter && Object.values(filter).some((value) => value != null)) throw new NotCompilable('organization filter');
      return {
        table: 'Organization',
        where: organizationScopeSql(c.viewer, sql`${alias}.id`),
        orderBy: prismaOrderSql(organizationOrderBy(args.orderBy as OrganizationOrder | null), alias),
      };
    }),
    achievements: rootConnection((args, alias, c) => {
      const filter = args.filter as AchievementFilterInput | null | undefined;
      const order = (args.orderBy as AchievementOrder | null) ?? 'DATE_DESC';
      const levels = [...new Set(filter?.level ?? [])];
      return {
        table: 'Achievement',
        where: [...achievementFilterSql(filter, alias), ...achievementScopeSql(c.viewer, alias)],
        orderBy: prismaOrderSql(achievementOrderBy(order), alias),
        // The (level, occurredOn DESC NULLS LAST, id DESC) index holds each level's DATE_DESC order.
        parts: order === 'DATE_DESC' ? levels.map((level) => sql`${alias}.level = ${level}::"AchievementLevel"`) : undefined,
        // A scoped key's count depends on the organizations in its scope: those rows are counted.
        count: viewerScope(c.viewer) ? undefined : (achievementTallySql(filter) ?? undefined),
      };
    }),
  };
}

/**
 * Compiles a root field (`field`, with the arguments Pothos mapped and validated) for this viewer.
 * NotCompilable (or any error) means: use the Prisma path. `final`: see Compiler.
 */
export function compileRoot(
  compile: RootCompiler,
  field: SelectedField,
  args: Record<string, unknown>,
  viewer: Viewer,
  selection: SelectionContext,
  final: boolean,
): CompiledRoot {
  const c: Compiler = { viewer, selection, final, aliases: 0, withArguments: [] };
  return { ...compile(field, args, c), withArguments: c.withArguments };
}
