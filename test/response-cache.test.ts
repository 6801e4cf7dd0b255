import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseCacheStore, invalidateEntities, type ResponseCacheStore } from '../src/response-cache.js';
import { createCredential } from '../src/resolvers/credentials.js';
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
