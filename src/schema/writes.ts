import type { InputFieldRef, InputObjectRef, InputShapeFromTypeParam, InputType, ObjectRef } from '@pothos/core';
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import type { Db, VersionedModel, WriteResult } from '../resolvers/editorial/common.js';
import { invalidateAfterWrite } from '../resolvers/cache-upkeep.js';
import type { Viewer } from '../auth/viewer.js';
import { requestLog } from '../observability/log.js';
import { builder } from './builder.js';

// Conventions every editorial mutation follows (the mutations themselves sit in their type's
// file: organization.ts, series.ts, article.ts, achievement.ts; their logic and their inputs'
// rules in src/resolvers/editorial/). Every write:
//   - is for editors and admins only (`authScopes: { editor: true }`): no token → UNAUTHENTICATED,
//     a partner key → FORBIDDEN;
//   - validates its input field by field → BAD_USER_INPUT with `extensions.fields`;
//   - runs in one transaction: row lock, version check (→ NOT_FOUND or CONFLICT), write, search
//     vector, audit entry;
//   - after the commit, drops every cached answer it made stale (`afterCommit`).
// `editorialMutation` declares a field that does all of this.

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The description of the `version` field of the four editable types. */
export const versionDescription = (type: string) =>
  `Optimistic-concurrency version of this ${type}: 1 when created, one more with every write that changes it (an editor's, an import's or a corpus load's). Send it as \`expectedVersion\` when you change it.`;

/**
 * Runs after a committed write: drops the cached answers it made stale (see
 * `invalidateAfterWrite`), the audit log's included. A cache failure does not undo the write; the
 * entries then expire with their TTL.
 */
export async function afterCommit<T extends WriteResult>(ctx: Context, schema: GraphQLSchema, result: T): Promise<T> {
  if (!ctx.responseCache) return result;
  try {
    await invalidateAfterWrite(ctx.responseCache, schema, result.changed, [...result.types, 'AuditLogEntry']);
  } catch (error) {
    requestLog().error({ err: error }, 'The response cache could not be invalidated after a committed write');
  }
  return result;
}

type InputTypeParam = InputType<Types> | [InputType<Types>];
type Declared = { required: boolean; description: string };

/** The GraphQL types of an input's fields, e.g. `{ slug: 'String', aliases: ['String'] }`. */
export const inputTypes = <T extends Record<string, InputTypeParam>>(types: T): T => types;

/** The first two fields of every input that changes a versioned row. */
export const idAndVersion = inputTypes({ id: 'ID', expectedVersion: 'Int' });

/**
 * The fields of an editorial input: each of `types` (its GraphQL type, said once for the create
 * and the update input), required and described as `declared` (from the rules in
 * src/resolvers/editorial/), in the order declared.
 */
export function inputFields<D extends Record<string, Declared>, T extends { [K in keyof D]: InputTypeParam }>(
  t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>,
  types: T,
  declared: D,
): { [K in keyof D]: InputFieldRef<Types, InputShapeFromTypeParam<Types, T[K], D[K]['required']>> } {
  return Object.fromEntries(
    Object.entries(declared).map(([key, options]) => [key, t.field({ type: types[key]!, ...options })]),
  ) as never;
}

/**
 * An editorial mutation: for editors and admins, one required `input` argument, and `write`
 * (validation, transaction, audit: src/resolvers/editorial/) followed by `afterCommit`.
 */
export function editorialMutation<Input extends object, Result extends WriteResult>(
  t: PothosSchemaTypes.MutationFieldBuilder<Types, Types['Root']>,
  options: {
    type: ObjectRef<Types, Result>;
    description: string;
    input: InputObjectRef<Types, Input>;
    inputDescription: string;
    write: (db: Db, viewer: Viewer, input: Input) => Promise<Result>;
  },
) {
  const resolve = async (_root: unknown, { input }: { input: Input }, ctx: Context, info: GraphQLResolveInfo) =>
    afterCommit(ctx, info.schema, await options.write(ctx.prisma, ctx.viewer, input));
  return t.field({
    type: options.type,
    authScopes: { editor: true },
    description: options.description,
    args: { input: t.arg({ type: options.input, required: true, description: options.inputDescription }) },
    // Typed above from the two refs: Pothos' own resolver type does not narrow over generic ones.
    resolve: resolve as never,
  });
}

// Each model's row by id, with the selection the query asks for.
const findWritten = {
  Organization: (db: Db, query: object, id: string) => db.organization.findUniqueOrThrow({ ...query, where: { id } }),
  Series: (db: Db, query: object, id: string) => db.series.findUniqueOrThrow({ ...query, where: { id } }),
  Article: (db: Db, query: object, id: string) => db.article.findUniqueOrThrow({ ...query, where: { id } }),
  Achievement: (db: Db, query: object, id: string) => db.achievement.findUniqueOrThrow({ ...query, where: { id } }),
} satisfies Record<VersionedModel, unknown>;

/**
 * The payload of `mutation` (`createSeries` → `CreateSeriesPayload`): the written row of `model`
 * as it is now, in a field named after the model (`series`).
 */
export function writePayload(mutation: string, model: VersionedModel) {
  const field = model.toLowerCase();
  return builder.objectRef<WriteResult>(`${mutation[0]!.toUpperCase()}${mutation.slice(1)}Payload`).implement({
    description: `The result of ${mutation}.`,
    fields: (t) => ({
      [field]: t.prismaField({
        type: model,
        description: `The ${field} as it is now, with its new \`version\`.`,
        resolve: (query, result, _args, ctx) => findWritten[model](ctx.prisma, query, result.id),
      }),
    }),
  });
}
