import {
  getOperationAST,
  getVariableValues,
  isNonNullType,
  Kind,
  locatedError,
  type ExecutionArgs,
  type GraphQLError,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { jsonReader } from '../db/client.js';
import { compileRoot, type CompiledRoot } from './compile.js';
import { CAPTURE_ARGUMENTS, ROOTS } from './plugin.js';
import { collectFields, type SelectedField, type SelectionContext } from './selection.js';

// Whole operations, compiled. When every root field of a query is one the compiler covers, each
// root's statement returns its part of the response, final, and graphql-js does not walk it:
// no resolver runs per row or per field. What graphql-js would check on the way still holds:
//
// - variables are coerced by graphql-js's own getVariableValues;
// - each root field's arguments go through its own resolver chain (Pothos' argument mapping,
//   scope-auth, zod) with CAPTURE_ARGUMENTS as the parent, which returns them without reading;
// - each nested field that takes arguments is resolved once the same way, against a marked
//   parent, so that zod refuses what it refuses on the Prisma path;
// - the compiler covers only fields that are non-null in the database where the schema says so.
//
// A root without a row answers with its resolver's error (NOT_FOUND), placed as graphql-js places
// it. Any other refusal or error sends the operation through graphql-js as before, which gives
// the error its usual shape. The response cache wraps this executor, so hits, entity collection
// and invalidation are unchanged.

/** What a root's resolver throws when its row is missing; anything else is not ours to answer. */
function missingError(compiled: CompiledRoot): unknown {
  if (!compiled.missing) throw new Error('A compiled root found no row and has no error for it');
  try {
    return compiled.missing();
  } catch (error) {
    return error;
  }
}

/** Yoga plugin: runs fully compiled queries without graphql-js's execution. */
export function useCompiledOperations(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => (await executeCompiled(args)) ?? executeFn(args));
    },
  };
}

const info = (
  field: SelectedField,
  parentType: GraphQLObjectType,
  operation: OperationDefinitionNode,
  selection: SelectionContext,
): GraphQLResolveInfo =>
  // graphql 16's fields. (The gateway's typings, src/gateway/, declare graphql-tools' extra
  // members on GraphQLResolveInfo for the whole program; resolvers here never read them.)
  ({
  fieldName: field.name,
  fieldNodes: field.nodes,
  returnType: field.def.type,
  parentType,
  path: { prev: undefined, key: field.key, typename: parentType.name },
  schema: selection.schema,
  fragments: selection.fragments,
  rootValue: undefined,
  operation,
  variableValues: selection.variableValues,
  }) satisfies Omit<GraphQLResolveInfo, 'getAbortSignal' | 'getAsyncHelpers'> as unknown as GraphQLResolveInfo;

async function executeCompiled(args: ExecutionArgs): Promise<ExecutionResult | null> {
  const ctx = args.contextValue as Context | undefined;
  if (!ctx?.compiledReads) return null;
  const operation = getOperationAST(args.document, args.operationName);
  const queryType = args.schema.getQueryType();
  if (!operation || operation.operation !== 'query' || !queryType) return null;
  const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
  if (variables.errors) return null;
  const fragments = Object.fromEntries(
    args.document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const selection: SelectionContext = { schema: args.schema, fragments, variableValues: variables.coerced };

  try {
    const roots = collectFields(queryType, [operation.selectionSet], selection, true);
    const parts: { root: SelectedField; compiled: CompiledRoot | null }[] = [];
    for (const root of roots) {
      if (root.name === '__typename') {
        parts.push({ root, compiled: null });
        continue;
      }
      const compiler = ROOTS[root.name];
      if (!compiler || !root.def.resolve) return null;
      const mapped = await root.def.resolve(CAPTURE_ARGUMENTS, root.args, ctx, info(root, queryType, operation, selection));
      if (mapped === null || typeof mapped !== 'object') return null;
      const compiled = compileRoot(compiler, root, mapped as Record<string, unknown>, ctx.viewer, selection, true);
      for (const { field, parentType } of compiled.withArguments) {
        await field.def.resolve?.({ $c: true, [field.key]: null }, field.args, ctx, info(field, parentType, operation, selection));
      }
      parts.push({ root, compiled });
    }
    const read = jsonReader(ctx.prisma);
    const values = await Promise.all(parts.map(({ compiled }) => (compiled ? read(compiled.statement) : queryType.name)));
    const data: Record<string, unknown> = {};
    const errors: GraphQLError[] = [];
    for (const [i, { root, compiled }] of parts.entries()) {
      const value = values[i];
      if (value != null) {
        data[root.key] = compiled ? JSON.parse(value) : value;
        continue;
      }
      // No row: the error the field's resolver throws (NOT_FOUND), placed as graphql-js places
      // it. A non-null root makes the whole of `data` null, and graphql-js reports that error alone.
      const error = locatedError(missingError(compiled!), root.nodes, [root.key]);
      if (isNonNullType(root.def.type)) return { data: null, errors: [error] };
      errors.push(error);
      data[root.key] = null;
    }
    return errors.length ? { data, errors } : { data };
  } catch {
    // Not covered, or refused: graphql-js runs the operation and reports what is wrong.
    return null;
  }
}
