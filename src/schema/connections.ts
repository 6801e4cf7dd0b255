import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.js';
import { BadUserInputError } from '../domain/errors.js';
import type { CursorModel } from '../loaders/cursor-targets.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a connection's `after`/`before` cursor before the page is read: it must be one of our
 * cursors, and it must point at a row of this connection's own model. Without this, a cursor
 * copied from another connection silently returns an empty page.
 *
 * A field opts in with `extensions: { cursorModel: 'Article' }` (see `connectionGuard`).
 */
export async function assertCursors(ctx: Context, model: CursorModel, args: Record<string, unknown>) {
  for (const name of ['after', 'before'] as const) {
    const cursor = args[name];
    if (cursor == null) continue;
    let id: unknown;
    try {
      id = parsePrismaCursor(cursor);
    } catch {
      throw new BadUserInputError(`"${name}" is not a valid cursor`, { argument: name });
    }
    if (typeof id !== 'string' || !UUID.test(id) || !(await ctx.loaders.cursorTargets.load(`${model}:${id}`))) {
      throw new BadUserInputError(`"${name}" is a cursor from another connection`, { argument: name });
    }
  }
}

/**
 * The project's connection conventions, as a Pothos plugin: cursors are checked (see
 * `assertCursors`), and every `totalCount` field is documented.
 */
class ConnectionsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.name === 'totalCount' && !fieldConfig.description) {
      return { ...fieldConfig, description: 'How many items the whole connection holds, across all pages.' };
    }
    return fieldConfig;
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const model = fieldConfig.extensions?.cursorModel as CursorModel | undefined;
    if (!model) return resolver;
    return async (parent, args, ctx, info) => {
      await assertCursors(ctx as Context, model, args as Record<string, unknown>);
      return resolver(parent, args, ctx, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      connections: ConnectionsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('connections', ConnectionsPlugin);

/** Field extensions that make the connections plugin check a connection's cursors against `model`. */
export const connectionGuard = (model: CursorModel) => ({ extensions: { cursorModel: model } });
