import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// API keys (partners) and tokens (editors, admins) share one format:
//
//   cfk_<keyId>_<secret>     keyId: 16 hex digits, not secret (it names the row, and shows in
//                            `keys list` and logs); secret: 32 random bytes, base64url (43 chars)
//
// Only a scrypt hash of the secret is stored, with a salt of its own. A request's credential is
// found by its keyId (one indexed lookup) and its secret compared with timingSafeEqual.

export const CREDENTIAL_PREFIX = 'cfk_';
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const CREDENTIAL_PATTERN = /^cfk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

// N = 2^14, r = 8 (16 MiB, tens of milliseconds): the secrets are random, so this guards a
// leaked table, not a weak password. The parameters are stored with each hash so they can change.
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 };

/** Whether a string is a well-formed key id (the `<keyId>` part of a credential). */
export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** The parts of a well-formed credential string, or null for anything else. */
export function parseCredential(presented: string): { keyId: string; secret: string } | null {
  const match = CREDENTIAL_PATTERN.exec(presented);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** A new credential: the string to hand over once, and what to store (never the secret). */
export async function generateCredential() {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const { N, r, p, keyLength } = SCRYPT;
  const hash = await scryptAsync(secret, salt, keyLength, { N, r, p });
  return {
    presented: `${CREDENTIAL_PREFIX}${keyId}_${secret}`,
    keyId,
    secretHash: `scrypt:${N}:${r}:${p}:${hash.toString('base64url')}`,
    salt: salt.toString('base64url'),
  };
}

/** Whether `secret` matches a stored `secretHash` and `salt`, compared in constant time. */
export async function verifySecret(secret: string, stored: { secretHash: string; salt: string }): Promise<boolean> {
  const [scheme, n, r, p, hash] = stored.secretHash.split(':');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(stored.salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What a request presents: nothing, one credential string, or something unusable (a non-Bearer
 * Authorization header, or two different credentials at once).
 */
export type PresentedCredential = { kind: 'none' } | { kind: 'credential'; value: string } | { kind: 'malformed' };

/** Reads `Authorization: Bearer …` and `x-api-key`; the same string in both counts once. */
export function presentedCredential(request: Request): PresentedCredential {
  const authorization = request.headers.get('authorization')?.trim();
  const apiKey = request.headers.get('x-api-key')?.trim();
  let bearer: string | undefined;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) return { kind: 'malformed' };
    bearer = match[1];
  }
  if (bearer && apiKey && bearer !== apiKey) return { kind: 'malformed' };
  const value = bearer || apiKey;
  return value ? { kind: 'credential', value } : { kind: 'none' };
}

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
