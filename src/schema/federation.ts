import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import type { Maybe } from 'graphql/jsutils/Maybe.js';
import type { Context } from '../context.js';
import { decodeGlobalId } from '../domain/global-id.js';
import type { ReferenceKey, ReferenceModel, ReferenceQuery } from '../loaders/references.js';
import { builder } from './builder.js';
import { Achievement } from './achievement.js';
import { Article } from './article.js';
import { Organization } from './organization.js';
import { Series } from './series.js';

// Apollo Federation v2: this service is a subgraph, and these are its entities. Other subgraphs
// reference them by `id` (the global ID, as in `node(id:)`) or, for organizations, series and
// articles, by `slug`, a stable natural key. docs/federation.md has the whole picture.
//
// A reference obeys the rules of every other route: a draft is null for anonymous callers and
// partner keys, content outside a scoped partner key's subtree is null (src/auth/scope.ts). An
// unknown or malformed key is null too, never an error.

/** A reference as the gateway sends it: one of the entity's keys. */
type Reference = { id?: unknown; slug?: unknown };

// Every representation of one `_entities` call shares its `info`: the selection is planned once
// per type (which also records Pothos' mappings for the rows, so select-mode fields read them).
const plannedQueries = new WeakMap<GraphQLResolveInfo, Map<string, ReferenceQuery>>();

function plannedQuery(ctx: Context, info: GraphQLResolveInfo, typeName: ReferenceModel): ReferenceQuery {
  let byType = plannedQueries.get(info);
  if (!byType) plannedQueries.set(info, (byType = new Map()));
  let query = byType.get(typeName);
  if (!query) {
    query = queryFromInfo({ context: ctx, info, typeName }) as ReferenceQuery;
    byType.set(typeName, query);
  }
  return query;
}

/** The row a reference names, batched with the other references of its call; null when there is none to read. */
async function resolveReference(model: ReferenceModel, reference: Reference, ctx: Context, info: GraphQLResolveInfo) {
  let key: ReferenceKey;
  let value: string;
  if (typeof reference.id === 'string') {
    let decoded: { typename: string; id: string };
    try {
      decoded = decodeGlobalId(reference.id);
    } catch {
      return null;
    }
    if (decoded.typename !== model) return null;
    key = 'id';
    value = decoded.id;
  } else if (typeof reference.slug === 'string' && model !== 'Achievement') {
    key = 'slug';
    value = reference.slug;
  } else {
    return null;
  }
  return ctx.loaders.references(model, key, plannedQuery(ctx, info, model)).load(value);
}

const byId = builder.selection<{ id: string }>('id');
const bySlug = builder.selection<{ slug: string }>('slug');

builder.asEntity(Organization, {
  key: [byId, bySlug],
  resolveReference: (reference, ctx, info) => resolveReference('Organization', reference, ctx, info) as never,
});

builder.asEntity(Series, {
  key: [byId, bySlug],
  resolveReference: (reference, ctx, info) => resolveReference('Series', reference, ctx, info) as never,
});

builder.asEntity(Article, {
  key: [byId, bySlug],
  resolveReference: (reference, ctx, info) => resolveReference('Article', reference, ctx, info) as never,
});

builder.asEntity(Achievement, {
  key: byId,
  resolveReference: (reference, ctx, info) => resolveReference('Achievement', reference, ctx, info) as never,
});

/**
 * Descriptions for what `toSubGraphSchema` adds (from @apollo/subgraph, undocumented there):
 * GraphiQL is the user's manual, and a client may meet `_entities` in it.
 */
export function describeFederationFields(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType()!.getFields();
  const described: [{ description?: Maybe<string> } | undefined | null, string][] = [
    [query._entities, 'Entities by their keys, for a federation gateway: one per representation, in order; null for each one there is none the viewer can read (docs/federation.md).'],
    [query._entities?.args.find((arg) => arg.name === 'representations'), 'References as `{ __typename, <key fields> }`, e.g. `{ "__typename": "Article", "slug": "…" }`.'],
    [query._service, 'This subgraph’s SDL, for a federation gateway; restricted like introspection.'],
    [schema.getType('_Any'), 'A federation entity reference: `__typename` and the fields of one of its keys.'],
    [schema.getType('_Entity'), 'Every type another subgraph may reference (federation entities).'],
    [schema.getType('_Service'), 'What a federation gateway reads of this subgraph.'],
  ];
  for (const [target, description] of described) if (target && !target.description) target.description = description;
  return schema;
}
