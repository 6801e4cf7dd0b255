import type { Cache } from '@graphql-yoga/plugin-response-cache';
import { getNamedType, type GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import { encodeGlobalId } from '../domain/global-id.js';

// Cache upkeep after a committed write. The HTTP shell owns the response cache itself
// (src/http/response-cache.ts); the write paths below it only need these two functions and the cache
// the context hands them.

/**
 * Drops every cached response that contains one of these entities (by model name and database
 * id). Write paths through the service must call this with the rows they change, so reads are
 * never stale after a write; the editorial mutations and imports call it.
 */
export async function invalidateEntities(cache: Cache, entities: { typename: string; id: string }[]) {
  await cache.invalidate(entities.map(({ typename, id }) => ({ typename, id: encodeGlobalId(typename, id) })));
}

const staleTypesBySchema = new WeakMap<GraphQLSchema, Map<string, string[]>>();

/**
 * The type names under which the response cache files answers that a write to `typename` can make
 * stale: the type itself (any answer containing one), and every edge type whose `node` can be one
 * (an answer whose list was empty, which the cache files under the edge type only).
 */
function staleTypenames(schema: GraphQLSchema, typename: string): string[] {
  let byType = staleTypesBySchema.get(schema);
  if (!byType) staleTypesBySchema.set(schema, (byType = new Map()));
  let names = byType.get(typename);
  if (!names) {
    const target = schema.getType(typename);
    names = [typename];
    for (const type of Object.values(schema.getTypeMap())) {
      const node = isObjectType(type) ? type.getFields().node : undefined;
      if (!node || !isObjectType(target)) continue;
      const nodeType = getNamedType(node.type);
      if (nodeType === target || (isAbstractType(nodeType) && schema.isSubType(nodeType, target))) names.push(type.name);
    }
    byType.set(typename, names);
  }
  return names;
}

/**
 * After a committed write (an editorial mutation, an import): drops the cached answers holding a
 * changed entity (by id), and by type every answer holding an entity or an empty list of a written
 * type, so that lists and searches pick up new rows. An answer holding no typed object at all
 * (e.g. only `totalCount`) cannot be matched and expires with its TTL.
 */
export async function invalidateAfterWrite(
  cache: Cache,
  schema: GraphQLSchema,
  changed: { typename: string; id: string }[],
  writtenTypes: Iterable<string>,
) {
  if (changed.length) await invalidateEntities(cache, changed);
  const types = new Set([...writtenTypes].flatMap((typename) => staleTypenames(schema, typename)));
  if (types.size) await cache.invalidate([...types].map((typename) => ({ typename })));
}
