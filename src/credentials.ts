import { createHash } from 'node:crypto';

/**
 * A digest of the credentials a request presents (`Authorization` and `x-api-key`), or null when
 * it presents none. It says nothing about whether they are valid: it separates callers, so that
 * the response cache never shares an entry between different credentials and the rate limiter
 * counts each key on its own. The secret itself is never kept.
 */
export function credentialDigest(request: Request): string | null {
  const credential = [request.headers.get('authorization'), request.headers.get('x-api-key')].filter(Boolean).join('\n');
  return credential ? createHash('sha256').update(credential).digest('base64url') : null;
}
