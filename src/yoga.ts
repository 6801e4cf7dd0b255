import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, maskError } from 'graphql-yoga';
import { createContext } from './context.js';
import { toExpectedError } from './errors.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { useRejectNulCharacters } from './reject-nul.js';
import { schema } from './schema/index.js';

/** The example operations GraphiQL opens with (also run by the test suite against the corpus). */
export const GRAPHIQL_EXAMPLES = readFileSync(new URL('./graphiql/examples.graphql', import.meta.url), 'utf8');

export interface YogaOptions {
  prisma: PrismaClient;
  /** Serve GraphiQL on GET /graphql from a browser. Defaults to on. */
  graphiql?: boolean;
}

/**
 * Expected failures keep their message and `extensions.code`; everything else is replaced by a
 * generic message, never with stack, SQL or Prisma text, whatever NODE_ENV says.
 */
function maskUnexpected(error: unknown, message: string): Error {
  // Yoga's own request errors (malformed JSON, no query, …) carry their 4xx status already.
  const status = error instanceof GraphQLError ? (error.extensions.http as { status?: number } | undefined)?.status : undefined;
  if (status !== undefined && status < 500) return error as GraphQLError;
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const expected = toExpectedError(original);
  if (expected) {
    return new GraphQLError(expected.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: expected.extensions,
    });
  }
  // The client gets a generic message; the operator's log gets the real error.
  console.error('Unexpected error while executing a GraphQL request:', original);
  return maskError(error, message, false);
}

/** Builds the GraphQL server; `src/server.ts` puts it on a port, tests call `yoga.fetch`. */
export function createYogaServer({ prisma, graphiql = true }: YogaOptions) {
  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) => createContext({ request, prisma }),
    maskedErrors: { maskError: maskUnexpected },
    landingPage: false,
    // Unexpected errors are logged by maskUnexpected; expected ones are the client's business.
    logging: false,
    plugins: [useRejectNulCharacters()],
    graphiql: graphiql
      ? { title: 'Content federation API', defaultQuery: GRAPHIQL_EXAMPLES }
      : false,
    // The self-contained GraphiQL build: the page works offline and loads nothing from a CDN.
    renderGraphiQL,
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
