import { createHash } from 'node:crypto';
import { generateCredential, parseCredential, presentedCredential, verifySecret } from './keys.js';
import { UnauthenticatedError } from '../domain/errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { CredentialKind } from '../generated/prisma/enums.js';
import { ANONYMOUS, credentialViewer, type Viewer } from './viewer.js';
import { loadOrganizationScope } from './scope.js';

/** What `keys create` asks for. Organization and origins are for partner and embed keys only. */
export interface CreateCredentialInput {
  kind: CredentialKind;
  name: string;
  expiresAt?: Date | null;
  /** The slug of the organization whose subtree a partner or embed key is limited to. */
  organizationSlug?: string | null;
  allowedOrigins?: string[];
  /** Partner keys: may only run trusted documents (persisted operations by hash). */
  trustedDocumentsOnly?: boolean;
}

/** A credential as `keys list` shows it: everything but the secret's hash and salt. */
export interface CredentialSummary {
  id: string;
  kind: CredentialKind;
  name: string;
  keyId: string;
  organizationSlug: string | null;
  allowedOrigins: string[];
  trustedDocumentsOnly: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A request for a credential that cannot be met (no such organization, key id, …). */
export class CredentialInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialInputError';
  }
}

/**
 * Whether a string is an http(s) origin exactly as browsers send it. Allowed origins end up in
 * CORS and CSP headers, so nothing else (no path, space or `;`) may get in.
 */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * Creates a credential and returns its string: the only time the secret exists outside the
 * caller's hands. The database keeps its scrypt hash.
 */
export async function createCredential(prisma: PrismaClient, input: CreateCredentialInput) {
  const name = input.name.trim();
  if (!name) throw new CredentialInputError('The name must not be empty');
  const staff = input.kind === 'EDITOR' || input.kind === 'ADMIN';
  if (staff && (input.organizationSlug || input.allowedOrigins?.length || input.trustedDocumentsOnly)) {
    throw new CredentialInputError('Only partner and embed keys have an organization, allowed origins or a trusted-documents restriction');
  }
  for (const origin of input.allowedOrigins ?? []) {
    if (!isOrigin(origin)) throw new CredentialInputError(`"${origin}" is not an origin such as https://partner.example (scheme, host, port; no path)`);
  }
  // An embed key without an origin could frame its cards nowhere; one key per partner site.
  if (input.kind === 'EMBED' && !input.allowedOrigins?.length) {
    throw new CredentialInputError('An embed key needs at least one allowed origin (the partner site that frames the cards)');
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new CredentialInputError('The expiry date must be in the future');
  }
  let organizationId: string | null = null;
  if (input.organizationSlug) {
    const organization = await prisma.organization.findUnique({ where: { slug: input.organizationSlug }, select: { id: true } });
    if (!organization) throw new CredentialInputError(`There is no organization with slug "${input.organizationSlug}"`);
    organizationId = organization.id;
  }
  const generated = await generateCredential();
  const row = await prisma.credential.create({
    data: {
      kind: input.kind,
      name,
      keyId: generated.keyId,
      secretHash: generated.secretHash,
      salt: generated.salt,
      organizationId,
      allowedOrigins: input.allowedOrigins ?? [],
      trustedDocumentsOnly: input.kind === 'EMBED' || (input.trustedDocumentsOnly ?? false),
      expiresAt: input.expiresAt ?? null,
    },
    select: { id: true, keyId: true },
  });
  return { id: row.id, keyId: row.keyId, secret: generated.presented };
}

/** Every credential, oldest first, without secrets or hashes. */
export async function listCredentials(prisma: PrismaClient): Promise<CredentialSummary[]> {
  const rows = await prisma.credential.findMany({
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      kind: true,
      name: true,
      keyId: true,
      organization: { select: { slug: true } },
      allowedOrigins: true,
      trustedDocumentsOnly: true,
      createdAt: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
    },
  });
  return rows.map(({ organization, ...row }) => ({ ...row, organizationSlug: organization?.slug ?? null }));
}

/**
 * Revokes a credential by key id. It is refused from the next request on: every request reads
 * the credential's row, and nothing caches a lookup beyond one request. Returns false when the
 * credential was already revoked.
 */
export async function revokeCredential(prisma: PrismaClient, keyId: string): Promise<boolean> {
  const row = await prisma.credential.findUnique({ where: { keyId }, select: { revokedAt: true } });
  if (!row) throw new CredentialInputError(`There is no credential with key id "${keyId}"`);
  if (row.revokedAt) return false;
  await prisma.credential.update({ where: { keyId }, data: { revokedAt: new Date() } });
  return true;
}

// scrypt costs tens of milliseconds of CPU; a partner sending many requests should pay it once.
// What is remembered is only "this secret matches this stored hash", a fact that cannot go stale:
// the row itself (revocation, expiry) is read again on every request. Bounded, oldest out first.
const VERIFIED_MAX = 10_000;
const verified = new Set<string>();

async function secretMatches(secret: string, row: { id: string; secretHash: string; salt: string }) {
  const memo = createHash('sha256').update(`${row.id}\n${row.secretHash}\n${secret}`).digest('base64url');
  if (verified.has(memo)) return true;
  if (!(await verifySecret(secret, row))) return false;
  verified.add(memo);
  if (verified.size > VERIFIED_MAX) verified.delete(verified.values().next().value!);
  return true;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** The viewer a credential string stands for; throws UnauthenticatedError for any bad one. */
async function authenticate(prisma: PrismaClient, presented: string): Promise<Viewer> {
  const parts = parseCredential(presented);
  if (!parts) throw new UnauthenticatedError('The API key or token is malformed');
  const row = await prisma.credential.findUnique({
    where: { keyId: parts.keyId },
    select: { id: true, kind: true, name: true, secretHash: true, salt: true, organizationId: true, allowedOrigins: true, trustedDocumentsOnly: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  // Unknown key id and wrong secret read the same: the key id alone proves nothing.
  if (!row || !(await secretMatches(parts.secret, row))) throw new UnauthenticatedError('The API key or token is not valid');
  const now = Date.now();
  if (row.revokedAt) throw new UnauthenticatedError('The API key or token has been revoked');
  if (row.expiresAt && row.expiresAt.getTime() <= now) throw new UnauthenticatedError('The API key or token has expired');
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // One write a minute at most per credential: enough to tell a live key from a forgotten one.
    await prisma.credential.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  const viewer = credentialViewer(row);
  // A scoped partner key's subtree, once per request: every scope rule reads it synchronously.
  return viewer.organizationScopeId
    ? { ...viewer, organizationScope: await loadOrganizationScope(prisma, viewer.organizationScopeId) }
    : viewer;
}

// One authentication per HTTP request, however many operations it batches and whoever asks
// first (the response cache's session, or createContext). Dies with the request.
const viewers = new WeakMap<Request, Promise<Viewer>>();

/**
 * The viewer of a request: anonymous without a credential, the credential's viewer with a valid
 * one. Rejects with UnauthenticatedError (401) for a malformed, unknown, forged, revoked or
 * expired credential; never falls back to anonymous.
 */
export function requestViewer(prisma: PrismaClient, request: Request): Promise<Viewer> {
  let viewer = viewers.get(request);
  if (!viewer) {
    const presented = presentedCredential(request);
    viewer =
      presented.kind === 'none'
        ? Promise.resolve(ANONYMOUS)
        : presented.kind === 'malformed'
          ? Promise.reject(new UnauthenticatedError('Present one credential, as `Authorization: Bearer <key>` or `x-api-key: <key>`'))
          : authenticate(prisma, presented.value);
    // Whoever asks may not await it at once; a rejection here is handled by them.
    viewer.catch(() => {});
    viewers.set(request, viewer);
  }
  return viewer;
}

/**
 * The viewer of a request if something has already looked it up (the origin check, the response
 * cache's session or createContext), else null: never starts a lookup. Null also for a refused
 * credential.
 */
export async function peekRequestViewer(request: Request): Promise<Viewer | null> {
  const viewer = viewers.get(request);
  return viewer ? viewer.catch(() => null) : null;
}
