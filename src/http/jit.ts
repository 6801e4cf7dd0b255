import { BREAK, getOperationAST, visit, type ExecutionArgs } from 'graphql';

// graphql-jit (GRAPHQL_JIT=on) compiles queries and mutations. It knows nothing of incremental
// delivery: a document with @defer or @stream would be answered whole, or refused. Subscriptions keep
// one context for hours and start each event afresh (src/resolvers/live.ts). So both go through
// graphql-js, whatever the setting; test/live.test.ts runs them with graphql-jit on.

/** Whether graphql-jit may run this operation: a query or mutation with no @defer or @stream. */
export function jitCanRun(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation === 'subscription') return false;
  let incremental = false;
  visit(args.document, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        incremental = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return !incremental;
}
