import { GraphQLError, Kind, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const MESSAGE = 'Strings must not contain NUL (\\u0000) characters';

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

function nulError() {
  return new GraphQLError(MESSAGE, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

function NoNulStrings(context: ValidationContext): ASTVisitor {
  return {
    [Kind.STRING](node) {
      if (node.value.includes('\u0000')) context.reportError(nulError());
    },
  };
}

/**
 * PostgreSQL text cannot hold NUL, so a string with one would fail deep in the database with an
 * unexpected error. Reject it up front, in literals and in variables, as bad input.
 */
export function useRejectNulCharacters(): Plugin {
  return {
    onParams({ params }) {
      if (containsNul(params.variables) || containsNul(params.operationName)) throw nulError();
    },
    onValidate({ addValidationRule }) {
      addValidationRule(NoNulStrings);
    },
  };
}
