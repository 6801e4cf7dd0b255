import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** The header a client may send to show that its request is not a plain browser form or link. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * CSRF prevention (@graphql-yoga/plugin-csrf-prevention): a browser sends some cross-site
 * requests without asking the server first (a GET, or a POST of a form or text/plain), so those
 * must carry a header no plain page can add. JSON POSTs, such as GraphiQL's, are preflighted by the
 * browser and pass as they are. Refused requests get 403 with code `CSRF_PREVENTED`.
 */
export function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      try {
        return csrf.onRequestParse!(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        // The plugin's own error has no code and no hint of what to send instead.
        throw createGraphQLError(
          `Request refused as a possible cross-site request forgery: send a JSON POST (content-type: application/json) or add the ${CSRF_HEADER} header`,
          { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
}

/**
 * Refuses a batch (a JSON array of operations) longer than `max` with 413 and code
 * `BATCH_LIMIT_EXCEEDED`, before any of its operations is parsed. Yoga's own `batching.limit`
 * stays behind it as a backstop, with a generic code.
 */
export function useBatchLimit(max: number): Plugin {
  return {
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult) && requestParserResult.length > max) {
            throw createGraphQLError(`A batch may hold at most ${max} operations; this one has ${requestParserResult.length}.`, {
              extensions: { code: 'BATCH_LIMIT_EXCEEDED', limit: max, http: { status: 413 } },
            });
          }
        },
      };
    },
  };
}
