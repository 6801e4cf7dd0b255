import { readdirSync, readFileSync } from 'node:fs';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../src/auth/credentials.js';
import { encodeGlobalId } from '../src/domain/global-id.js';
import { seedSynthetic } from '../scripts/synthetic/generate.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import { GRAPHIQL_EXAMPLES } from '../src/http/yoga.js';
import { createTestApi, type TestApi } from './support/api.js';
import { testBackends } from './support/database.js';
import { createAchievement, createArticle, createOrganization, createSeries } from './support/factory.js';

// The compiled read path (src/compiled/) and the Prisma path must give the same answers: the same
// data, the same errors, for every viewer. Every operation in test/operations/ and GraphiQL's
// examples runs on both, and so does a list of selections written to reach the compiler's edges
// (aliases, fragments, directives, empty pages, orders, filters, drafts, partner scopes).

const operationsDir = new URL('./operations/', import.meta.url);
const documents = [
  ...readdirSync(operationsDir)
    .filter((name) => name.endsWith('.graphql'))
    .map((name) => readFileSync(new URL(name, operationsDir), 'utf8')),
  GRAPHIQL_EXAMPLES,
];

/** Each query operation of the documents, as its own document (with the fragments it may use). */
const namedOperations = documents.flatMap((source) => {
  const document = parse(source);
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query')
    .map((operation) => ({
      name: operation.name!.value,
      query: print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] }),
    }));
});

/** Selections written for the compiler's edges; `$org`, `$series` and `$year` are filled in. */
const CRAFTED: Record<string, string> = {
  aliasesAndFragments: `query ($org: String!) {
    organization(slug: $org) {
      ...Names
      a: articles(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id title publishedAt tags status series { id title slug status articleCount } } } }
      b: articles(first: 0) { totalCount pageInfo { hasNextPage startCursor endCursor } edges { cursor } }
      c: articles(first: 5, orderBy: EPISODE_ASC, role: SUBJECT) { edges { node { episode slug } } }
      achievements(first: 4, orderBy: TITLE_ASC) { edges { node { ... on Achievement { title rank year date awardedOn periodStart periodEnd kind level } } } }
      all: achievements(scope: SUBTREE, first: 7) { totalCount edges { node { slug organization { slug name } } } }
    }
  }
  fragment Names on Organization { __typename id slug name shortName aliases kind level region foundedOn description version }`,
  directives: `query ($org: String!, $yes: Boolean = true, $no: Boolean = false) {
    organization(slug: $org) {
      slug @include(if: $yes)
      name @skip(if: $yes)
      articles(first: 2) @include(if: $no) { totalCount }
      achievements(first: 2) @skip(if: $no) { edges { node { title } } }
    }
  }`,
  organizationsOrders: `{
    byName: organizations(first: 4) { totalCount edges { cursor node { slug } } pageInfo { hasNextPage endCursor } }
    bySlug: organizations(first: 3, orderBy: SLUG_ASC) { edges { node { slug } } }
    newest: organizations(first: 3, orderBy: CREATED_DESC) { edges { node { slug } } }
    none: organizations(first: 0) { totalCount pageInfo { hasNextPage } }
  }`,
  achievementFilters: `query ($year: Int!) {
    dated: achievements(filter: { yearFrom: $year, yearTo: $year }, first: 5) { totalCount edges { node { slug date } } }
    levels: achievements(filter: { level: [NATIONAL, PROVINCIAL], kind: [AWARD, HONOR, RANKING] }, orderBy: DATE_ASC, first: 6) { totalCount edges { node { slug date level kind } } }
    byTitle: achievements(orderBy: TITLE_ASC, first: 5) { edges { node { title } } }
    latestOfLevels: achievements(filter: { level: [NATIONAL, MUNICIPAL, DISTRICT, NATIONAL] }, first: 9) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug date level } } }
    all: achievements(first: 100) { totalCount edges { node { slug date } } }
  }`,
  nestedFilters: `query ($org: String!, $year: Int!) {
    organization(slug: $org) {
      achievements(scope: SUBTREE, filter: { yearFrom: $year, level: [NATIONAL, PROVINCIAL, MUNICIPAL] }, orderBy: DATE_ASC, first: 3) { totalCount edges { node { slug } } }
      articles(filter: { tag: "检察", publishedFrom: "2020-01-01T00:00:00Z" }, orderBy: PUBLISHED_AT_ASC, first: 3) { totalCount edges { node { slug publishedAt } } }
    }
  }`,
  seriesPages: `query ($series: String!) {
    series(slug: $series) {
      id title description status version articleCount
      first: articles(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { episode slug bodyText contentHash } } }
      articles { edges { node { episode } } }
    }
  }`,
  citations: `query ($org: String!) {
    organization(slug: $org) {
      achievements(first: 20) { edges { node { slug citations { excerpt offset article { slug title status } } c2: citations { offset } } } }
    }
  }`,
  missing: `{ organization(slug: "no-such-organization") { name } }`,
  missingSeries: `{ series(slug: "no-such-series") { title } }`,
  missingOfTwo: `query ($org: String!) { a: organization(slug: $org) { name } b: organization(slug: "no-such-organization") { name } c: achievements(first: 1) { totalCount } }`,
  outOfRange: `query ($org: String!) { organization(slug: $org) { articles(first: 101) { totalCount } } }`,
  badRange: `{ achievements(filter: { yearFrom: 2022, yearTo: 2020 }) { totalCount } }`,
  longTag: `query ($org: String!) { organization(slug: $org) { articles(filter: { tag: "${'检'.repeat(101)}" }) { totalCount } } }`,
  earlyYear: `query ($org: String!) { organization(slug: $org) { achievements(filter: { yearFrom: 1800 }) { totalCount } } }`,
  foreignFilter: `query ($org: String!) { organization(slug: $org) { achievements(filter: { organization: "bm9wZQ" }) { totalCount } } }`,
  cursor: `query ($series: String!) { series(slug: $series) { articles(first: 1) { pageInfo { endCursor } } } }`,
};

/** Crafted selections that must be refused, on both paths, with BAD_USER_INPUT. */
const REFUSED = ['outOfRange', 'badRange', 'longTag', 'earlyYear', 'foreignFilter'];

/** Which crafted selections the compiler must serve in one statement (the rest fall back). */
const COMPILED = ['missingOfTwo', 'missingSeries', 'citations', 'aliasesAndFragments', 'directives', 'organizationsOrders', 'achievementFilters', 'nestedFilters', 'seriesPages', 'missing'];

describe.each(testBackends())('compiled reads and the Prisma path on %s', (backend) => {
  let api: TestApi;
  let prismaPath: TestApi;
  const viewers: Record<string, Record<string, string>> = { anonymous: {} };
  let vars: { org: string; series: string; year: number };

  beforeAll(async () => {
    api = await createTestApi(backend);
    prismaPath = api.prismaPath();
    const { prisma } = api.db;
    await loadCorpus(prisma);
    await seedSynthetic(prisma, { scale: 0.05, seed: 7 });
    // Rows at the edges of the rules: a draft, an undated article and achievement, a numberless episode.
    const org = await createOrganization(prisma, { name: '边缘院' });
    const child = await createOrganization(prisma, { name: '边缘支部', parentId: org.id });
    const series = await createSeries(prisma, org.id);
    await createArticle(prisma, { seriesId: series.id, episode: 1, publishedAt: new Date(Date.UTC(2021, 0, 1)), tags: ['检察'], organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    await createArticle(prisma, { seriesId: series.id, episode: 2, status: 'DRAFT', organizations: [{ organizationId: org.id, role: 'SUBJECT' }] });
    await createArticle(prisma, { seriesId: series.id, publishedAt: null, organizations: [{ organizationId: child.id, role: 'MENTIONED' }] });
    await createAchievement(prisma, { organizationId: org.id, occurredOn: null });
    await createAchievement(prisma, { organizationId: child.id, level: 'NATIONAL', occurredOn: new Date(Date.UTC(2021, 5, 1)) });
    const key = async (input: Parameters<typeof createCredential>[1]) => ({ 'x-api-key': (await createCredential(prisma, input)).secret });
    viewers.editor = await key({ kind: 'EDITOR', name: 'an editor' });
    viewers.partner = await key({ kind: 'PARTNER', name: 'unscoped partner' });
    viewers.scoped = await key({ kind: 'PARTNER', name: 'scoped partner', organizationSlug: 'liupanshui-procuratorate' });
    viewers.edgeScoped = await key({ kind: 'PARTNER', name: 'edge partner', organizationSlug: org.slug });
    const busiest = await prisma.achievement.groupBy({ by: ['organizationId'], _count: true, orderBy: { _count: { organizationId: 'desc' } }, take: 1 });
    const busiestOrg = await prisma.organization.findUniqueOrThrow({ where: { id: busiest[0]!.organizationId } });
    vars = { org: busiestOrg.slug, series: series.slug, year: 2021 };
  });
  afterAll(() => api?.close());

  /** The same request on both paths: the same status and body, and the statements each sent. */
  async function both(query: string, variables: Record<string, unknown>, given: Record<string, string>) {
    // One request id for both, so that errors' extensions.requestId agree too.
    const headers = { 'x-request-id': 'compiled-reads-both', ...given };
    api.resetStatements();
    const compiled = await api.execute<any, object>(query, variables, headers);
    const compiledStatements = api.statements.length;
    const compiledSql = [...api.statements];
    api.resetStatements();
    const prisma = await prismaPath.execute(query, variables, headers);
    expect(compiled).toEqual(prisma);
    return { compiled, compiledStatements, compiledSql, prismaStatements: api.statements.length };
  }

  const variablesFor = (name: string): Record<string, unknown>[] => {
    switch (name) {
      case 'BenchQ1':
      case 'OrganizationLatestArticles':
      case 'OrganizationBreadcrumbs':
        return [{ slug: vars.org }, { slug: 'zhongshan-procuratorate' }];
      case 'BenchQ3':
        return [{ slug: vars.series }, { slug: 'liupanshui-procurators' }];
      case 'BenchQ4':
        return [{ level: ['NATIONAL', 'PROVINCIAL'], yearFrom: 2018, yearTo: 2023 }, {}, { level: ['DISTRICT'] }];
      case 'OrganizationRollup':
        return [{ slug: vars.org, scope: 'SUBTREE', first: 5 }, { slug: vars.org, filter: { yearFrom: 2020 } }];
      case 'OrganizationStats':
        return [{ slug: vars.org, groupBy: 'YEAR' }];
      case 'OrganizationsLatestAchievements':
        return [{ first: 10 }];
      case 'SeriesEpisodes':
        return [{ slug: vars.series, number: 1, first: 2 }];
      default:
        return [{}];
    }
  };

  it('answers every operation of test/operations/ and GraphiQL alike on both paths, for every viewer', async () => {
    expect(namedOperations.length).toBeGreaterThanOrEqual(15);
    for (const headers of Object.values(viewers)) {
      for (const { name, query } of namedOperations) {
        for (const variables of variablesFor(name)) {
          const { compiled } = await both(query, variables, headers);
          expect(compiled.status, name).toBeLessThan(500);
        }
      }
    }
  });

  it('answers the selections at the compiler’s edges alike on both paths, for every viewer', async () => {
    for (const [viewer, headers] of Object.entries(viewers)) {
      for (const [name, query] of Object.entries(CRAFTED)) {
        const { compiled, compiledSql } = await both(query, vars, headers);
        expect(compiled.status, name).toBeLessThan(500);
        // (For a scoped key the organization itself is outside the subtree: NOT_FOUND comes first.)
        if (REFUSED.includes(name)) expect(compiled.errors?.[0]?.extensions?.code, name).toBe(viewer.endsWith('coped') && name !== 'badRange' ? 'NOT_FOUND' : 'BAD_USER_INPUT');
        else expect(compiled.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT'), name).toBeUndefined();
        // The compiler was used where it should be: one statement per root field, besides the
        // credential's own (its lookup, a last-use update, a scoped key's subtree).
        const own = compiledSql.filter((q) => !/"Credential"/.test(q) && !q.startsWith('SELECT id::text AS id FROM'));
        if (COMPILED.includes(name) && !(viewer.endsWith('coped') && /series/i.test(name))) {
          const roots = name === 'organizationsOrders' ? 4 : name === 'achievementFilters' ? 5 : name === 'missingOfTwo' ? 3 : 1;
          expect(own.length, `${viewer} ${name}`).toBe(roots);
        }
      }
    }
  });

  it('gives scoped partner keys nothing outside their subtree on the compiled path', async () => {
    const outside = await api.execute<any, object>(`{ organization(slug: "zhongshan-procuratorate") { name } }`, {}, viewers.edgeScoped);
    expect(outside.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const list = await api.execute<any, object>(`{ organizations(first: 100) { totalCount edges { node { name } } } achievements(first: 100) { totalCount } }`, {}, viewers.edgeScoped);
    expect(list.errors).toBeUndefined();
    expect(list.data.organizations.edges.map((e: { node: { name: string } }) => e.node.name).sort()).toEqual(['边缘支部', '边缘院'].sort());
    expect(list.data.achievements.totalCount).toBe(2);
  });

  it('hides drafts from anonymous callers and shows them to editors on the compiled path', async () => {
    const query = `query ($series: String!) { series(slug: $series) { articleCount articles { totalCount edges { node { status } } } } }`;
    const anonymous = await api.execute<any, object>(query, vars);
    const editor = await api.execute<any, object>(query, vars, viewers.editor);
    expect(anonymous.data.series.articleCount).toBe(2);
    expect(editor.data.series.articleCount).toBe(3);
    expect(editor.data.series.articles.edges.map((e: { node: { status: string } }) => e.node.status)).toContain('DRAFT');
    expect(anonymous.data.series.articles.edges.map((e: { node: { status: string } }) => e.node.status)).not.toContain('DRAFT');
  });

  it('never answers from another request’s uncommitted write (on PGlite, the read waits for the transaction)', async () => {
    const query = `query ($org: String!) { organization(slug: $org) { name version } }`;
    const before = await api.execute<any, object>(query, vars);
    let wrote!: () => void;
    let release!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = api.db.prisma
      .$transaction(async (tx) => {
        await tx.organization.update({ where: { slug: vars.org }, data: { name: 'uncommitted name', version: { increment: 1 } } });
        wrote();
        await held;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    await written;
    const during = api.execute<any, object>(query, vars);
    // Long enough for a read that did not wait to have answered.
    await new Promise((resolve) => setTimeout(resolve, 150));
    release();
    expect(await transaction).toBe('rolled back on purpose');
    const answer = await during;
    expect(answer.errors).toBeUndefined();
    expect(answer.data.organization).toEqual(before.data.organization);
    expect(api.statements.some((sql) => sql.includes('"Organization"') && sql.includes('AS json'))).toBe(true);
  });

  it('encodes global IDs and cursors as the Prisma path does', async () => {
    const { compiled } = await both(CRAFTED.aliasesAndFragments!, vars, {});
    const organization = compiled.data.organization;
    const row = await api.db.prisma.organization.findUniqueOrThrow({ where: { slug: vars.org } });
    expect(organization.id).toBe(encodeGlobalId('Organization', row.id));
  });
});
