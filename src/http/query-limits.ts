import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Limits } from './limits.js';

/**
 * An error for an operation over one of graphql-armor's limits: armor's message (which names the
 * limit and what it found) without its misleading "Syntax Error:" prefix, and a stable code.
 * `spec` lets Yoga answer 400 under application/graphql-response+json and 200 under
 * application/json, as the GraphQL-over-HTTP spec asks of requests that fail before execution.
 */
export function limitError(message: string, code: string, limit: number): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), {
    extensions: { code, limit, http: { status: 400, spec: true } },
  });
}

/** Reports a rejected operation as a validation error with its own code, instead of armor's throw. */
function reportAs(code: string, limit: number) {
  return {
    n: limit,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(error.message, code, limit))],
  };
}

/**
 * graphql-armor's depth, alias, directive and token limits. Tokens are counted while parsing, so
 * a huge document is abandoned at the first token over the limit; the others are validation rules.
 * The cost limit is armor's too, applied in src/http/query-cost.ts where the page sizes are known.
 * With `hideSuggestions`, "Did you mean …" hints that would reveal the schema are removed.
 */
export function useQueryLimits(
  limits: Pick<Limits, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxTokens'>,
  { hideSuggestions }: { hideSuggestions: boolean },
) {
  return EnvelopArmorPlugin({
    maxDepth: reportAs('DEPTH_LIMIT_EXCEEDED', limits.maxDepth),
    maxAliases: reportAs('ALIAS_LIMIT_EXCEEDED', limits.maxAliases),
    maxDirectives: reportAs('DIRECTIVE_LIMIT_EXCEEDED', limits.maxDirectives),
    maxTokens: {
      n: limits.maxTokens,
      // Parsing has no validation context to report to; throwing stops the parser at once.
      onReject: [
        (_context, error) => {
          throw limitError(error.message, 'TOKEN_LIMIT_EXCEEDED', limits.maxTokens);
        },
      ],
    },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: hideSuggestions, mask: '' },
  });
}
