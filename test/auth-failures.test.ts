import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFromEnv } from '../src/http/limits.js';
import { createCredential } from '../src/auth/credentials.js';
import { createMemoryRateLimitStore, createRedisRateLimitStore, type RateLimitStore } from '../src/http/rate-limit.js';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { createTestApi, postFrom, type HttpAnswer as Answer, type TestApi } from './support/api.js';
import { databaseFingerprint, type DatabaseFingerprint } from './support/fingerprint.js';
import { REDIS_URL, testStores } from './support/redis.js';

// Guessing keys: every request with a random key is a fresh credential, so the per-key rate limit
// alone would give each guess a full bucket. Failed authentications are therefore counted per
// address, and an address that spent them may not present any credential for a while.

/** `{ __typename }` from `from`, with these headers. */
const post = (yoga: YogaServer, from: string, headers: Record<string, string> = {}) =>
  postFrom(yoga, { query: '{ __typename }' }, { from, headers });

/** A well-formed key (16 hex digits of key id, 32 bytes of secret) that matches no credential. */
const randomKey = () => `cfk_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
const code = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

it('reads AUTH_FAILURE_LIMIT from the environment, with "off" turning it off', () => {
  expect(limitsFromEnv({}).limits.authFailureLimit).toEqual(DEFAULT_LIMITS.authFailureLimit);
  expect(limitsFromEnv({ AUTH_FAILURE_LIMIT: '5', RATE_LIMIT_WINDOW_SECONDS: '30' }).limits.authFailureLimit).toEqual({
    max: 5,
    windowMs: 30_000,
  });
  expect(limitsFromEnv({ AUTH_FAILURE_LIMIT: 'off' }).limits.authFailureLimit).toBeNull();
  expect(() => limitsFromEnv({ AUTH_FAILURE_LIMIT: '-1' })).toThrow(/AUTH_FAILURE_LIMIT must be a whole number/);
});

const stores = await testStores();

describe.each(stores)('failed authentications counted in %s', (kind) => {
  const FAILURES = { max: 3, windowMs: 3_000 };
  let api: TestApi;
  let store: RateLimitStore;
  let yoga: YogaServer;
  let partnerKey: string;
  let before: DatabaseFingerprint;
  let addresses = 0;
  const address = () => `203.0.113.${(addresses += 1)}`;

  beforeAll(async () => {
    store = kind === 'redis' ? createRedisRateLimitStore(REDIS_URL, { prefix: `test:authfail:${randomUUID()}:` }) : createMemoryRateLimitStore();
    api = await createTestApi('pglite');
    const { id, secret } = await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'a genuine partner' });
    // Recently used already, so that the once-a-minute lastUsedAt write leaves the fingerprint alone.
    await api.db.prisma.credential.update({ where: { id }, data: { lastUsedAt: new Date(Date.now() + 3_600_000) } });
    partnerKey = secret;
    yoga = createYogaServer({
      prisma: api.db.prisma,
      limits: { ...DEFAULT_LIMITS, rateLimit: { max: 1_000, windowMs: 60_000 }, authFailureLimit: FAILURES },
      rateLimitStore: store,
    });
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
  });
  beforeEach(async () => {
    before = await databaseFingerprint(api.db.prisma);
  });
  afterEach(async () => {
    expect(await databaseFingerprint(api.db.prisma)).toEqual(before);
  });

  /** A partner key this yoga has not yet seen succeed. */
  async function freshPartnerKey() {
    const { id, secret } = await createCredential(api.db.prisma, { kind: 'PARTNER', name: `partner ${randomUUID()}` });
    await api.db.prisma.credential.update({ where: { id }, data: { lastUsedAt: new Date(Date.now() + 3_600_000) } });
    return secret;
  }

  it('refuses an address that guessed wrong too often with 429 before looking the key up', async () => {
    const genuine = await freshPartnerKey();
    before = await databaseFingerprint(api.db.prisma);
    const from = address();
    api.resetStatements();
    for (let i = 0; i < FAILURES.max; i += 1) {
      const guess = await post(yoga, from, { 'x-api-key': randomKey() });
      expect(guess.status).toBe(401);
      expect(code(guess)).toBe('UNAUTHENTICATED');
    }
    // Each guess was looked up (by its key id).
    expect(api.statements.filter((sql) => /FROM "public"\."Credential"/.test(sql))).toHaveLength(FAILURES.max);
    api.resetStatements();
    const refused = await post(yoga, from, { 'x-api-key': randomKey() });
    expect(refused.status).toBe(429);
    expect(code(refused)).toBe('RATE_LIMITED');
    expect(refused.body.errors![0]!.message).toMatch(/^Too many failed authentications from your address: the limit is 3 per 3 s\. Retry in 1 s\.$/);
    expect(refused.headers.get('Retry-After')).toBe('1');
    // Refused before the credential lookup: not one SQL statement.
    expect(api.statements).toEqual([]);
    // A genuine key not seen to succeed lately is refused from that address too; without a
    // credential the address may read.
    expect((await post(yoga, from, { authorization: `Bearer ${genuine}` })).status).toBe(429);
    expect((await post(yoga, from)).status).toBe(200);
    // Other addresses are not affected.
    expect((await post(yoga, address(), { 'x-api-key': genuine })).status).toBe(200);
    // Once it has succeeded, the genuine key keeps working from the refused address.
    expect((await post(yoga, from, { 'x-api-key': genuine })).status).toBe(200);
  });

  it('lets the address try again once a failure has aged out of the window', async () => {
    const from = address();
    for (let i = 0; i < FAILURES.max; i += 1) expect((await post(yoga, from, { 'x-api-key': randomKey() })).status).toBe(401);
    expect((await post(yoga, from, { 'x-api-key': randomKey() })).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, FAILURES.windowMs / FAILURES.max + 100));
    expect((await post(yoga, from, { 'x-api-key': randomKey() })).status).toBe(401);
  });

  it('lets at most its budget of unknown keys sent at once reach the database', async () => {
    const from = address();
    api.resetStatements();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(yoga, from, { 'x-api-key': randomKey() })));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // Only the keys that got through were looked up (Prisma may batch their lookups into one statement).
    const lookups = api.statements.filter((sql) => /FROM "public"\."Credential"/.test(sql)).length;
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(FAILURES.max);
  });

  it('does not count a request refused before its key was looked up', async () => {
    const from = address();
    // Malformed bodies: refused with 400 before authentication, five times the failure budget.
    for (let i = 0; i < FAILURES.max * 5; i += 1) {
      const response = await yoga.fetch(
        'http://yoga/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': randomKey() }, body: '{"query":' },
        { req: { socket: { remoteAddress: from } } },
      );
      expect(response.status).toBe(400);
    }
    expect((await post(yoga, from, { 'x-api-key': partnerKey })).status).toBe(200);
  });

  it('does not count successful authentications as failures', async () => {
    const from = address();
    for (let i = 0; i < FAILURES.max * 3; i += 1) expect((await post(yoga, from, { 'x-api-key': partnerKey })).status).toBe(200);
    expect((await post(yoga, from, { 'x-api-key': randomKey() })).status).toBe(401);
  });
});
