import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createYogaServer, type YogaServer } from '../src/http/yoga.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization } from './support/factory.js';
import { readSse } from './support/sse.js';

// @defer and @stream (@graphql-yoga/plugin-defer-stream): a profile page renders the organization
// first and receives its stats and long lists after. Pothos plans deferred fragments apart
// (plugin-prisma's skipDeferredFragments, on by default): the first statement loads the organization
// alone, the deferred parts load through their own statements. Compiled reads step aside for a
// deferred operation, and graphql-jit (GRAPHQL_JIT=on) never runs one.

const PROFILE = `query DeferredProfile($slug: String!) {
  organization(slug: $slug) {
    name
    ... @defer(label: "stats") { achievementStats(groupBy: LEVEL) { key count } }
    ... @defer(label: "achievements") { achievements(first: 10) { totalCount edges { node { title } } } }
  }
}`;
const STREAMED = `query StreamedChildren($slug: String!) {
  organization(slug: $slug) { name children(first: 5) { edges @stream(initialCount: 1) { node { name } } } }
}`;

/** Runs `query` over SSE and returns every payload, in order. */
async function payloads(yoga: YogaServer, query: string, variables: Record<string, unknown>) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  const stream = readSse(response);
  const all: any[] = [];
  for (let i = 0; i < 20; i += 1) {
    const message = await stream.read(10_000);
    if (!message || message.event === 'complete') break;
    all.push(message.data);
  }
  return all;
}

/** The deferred payloads merged into the first one's data, as a client would. */
function merge(all: any[]) {
  const data = structuredClone(all[0].data);
  for (const payload of all.slice(1)) {
    for (const part of payload.incremental ?? []) {
      // A deferred fragment's path is its object; a streamed item's ends with the item's index.
      const path = part.items ? part.path.slice(0, -1) : part.path;
      let target = data;
      for (const key of path) target = target[key];
      if (part.data) Object.assign(target, part.data);
      if (part.items) (target as unknown[]).push(...part.items);
    }
  }
  return data;
}

describe.each(testBackends())('@defer and @stream on %s', (backend) => {
  let api: TestApi;
  let slug: string;
  beforeAll(async () => {
    api = await createTestApi(backend);
    const org = await createOrganization(api.db.prisma);
    slug = org.slug;
    const article = await createArticle(api.db.prisma, { organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    for (let i = 0; i < 12; i += 1) {
      await createAchievement(api.db.prisma, { organizationId: org.id, level: i % 2 ? 'NATIONAL' : 'DISTRICT', occurredOn: new Date(Date.UTC(2010 + i, 0, 1)), citeArticle: article });
    }
    for (let i = 0; i < 3; i += 1) await createOrganization(api.db.prisma, { parentId: org.id });
  });
  afterAll(() => api?.close());

  it('sends the organization first, then its stats and achievements, in a pinned number of statements', async () => {
    for (const [name, yoga] of [
      ['compiled reads on', api.yoga],
      ['compiled reads off', api.prismaPath().yoga],
      ['graphql-jit on', createYogaServer({ prisma: api.db.prisma, jit: true })],
    ] as const) {
      api.resetStatements();
      const all = await payloads(yoga, PROFILE, { slug });
      expect(all[0], name).toMatchObject({ data: { organization: { name: expect.any(String) } }, hasNext: true });
      expect(Object.keys(all[0].data.organization), name).toEqual(['name']);
      expect(all.at(-1).hasNext, name).toBe(false);
      const labels = all.flatMap((payload) => (payload.incremental ?? []).map((part: { label: string }) => part.label)).sort();
      expect(labels, name).toEqual(['achievements', 'stats']);
      const merged = merge(all).organization;
      expect(merged.achievementStats, name).toEqual(expect.arrayContaining([{ key: 'NATIONAL', count: 6 }, { key: 'DISTRICT', count: 6 }]));
      expect(merged.achievements.totalCount, name).toBe(12);
      expect(merged.achievements.edges, name).toHaveLength(10);
      // The organization alone; the stats; the achievements' page of ids, their rows, their count.
      // The first statement does not wait for the deferred parts: Pothos left them out of it
      // (skipDeferredFragments). The same query without @defer takes as many (below).
      expect(api.statements, `${name}:\n${api.statements.join('\n')}`).toHaveLength(5);
      expect(api.statements[0]).toMatch(/FROM "public"\."Organization"/);
      expect(api.statements[0]).not.toMatch(/Achievement/);
    }
  });

  it('takes no more statements deferred than whole, on the Prisma path', async () => {
    const path = api.prismaPath();
    api.resetStatements();
    const whole = await path.execute(PROFILE.replaceAll(' @defer(label: "stats")', '').replaceAll(' @defer(label: "achievements")', ''), { slug });
    expect(whole.errors).toBeUndefined();
    expect(api.statements).toHaveLength(5);
  });

  it('streams a list: the first item with the organization, the rest after', async () => {
    const all = await payloads(api.yoga, STREAMED, { slug });
    expect(all[0].data.organization.children.edges).toHaveLength(1);
    expect(merge(all).organization.children.edges).toHaveLength(3);
    expect(all.at(-1).hasNext).toBe(false);
  });
});
