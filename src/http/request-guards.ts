import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { persistedQueryHashOfGet } from './partner-access.js';

/** The header a client may send to show that its request is not a plain browser form or link. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * CSRF prevention (@graphql-yoga/plugin-csrf-prevention): a browser sends some cross-site
 * requests without asking the server first (a GET, or a POST of a form or text/plain), so those
 * must carry a header no plain page can add. JSON POSTs, such as GraphiQL's, are preflighted by the
 * browser and pass as they are. Refused requests get 403 with code `CSRF_PREVENTED`.
 *
 * A GET naming a trusted document by hash, with no query text, passes without the header, so a
 * CDN or a partner page can fetch it as a plain URL: a GET never runs a mutation (yoga refuses
 * one with 405, and trusted documents are queries only), the document is one of ours, and a
 * forging page cannot read the answer (CORS). Such a request changes nothing, so it cannot be
 * forged to any effect.
 */
export function useCsrfPrevention(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      if (persistedQueryHashOfGet(payload.request)) return;
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
