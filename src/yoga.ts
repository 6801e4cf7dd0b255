import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, maskError } from 'graphql-yoga';
import { createContext } from './context.js';
import { toExpectedError } from './errors.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { useRejectNulCharacters } from './reject-nul.js';
import { responseCacheSession } from './response-cache.js';
import { schema } from './schema/index.js';

/** The example operations GraphiQL opens with (also run by the test suite against the corpus). */
export const GRAPHIQL_EXAMPLES = readFileSync(new URL('./graphiql/examples.graphql', import.meta.url), 'utf8');

export interface YogaOptions {
  prisma: PrismaClient;
  /** Serve GraphiQL on GET /graphql from a browser. Defaults to on. */
  graphiql?: boolean;
  /** The response cache (see src/response-cache.ts); none when omitted. */
  responseCache?: { cache: Cache; ttlMs: number };
  /**
   * Compile operations with graphql-jit. Off by default: graphql-jit 0.8 rejects an omitted
   * non-null variable that has a default value (the GraphiQL examples use those), and it hides
   * parts of the selection from Pothos' query planning (one more statement on nested lists).
   */
  jit?: boolean;
}

/**
 * Expected failures keep their message and `extensions.code`; everything else is replaced by a
 * generic message, never with stack, SQL or Prisma text, whatever NODE_ENV says.
 */
function maskUnexpected(error: unknown, message: string): Error {
  // Yoga's own request errors (malformed JSON, no query, …) carry their 4xx status already.
  const status = error instanceof GraphQLError ? (error.extensions?.http as { status?: number } | undefined)?.status : undefined;
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
export function createYogaServer({ prisma, graphiql = true, responseCache, jit = false }: YogaOptions) {
  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) => createContext({ request, prisma }),
    maskedErrors: { maskError: maskUnexpected },
    landingPage: false,
    // Unexpected errors are logged by maskUnexpected; expected ones are the client's business.
    logging: false,
    plugins: [
      useRejectNulCharacters(),
      // Compiled execution. Yoga's parser cache hands back the same document for the same query
      // text, and the plugin keeps each document's compiled form beside it.
      ...(jit ? [useGraphQlJit()] : []),
      ...(responseCache
        ? [
            useResponseCache({
              cache: responseCache.cache,
              ttl: responseCache.ttlMs,
              session: responseCacheSession,
              // Cached responses say so in extensions.responseCache (hit, didCache, ttl).
              includeExtensionMetadata: true,
            }),
          ]
        : []),
    ],
    graphiql: graphiql
      ? { title: 'Content federation API', defaultQuery: GRAPHIQL_EXAMPLES }
      : false,
    // The self-contained GraphiQL build: the page works offline and loads nothing from a CDN.
    renderGraphiQL,
  });
}

export type YogaServer = ReturnType<typeof createYogaServer>;
