import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidateEntities } from '../src/resolvers/cache-upkeep.js';
import { createBoundedMemoryCache, createResponseCacheStore, type ResponseCacheStore } from '../src/http/response-cache.js';
import { createCredential } from '../src/auth/credentials.js';
import { createTestApi, type TestApi } from './support/api.js';
import { createOrganization, unique } from './support/factory.js';
import { REDIS_URL, testStores } from './support/redis.js';

// Redis is tested when it answers, and must answer in CI.
const stores = await testStores();

const QUERY = 'query ($slug: String!) { organization(slug: $slug) { name } }';

describe.each(stores)('the response cache in %s', (kind) => {
  let api: TestApi;
  let store: ResponseCacheStore;
  beforeAll(async () => {
    store = createResponseCacheStore(kind === 'redis' ? REDIS_URL : undefined);
    expect(store.kind).toBe(kind);
    api = await createTestApi('pglite', { responseCache: { cache: store.cache, ttlMs: 60_000 } });
    // Connected by now: a store still falling back would answer every query uncached.
    expect(store.status()).toBe('up');
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
  });

  const hit = (result: { extensions?: Record<string, unknown> }) =>
    (result.extensions?.responseCache as { hit?: boolean } | undefined)?.hit ?? false;

  it('serves a repeated query from the cache without touching the database', async () => {
    const org = await createOrganization(api.db.prisma);
    expect(hit(await api.execute(QUERY, { slug: org.slug }))).toBe(false);
    api.resetStatements();
    const second = await api.execute(QUERY, { slug: org.slug });
    expect(hit(second)).toBe(true);
    expect(second.data).toEqual({ organization: { name: org.name } });
    expect(api.statements).toEqual([]);
  });

  it('never serves one caller’s cached answer to a caller with other credentials, or none', async () => {
    const org = await createOrganization(api.db.prisma);
    const keyA = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') })).secret;
    const keyB = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('partner') })).secret;
    const asA = { authorization: `Bearer ${keyA}` };
    expect(hit(await api.execute(QUERY, { slug: org.slug }, asA))).toBe(false);
    expect(hit(await api.execute(QUERY, { slug: org.slug }, asA))).toBe(true);
    expect(hit(await api.execute(QUERY, { slug: org.slug }, { authorization: `Bearer ${keyB}` }))).toBe(false);
    expect(hit(await api.execute(QUERY, { slug: org.slug }, { 'x-api-key': keyA }))).toBe(false);
    expect(hit(await api.execute(QUERY, { slug: org.slug }))).toBe(false);
  });

  it('drops exactly the cached answers that contain a changed entity', async () => {
    const changed = await createOrganization(api.db.prisma);
    const untouched = await createOrganization(api.db.prisma);
    await api.execute(QUERY, { slug: changed.slug });
    await api.execute(QUERY, { slug: untouched.slug });
    await api.db.prisma.organization.update({ where: { id: changed.id }, data: { name: '新名称' } });
    // Without invalidation the cache would still answer with the old name.
    expect((await api.execute(QUERY, { slug: changed.slug })).data).toEqual({ organization: { name: changed.name } });
    await invalidateEntities(store.cache, [{ typename: 'Organization', id: changed.id }]);
    const fresh = await api.execute(QUERY, { slug: changed.slug });
    expect(hit(fresh)).toBe(false);
    expect(fresh.data).toEqual({ organization: { name: '新名称' } });
    expect(hit(await api.execute(QUERY, { slug: untouched.slug }))).toBe(true);
  });

  it('never caches the audit log or import runs, which change with every write', async () => {
    const { secret } = await createCredential(api.db.prisma, { kind: 'ADMIN', name: unique('admin') });
    const admin = { authorization: `Bearer ${secret}` };
    for (const query of ['{ auditLog { totalCount } }', '{ importRuns { totalCount } }']) {
      const first = await api.execute(query, undefined, admin);
      expect(first.errors).toBeUndefined();
      expect(hit(await api.execute(query, undefined, admin))).toBe(false);
    }
    // The same admin's other answers are cached as usual.
    const org = await createOrganization(api.db.prisma);
    await api.execute(QUERY, { slug: org.slug }, admin);
    expect(hit(await api.execute(QUERY, { slug: org.slug }, admin))).toBe(true);
  });

  it('does not cache errors', async () => {
    await api.execute(QUERY, { slug: 'no-such-organization' });
    const again = await api.execute(QUERY, { slug: 'no-such-organization' });
    expect(hit(again)).toBe(false);
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('the in-memory response cache’s budget', () => {
  const answer = (text: string) => ({ data: { organization: { name: text } } });
  const entity = (id: string) => [{ typename: 'Organization', id }];

  it('drops the least recently used answers once their bytes pass the budget', () => {
    // Each answer is some 2 KB of JSON, about 4.4 KB as counted; the budget holds three.
    const cache = createBoundedMemoryCache({ maxBytes: 14_000, maxEntryBytes: 14_000 });
    for (const id of ['a', 'b', 'c']) cache.set(id, answer(id.repeat(2_000)), entity(id), 60_000);
    expect(cache.get('a')).toEqual(answer('a'.repeat(2_000)));
    cache.set('d', answer('d'.repeat(2_000)), entity('d'), 60_000);
    expect(cache.get('b')).toBeNull();
    expect(cache.get('a')).not.toBeNull();
    expect(cache.get('c')).not.toBeNull();
    expect(cache.get('d')).not.toBeNull();
  });

  it('does not keep an answer larger than an eighth of the budget', () => {
    const cache = createBoundedMemoryCache({ maxBytes: 64_000 });
    cache.set('big', answer('x'.repeat(5_000)), entity('big'), 60_000);
    cache.set('small', answer('y'), entity('small'), 60_000);
    expect(cache.get('big')).toBeNull();
    expect(cache.get('small')).toEqual(answer('y'));
  });

  it('drops answers by entity id and by type name, and expired answers', async () => {
    const cache = createBoundedMemoryCache();
    cache.set('one', answer('1'), entity('1'), 60_000);
    cache.set('two', answer('2'), entity('2'), 60_000);
    cache.set('brief', answer('3'), entity('3'), 1);
    cache.invalidate([{ typename: 'Organization', id: '1' }]);
    expect(cache.get('one')).toBeNull();
    expect(cache.get('two')).toEqual(answer('2'));
    cache.invalidate([{ typename: 'Organization' }]);
    expect(cache.get('two')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cache.get('brief')).toBeNull();
  });
});
