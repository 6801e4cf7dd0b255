import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  getOperationAST,
  Kind,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { limitError } from './query-limits.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging.js';

/** The response header that reports what a request's operations cost (summed over a batch). */
export const COST_HEADER = 'X-GraphQL-Cost';

/**
 * graphql-armor's cost model: 2 per object field, 1 per scalar, the subtree times the page size
 * of a `first`/`last` argument. Armor's default depth factor (1.5 per level) is set to 1 here:
 * connections nest two levels per page (edges, node), so 1.5 compounds to 2.25 per connection on
 * top of the page size, and the depth limit already bounds nesting. With 1 the cost is about the
 * number of values a response can hold.
 */
export const COST_MODEL = { objectCost: 2, scalarCost: 1, depthCostFactor: 1, ignoreIntrospection: true } as const;

// Armor multiplies by `first`/`last` only when they are literals. A page size from a variable,
// or an omitted one (the schema's default of 20), would count as 1 and let `first: $n` through
// at 100 times the cost; so each operation is costed with its page sizes written out.

const int = (value: number): ValueNode => ({ kind: Kind.INT, value: String(value) });

function pageSizeOf(value: ValueNode, variables: Record<string, unknown>, defaults: Map<string, ValueNode>) {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind !== Kind.VARIABLE) return undefined;
  const given = variables[value.name.value];
  if (typeof given === 'number') return given;
  if (given === undefined) {
    const fallback = defaults.get(value.name.value);
    if (fallback?.kind === Kind.INT) return Number(fallback.value);
  }
  return undefined;
}

/** The field with one `first` argument holding the page size the server will use. */
function withPageSize(node: FieldNode, variables: Record<string, unknown>, defaults: Map<string, ValueNode>): FieldNode {
  const sizes: number[] = [];
  const others: ArgumentNode[] = [];
  for (const arg of node.arguments ?? []) {
    if (arg.name.value !== 'first' && arg.name.value !== 'last') others.push(arg);
    else {
      const size = pageSizeOf(arg.value, variables, defaults);
      if (size !== undefined) sizes.push(size);
    }
  }
  // Sizes out of range are refused by the schema; here they only must not inflate the cost.
  const size = sizes.length ? Math.min(Math.max(0, ...sizes), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const first: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: int(size) };
  return { ...node, arguments: [...others, first] };
}

/**
 * A federation gateway's `_entities(representations:)`: every representation resolves the whole
 * selection, so it counts like a page of that many items (unclamped; the cost limit is the bound).
 */
function withRepresentationCount(node: FieldNode, variables: Record<string, unknown>): FieldNode {
  const value = node.arguments?.find((arg) => arg.name.value === 'representations')?.value;
  const given = value?.kind === Kind.VARIABLE ? variables[value.name.value] : undefined;
  const count = value?.kind === Kind.LIST ? value.values.length : Array.isArray(given) ? given.length : 1;
  const first: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: int(count) };
  return { ...node, arguments: [...(node.arguments ?? []), first] };
}

type CostResult = { cost: number } | { rejected: string };

/** Costs `operation` under COST_MODEL with the request's page sizes; over `maxCost` is an error. */
function costOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxCost: number,
): CostResult {
  const defaults = new Map(
    (operation.variableDefinitions ?? []).flatMap((d) => (d.defaultValue ? [[d.variable.name.value, d.defaultValue] as const] : [])),
  );
  const typeInfo = new TypeInfo(schema);
  const paged: ASTVisitor = {
    Field(node) {
      if (node.name.value === '_entities' && typeInfo.getParentType() === schema.getQueryType()) {
        return withRepresentationCount(node, variables);
      }
      // Connection fields are the ones that take a page size.
      const paginated = typeInfo.getFieldDef()?.args.some((arg) => arg.name === 'first');
      return paginated ? withPageSize(node, variables, defaults) : undefined;
    },
  };
  const sized = visit(document, visitWithTypeInfo(typeInfo, paged));
  const sizedOperation = sized.definitions[document.definitions.indexOf(operation)] as OperationDefinitionNode;

  let result: CostResult | undefined;
  const context = new ValidationContext(schema, sized, new TypeInfo(schema), () => {});
  const rule = costLimitRule({
    ...COST_MODEL,
    maxCost,
    propagateOnRejection: false,
    onAccept: [(_context, { n }: { n: number }) => (result = { cost: Math.ceil(n) })],
    onReject: [(_context, error) => (result = { rejected: error.message })],
  });
  visit(sizedOperation, rule(context) as ASTVisitor);
  return result ?? { cost: 0 };
}

interface OperationCosts {
  /** Variables that set a page size or hold `_entities` representations: the only ones the cost depends on. */
  pageVariables: string[];
  /** Cost by the values of those variables. */
  byPageSizes: Map<string, CostResult>;
}

const MAX_COSTS_PER_OPERATION = 256;

/**
 * Enforces `maxCost` on every operation once it has passed validation, before any resolver or
 * database work, and reports the cost in the `X-GraphQL-Cost` response header. The cost depends
 * on the document and its page-size variables only, so it is computed once per combination.
 */
export function useQueryCost({ maxCost }: { maxCost: number }): Plugin {
  const costs = new WeakMap<OperationDefinitionNode, OperationCosts>();
  const totals = new WeakMap<Request, number>();

  function costOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
    let known = costs.get(operation);
    if (!known) {
      const pageVariables = new Set<string>();
      visit(document, {
        Argument(arg) {
          const sized = arg.name.value === 'first' || arg.name.value === 'last' || arg.name.value === 'representations';
          if (sized && arg.value.kind === Kind.VARIABLE) {
            pageVariables.add(arg.value.name.value);
          }
        },
      });
      known = { pageVariables: [...pageVariables], byPageSizes: new Map() };
      costs.set(operation, known);
    }
    // A list of representations counts by its length only.
    const key = JSON.stringify(known.pageVariables.map((name) => {
      const value = variables[name];
      return Array.isArray(value) ? `length ${value.length}` : (value ?? null);
    }));
    let result = known.byPageSizes.get(key);
    if (!result) {
      result = costOperation(schema, document, operation, variables, maxCost);
      if (known.byPageSizes.size >= MAX_COSTS_PER_OPERATION) known.byPageSizes.clear();
      known.byPageSizes.set(key, result);
    }
    return result;
  }

  return {
    onValidate({ params: { schema, documentAST }, context }) {
      return ({ valid }) => {
        if (!valid) return;
        const { params, request } = context as { params?: GraphQLParams; request?: Request };
        const operation = getOperationAST(documentAST, params?.operationName);
        if (!operation) return;
        const result = costOf(schema, documentAST, operation, (params?.variables ?? {}) as Record<string, unknown>);
        // Thrown, not set as the validation result: Yoga caches validation results by document,
        // and the cost also depends on the variables.
        if ('rejected' in result) throw limitError(result.rejected, 'COST_LIMIT_EXCEEDED', maxCost);
        if (request) totals.set(request, (totals.get(request) ?? 0) + result.cost);
      };
    },
    onResponse({ request, response }) {
      const total = totals.get(request);
      if (total !== undefined) response.headers.set(COST_HEADER, String(total));
    },
  };
}
