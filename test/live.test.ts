import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCredential, revokeCredential } from '../src/auth/credentials.js';
import { CREDENTIAL_RECHECK_MS } from '../src/resolvers/live.js';
import { createMemoryEventBus, createRedisEventBus, type EventBus } from '../src/db/event-bus.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { createLiveSubscriptions } from '../src/http/live.js';
import { createShutdown } from '../src/http/shutdown.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { createMemoryRateLimitStore } from '../src/http/rate-limit.js';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { createAchievement as storeAchievement } from '../src/store/achievements.js';
import { attachEventBus, eventBusOf, writeTransaction } from '../src/store/events.js';
import { createTestApi, type TestApi } from './support/api.js';
import { createOrganization, createSeries, unique } from './support/factory.js';
import { type PrivateRedis, REDIS_URL, redisServerAvailable, startPrivateRedis, testStores } from './support/redis.js';
import { readSse, type SseStream, until } from './support/sse.js';

// Live content (docs/live.md): subscriptions over SSE through yoga.fetch, each event loaded with
// the subscriber's selection under its own visibility; nothing published on a rollback; two servers
// sharing one Redis; the per-caller limit; the end of every stream at shutdown.

const ARTICLE_PUBLISHED = `subscription ($series: ID, $organization: ID, $scope: SubscriptionScope) {
  articlePublished(series: $series, organization: $organization, scope: $scope) {
    version republished origin at
    article { slug title status version series { slug } organizations { role organization { slug } } }
  } }`;
const ACHIEVEMENT_RECORDED = `subscription ($organization: ID, $scope: SubscriptionScope) {
  achievementRecorded(organization: $organization, scope: $scope) {
    version created origin at
    achievement { slug title version organization { slug } }
  } }`;
const IMPORT_RUN_FINISHED = `subscription { importRunFinished { status at run { trigger status counts { created } items { totalCount } } } }`;

const CREATE_ARTICLE = `mutation ($input: CreateArticleInput!) { createArticle(input: $input) { article { id version } } }`;
const PUBLISH_ARTICLE = `mutation ($input: PublishArticleInput!) { publishArticle(input: $input) { article { id version status } } }`;
const UPDATE_ARTICLE = `mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) { article { id version } } }`;
const CREATE_ACHIEVEMENT = `mutation ($input: CreateAchievementInput!) { createAchievement(input: $input) { achievement { id version } } }`;
const UPDATE_ACHIEVEMENT = `mutation ($input: UpdateAchievementInput!) { updateAchievement(input: $input) { achievement { id version } } }`;

/** Opens a subscription over SSE, as a browser's fetch would; `from` is the client's address. */
async function subscribe(
  yoga: YogaServer,
  query: string,
  variables: Record<string, unknown> = {},
  { token, from, headers = {} }: { token?: string; from?: string; headers?: Record<string, string> } = {},
): Promise<SseStream> {
  const response = await yoga.fetch(
    'http://yoga/graphql',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    },
    from ? { req: { socket: { remoteAddress: from } } } : {},
  );
  return readSse(response);
}

async function gql(yoga: YogaServer, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: any[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

/** Resolves once `bus` has `count` streams open: the subscriptions are live from then on. */
const streamsOpen = (bus: EventBus, count: number) => until(() => bus.streams() === count, 5_000, `${count} open stream(s)`);

describe('live content on pglite', () => {
  let api: TestApi;
  let bus: EventBus;
  let editor: string;
  let admin: string;

  beforeAll(async () => {
    api = await createTestApi('pglite');
    bus = eventBusOf(api.db.prisma);
    editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'live editor' })).secret;
    admin = (await createCredential(api.db.prisma, { kind: 'ADMIN', name: 'live admin' })).secret;
  });
  afterAll(() => api?.close());

  async function draft(extra: Record<string, unknown> = {}) {
    const slug = unique('live-article');
    const data = await gql(
      api.yoga,
      CREATE_ARTICLE,
      { input: { slug, title: `标题 ${slug}`, body: [{ kind: 'PARAGRAPH', text: `正文 ${slug}` }], ...extra } },
      editor,
    );
    return { slug, id: data.createArticle.article.id as string, version: data.createArticle.article.version as number };
  }

  const publish = (article: { id: string; version: number }) =>
    gql(api.yoga, PUBLISH_ARTICLE, { input: { id: article.id, expectedVersion: article.version } }, editor);

  it('sends articlePublished with the subscriber’s selection when an editor publishes a draft, and nothing for the draft', async () => {
    const org = await createOrganization(api.db.prisma);
    const series = await createSeries(api.db.prisma, org.id);
    const stream = await subscribe(api.yoga, ARTICLE_PUBLISHED, { series: encodeGlobalId('Series', series.id) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    await streamsOpen(bus, 1);
    const article = await draft({ series: encodeGlobalId('Series', series.id), episode: 1, organizations: [{ organization: encodeGlobalId('Organization', org.id), role: 'SUBJECT' }] });
    // A draft, and a change of it, are nobody's news.
    await gql(api.yoga, UPDATE_ARTICLE, { input: { id: article.id, expectedVersion: 1, title: '新标题' } }, editor);
    expect(await stream.read(300)).toBeNull();
    await publish({ id: article.id, version: 2 });
    const message = await stream.read();
    expect(message?.event).toBe('next');
    expect(message?.data.errors).toBeUndefined();
    const event = message!.data.data.articlePublished;
    expect(event).toMatchObject({
      version: 3,
      republished: false,
      origin: 'EDITORIAL',
      article: { slug: article.slug, title: '新标题', status: 'PUBLISHED', version: 3, series: { slug: series.slug }, organizations: [{ role: 'SUBJECT', organization: { slug: org.slug } }] },
    });
    expect(Date.now() - Date.parse(event.at)).toBeLessThan(60_000);
    // A published article's new text is news again: republished.
    await gql(api.yoga, UPDATE_ARTICLE, { input: { id: article.id, expectedVersion: 3, body: [{ kind: 'PARAGRAPH', text: '更正后的正文' }] } }, editor);
    expect((await stream.read())?.data.data.articlePublished).toMatchObject({ version: 4, republished: true, article: { version: 4 } });
    await stream.close();
    await streamsOpen(bus, 0);
  });

  it('filters articlePublished by series and by organization, SELF or SUBTREE', async () => {
    const parent = await createOrganization(api.db.prisma);
    const child = await createOrganization(api.db.prisma, { parentId: parent.id });
    const other = await createOrganization(api.db.prisma);
    const series = await createSeries(api.db.prisma, parent.id);
    const id = (o: { id: string }) => encodeGlobalId('Organization', o.id);
    const streams = {
      series: await subscribe(api.yoga, ARTICLE_PUBLISHED, { series: encodeGlobalId('Series', series.id) }),
      parentSelf: await subscribe(api.yoga, ARTICLE_PUBLISHED, { organization: id(parent) }),
      parentSubtree: await subscribe(api.yoga, ARTICLE_PUBLISHED, { organization: id(parent), scope: 'SUBTREE' }),
      other: await subscribe(api.yoga, ARTICLE_PUBLISHED, { organization: id(other), scope: 'SUBTREE' }),
    };
    await streamsOpen(bus, 4);
    const article = await draft({ organizations: [{ organization: id(child), role: 'SUBJECT' }] });
    await publish(article);
    expect((await streams.parentSubtree.read())?.data.data.articlePublished.article.slug).toBe(article.slug);
    for (const quiet of [streams.series, streams.parentSelf, streams.other]) expect(await quiet.read(200)).toBeNull();
    for (const stream of Object.values(streams)) await stream.close();
    await streamsOpen(bus, 0);
  });

  it('refuses a subscription to an organization that does not exist, as a query would', async () => {
    const stream = await subscribe(api.yoga, ARTICLE_PUBLISHED, { organization: encodeGlobalId('Organization', '00000000-0000-4000-8000-000000000000') });
    const message = await stream.read();
    expect(message?.data.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
    expect((await stream.read())?.event).toBe('complete');
    expect(bus.streams()).toBe(0);
  });

  it('sends achievementRecorded when one is created and when it changes, scoped to the partner key’s subtree', async () => {
    const root = await createOrganization(api.db.prisma);
    const inside = await createOrganization(api.db.prisma, { parentId: root.id });
    const outside = await createOrganization(api.db.prisma);
    const partner = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'live partner', organizationSlug: root.slug })).secret;
    const scoped = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, {}, { token: partner });
    const everyone = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, {});
    await streamsOpen(bus, 2);
    const create = async (org: { id: string }) =>
      (
        await gql(
          api.yoga,
          CREATE_ACHIEVEMENT,
          { input: { slug: unique('live-achievement'), organization: encodeGlobalId('Organization', org.id), title: '先进集体', kind: 'HONOR', awardedOn: '2024-01-01' } },
          editor,
        )
      ).createAchievement.achievement;
    const away = await create(outside);
    const near = await create(inside);
    // The partner hears of its subtree only; an unscoped subscriber of both, in commit order.
    const first = (await scoped.read())!.data.data.achievementRecorded;
    expect(first).toMatchObject({ version: 1, created: true, origin: 'EDITORIAL', achievement: { title: '先进集体', organization: { slug: inside.slug } } });
    expect(await scoped.read(200)).toBeNull();
    expect((await everyone.read())!.data.data.achievementRecorded.achievement.organization.slug).toBe(outside.slug);
    expect((await everyone.read())!.data.data.achievementRecorded.achievement.organization.slug).toBe(inside.slug);
    await gql(api.yoga, UPDATE_ACHIEVEMENT, { input: { id: near.id, expectedVersion: 1, title: '全国先进集体' } }, editor);
    expect((await scoped.read())!.data.data.achievementRecorded).toMatchObject({ version: 2, created: false, achievement: { title: '全国先进集体', version: 2 } });
    expect(away.version).toBe(1);
    await scoped.close();
    await everyone.close();
    await streamsOpen(bus, 0);
  });

  it('ends a stream with UNAUTHENTICATED once its key is revoked, at the first event after the next credential check', async () => {
    const org = await createOrganization(api.db.prisma);
    const partner = await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'revoked later' });
    const stream = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, {}, { token: partner.secret });
    const everyone = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, {});
    await streamsOpen(bus, 2);
    const create = (title: string) =>
      gql(
        api.yoga,
        CREATE_ACHIEVEMENT,
        { input: { slug: unique('live-achievement'), organization: encodeGlobalId('Organization', org.id), title, kind: 'HONOR', awardedOn: '2024-01-01' } },
        editor,
      );
    await create('撤销之前');
    expect((await stream.read())!.data.data.achievementRecorded.achievement.title).toBe('撤销之前');
    await revokeCredential(api.db.prisma, partner.keyId);
    // The stream reads its credential again CREDENTIAL_RECHECK_MS after the last check.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now + CREDENTIAL_RECHECK_MS + 1_000);
    try {
      await create('撤销之后');
      const last = await stream.read();
      expect(last?.data.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
      expect(last?.data.errors[0].message).toBe('The API key or token has been revoked');
      expect((await stream.read())?.event).toBe('complete');
      // Anonymous subscribers have no credential to lose.
      expect((await everyone.read())!.data.data.achievementRecorded.achievement.title).toBe('撤销之前');
      expect((await everyone.read())!.data.data.achievementRecorded.achievement.title).toBe('撤销之后');
    } finally {
      clock.mockRestore();
    }
    await everyone.close();
    await streamsOpen(bus, 0);
  });

  it('lets a partner key scoped elsewhere subscribe to an organization outside its subtree only as to one that does not exist', async () => {
    const root = await createOrganization(api.db.prisma);
    const outside = await createOrganization(api.db.prisma);
    const partner = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'nosy partner', organizationSlug: root.slug })).secret;
    const stream = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, { organization: encodeGlobalId('Organization', outside.id) }, { token: partner });
    expect((await stream.read())?.data.errors).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);
  });

  it('sends importRunFinished to admins with the run, and refuses anyone else', async () => {
    const anonymous = await subscribe(api.yoga, IMPORT_RUN_FINISHED);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.read())?.data.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    const stream = await subscribe(api.yoga, IMPORT_RUN_FINISHED, {}, { token: admin });
    const published = await subscribe(api.yoga, ARTICLE_PUBLISHED);
    await streamsOpen(bus, 2);
    const content = readFileSync(new URL('./fixtures/import/partner-valid.json', import.meta.url), 'utf8');
    await gql(api.yoga, `mutation ($input: ImportContentInput!) { importContent(input: $input) { id status } }`, {
      input: { documents: [{ name: `${unique('partner')}.json`, contentType: 'application/json', content }] },
    }, admin);
    const event = (await stream.read(20_000))!.data.data.importRunFinished;
    expect(event.status).toBe('SUCCEEDED');
    expect(event.run).toMatchObject({ trigger: 'MUTATION', status: 'SUCCEEDED' });
    expect(event.run.counts.created).toBeGreaterThan(0);
    // The articles the import created were published by it.
    expect((await published.read())!.data.data.articlePublished.origin).toBe('IMPORT');
    await stream.close();
    await published.close();
    await streamsOpen(bus, 0);
  });

  it('publishes nothing for a write that rolls back, and refuses a store write outside writeTransaction', async () => {
    const org = await createOrganization(api.db.prisma);
    const stream = await subscribe(api.yoga, ACHIEVEMENT_RECORDED, { organization: encodeGlobalId('Organization', org.id) });
    await streamsOpen(bus, 1);
    const data = (slug: string) => ({ slug, organizationId: org.id, title: '回滚的荣誉', kind: 'HONOR' as const, level: 'DISTRICT' as const });
    const rolledBack = unique('rolled-back');
    await expect(
      writeTransaction(api.db.prisma, 'EDITORIAL', async (tx) => {
        await storeAchievement(tx, data(rolledBack));
        throw new Error('the write fails after its store call');
      }),
    ).rejects.toThrow('the write fails');
    expect(await api.db.prisma.achievement.findUnique({ where: { slug: rolledBack } })).toBeNull();
    await expect(api.db.prisma.$transaction((tx) => storeAchievement(tx, data(unique('unpublished'))))).rejects.toThrow(/writeTransaction/);
    // The subscriber was listening all along: the next committed write reaches it, and only that one.
    const committed = unique('committed');
    await writeTransaction(api.db.prisma, 'CORPUS', (tx) => storeAchievement(tx, data(committed)));
    expect((await stream.read())!.data.data.achievementRecorded).toMatchObject({ created: true, origin: 'CORPUS', achievement: { slug: committed } });
    expect(await stream.read(200)).toBeNull();
    await stream.close();
  });
});

describe('limits and shutdown', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite');
  });
  afterAll(() => api?.close());

  it('refuses a credential’s subscription past its limit with 429 TOO_MANY_SUBSCRIPTIONS, and counts each against the rate limit', async () => {
    const limits = { ...DEFAULT_LIMITS, subscriptions: { perCredential: 2, perAddress: 1 }, rateLimit: { max: 100, windowMs: 60_000 } };
    const yoga = createYogaServer({ prisma: api.db.prisma, limits, rateLimitStore: createMemoryRateLimitStore(), events: createMemoryEventBus() });
    const partner = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: unique('limited partner') })).secret;
    const first = await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { token: partner, from: '192.0.2.1' });
    const second = await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { token: partner, from: '192.0.2.2' });
    expect(Number(first.headers.get('ratelimit-remaining')) - Number(second.headers.get('ratelimit-remaining'))).toBe(1);
    const third = await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { token: partner, from: '192.0.2.3' });
    expect(third.status).toBe(429);
    const refusal = (await third.read())!.data.errors[0];
    expect(refusal.extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 });
    expect(refusal.message).toMatch(/This credential has 2 subscription\(s\) open.*close one/);
    // Anonymous subscribers count per address.
    const anonymous = await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { from: '198.51.100.7' });
    expect(anonymous.status).toBe(200);
    expect((await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { from: '198.51.100.7' })).status).toBe(429);
    expect((await subscribe(yoga, ACHIEVEMENT_RECORDED, {}, { from: '198.51.100.8' })).status).toBe(200);
    // Closing one frees its place.
    await first.close();
    await until(async () => (await subscribe(yoga, `subscription { achievementRecorded { created } }`, {}, { token: partner })).status === 200, 5_000, 'a free place');
  });

  it('ends every open stream with `complete` at shutdown, and refuses new ones meanwhile', async () => {
    const events = createMemoryEventBus();
    const live = createLiveSubscriptions(DEFAULT_LIMITS);
    const yoga = createYogaServer({ prisma: api.db.prisma, events, live });
    const streams = [await subscribe(yoga, ACHIEVEMENT_RECORDED), await subscribe(yoga, ARTICLE_PUBLISHED)];
    await streamsOpen(events, 2);
    expect(live.open()).toBe(2);
    live.endAll();
    for (const stream of streams) {
      expect(await stream.read()).toEqual({ event: 'complete', data: null });
      await until(() => stream.ended(), 2_000, 'the response to end');
    }
    expect(events.streams()).toBe(0);
    const late = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    expect(late.status).toBe(503);
  });

  it('drains a real HTTP server at once with streams open, though SHUTDOWN_TIMEOUT_MS is long', async () => {
    const events = createMemoryEventBus();
    const live = createLiveSubscriptions(DEFAULT_LIMITS);
    const yoga = createYogaServer({ prisma: api.db.prisma, events, live });
    const server = createServer(yoga);
    const shutdown = createShutdown(server, { timeoutMs: 30_000 });
    shutdown.onStopping(() => live.endAll());
    shutdown.add({ name: 'the event bus', close: () => events.close() });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const bodies = [1, 2].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text)).on('error', reject);
          });
          req.on('error', reject);
          req.end(JSON.stringify({ query: ACHIEVEMENT_RECORDED }));
        }),
    );
    await streamsOpen(events, 2);
    const started = performance.now();
    expect(await shutdown.run('test')).toBe(0);
    expect(performance.now() - started).toBeLessThan(3_000);
    for (const body of await Promise.all(bodies)) expect(body).toMatch(/event: complete\ndata:\n\n$/);
  });

  it('serves subscriptions and keeps them off graphql-jit when GRAPHQL_JIT=on', async () => {
    const events = createMemoryEventBus();
    const prisma = api.db.prisma;
    const yoga = createYogaServer({ prisma, events, jit: true });
    const stream = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    await streamsOpen(events, 1);
    const org = await createOrganization(prisma);
    const slug = unique('jit');
    // The write publishes on the database's bus; this server listens on its own, so the event is handed over.
    const row = await writeTransaction(prisma, 'CORPUS', (tx) => storeAchievement(tx, { slug, organizationId: org.id, title: '即时编译', kind: 'HONOR', level: 'DISTRICT' }));
    events.publish({ type: 'achievementRecorded', id: row.id, version: 1, created: true, organizationId: org.id, at: new Date().toISOString(), origin: 'CORPUS' });
    expect((await stream.read())!.data.data.achievementRecorded.achievement.slug).toBe(slug);
    await stream.close();
  });

  it('sends keep-alive pings while nothing happens', async () => {
    const yoga = createYogaServer({ prisma: api.db.prisma, events: createMemoryEventBus() });
    const stream = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    // Yoga pings every 12 s, every 300 ms under NODE_ENV=test (vitest sets it).
    await until(() => stream.pings() >= 3, 5_000, 'three pings');
    await stream.close();
  });
});

describe.each(await testStores())('events across instances (%s)', (store) => {
  let api: TestApi;
  const buses: EventBus[] = [];
  beforeAll(async () => {
    api = await createTestApi('pglite');
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await api?.close();
  });

  const newBus = (prefix: string) => {
    const bus = store === 'redis' ? createRedisEventBus(REDIS_URL, { prefix }) : createMemoryEventBus();
    buses.push(bus);
    return bus;
  };

  it(store === 'redis' ? 'delivers an event committed on instance A to a subscriber on instance B through Redis' : 'keeps events in the process without Redis: instance B hears nothing of A', async () => {
    const prefix = `cf-test:${unique('live')}:`;
    const [a, b, elsewhere] = [newBus(prefix), newBus(prefix), newBus(`${prefix}other:`)];
    await until(() => [a, b, elsewhere].every((bus) => bus.status() === 'up'), 10_000, 'the buses to subscribe');
    // Instance A's writes publish on A's bus; B and the third instance (another prefix) only listen.
    attachEventBus(api.db.prisma, a);
    const serverB = createYogaServer({ prisma: api.db.prisma, events: b });
    const serverC = createYogaServer({ prisma: api.db.prisma, events: elsewhere });
    const serverA = createYogaServer({ prisma: api.db.prisma, events: a });
    const editor = (await createCredential(api.db.prisma, { kind: 'EDITOR', name: unique('editor') })).secret;
    const onB = await subscribe(serverB, ACHIEVEMENT_RECORDED);
    const onC = await subscribe(serverC, ACHIEVEMENT_RECORDED);
    await streamsOpen(b, 1);
    await streamsOpen(elsewhere, 1);
    const org = await createOrganization(api.db.prisma);
    const slug = unique('across');
    await gql(serverA, CREATE_ACHIEVEMENT, { input: { slug, organization: encodeGlobalId('Organization', org.id), title: '跨实例', kind: 'HONOR', awardedOn: '2024-02-02' } }, editor);
    if (store === 'redis') {
      expect((await onB.read())!.data.data.achievementRecorded.achievement.slug).toBe(slug);
    } else {
      expect(await onB.read(300)).toBeNull();
    }
    expect(await onC.read(300)).toBeNull();
    await onB.close();
    await onC.close();
  });
});

describe.runIf(redisServerAvailable())('losing Redis', () => {
  let api: TestApi;
  let redis: PrivateRedis;
  let bus: EventBus;
  beforeAll(async () => {
    api = await createTestApi('pglite');
    redis = await startPrivateRedis();
    bus = createRedisEventBus(redis.url, { prefix: `cf-test:${unique('loss')}:` });
  });
  afterAll(async () => {
    await bus?.close();
    await redis?.kill();
    await api?.close();
  });

  it('ends open streams with EVENTS_LOST when Redis goes, refuses new ones with 503 while it is down, and serves them again once it is back', async () => {
    const yoga = createYogaServer({ prisma: api.db.prisma, events: bus });
    await until(() => bus.status() === 'up', 10_000, 'the bus to subscribe');
    const stream = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    await streamsOpen(bus, 1);
    await redis.kill();
    const last = await stream.read(10_000);
    expect(last?.data.errors).toMatchObject([{ extensions: { code: 'EVENTS_LOST' } }]);
    expect(last?.data.errors[0].message).toMatch(/Subscribe again, then re-query/);
    expect((await stream.read())?.event).toBe('complete');
    const refused = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    expect(refused.status).toBe(503);
    expect((await refused.read())?.data.errors).toMatchObject([{ extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
    await redis.start();
    await until(() => bus.status() === 'up', 15_000, 'the bus to subscribe again');
    const again = await subscribe(yoga, ACHIEVEMENT_RECORDED);
    expect(again.status).toBe(200);
    await again.close();
  });
});
