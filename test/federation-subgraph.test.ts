import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import { getNamedType, isLeafType, isNonNullType, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { schema } from '../src/schema/index.js';
import { createTestApi, createTestApiOver, postFrom, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';

// This service as an Apollo Federation v2 subgraph, without a gateway: its SDL, its keys and
// `_entities` for every entity and key, with the visibility rules of every other route, and the
// statement counts of batched references. Also the subgraph-only cases of
// apollo-federation-subgraph-compatibility that apply here (key, _service, introspection, @link);
// that suite itself needs Apollo Router downloads.

const gid = encodeGlobalId;

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Organization { id slug name shortName parent { slug } }
    ... on Series { id slug title publisher { slug } articleCount }
    ... on Article { id slug title bodyText status series { slug } organizations { role organization { slug } } }
    ... on Achievement { id slug title year issuerName organization { slug } }
  }
}`;

describe('the subgraph SDL', () => {
  const sdl = printSubgraphSchema(schema);

  it('links Federation v2 and imports the directives it uses (compatibility: @link)', () => {
    expect(sdl).toMatch(/^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key", "@shareable"\]\)/);
  });

  it('keys Organization, Series and Article by id and slug, and Achievement by id (compatibility: @key)', () => {
    const keysOf = (type: string) => {
      const block = new RegExp(`\\ntype ${type} implements Node\\n((?:  @\\w+\\(.*\\)\\n)*)\\{`).exec(sdl)?.[1] ?? '';
      return [...block.matchAll(/@key\(fields: "(\w+)"\)/g)].map((m) => m[1]);
    };
    expect(keysOf('Organization')).toEqual(['id', 'slug']);
    expect(keysOf('Series')).toEqual(['id', 'slug']);
    expect(keysOf('Article')).toEqual(['id', 'slug']);
    expect(keysOf('Achievement')).toEqual(['id']);
  });

  it('marks PageInfo @shareable and leaves the federation types out of the SDL', () => {
    expect(sdl).toMatch(/\ntype PageInfo\n  @shareable\n\{/);
    expect(sdl).not.toMatch(/_Entity|_Any|_Service|_entities/);
  });

  it('is the committed subgraph.graphql (npm run codegen writes it; CI fails when it is stale)', () => {
    expect(readFileSync(new URL('../subgraph.graphql', import.meta.url), 'utf8')).toBe(`${sdl.trimEnd()}\n`);
  });
});

describe.each(testBackends())('the subgraph on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(backend);
  });
  afterAll(() => api?.close());

  const entities = (representations: object[], headers?: Record<string, string>) =>
    api.execute<{ _entities: (Record<string, any> | null)[] }, { representations: object[] }>(ENTITIES, { representations }, headers);

  it('serves its SDL at { _service { sdl } }, the same as subgraph.graphql (compatibility: _service)', async () => {
    const result = await api.execute<{ _service: { sdl: string } }, object>('{ _service { sdl } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!._service.sdl).toBe(printSubgraphSchema(schema));
    expect(result.data!._service.sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
  });

  it('introspects _service, _entities, _Any and the _Entity union of its four entities (compatibility: introspection)', async () => {
    const result = await api.execute<any, object>(`{
      query: __type(name: "Query") { fields { name type { kind name ofType { kind name } } args { name type { kind ofType { kind ofType { kind ofType { name } } } } } } }
      entity: __type(name: "_Entity") { kind possibleTypes { name } }
      any: __type(name: "_Any") { kind }
    }`);
    expect(result.errors).toBeUndefined();
    const fields = result.data.query.fields as { name: string; type: any; args: any[] }[];
    const service = fields.find((f) => f.name === '_service')!;
    expect(service.type).toMatchObject({ kind: 'NON_NULL', ofType: { kind: 'OBJECT', name: '_Service' } });
    const entitiesField = fields.find((f) => f.name === '_entities')!;
    expect(entitiesField.type).toMatchObject({ kind: 'NON_NULL', ofType: { kind: 'LIST' } });
    expect(entitiesField.args).toEqual([
      { name: 'representations', type: { kind: 'NON_NULL', ofType: { kind: 'LIST', ofType: { kind: 'NON_NULL', ofType: { name: '_Any' } } } } },
    ]);
    expect(result.data.entity.kind).toBe('UNION');
    expect(result.data.entity.possibleTypes.map((t: { name: string }) => t.name).sort()).toEqual(['Achievement', 'Article', 'Organization', 'Series']);
    expect(result.data.any.kind).toBe('SCALAR');
  });

  it('resolves every entity by every key, in the order asked, with every field it exposes', async () => {
    const parent = await createOrganization(api.db.prisma);
    const org = await createOrganization(api.db.prisma, { parentId: parent.id });
    const series = await createSeries(api.db.prisma, org.id);
    const article = await createArticle(api.db.prisma, { seriesId: series.id, episode: 1, organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    const achievement = await createAchievement(api.db.prisma, { organizationId: org.id, occurredOn: new Date(Date.UTC(2021, 4, 1)), citeArticle: article });
    const result = await entities([
      { __typename: 'Organization', id: gid('Organization', org.id) },
      { __typename: 'Organization', slug: org.slug },
      { __typename: 'Series', id: gid('Series', series.id) },
      { __typename: 'Series', slug: series.slug },
      { __typename: 'Article', id: gid('Article', article.id) },
      { __typename: 'Article', slug: article.slug },
      { __typename: 'Achievement', id: gid('Achievement', achievement.id) },
    ]);
    expect(result.errors).toBeUndefined();
    const organization = { __typename: 'Organization', id: gid('Organization', org.id), slug: org.slug, name: org.name, shortName: null, parent: { slug: parent.slug } };
    const seriesEntity = { __typename: 'Series', id: gid('Series', series.id), slug: series.slug, title: series.title, publisher: { slug: org.slug }, articleCount: 1 };
    const articleEntity = {
      __typename: 'Article',
      id: gid('Article', article.id),
      slug: article.slug,
      title: article.title,
      bodyText: article.bodyText,
      status: 'PUBLISHED',
      series: { slug: series.slug },
      organizations: [{ role: 'SUBJECT', organization: { slug: org.slug } }],
    };
    expect(result.data!._entities).toEqual([
      organization,
      organization,
      seriesEntity,
      seriesEntity,
      articleEntity,
      articleEntity,
      { __typename: 'Achievement', id: gid('Achievement', achievement.id), slug: achievement.slug, title: achievement.title, year: 2021, issuerName: null, organization: { slug: org.slug } },
    ]);
  });

  it('has every scalar field of every entity through _entities, as through nodes(ids:) (hayes/pothos#1321)', async () => {
    const org = await createOrganization(api.db.prisma);
    const series = await createSeries(api.db.prisma, org.id);
    const article = await createArticle(api.db.prisma, { seriesId: series.id, episode: 3, tags: ['t'], organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    const achievement = await createAchievement(api.db.prisma, { organizationId: org.id, occurredOn: new Date(Date.UTC(2020, 1, 2)), citeArticle: article });
    const ids = { Organization: org.id, Series: series.id, Article: article.id, Achievement: achievement.id };
    for (const [type, id] of Object.entries(ids)) {
      // Every field without required arguments whose type is a scalar or enum: select mode must
      // not leave any of them unread on the reference path.
      const object = schema.getType(type) as GraphQLObjectType;
      const fields = Object.values(object.getFields())
        .filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type)))
        .map((f) => f.name);
      expect(fields.length).toBeGreaterThan(5);
      const selection = `... on ${type} { ${fields.join(' ')} }`;
      const viaEntities = await api.execute<any, object>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
        { r: [{ __typename: type, id: gid(type, id) }] },
      );
      const viaNode = await api.execute<any, object>(`query ($id: ID!) { node(id: $id) { ${selection} } }`, { id: gid(type, id) });
      expect(viaEntities.errors).toBeUndefined();
      expect(viaNode.errors).toBeUndefined();
      expect(Object.keys(viaEntities.data._entities[0]).sort()).toEqual([...fields].sort());
      expect(viaEntities.data._entities[0]).toEqual(viaNode.data.node);
    }
  });

  it('answers null, not an error, for unknown, malformed, mistyped and slug-keyed achievement references', async () => {
    const org = await createOrganization(api.db.prisma);
    const achievement = await createAchievement(api.db.prisma, { organizationId: org.id });
    const result = await entities([
      { __typename: 'Organization', id: gid('Organization', randomUUID()) },
      { __typename: 'Organization', slug: 'no-such-organization' },
      { __typename: 'Series', id: 'not a global id' },
      { __typename: 'Article', id: gid('Organization', org.id) },
      { __typename: 'Article', slug: 'no-such-article' },
      { __typename: 'Achievement', slug: achievement.slug },
      { __typename: 'Achievement', id: gid('Achievement', achievement.id) },
    ]);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.map((e) => e && e.slug)).toEqual([null, null, null, null, null, null, achievement.slug]);
  });

  it('answers null for a draft to anonymous callers and partner keys, and shows it to editors', async () => {
    const draft = await createArticle(api.db.prisma, { status: 'DRAFT' });
    const partner = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'partner' })).secret };
    const editor = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'editor' })).secret };
    const refs = [{ __typename: 'Article', id: gid('Article', draft.id) }, { __typename: 'Article', slug: draft.slug }];
    expect((await entities(refs)).data!._entities).toEqual([null, null]);
    expect((await entities(refs, partner)).data!._entities).toEqual([null, null]);
    const staff = await entities(refs, editor);
    expect(staff.data!._entities.map((e) => e?.status)).toEqual(['DRAFT', 'DRAFT']);
  });

  it('gives a scoped partner key null for content outside its subtree, exactly as node(id:) does', async () => {
    const top = await createOrganization(api.db.prisma);
    const inside = await createOrganization(api.db.prisma, { parentId: top.id });
    const outside = await createOrganization(api.db.prisma, { parentId: top.id });
    const seriesIn = await createSeries(api.db.prisma, inside.id);
    const seriesOut = await createSeries(api.db.prisma, outside.id);
    const articleIn = await createArticle(api.db.prisma, { organizations: [{ organizationId: inside.id, role: 'SUBJECT' }] });
    const articleOut = await createArticle(api.db.prisma, { organizations: [{ organizationId: outside.id, role: 'SUBJECT' }] });
    const achievementIn = await createAchievement(api.db.prisma, { organizationId: inside.id });
    const achievementOut = await createAchievement(api.db.prisma, { organizationId: outside.id });
    const scoped = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'PARTNER', name: 'scoped', organizationSlug: inside.slug })).secret };
    const pairs = [
      ['Organization', inside, outside],
      ['Organization', inside, top],
      ['Series', seriesIn, seriesOut],
      ['Article', articleIn, articleOut],
      ['Achievement', achievementIn, achievementOut],
    ] as const;
    const refs = pairs.flatMap(([type, a, b]) => [
      { __typename: type, id: gid(type, a.id) },
      { __typename: type, id: gid(type, b.id) },
      ...(type === 'Achievement' ? [] : [{ __typename: type, slug: a.slug }, { __typename: type, slug: b.slug }]),
    ]);
    const viaEntities = (await entities(refs, scoped)).data!._entities.map((e) => e?.id ?? null);
    const viaNode = await api.execute<{ nodes: ({ id: string } | null)[] }, { ids: string[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: refs.map((r) => ('id' in r ? r.id : null)).filter((id): id is string => !!id) },
      scoped,
    );
    expect(viaEntities.filter((_, i) => 'id' in refs[i]!)).toEqual(viaNode.data!.nodes.map((n) => n?.id ?? null));
    // Inside: found by id and by slug; outside: null by either.
    expect(viaEntities).toEqual(
      pairs.flatMap(([type, a]) => [gid(type, a.id), null, ...(type === 'Achievement' ? [] : [gid(type, a.id), null])]),
    );
  });

  it('resolves N references of a type in a constant number of statements', async () => {
    const counts: number[] = [];
    for (const n of [2, 12]) {
      const org = await createOrganization(api.db.prisma);
      const series = await createSeries(api.db.prisma, org.id);
      const articles = [];
      for (let i = 1; i <= n; i += 1) {
        articles.push(await createArticle(api.db.prisma, { seriesId: series.id, episode: i, organizations: [{ organizationId: org.id, role: 'SUBJECT' }] }));
      }
      const organizations = [];
      for (let i = 0; i < n; i += 1) organizations.push(await createOrganization(api.db.prisma, { parentId: org.id }));
      api.resetStatements();
      const result = await entities([
        ...articles.map((a) => ({ __typename: 'Article', slug: a.slug })),
        ...articles.map((a) => ({ __typename: 'Article', id: gid('Article', a.id) })),
        ...organizations.map((o) => ({ __typename: 'Organization', id: gid('Organization', o.id) })),
      ]);
      expect(result.errors).toBeUndefined();
      expect(result.data!._entities.every((e) => e !== null)).toBe(true);
      counts.push(api.statements.length);
    }
    // Articles by slug, by id, organizations by id: one statement each, with the relations the
    // selection asks for (series, organizations, parent) loaded with them.
    expect(counts).toEqual([3, 3]);
  });

  it('keeps _service { sdl } for viewers who may introspect where introspection is restricted', async () => {
    const restricted = createTestApiOver(api.db, { limits: { ...DEFAULT_LIMITS, introspection: 'restricted' } });
    const editor = { 'x-api-key': (await createCredential(api.db.prisma, { kind: 'EDITOR', name: 'gateway' })).secret };
    const anonymous = await restricted.execute<any, object>('{ _service { sdl } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(anonymous.data ?? null).toBeNull();
    const staff = await restricted.execute<any, object>('{ _service { sdl } }', undefined, editor);
    expect(staff.data._service.sdl).toContain('@key(fields: "slug")');
  });

  it('counts each representation in the cost of _entities, so a long list is refused', async () => {
    const representations = Array.from({ length: 2_000 }, () => ({ __typename: 'Article', slug: 'x' }));
    const answer = await postFrom(api.yoga, {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Article { title bodyText slug language tags contentHash category attribution series { title slug } } } }',
      variables: { r: representations },
    });
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    expect(answer.body.errors?.[0]?.extensions?.limit).toBe(DEFAULT_LIMITS.maxCost);
  });
});
