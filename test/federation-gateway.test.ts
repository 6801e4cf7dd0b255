import { printSubgraphSchema } from '@apollo/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { composeSupergraph, type Fetch } from '../src/gateway/compose.js';
import { gatewayConfigFromEnv, type GatewayConfig } from '../src/gateway/config.js';
import { createGateway, GATEWAY_GRAPHIQL_EXAMPLE, type Gateway } from '../src/gateway/gateway.js';
import { DEFAULT_LIMITS, type Limits } from '../src/http/limits.js';
import { COST_HEADER } from '../src/http/query-cost.js';
import { createRateLimitStore } from '../src/http/rate-limit.js';
import { createLogger } from '../src/observability/log.js';
import { schema } from '../src/schema/index.js';
import { createEventsSubgraph, typeDefs as eventsTypeDefs, type Event } from '../examples/events/subgraph.js';
import { createTestApi, createTestApiOver, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createArticle, createOrganization, createSeries } from './support/factory.js';

// The gateway (src/gateway/) in front of this service and the example events subgraph, all in
// process: the gateway's fetch is routed to the two servers' `fetch`. Composition, a query that
// joins both subgraphs, keys and scopes forwarded, the gateway's own limits, recomposition.

const SERVICE_URL = 'http://content.test/graphql';
const EVENTS_URL = 'http://events.test/graphql';
const logger = createLogger(undefined, 'silent');

type Answer = { status: number; headers: Headers; body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } };

const SPANNING = `query ($slug: String!) {
  organization(slug: $slug) {
    name
    events(first: 5) { title startsOn article { slug title series { title } } }
  }
}`;

/** An answer without what differs by route only: request ids, the gateway's serviceName, locations. */
function comparable(body: Answer['body']) {
  return {
    data: body.data ?? null,
    errors: body.errors?.map(({ message, extensions, path }: { message: string; extensions?: Record<string, unknown>; path?: unknown }) => {
      const { requestId: _r, serviceName: _s, ...rest } = extensions ?? {};
      return { message, path, extensions: rest };
    }),
  };
}

const config = (overrides: Partial<GatewayConfig> = {}): GatewayConfig => ({
  service: { name: 'content', url: SERVICE_URL },
  subgraphs: [{ name: 'events', url: EVENTS_URL }],
  port: 0,
  host: '127.0.0.1',
  pollIntervalMs: 60_000,
  serviceKey: null,
  limits: { ...DEFAULT_LIMITS, rateLimit: null },
  graphiql: true,
  ...overrides,
});

describe('composition', () => {
  const contentSdl = printSubgraphSchema(schema);
  const eventsSdl = eventsTypeDefs.loc!.source.body;
  const sdlFetch = (sdls: Record<string, string | null>): Fetch => async (url) => {
    const sdl = sdls[url];
    if (sdl === null) throw new TypeError('fetch failed: connection refused');
    return Response.json({ data: { _service: { sdl } } });
  };

  it('composes this subgraph with the events example', async () => {
    const result = await composeSupergraph(sdlFetch({ [SERVICE_URL]: contentSdl, [EVENTS_URL]: eventsSdl }), config().service, config().subgraphs);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.supergraphSdl).toMatch(/type Organization[^{]*@join__type\(graph: EVENTS, key: "slug"\)/);
    expect(result.composed).toEqual(['content', 'events']);
  });

  it.each([
    ['a key field removed', (sdl: string) => sdl.replace('  """Stable ASCII identifier, unique among organizations."""\n  slug: String!\n', '')],
    ['PageInfo no longer @shareable', (sdl: string) => sdl.replace(/type PageInfo\n  @shareable\n/, 'type PageInfo\n')],
    ['a key field of another type', (sdl: string) => sdl.replace(/(type Organization implements Node[\s\S]*?)slug: String!/, '$1slug: Int!')],
  ])('fails when this subgraph changes in a way that breaks composition: %s', async (_name, change) => {
    const changed = change(contentSdl);
    expect(changed).not.toBe(contentSdl);
    // PageInfo is only a conflict once another subgraph defines it too.
    const withPageInfo = `${eventsSdl}\ntype PageInfo @shareable { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }\n`
      .replace('import: ["@key"]', 'import: ["@key", "@shareable"]');
    const result = await composeSupergraph(sdlFetch({ [SERVICE_URL]: changed, [EVENTS_URL]: withPageInfo }), config().service, config().subgraphs);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.length).toBeGreaterThan(0);
  });

  it('composes without a subgraph that does not answer, but never without this service', async () => {
    const without = await composeSupergraph(sdlFetch({ [SERVICE_URL]: contentSdl, [EVENTS_URL]: null }), config().service, config().subgraphs);
    expect(without).toMatchObject({ ok: true, composed: ['content'], unreachable: ['events'] });
    const noService = await composeSupergraph(sdlFetch({ [SERVICE_URL]: null, [EVENTS_URL]: eventsSdl }), config().service, config().subgraphs);
    expect(noService).toMatchObject({ ok: false, unreachable: ['content'] });
  });
});

describe('the gateway configuration', () => {
  it('reads the service URL, the subgraphs and the port from the environment, with defaults', () => {
    expect(gatewayConfigFromEnv({})).toMatchObject({
      service: { name: 'content', url: 'http://127.0.0.1:4000/graphql' },
      subgraphs: [],
      port: 4100,
    });
    const set = gatewayConfigFromEnv({
      GATEWAY_SERVICE_URL: 'http://10.0.0.5:4000/graphql',
      GATEWAY_SUBGRAPHS: 'events=http://127.0.0.1:4201/graphql, people=http://127.0.0.1:4202/graphql',
      GATEWAY_PORT: '4300',
    });
    expect(set.service.url).toBe('http://10.0.0.5:4000/graphql');
    expect(set.subgraphs).toEqual([
      { name: 'events', url: 'http://127.0.0.1:4201/graphql' },
      { name: 'people', url: 'http://127.0.0.1:4202/graphql' },
    ]);
    expect(set.port).toBe(4300);
  });

  it('refuses a malformed subgraph list, a duplicate name and a bad port', () => {
    expect(() => gatewayConfigFromEnv({ GATEWAY_SUBGRAPHS: 'events' })).toThrow(/name=http/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_SUBGRAPHS: 'content=http://x:1/graphql' })).toThrow(/unique/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
  });
});

describe.each(testBackends().slice(0, 1))('the gateway over this service on %s and the events example', () => {
  let api: TestApi;
  let events: Event[];
  const upstream: { name: string; cost: number | null; body: string; headers: Headers }[] = [];
  let eventsDown = false;

  // The gateway's way to the subgraphs: in process, recording what each was sent and what it cost.
  const route: Fetch = async (url, init) => {
    const target = url.startsWith(SERVICE_URL) ? { name: 'content', fetch: api.yoga.fetch } : { name: 'events', fetch: eventsServer.fetch };
    if (target.name === 'events' && eventsDown) throw new TypeError('fetch failed: connection refused');
    const request = new Request(url, init);
    const body = await request.clone().text();
    const response = await target.fetch(request);
    // The gateway's own SDL reads (composition) are not clients' operations.
    if (!body.includes('_service')) upstream.push({ name: target.name, cost: Number(response.headers.get(COST_HEADER)) || null, body, headers: request.headers });
    return response;
  };
  let eventsServer: ReturnType<typeof createEventsSubgraph>;

  const gateways: Gateway[] = [];
  function gateway(overrides: Partial<GatewayConfig> = {}) {
    const limits = overrides.limits ?? config().limits;
    const created = createGateway({
      config: config(overrides),
      logger,
      fetch: route,
      rateLimitStore: limits.rateLimit ? createRateLimitStore('') : undefined,
    });
    gateways.push(created);
    return created;
  }

  async function post(target: { fetch: (input: string, init: RequestInit, ctx?: object) => Promise<Response> | Response }, query: string, variables: object = {}, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await target.fetch(
      'http://gateway.test/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      },
      { req: { socket: { remoteAddress: '203.0.113.7' } } },
    );
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  }

  let org: Awaited<ReturnType<typeof createOrganization>>;
  let article: Awaited<ReturnType<typeof createArticle>>;
  let draft: Awaited<ReturnType<typeof createArticle>>;
  let series: Awaited<ReturnType<typeof createSeries>>;
  let other: Awaited<ReturnType<typeof createOrganization>>;

  beforeAll(async () => {
    api = await createTestApi('pglite');
    org = await createOrganization(api.db.prisma);
    series = await createSeries(api.db.prisma, org.id);
    article = await createArticle(api.db.prisma, { seriesId: series.id, episode: 1, organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    draft = await createArticle(api.db.prisma, { status: 'DRAFT', organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    other = await createOrganization(api.db.prisma);
    events = [
      { id: 'e1', title: '公开课', startsOn: '2023-03-15', organizationSlug: org.slug, articleSlug: article.slug },
      { id: 'e2', title: '开放日', startsOn: '2023-06-01', organizationSlug: org.slug, articleSlug: draft.slug },
      { id: 'e3', title: '听证会', startsOn: '2023-09-20', organizationSlug: other.slug, articleSlug: null },
    ];
    eventsServer = createEventsSubgraph(events);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.dispose()));
    await api?.close();
  });

  it('answers one query that joins both subgraphs', async () => {
    const answer = await post(gateway(), SPANNING, { slug: org.slug });
    expect(answer.body.data).toEqual({
      organization: {
        name: org.name,
        events: [
          { title: '公开课', startsOn: '2023-03-15', article: { slug: article.slug, title: article.title, series: { title: series.title } } },
          // A draft's reference is null for an anonymous caller, as on every route. The gateway
          // reports the hole it leaves (the stub had only a slug) at the article, masked.
          { title: '开放日', startsOn: '2023-06-01', article: null },
        ],
      },
    });
    expect(answer.body.errors?.map((e) => [e.message, (e as { path?: unknown[] }).path])).toEqual([
      ['Unexpected error.', ['organization', 'events', 1, 'article', 'title']],
    ]);
  });

  it('joins the other way too: events with their organizations, null where the service has none', async () => {
    const answer = await post(gateway(), '{ events(first: 10) { title organization { slug name } } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.events).toEqual([
      { title: '公开课', organization: { slug: org.slug, name: org.name } },
      { title: '开放日', organization: { slug: org.slug, name: org.name } },
      { title: '听证会', organization: { slug: other.slug, name: other.name } },
    ]);
  });

  it('runs the GraphiQL example, and serves GraphiQL with it', async () => {
    const g = gateway();
    const answer = await post(g, GATEWAY_GRAPHIQL_EXAMPLE, { slug: org.slug });
    expect(answer.body.data.organization.events.map((e: { title: string }) => e.title)).toEqual(['公开课', '开放日']);
    const page = await g.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('OrganizationWithEvents');
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
  });

  it('forwards keys to this service only, and a scoped partner key sees through the gateway exactly what it sees directly', async () => {
    const child = await createOrganization(api.db.prisma, { parentId: org.id });
    const sibling = await createOrganization(api.db.prisma);
    const inChild = await createArticle(api.db.prisma, { organizations: [{ organizationId: child.id, role: 'SUBJECT' }] });
    const elsewhere = await createArticle(api.db.prisma, { organizations: [{ organizationId: sibling.id, role: 'SUBJECT' }] });
    const scoped = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'scoped', organizationSlug: child.slug })).secret };
    const editor = { authorization: `Bearer ${(await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor' })).secret}` };
    const queries: [string, object][] = [
      ['{ viewer { kind name } }', {}],
      ['query ($s: String!) { organization(slug: $s) { slug parent { slug } ancestors { slug } } }', { s: child.slug }],
      ['query ($s: String!) { organization(slug: $s) { slug } }', { s: org.slug }],
      ['query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [inChild, elsewhere, draft].map((a) => encodeGlobalId('Article', a.id)) }],
      ['{ articles(first: 50) { totalCount edges { node { slug } } } }', {}],
      ['{ organizations(first: 50) { totalCount } }', {}],
    ];
    for (const headers of [scoped, editor, {}]) {
      for (const [query, variables] of queries) {
        upstream.splice(0);
        const through = await post(gateway(), query, variables, headers);
        const direct = await post(api.yoga, query, variables, headers);
        expect(comparable(through.body), query).toEqual(comparable(direct.body));
        const sent = upstream.filter((u) => u.name === 'content');
        expect(sent.length, query).toBeGreaterThan(0);
        for (const u of sent) {
          expect(u.headers.get('x-api-key')).toBe(headers['x-api-key' as keyof typeof headers] ?? null);
          expect(u.headers.get('authorization')).toBe(headers['authorization' as keyof typeof headers] ?? null);
        }
      }
    }
    // The events subgraph never sees a credential.
    upstream.splice(0);
    await post(gateway(), SPANNING, { slug: org.slug }, editor);
    const toEvents = upstream.filter((u) => u.name === 'events');
    expect(toEvents.length).toBeGreaterThan(0);
    for (const u of toEvents) expect([u.headers.get('x-api-key'), u.headers.get('authorization')]).toEqual([null, null]);
    // A scoped key's spanning query: its organization is outside the scope, so it is not found.
    const scopedSpan = await post(gateway(), SPANNING, { slug: org.slug }, scoped);
    const scopedDirect = await post(api.yoga, 'query ($slug: String!) { organization(slug: $slug) { name } }', { slug: org.slug }, scoped);
    expect(scopedSpan.body.errors?.[0]?.extensions?.code).toBe(scopedDirect.body.errors?.[0]?.extensions?.code);
    expect(scopedSpan.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('shows an editor the draft an event references, through the gateway', async () => {
    const editor = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor' })).secret };
    const answer = await post(gateway(), SPANNING, { slug: org.slug }, editor);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.organization.events[0].article).toMatchObject({ slug: article.slug });
    expect(answer.body.data.organization.events[1].article).toMatchObject({ slug: draft.slug });
  });

  it('refuses a bad key through the gateway as the service does: UNAUTHENTICATED', async () => {
    const bad = { 'x-api-key': 'cfk_0123456789abcdef_notarealsecretnotarealsecretnotarealsec' };
    const through = await post(gateway(), '{ viewer { kind } }', {}, bad);
    const direct = await post(api.yoga, '{ viewer { kind } }', {}, bad);
    expect(direct.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(through.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(through.body.data?.viewer ?? null).toBeNull();
  });

  it('refuses a partner key from a foreign origin through the gateway as the service does: FORBIDDEN_ORIGIN', async () => {
    const key = (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'site', allowedOrigins: ['https://partner.example'] })).secret;
    const foreign = await post(gateway(), '{ viewer { kind } }', {}, { 'x-api-key': key, origin: 'https://elsewhere.example' });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_ORIGIN');
    expect(foreign.body.data?.viewer ?? null).toBeNull();
    const allowed = await post(gateway(), '{ viewer { kind } }', {}, { 'x-api-key': key, origin: 'https://partner.example' });
    expect(allowed.body.data).toEqual({ viewer: { kind: 'PARTNER' } });
  });

  it('refuses through the gateway what a trusted-documents-only key may not send directly', async () => {
    const onlyTrusted = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'trusted', trustedDocumentsOnly: true })).secret };
    const through = await post(gateway(), '{ viewer { kind } }', {}, onlyTrusted);
    expect(through.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(through.body.data?.viewer ?? null).toBeNull();
  });

  it('enforces the service’s cost limit on the whole federated query, before any subgraph is asked', async () => {
    const limits: Limits = { ...DEFAULT_LIMITS, rateLimit: null, maxCost: 300 };
    const g = gateway({ limits });
    // Each part alone fits the limit; together they do not.
    const content = '{ articles(first: 20) { edges { node { slug title bodyText language } } } }';
    const both = '{ articles(first: 20) { edges { node { slug title bodyText language } } } events(first: 20) { title startsOn article { slug title bodyText language } } }';
    const direct = await post(createTestApiOver(api.db, { limits }).yoga, content);
    expect(direct.body.errors).toBeUndefined();
    upstream.splice(0);
    const refused = await post(g, both);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    expect(upstream).toEqual([]);
    // Deeper than the service allows is refused at the gateway too.
    const deep = `{ events { organization { ${'parent { '.repeat(DEFAULT_LIMITS.maxDepth)}slug${' }'.repeat(DEFAULT_LIMITS.maxDepth)} } } }`;
    const tooDeep = await post(gateway(), deep);
    expect(tooDeep.body.errors?.[0]?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
  });

  it('never sends this service a fetch that costs more than the federated query did at the gateway', async () => {
    const queries: [string, object][] = [
      [SPANNING, { slug: org.slug }],
      ['{ events(first: 20) { title article { title bodyText series { title articles(first: 10) { edges { node { slug title } } } } } organization { name children(first: 10) { edges { node { slug } } } } } }', {}],
      ['query ($n: Int!) { events(first: $n) { organization { name articles(first: 5) { totalCount edges { node { title } } } } } }', { n: 3 }],
    ];
    for (const [query, variables] of queries) {
      upstream.splice(0);
      const answer = await post(gateway(), query, variables);
      expect(answer.body.data, JSON.stringify(answer.body.errors)).toBeTruthy();
      const atGateway = Number(answer.headers.get(COST_HEADER));
      const atService = upstream.filter((u) => u.name === 'content').map((u) => u.cost!);
      expect(atService.length).toBeGreaterThan(0);
      expect(atGateway).toBeGreaterThan(0);
      expect(atService.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(atGateway);
    }
  });

  it('rate-limits callers at the gateway, and passes their address on to the service', async () => {
    const g = gateway({ limits: { ...DEFAULT_LIMITS, rateLimit: { max: 3, windowMs: 60_000 } } });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await post(g, '{ viewer { kind } }')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    upstream.splice(0);
    await post(gateway(), '{ viewer { kind } }');
    expect(upstream[0]!.headers.get('x-forwarded-for')).toBe('203.0.113.7');
  });

  it('recomposes when a subgraph that was down at start comes up', async () => {
    eventsDown = true;
    try {
      const g = gateway({ pollIntervalMs: 200 });
      const before = await post(g, '{ viewer { kind } }');
      expect(before.body.data).toEqual({ viewer: { kind: 'ANONYMOUS' } });
      const missing = await post(g, SPANNING, { slug: org.slug });
      expect(missing.body.errors?.[0]?.message).toMatch(/events/);
      eventsDown = false;
      let answer: Answer | undefined;
      for (let i = 0; i < 50; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await post(g, SPANNING, { slug: org.slug });
        if (answer.body.data?.organization) break;
      }
      expect(answer!.body.data.organization.events).toHaveLength(2);
    } finally {
      eventsDown = false;
    }
  });

});
