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

const CONTENT_LENGTH = /^\d+$/;

const bodyTooLarge = (limit: number) =>
  createGraphQLError('Request body too large', {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', limit, http: { status: 413 } },
  });

/**
 * The request body limit, as yoga's `maxRequestBodySize` applies it, at less cost per request.
 *
 * - A declared `Content-Length` over the limit gets 413 before the body is read; a malformed one
 *   (not one whole number: also the smuggling trick of two comma-joined lengths) gets 400.
 * - A declared length within the limit is all there is to read: Node's HTTP parser ends the body
 *   there (and refuses a request that declares both a length and chunked encoding). Yoga would
 *   still pipe it through a counting stream, a web-stream pipeline that costs some 4 % of the CPU
 *   of a small read; here it is read as it is.
 * - A body without a length (chunked) is counted as it streams, and reading stops past the limit
 *   with 413, as yoga does.
 *
 * In-process callers of `yoga.fetch` are trusted with their own `Content-Length`. Must come after
 * every plugin that registers a request parser (it wraps the one chosen); yoga's own is turned off
 * (`maxRequestBodySize: false`).
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared != null) {
        if (!CONTENT_LENGTH.test(declared)) {
          throw createGraphQLError('Content-Length header is invalid.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
        if (Number(declared) > limit) throw bodyTooLarge(limit);
        return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser((req) => requestParser(countingBody(req, limit, fetchAPI)));
    },
  };
}

/** `request` with a body that errors with 413 once more than `limit` bytes have streamed through. */
function countingBody(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  const body = request.body;
  if (!body) return request;
  // A native stream needs the native TransformStream, a ponyfilled one the ponyfill's (as yoga does).
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const counted = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(bodyTooLarge(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted,
    duplex: 'half',
  } as RequestInit);
}
