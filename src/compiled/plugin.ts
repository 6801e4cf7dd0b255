import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.js';
import { jsonReader } from '../db/client.js';
import { NotFoundError } from '../domain/errors.js';
import { compileRoot, COMPILED_TYPES, rootCompilers } from './compile.js';

// The compiled read path as a Pothos plugin. It sits outside plugin-prisma (after scope-auth and
// zod, so authorization and argument validation run first, as they do for the Prisma path):
//
// - A root field the compiler covers runs one SQL statement and returns the finished rows.
// - Every field of a compiled object (marked `$c`) returns the value under its response key:
//   no Prisma selection mapping, no per-row loader work.
// - Anything else, and every request whose context has `compiledReads` off, takes the Prisma
//   path unchanged.

export const ROOTS = rootCompilers((type, key) => new NotFoundError(type, key));

/** A root field resolved with this parent returns its arguments, mapped and validated, and reads nothing. */
export const CAPTURE_ARGUMENTS = Object.freeze({});

/** Objects the compiled path produced carry this marker. */
interface CompiledRow {
  $c: true;
  [key: string]: unknown;
}

const isCompiled = (parent: unknown): parent is CompiledRow =>
  typeof parent === 'object' && parent !== null && (parent as CompiledRow).$c === true;

/** Connection, edge and page-info types, whose objects the compiler also builds. */
const isConnectionPart = (type: string) => type === 'PageInfo' || /Connection(Edge)?$/.test(type);

class CompiledReadsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.kind === 'Query') {
      const compiler = ROOTS[fieldConfig.name];
      if (!compiler) return resolver;
      return (parent, args, context, info) => {
        // ./operation.ts asks for the arguments as Pothos mapped and validated them.
        if (parent === CAPTURE_ARGUMENTS) return args;
        const ctx = context as Context;
        if (!ctx.compiledReads) return resolver(parent, args, context, info);
        let compiled;
        try {
          const field = { key: String(info.path.key), name: info.fieldName, def: info.parentType.getFields()[info.fieldName]!, args: {}, nodes: [...info.fieldNodes] };
          compiled = compileRoot(compiler, field, args as Record<string, unknown>, ctx.viewer, info, false);
        } catch {
          // Not covered (or an argument the Prisma path refuses with its own error).
          return resolver(parent, args, context, info);
        }
        return jsonReader(ctx.prisma)(compiled.statement).then((json) => {
          if (json == null) return compiled.missing ? compiled.missing() : null;
          return JSON.parse(json) as unknown;
        });
      };
    }
    if (!COMPILED_TYPES.has(fieldConfig.parentType) && !isConnectionPart(fieldConfig.parentType)) return resolver;
    return (parent, args, context, info) => (isCompiled(parent) ? parent[info.path.key] : resolver(parent, args, context, info));
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      compiledReads: CompiledReadsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('compiledReads', CompiledReadsPlugin);
