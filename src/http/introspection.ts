import { getOperationAST, GraphQLError, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';

// `_service { sdl }` (federation) is the whole schema too: a gateway reads it with a credential
// that may introspect, or from a server where introspection is public (docs/federation.md).
const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '_service']);

/** Whether a selection, through its fragments, asks for `__schema` or `__type` (`__typename` is fine). */
function introspects(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) {
      return INTROSPECTION_FIELDS.has(selection.name.value) || (selection.selectionSet ? introspects(document, selection.selectionSet, seen) : false);
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) return introspects(document, selection.selectionSet, seen);
    if (seen.has(selection.name.value)) return false;
    seen.add(selection.name.value);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? introspects(document, fragment.selectionSet, seen) : false;
  });
}

/**
 * Restricted introspection: only viewers with `canIntrospect` (editors and admins) may execute an
 * operation that reads `__schema`, `__type` or `_service`; anyone else gets 403 with code `FORBIDDEN`. It is
 * checked at execution, where the viewer is known, and never reaches a resolver or the response
 * cache. Used in production; in development the schema is open to GraphiQL.
 */
export function useRestrictedIntrospection(): Plugin {
  const verdicts = new WeakMap<DocumentNode, Map<string | null, boolean>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const viewer = (args.contextValue as { viewer?: Viewer }).viewer;
      if (viewer?.canIntrospect) return;
      const name = args.operationName ?? null;
      let byOperation = verdicts.get(args.document);
      if (!byOperation) verdicts.set(args.document, (byOperation = new Map()));
      let verdict = byOperation.get(name);
      if (verdict === undefined) {
        const operation = getOperationAST(args.document, name);
        verdict = operation ? introspects(args.document, operation.selectionSet) : false;
        byOperation.set(name, verdict);
      }
      if (verdict) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError('Introspection is limited to editors and admins on this server', {
              extensions: { code: 'FORBIDDEN', http: { status: 403, spec: true } },
            }),
          ],
        });
      }
    },
  };
}
