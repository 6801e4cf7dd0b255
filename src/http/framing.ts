import type { Plugin } from 'graphql-yoga';

// Framing rules: only the embed cards may be put in another site's frame, and each card says by
// whom in its own CSP (src/http/embed/routes.ts). Every other answer (the API, GraphiQL, errors,
// oEmbed JSON) forbids framing, with CSP `frame-ancestors 'none'` and, for browsers that predate
// it, `X-Frame-Options: DENY`.

/** Adds `frame-ancestors 'none'` and `X-Frame-Options: DENY` to every response that set no frame-ancestors itself. */
export function useFramingRules(): Plugin {
  return {
    onResponse({ response }) {
      const csp = response.headers.get('content-security-policy');
      if (csp && /(^|;)\s*frame-ancestors\b/i.test(csp)) return;
      response.headers.set('content-security-policy', csp ? `${csp}; frame-ancestors 'none'` : "frame-ancestors 'none'");
      response.headers.set('x-frame-options', 'DENY');
    },
  };
}
