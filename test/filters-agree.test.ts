import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { Prisma, type PrismaClient } from '../src/generated/prisma/client.js';
import type {
  AchievementKind,
  AchievementLevel,
  ArticleOrganizationRole,
  ArticleStatus,
  OrganizationKind,
  OrganizationLevel,
  SeriesStatus,
} from '../src/generated/prisma/enums.js';
import { createArticleNeighborsLoader } from '../src/loaders/article-neighbors.js';
import { achievementKeysetOrder, organizationAchievementConditions } from '../src/loaders/organization-achievements.js';
import { articleKeysetOrder, organizationArticleConditions } from '../src/loaders/organization-articles.js';
import { createSubtreeIdsLoader } from '../src/loaders/subtree.js';
import {
  achievementFilterIsDated,
  achievementFilterSql,
  achievementOrderBy,
  achievementWhere,
  articleFilterSql,
  articleOrderBy,
  articleWhere,
  CITATION_ORDER,
  organizationOrderBy,
  organizationWhere,
  SERIES_ARTICLE_ORDER,
  seriesWhere,
  type AchievementFilterInput,
  type AchievementOrder,
  type ArticleFilterInput,
  type ArticleOrder,
  type OrganizationFilterInput,
  type OrganizationOrder,
  type SeriesFilterInput,
} from '../src/resolvers/filters.js';
import { keysetOrderSql, keysetPageSql, prismaOrderSql, type KeysetOrder } from '../src/db/keyset.js';
import {
  achievementScopeSql,
  achievementScopeWhere,
  articleScopeSql,
  loadOrganizationScope,
  narrow,
  organizationScopeSql,
  organizationScopeWhere,
  readableArticleSql,
  readableArticleWhere,
  readableCitationSql,
  readableCitationWhere,
  seriesScopeWhere,
} from '../src/auth/scope.js';
import { ANONYMOUS, credentialViewer, visibleArticleStatuses, type Viewer } from '../src/auth/viewer.js';
import { createTestDatabase, testBackends } from './support/database.js';
import { unique } from './support/factory.js';

// Issue 10, item 4: every filter, visibility rule and order is declared twice, as a Prisma `where`
// / `orderBy` and as SQL (keyset loaders, compiled reads, search). This property test proves, on a
// small data set full of edge cases, that for many generated filter combinations, every viewer and
// every order, both forms select the same rows in the same order. It compares
// `prisma.<model>.findMany({ where, orderBy, select: { id: true } })` with
// `SELECT id FROM … WHERE <sql> ORDER BY <sql>` built from the SQL forms.
//
// The pairs (Prisma form ↔ SQL form; who uses the SQL form):
//  1. readableArticleWhere ↔ readableArticleSql (= status enumInSql + articleScopeSql): search,
//     article neighbors, compiled Series.articles / Citation checks.
//  2. articleWhere without `organization` ↔ articleFilterSql + articleScopeSql: the filter of the
//     root `articles` list against the SQL filter of Organization.articles.
//  3. articleWhere with `organization` (+ `role`) ↔ organizationArticleConditions (loaders of
//     Organization.articles and its totalCount, compiled Organization.articles), a parent
//     organization the viewer can read; and keyset paging with keysetPageSql over those conditions.
//  4. articleOrderBy ↔ articleKeysetOrder (keysetOrderSql: loaders) ↔ prismaOrderSql(articleOrderBy)
//     (compiled reads), for all four orders.
//  5. SERIES_ARTICLE_ORDER + readableArticleWhere (Series.articles) ↔ prismaOrderSql + readableArticleSql
//     (compiled Series.articles); and the article-neighbors loader (SQL) ↔ the neighbours in that
//     Prisma list.
//  6. achievementWhere + achievementScopeWhere (root `achievements`) ↔ achievementFilterSql +
//     achievementScopeSql (compiled root `achievements`).
//  7. achievementOrderBy ↔ achievementKeysetOrder(order, achievementFilterIsDated) (keysetOrderSql:
//     loaders) ↔ prismaOrderSql(achievementOrderBy) (compiled), for all three orders.
//  8. Organization.achievements (scope SELF / SUBTREE): organizationAchievementConditions (loaders,
//     compiled) ↔ achievementWhere narrowed to the organization or its subtree, plus keyset paging.
//  9. organizationScopeWhere ↔ organizationScopeSql (compiled organizations/organization, subtree
//     loader, search); organizationOrderBy ↔ prismaOrderSql(organizationOrderBy).
// 10. readableCitationWhere + CITATION_ORDER (Achievement.citations) ↔ readableCitationSql +
//     prismaOrderSql(CITATION_ORDER) (compiled Achievement.citations).
// 11. The range checks (`from` after `to`) of articleWhere/articleFilterSql and
//     achievementWhere/achievementFilterSql reject the same filters with the same message.
//
// Rules with one form only, checked here against a reference written in the test instead:
//  - organizationWhere (root `organizations` filter: kind, level, parent, region, nameContains with
//    its LIKE escaping): Prisma only; the compiled path refuses an organization filter.
//  - seriesScopeWhere and seriesWhere: Prisma only; the compiled path refuses `series` for a
//    scoped key, and the root `series` list is not compiled.
//  - `articles(filter: { organization, includeDescendants: true })`: Prisma only (Organization.articles
//    has no includeDescendants), with the subtree from the subtree loader, which is SQL only
//    (subtreeIdsSql + organizationScopeSql); both are checked against the parent links.
// Rules with one form only and not exercised here: articleOrganizationScopeWhere (Article.organizations),
// the root `series` order (inline in src/schema/series.ts), Series.episode(number), the `parts`
// merge of the compiled root `achievements` page, the groups of achievementStats (its conditions
// are pair 8's), auditLogWhere and importRunWhere (staff lists). The cursor-target loader uses
// the Prisma scope fragments of pairs 1, 6, 9 and 10 and the Prisma-only seriesScopeWhere.
//
// The data set: unique slugs, ids random (so the `id` tie-breaker follows no other column); ties
// in every order key; undated articles and achievements; drafts and archived articles (the
// statuses only editors see); unnumbered and large episodes; achievements without a level;
// articles linked to no organization or twice to one; names, tags and titles with `%`, `_`, `\`,
// accents and CJK. Filter bounds sit on, just before and just after stored values.

type Row = { id: string };
const sql = Prisma.sql;
const a = Prisma.raw('a');

/** A small seeded generator (mulberry32): the same cases on every run and backend. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;
  /** A few of `items`, possibly none, possibly repeated. */
  const some = <T>(items: readonly T[], max = 3): T[] => Array.from({ length: Math.floor(next() * (max + 1)) }, () => pick(items));
  return { next, pick, chance, some };
}

const ARTICLE_STATUSES: ArticleStatus[] = ['PUBLISHED', 'PUBLISHED', 'PUBLISHED', 'DRAFT', 'ARCHIVED'];
const ROLES: ArticleOrganizationRole[] = ['SUBJECT', 'MENTIONED', 'PUBLISHER'];
const ACHIEVEMENT_KINDS: AchievementKind[] = ['AWARD', 'HONOR', 'RANKING', 'SELECTION', 'METRIC', 'MILESTONE'];
const ACHIEVEMENT_LEVELS: AchievementLevel[] = ['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT'];
const ORGANIZATION_KINDS: OrganizationKind[] = ['PROCURATORATE', 'COURT', 'PARTY_COMMITTEE', 'PARTY_BRANCH', 'GOVERNMENT', 'MEDIA', 'OTHER'];
const ORGANIZATION_LEVELS: OrganizationLevel[] = ['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT', 'UNIT'];
const ARTICLE_ORDERS: ArticleOrder[] = ['PUBLISHED_AT_DESC', 'PUBLISHED_AT_ASC', 'EPISODE_ASC', 'EPISODE_DESC'];
const ACHIEVEMENT_ORDERS: AchievementOrder[] = ['DATE_DESC', 'DATE_ASC', 'TITLE_ASC'];
const ORGANIZATION_ORDERS: OrganizationOrder[] = ['NAME_ASC', 'SLUG_ASC', 'CREATED_DESC'];

const at = (iso: string) => new Date(iso);
/** Publication times: ties, a year boundary to the millisecond, and undated (null). */
const PUBLISHED = [null, null, '2022-12-31T23:59:59.999Z', '2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z', '2023-06-15T08:30:00.123Z', '2024-02-29T12:00:00.000Z'].map((d) => (d ? at(d) : null));
/** Bounds of `publishedFrom`/`publishedTo`: on, just before and just after stored times. */
const PUBLISHED_BOUNDS = ['2022-12-31T23:59:59.999Z', '2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.001Z', '2023-06-15T08:30:00.123Z', '2024-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z'].map(at);
/** Achievement dates: ties, both sides of new year, and undated (null). */
const OCCURRED = [null, null, '1999-02-28', '2021-12-31', '2022-01-01', '2022-01-01', '2022-06-30', '2023-12-31', '2024-01-01'].map((d) => (d ? at(d) : null));
/** Bounds of `from`/`to`, as the Date scalar parses them: midnight UTC. */
const DATE_BOUNDS = ['1999-02-28', '2021-12-31', '2022-01-01', '2022-06-30', '2023-12-31', '2024-01-01'].map(at);
const YEARS = [1999, 2021, 2022, 2023, 2024];
const CATEGORIES = [null, '法治', 'news', '100%', 'news_'];
const TAGS = ['检察', 'a', 'a_b', '%', 'é', 'Straße'];
/** Achievement titles with ties, LIKE metacharacters, case and accents. */
const TITLES = ['一等功', '一等功', 'Award_%', 'award', 'Émile', '荣誉\\', 'Zebra'];
/** `nameContains` inputs: LIKE metacharacters, the escape character, Unicode, case. */
const NAME_SEARCHES = ['%', '_', '\\', 'a\\', 'A_', 'a%b', '100%', 'x_y', '院', 'É', 'é', 'ß', 'Straße', '独立', 'A', 'a', '支部', '乙院_', '_一', '%b', ''];

/**
 * The organization tree: R → A → {A1, A2}, R → B → B1, R → C, and a second root D. Names tie
 * (A1, A2), creation times tie (A1/A2, B/B1, C/D), and names hold `%`, `_`, `\` and Unicode.
 */
const ORGANIZATIONS: {
  key: string;
  parent: string | null;
  name: string;
  shortName: string | null;
  aliases: string[];
  kind: OrganizationKind;
  level: OrganizationLevel;
  region: string | null;
  createdAt: string;
}[] = [
  { key: 'R', parent: null, name: '全国检察 100%', shortName: null, aliases: ['根'], kind: 'PROCURATORATE', level: 'NATIONAL', region: null, createdAt: '2020-01-01T00:00:00.000Z' },
  { key: 'A', parent: 'R', name: 'A_院', shortName: '甲院', aliases: ['a%b'], kind: 'COURT', level: 'PROVINCIAL', region: '贵州省', createdAt: '2020-01-02T00:00:00.000Z' },
  { key: 'A1', parent: 'A', name: 'a\\支部', shortName: null, aliases: [], kind: 'PARTY_BRANCH', level: 'DISTRICT', region: '贵州省六盘水市', createdAt: '2020-01-03T00:00:00.000Z' },
  { key: 'A2', parent: 'A', name: 'a\\支部', shortName: 'A_2', aliases: ['_'], kind: 'PARTY_BRANCH', level: 'DISTRICT', region: '贵州省六盘水市', createdAt: '2020-01-03T00:00:00.000Z' },
  { key: 'B', parent: 'R', name: 'Émile ß 乙院', shortName: 'ÉB', aliases: ['100%', 'x_y', 'Straße'], kind: 'GOVERNMENT', level: 'MUNICIPAL', region: '贵州省', createdAt: '2020-01-04T00:00:00.000Z' },
  { key: 'B1', parent: 'B', name: '乙院_一', shortName: null, aliases: [], kind: 'MEDIA', level: 'UNIT', region: null, createdAt: '2020-01-04T00:00:00.000Z' },
  { key: 'C', parent: 'R', name: 'AB院', shortName: '%', aliases: [], kind: 'OTHER', level: 'MUNICIPAL', region: null, createdAt: '2020-01-05T00:00:00.000Z' },
  { key: 'D', parent: null, name: '独立 root', shortName: null, aliases: ['独立'], kind: 'COURT', level: 'NATIONAL', region: '贵州省', createdAt: '2020-01-05T00:00:00.000Z' },
];

const SERIES: { key: string; publisher: string | null; status: SeriesStatus }[] = [
  { key: 'SA', publisher: 'A', status: 'ONGOING' },
  { key: 'SB', publisher: 'B', status: 'COMPLETED' },
  { key: 'SR', publisher: 'R', status: 'ONGOING' },
  { key: 'SD', publisher: 'D', status: 'ONGOING' },
  { key: 'S0', publisher: null, status: 'COMPLETED' },
];

/** Who reads: every kind of viewer, and partner keys scoped to the whole tree, a branch, a leaf. */
const VIEWERS: { name: string; kind: 'ANONYMOUS' | 'PARTNER' | 'EDITOR' | 'ADMIN'; scope?: string }[] = [
  { name: 'anonymous', kind: 'ANONYMOUS' },
  { name: 'editor', kind: 'EDITOR' },
  { name: 'admin', kind: 'ADMIN' },
  { name: 'unscoped partner', kind: 'PARTNER' },
  { name: 'partner scoped to R', kind: 'PARTNER', scope: 'R' },
  { name: 'partner scoped to A', kind: 'PARTNER', scope: 'A' },
  { name: 'partner scoped to A1', kind: 'PARTNER', scope: 'A1' },
  { name: 'partner scoped to B', kind: 'PARTNER', scope: 'B' },
];

interface DataSet {
  org: Record<string, string>;
  series: Record<string, string>;
  /** Organization id → its parent's id. */
  parentOf: Map<string, string | null>;
  organizations: { id: string; slug: string; name: string; shortName: string | null; aliases: string[]; kind: OrganizationKind; level: OrganizationLevel; region: string | null; parentId: string | null }[];
  seriesRows: { id: string; publisherId: string | null; status: SeriesStatus }[];
  articles: {
    id: string;
    status: ArticleStatus;
    seriesId: string | null;
    episode: number | null;
    publishedAt: Date | null;
    category: string | null;
    tags: string[];
    links: { organizationId: string; role: ArticleOrganizationRole }[];
  }[];
  achievements: string[];
  viewers: { name: string; viewer: Viewer }[];
}

async function buildDataSet(prisma: PrismaClient): Promise<DataSet> {
  const rnd = random(20261206);
  // Ids made here (random, so that the `id` tie-breaker follows no other column), rows written in
  // one statement per table.
  const org = Object.fromEntries(ORGANIZATIONS.map((o) => [o.key, randomUUID()]));
  const organizations = ORGANIZATIONS.map((o) => ({
    id: org[o.key]!,
    slug: unique(`org-${o.key.toLowerCase()}`),
    name: o.name,
    shortName: o.shortName,
    aliases: o.aliases,
    kind: o.kind,
    level: o.level,
    region: o.region,
    parentId: o.parent ? org[o.parent]! : null,
    createdAt: at(o.createdAt),
  }));
  await prisma.organization.createMany({ data: organizations });
  const parentOf = new Map(organizations.map((o) => [o.id, o.parentId]));
  const series = Object.fromEntries(SERIES.map((s) => [s.key, randomUUID()]));
  const seriesRows = SERIES.map((s) => ({ id: series[s.key]!, status: s.status, publisherId: s.publisher ? org[s.publisher]! : null }));
  await prisma.series.createMany({
    data: seriesRows.map((s, i) => ({ ...s, slug: unique(`series-${SERIES[i]!.key.toLowerCase()}`), title: `系列 ${SERIES[i]!.key}` })),
  });

  // Articles: every status, undated ones, tied times, series with gaps and unnumbered episodes.
  const nextEpisode = new Map<string, number>();
  const articles: DataSet['articles'] = [];
  const articleRows: Prisma.ArticleCreateManyInput[] = [];
  const orgIds = Object.values(org);
  for (let i = 0; i < 48; i++) {
    const seriesId = rnd.pick([...Object.values(series), null, null]);
    let episode: number | null = null;
    if (seriesId && rnd.chance(0.75)) {
      episode = (nextEpisode.get(seriesId) ?? 0) + 1 + Math.floor(rnd.next() * 3);
      if (rnd.chance(0.05)) episode += 100_000 - 50;
      nextEpisode.set(seriesId, episode);
    }
    const links = new Map<string, { organizationId: string; role: ArticleOrganizationRole }>();
    for (const organizationId of rnd.some(orgIds, 3)) {
      const role = rnd.pick(ROLES);
      links.set(`${organizationId}:${role}`, { organizationId, role });
    }
    const article = {
      id: randomUUID(),
      status: rnd.pick(ARTICLE_STATUSES),
      publishedAt: rnd.pick(PUBLISHED),
      seriesId,
      episode,
      category: rnd.pick(CATEGORIES),
      tags: [...new Set(rnd.some(TAGS, 3))],
    };
    const slug = unique('article');
    articleRows.push({ ...article, slug, title: `文章 ${i}`, bodyText: `正文 ${slug}`, contentHash: slug });
    articles.push({ ...article, links: [...links.values()] });
  }
  await prisma.article.createMany({ data: articleRows });
  await prisma.articleOrganization.createMany({ data: articles.flatMap((x) => x.links.map((link) => ({ articleId: x.id, ...link }))) });

  // Achievements: undated ones, tied dates and titles, no level.
  const achievements = Array.from({ length: 36 }, () => randomUUID());
  await prisma.achievement.createMany({
    data: achievements.map((id) => {
      const occurredOn = rnd.pick(OCCURRED);
      return {
        id,
        slug: unique('achievement'),
        organizationId: rnd.pick(orgIds),
        title: rnd.pick(TITLES),
        kind: rnd.pick(ACHIEVEMENT_KINDS),
        level: rnd.chance(0.2) ? null : rnd.pick(ACHIEVEMENT_LEVELS),
        occurredOn,
        awardedOn: occurredOn,
      };
    }),
  });

  // Citations: ties in `offset` within an achievement, and quoting drafts and out-of-scope articles.
  const citations = new Map<string, Prisma.CitationCreateManyInput>();
  for (let i = 0; i < 40; i++) {
    const citation = { achievementId: rnd.pick(achievements), articleId: rnd.pick(articles).id, offset: Math.floor(rnd.next() * 3), excerpt: '正文' };
    citations.set(`${citation.achievementId}:${citation.articleId}:${citation.offset}`, citation);
  }
  await prisma.citation.createMany({ data: [...citations.values()] });

  // Viewers as a request makes them once its credential is verified (src/auth/credentials.ts):
  // credentialViewer, and for a scoped partner key its subtree looked up by loadOrganizationScope.
  const viewers: DataSet['viewers'] = [];
  for (const v of VIEWERS) {
    if (v.kind === 'ANONYMOUS') {
      viewers.push({ name: v.name, viewer: ANONYMOUS });
      continue;
    }
    const organizationId = v.scope ? org[v.scope]! : null;
    const viewer = credentialViewer({ id: randomUUID(), kind: v.kind, name: v.name, organizationId, allowedOrigins: [], trustedDocumentsOnly: false });
    viewers.push({ name: v.name, viewer: organizationId ? { ...viewer, organizationScope: await loadOrganizationScope(prisma, organizationId) } : viewer });
  }
  return { org, series, parentOf, organizations, seriesRows, articles, achievements, viewers };
}

/** The organization and every organization below it, walked in the test from the parent links. */
function subtreeOf(data: DataSet, rootId: string): string[] {
  const ids = [rootId];
  for (let i = 0; i < ids.length; i++) {
    for (const [id, parentId] of data.parentOf) if (parentId === ids[i]) ids.push(id);
  }
  return data.parentOf.has(rootId) ? ids : [];
}

const inScope = (viewer: Viewer, organizationId: string) => !viewer.organizationScope || viewer.organizationScope.organizationIdSet.has(organizationId);

const ids = (rows: Row[]) => rows.map((row) => row.id);
/** Pages small enough that a list takes about three, with a cursor between each. */
const pageSize = (list: unknown[]) => Math.max(1, Math.ceil(list.length / 3));
const idArg = (typename: string, id: string) => ({ id, typename });

describe.each(testBackends())('Prisma and SQL forms of filters, scopes and orders on %s', (backend) => {
  let db: Database;
  let prisma: PrismaClient;
  let data: DataSet;

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    prisma = db.prisma;
    data = await buildDataSet(prisma);
  });
  afterAll(() => db?.close());

  /** `SELECT alias.id FROM table alias WHERE … ORDER BY …`, ids as text. */
  const select = async (table: string, alias: Prisma.Sql, where: Prisma.Sql[], orderBy: Prisma.Sql) =>
    ids(
      await prisma.$queryRaw<Row[]>`SELECT ${alias}.id::text AS id FROM ${Prisma.raw(`"${table}"`)} ${alias}
        WHERE ${where.length ? Prisma.join(where, ' AND ') : sql`TRUE`} ORDER BY ${orderBy}`,
    );

  /** Every row of the list, page by page through keysetPageSql: forwards, then backwards from the end. */
  async function pagesOf(table: string, where: Prisma.Sql[], order: KeysetOrder, size: number) {
    const page = async (take: number, cursorId: string | null) => ids(await prisma.$queryRaw<Row[]>(keysetPageSql(table, 'a', where, order, { take, cursorId })));
    const forwards: string[] = [];
    for (let cursor: string | null = null; ; ) {
      const rows = await page(size + 1, cursor);
      forwards.push(...rows.slice(0, size));
      if (rows.length <= size) break;
      cursor = rows[size - 1]!;
    }
    const backwards: string[] = [];
    for (let cursor: string | null = null; ; ) {
      // A backwards page comes in reverse order (the loader turns it round).
      const rows = await page(-(size + 1), cursor);
      backwards.unshift(...rows.slice(0, size).reverse());
      if (rows.length <= size) break;
      cursor = rows[size - 1]!;
    }
    return { forwards, backwards };
  }

  /** Names the viewer in a failure message. */
  const context = (viewer: Viewer) => `viewer "${data.viewers.find((v) => v.viewer === viewer)?.name}"`;

  it('builds a data set where every rule has rows on both sides', async () => {
    // The comparisons below mean something only if the rules split the rows: check a few.
    const statuses = new Set(data.articles.map((x) => x.status));
    expect([...statuses].sort()).toEqual(['ARCHIVED', 'DRAFT', 'PUBLISHED']);
    expect(data.articles.some((x) => x.links.length === 0)).toBe(true);
    expect(data.articles.some((x) => new Set(x.links.map((l) => l.organizationId)).size < x.links.length)).toBe(true);
    expect(data.articles.some((x) => x.episode != null && x.episode > 1000)).toBe(true);
    expect(data.articles.some((x) => x.seriesId && x.episode == null)).toBe(true);
    expect(await prisma.article.count({ where: { publishedAt: null } })).toBeGreaterThan(2);
    expect(await prisma.achievement.count({ where: { occurredOn: null } })).toBeGreaterThan(2);
    expect(await prisma.citation.count()).toBeGreaterThan(20);
    const scopedToA = data.viewers.find((v) => v.name === 'partner scoped to A')!.viewer;
    expect([...scopedToA.organizationScope!.organizationIds].sort()).toEqual([data.org.A, data.org.A1, data.org.A2].sort());
  });

  it('selects the same readable articles in the same order, for every viewer and order (pairs 1 and 4)', async () => {
    for (const { viewer } of data.viewers) {
      for (const order of ARTICLE_ORDERS) {
        const prismaIds = ids(await prisma.article.findMany({ where: readableArticleWhere(viewer), orderBy: articleOrderBy(order), select: { id: true } }));
        const where = readableArticleSql(viewer, a);
        const why = `${context(viewer)}, ${order}`;
        expect(await select('Article', a, where, keysetOrderSql(articleKeysetOrder(order), a)), why).toEqual(prismaIds);
        expect(await select('Article', a, where, prismaOrderSql(articleOrderBy(order), a)), why).toEqual(prismaIds);
      }
    }
  });

  it('selects the same articles for generated article filters, with and without an organization (pairs 2, 3 and 4)', async () => {
    const rnd = random(1);
    const orgIds = [...Object.values(data.org), randomUUID()];
    const seriesIds = [...Object.values(data.series), randomUUID()];
    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 80; i++) {
      const { viewer } = rnd.pick(data.viewers);
      const order = rnd.pick([...ARTICLE_ORDERS, null]);
      const publishedFrom = rnd.chance(0.3) ? rnd.pick(PUBLISHED_BOUNDS) : null;
      const publishedTo = rnd.chance(0.3) ? rnd.pick(PUBLISHED_BOUNDS) : null;
      if (publishedFrom && publishedTo && publishedFrom > publishedTo) continue;
      const organizationId = rnd.chance(0.6) ? rnd.pick(orgIds) : null;
      const role = rnd.chance(0.5) ? rnd.pick(ROLES) : null;
      const filter = {
        series: rnd.chance(0.25) ? idArg('Series', rnd.pick(seriesIds)) : null,
        tag: rnd.chance(0.3) ? rnd.pick([...TAGS, 'none']) : null,
        category: rnd.chance(0.25) ? rnd.pick([...CATEGORIES.filter((c) => c), 'none']) : null,
        publishedFrom,
        publishedTo,
      };
      const prismaIds = ids(
        await prisma.article.findMany({
          where: articleWhere(
            { ...filter, organization: organizationId ? idArg('Organization', organizationId) : null, role },
            readableArticleWhere(viewer),
            viewer,
          ),
          orderBy: articleOrderBy(order),
          select: { id: true },
        }),
      );
      const where = organizationId
        ? [
            // Organization.articles hangs below an organization the viewer can read.
            ...organizationScopeSql(viewer, sql`${organizationId}::uuid`),
            ...organizationArticleConditions(viewer, { role, statuses: visibleArticleStatuses(viewer), filter }, sql`${organizationId}::uuid`),
          ]
        : [...articleFilterSql(filter, visibleArticleStatuses(viewer), a), ...articleScopeSql(viewer, a)];
      const why = `${context(viewer)}, organization ${organizationId}, role ${role}, order ${order}, filter ${JSON.stringify(filter)}`;
      expect(await select('Article', a, where, keysetOrderSql(articleKeysetOrder(order), a)), why).toEqual(prismaIds);
      expect(await select('Article', a, where, prismaOrderSql(articleOrderBy(order), a)), why).toEqual(prismaIds);
      if (organizationId && i % 5 === 0) {
        const { forwards, backwards } = await pagesOf('Article', where, articleKeysetOrder(order), pageSize(prismaIds));
        expect(forwards, `${why}, pages forwards`).toEqual(prismaIds);
        expect(backwards, `${why}, pages backwards`).toEqual(prismaIds);
      }
      compared += 1;
      if (prismaIds.length) nonEmpty += 1;
    }
    // Most generated filters are compared, and most of those find something.
    expect(compared).toBeGreaterThan(70);
    expect(nonEmpty).toBeGreaterThan(compared / 3);
  });

  it('filters by an organization and its descendants (Prisma only, fed by the SQL subtree loader) as the reference does', async () => {
    const rnd = random(6);
    const orgIds = [...Object.values(data.org), randomUUID()];
    let nonEmpty = 0;
    const cases = 40;
    for (let i = 0; i < cases; i++) {
      const { viewer } = rnd.pick(data.viewers);
      const order = rnd.pick([...ARTICLE_ORDERS, null]);
      const organizationId = rnd.pick(orgIds);
      const filter: ArticleFilterInput = {
        organization: idArg('Organization', organizationId),
        includeDescendants: true,
        role: rnd.chance(0.4) ? rnd.pick(ROLES) : null,
        tag: rnd.chance(0.2) ? rnd.pick(TAGS) : null,
        category: rnd.chance(0.2) ? rnd.pick(CATEGORIES.filter((c) => c)) : null,
        publishedFrom: rnd.chance(0.2) ? PUBLISHED_BOUNDS[1] : null,
      };
      // As rootArticleWhere does it: the subtree from the loader, which knows the viewer's scope.
      const subtreeIds = await createSubtreeIdsLoader(prisma, viewer).load(organizationId);
      const prismaIds = ids(
        await prisma.article.findMany({
          where: articleWhere(filter, readableArticleWhere(viewer), viewer, subtreeIds),
          orderBy: articleOrderBy(order),
          select: { id: true },
        }),
      );
      const subtree = inScope(viewer, organizationId) ? new Set(subtreeOf(data, organizationId)) : new Set<string>();
      const statuses: string[] = visibleArticleStatuses(viewer);
      const expected = data.articles.filter(
        (x) =>
          statuses.includes(x.status) &&
          (!viewer.organizationScope || x.links.some((l) => inScope(viewer, l.organizationId))) &&
          x.links.some((l) => subtree.has(l.organizationId) && (!filter.role || l.role === filter.role)) &&
          (!filter.tag || x.tags.includes(filter.tag)) &&
          (!filter.category || x.category === filter.category) &&
          (!filter.publishedFrom || (x.publishedAt != null && x.publishedAt >= filter.publishedFrom)),
      );
      const ordered = await select('Article', a, [sql`${a}.id = ANY(${ids(expected)}::text[]::uuid[])`], keysetOrderSql(articleKeysetOrder(order), a));
      expect(prismaIds, `${context(viewer)}, order ${order}, filter ${JSON.stringify(filter)}`).toEqual(ordered);
      if (prismaIds.length) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(cases / 3);
  });

  it('rejects the same article and achievement ranges in both forms (pair 11)', () => {
    const { viewer } = data.viewers[0]!;
    const articles: ArticleFilterInput = { publishedFrom: PUBLISHED_BOUNDS[1], publishedTo: PUBLISHED_BOUNDS[0] };
    const prismaError = (() => {
      try {
        articleWhere(articles, readableArticleWhere(viewer), viewer);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(prismaError).toMatch(/publishedFrom\/publishedTo/);
    expect(() => articleFilterSql(articles, ['PUBLISHED'], a)).toThrow(prismaError!);
    for (const achievements of [{ yearFrom: 2023, yearTo: 2022 }, { from: DATE_BOUNDS[2], to: DATE_BOUNDS[1] }] as AchievementFilterInput[]) {
      const message = (() => {
        try {
          achievementWhere(achievements);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(message).toMatch(/the start of the range is after its end/);
      expect(() => achievementFilterSql(achievements, a)).toThrow(message!);
    }
  });

  it('lists each series’ readable articles alike, and the neighbors loader agrees with that list (pair 5)', async () => {
    for (const { viewer } of data.viewers) {
      const lists = new Map<string, { id: string; episode: number | null }[]>();
      for (const seriesId of Object.values(data.series)) {
        const list = await prisma.article.findMany({
          where: { ...readableArticleWhere(viewer), seriesId },
          orderBy: SERIES_ARTICLE_ORDER,
          select: { id: true, episode: true },
        });
        lists.set(seriesId, list);
        const where = [sql`${a}."seriesId" = ${seriesId}::uuid`, ...readableArticleSql(viewer, a)];
        expect(await select('Article', a, where, prismaOrderSql(SERIES_ARTICLE_ORDER, a)), context(viewer)).toEqual(ids(list));
      }
      const numbered = data.articles.filter((x) => x.seriesId && x.episode != null);
      const neighbors = await createArticleNeighborsLoader(prisma, viewer).loadMany(numbered.map((x) => x.id));
      numbered.forEach((article, i) => {
        const list = lists.get(article.seriesId!)!.filter((x) => x.episode != null);
        const previous = list.filter((x) => x.episode! < article.episode!).at(-1)?.id ?? null;
        const next = list.find((x) => x.episode! > article.episode!)?.id ?? null;
        const found = neighbors[i] as { previous: Row | null; next: Row | null };
        expect({ previous: found.previous?.id ?? null, next: found.next?.id ?? null }, `${context(viewer)}, article ${article.id}`).toEqual({ previous, next });
      });
    }
  });

  /** A generated achievement filter; `organizations` to pick `organization` from, or none. */
  function achievementFilter(rnd: ReturnType<typeof random>, organizations: string[]): AchievementFilterInput | null {
    if (rnd.chance(0.1)) return null;
    const range = <T extends number | Date>(values: T[]): [T | null, T | null] => {
      const from = rnd.chance(0.3) ? rnd.pick(values) : null;
      const to = rnd.chance(0.3) ? rnd.pick(values) : null;
      return from != null && to != null && from > to ? [to, from] : [from, to];
    };
    const [yearFrom, yearTo] = range(YEARS);
    const [from, to] = range(DATE_BOUNDS);
    return {
      organization: organizations.length && rnd.chance(0.3) ? idArg('Organization', rnd.pick(organizations)) : null,
      kind: rnd.chance(0.4) ? rnd.some(ACHIEVEMENT_KINDS, 3) : null,
      level: rnd.chance(0.4) ? rnd.some(ACHIEVEMENT_LEVELS, 3) : null,
      yearFrom,
      yearTo,
      from,
      to,
    };
  }

  it('selects the same achievements for generated root filters, every viewer and order (pairs 6 and 7)', async () => {
    const rnd = random(2);
    const orgIds = [...Object.values(data.org), randomUUID()];
    let nonEmpty = 0;
    const cases = 80;
    for (let i = 0; i < cases; i++) {
      const { viewer } = rnd.pick(data.viewers);
      const order = rnd.pick([...ACHIEVEMENT_ORDERS, null]);
      const filter = achievementFilter(rnd, orgIds);
      const prismaIds = ids(
        await prisma.achievement.findMany({
          where: narrow(achievementWhere(filter), achievementScopeWhere(viewer)),
          orderBy: achievementOrderBy(order),
          select: { id: true },
        }),
      );
      const where = [...achievementFilterSql(filter, a), ...achievementScopeSql(viewer, a)];
      const why = `${context(viewer)}, order ${order}, filter ${JSON.stringify(filter)}`;
      expect(await select('Achievement', a, where, prismaOrderSql(achievementOrderBy(order), a)), why).toEqual(prismaIds);
      expect(await select('Achievement', a, where, keysetOrderSql(achievementKeysetOrder(order, achievementFilterIsDated(filter)), a)), why).toEqual(prismaIds);
      if (prismaIds.length) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(cases / 3);
  });

  it('selects the same achievements of an organization or its subtree, page by page too (pairs 7 and 8)', async () => {
    const rnd = random(3);
    let nonEmpty = 0;
    const cases = 50;
    for (let i = 0; i < cases; i++) {
      const { viewer } = rnd.pick(data.viewers);
      // Organization.achievements hangs below an organization the viewer can read.
      const organizationId = rnd.pick(Object.values(data.org).filter((id) => inScope(viewer, id)));
      const scope = rnd.pick(['SELF', 'SUBTREE'] as const);
      const order = rnd.pick([...ACHIEVEMENT_ORDERS, null]);
      const filter = achievementFilter(rnd, Object.values(data.org));
      const whose = scope === 'SELF' ? { organizationId } : { organizationId: { in: subtreeOf(data, organizationId) } };
      const prismaIds = ids(
        await prisma.achievement.findMany({
          where: narrow(narrow(achievementWhere(filter), whose), achievementScopeWhere(viewer)),
          orderBy: achievementOrderBy(order),
          select: { id: true },
        }),
      );
      const where = organizationAchievementConditions(viewer, { scope, filter }, sql`${organizationId}::uuid`);
      const keyset = achievementKeysetOrder(order, achievementFilterIsDated(filter));
      const why = `${context(viewer)}, ${scope} of ${organizationId}, order ${order}, filter ${JSON.stringify(filter)}`;
      expect(await select('Achievement', a, where, keysetOrderSql(keyset, a)), why).toEqual(prismaIds);
      expect(await select('Achievement', a, where, prismaOrderSql(achievementOrderBy(order), a)), why).toEqual(prismaIds);
      if (i % 4 === 0) {
        const { forwards, backwards } = await pagesOf('Achievement', where, keyset, pageSize(prismaIds));
        expect(forwards, `${why}, pages forwards`).toEqual(prismaIds);
        expect(backwards, `${why}, pages backwards`).toEqual(prismaIds);
      }
      if (prismaIds.length) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(cases / 3);
  });

  it('selects the same organizations in the same order, for every viewer and order (pair 9)', async () => {
    for (const { viewer } of data.viewers) {
      for (const order of [...ORGANIZATION_ORDERS, null]) {
        const prismaIds = ids(await prisma.organization.findMany({ where: organizationScopeWhere(viewer), orderBy: organizationOrderBy(order), select: { id: true } }));
        const o = Prisma.raw('o');
        expect(await select('Organization', o, organizationScopeSql(viewer, sql`${o}.id`), prismaOrderSql(organizationOrderBy(order), o)), `${context(viewer)}, ${order}`).toEqual(prismaIds);
      }
    }
  });

  it('filters organizations (Prisma only) as the reference does, LIKE metacharacters and Unicode included', async () => {
    const rnd = random(4);
    const o = Prisma.raw('o');
    let nonEmpty = 0;
    const cases = 60;
    for (let i = 0; i < cases; i++) {
      const { viewer } = rnd.pick(data.viewers);
      const order = rnd.pick([...ORGANIZATION_ORDERS, null]);
      const filter: OrganizationFilterInput = {
        kind: rnd.chance(0.3) ? rnd.some(ORGANIZATION_KINDS, 3) : null,
        level: rnd.chance(0.3) ? rnd.some(ORGANIZATION_LEVELS, 3) : null,
        parent: rnd.chance(0.25) ? idArg('Organization', rnd.pick([...Object.values(data.org), randomUUID()])) : null,
        region: rnd.chance(0.2) ? rnd.pick(['贵州省', '贵州省六盘水市', '贵州']) : null,
        nameContains: rnd.chance(0.7) ? rnd.pick(NAME_SEARCHES) : null,
      };
      const expected = data.organizations.filter(
        (x) =>
          inScope(viewer, x.id) &&
          (!filter.kind?.length || filter.kind.includes(x.kind)) &&
          (!filter.level?.length || filter.level.includes(x.level)) &&
          (!filter.parent || (x.parentId === filter.parent.id && inScope(viewer, filter.parent.id as string))) &&
          (!filter.region || x.region === filter.region) &&
          (!filter.nameContains ||
            x.name.includes(filter.nameContains) ||
            !!x.shortName?.includes(filter.nameContains) ||
            x.aliases.includes(filter.nameContains)),
      );
      const prismaIds = ids(
        await prisma.organization.findMany({
          where: narrow(organizationWhere(filter, viewer), organizationScopeWhere(viewer)),
          orderBy: organizationOrderBy(order),
          select: { id: true },
        }),
      );
      const ordered = await select('Organization', o, [sql`${o}.id = ANY(${ids(expected)}::text[]::uuid[])`], prismaOrderSql(organizationOrderBy(order), o));
      expect(prismaIds, `${context(viewer)}, order ${order}, filter ${JSON.stringify(filter)}`).toEqual(ordered);
      if (prismaIds.length) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(cases / 3);
  });

  it('scopes and filters series (Prisma only) as the reference does', async () => {
    const rnd = random(5);
    for (let i = 0; i < 40; i++) {
      const { viewer } = rnd.pick(data.viewers);
      const filter: SeriesFilterInput = {
        publisher: rnd.chance(0.4) ? idArg('Organization', rnd.pick([...Object.values(data.org), randomUUID()])) : null,
        status: rnd.chance(0.4) ? rnd.pick(['ONGOING', 'COMPLETED'] as const) : null,
      };
      const statuses = visibleArticleStatuses(viewer) as ArticleStatus[];
      const readable = (x: DataSet['articles'][number]) =>
        statuses.includes(x.status) && (!viewer.organizationScope || x.links.some((l) => inScope(viewer, l.organizationId)));
      const expected = data.seriesRows
        .filter(
          (s) =>
            (!viewer.organizationScope ||
              (s.publisherId && inScope(viewer, s.publisherId)) ||
              data.articles.some((x) => x.seriesId === s.id && readable(x))) &&
            (!filter.publisher || (s.publisherId === filter.publisher.id && inScope(viewer, filter.publisher.id as string))) &&
            (!filter.status || s.status === filter.status),
        )
        .map((s) => s.id)
        .sort();
      const found = ids(await prisma.series.findMany({ where: narrow(seriesWhere(filter, viewer), seriesScopeWhere(viewer)), select: { id: true } })).sort();
      expect(found, `${context(viewer)}, filter ${JSON.stringify(filter)}`).toEqual(expected);
    }
  });

  it('finds each organization’s subtree (SQL only) as the parent links give it, inside the viewer’s scope', async () => {
    const roots = [...Object.values(data.org), randomUUID()];
    for (const { viewer } of data.viewers) {
      const found = await createSubtreeIdsLoader(prisma, viewer).loadMany(roots);
      roots.forEach((root, i) => {
        const expected = inScope(viewer, root) ? subtreeOf(data, root) : [];
        expect([...(found[i] as string[])].sort(), `${context(viewer)}, root ${root}`).toEqual(expected.sort());
      });
    }
  });

  it('selects the same readable citations in the same order, for every viewer (pair 10)', async () => {
    const c = Prisma.raw('c');
    const h = Prisma.raw('h');
    for (const { viewer } of data.viewers) {
      const prismaIds = ids(await prisma.citation.findMany({ where: readableCitationWhere(viewer), orderBy: CITATION_ORDER, select: { id: true } }));
      const rows = await prisma.$queryRaw<Row[]>`SELECT ${c}.id::text AS id FROM "Citation" ${c} JOIN "Achievement" ${h} ON ${h}.id = ${c}."achievementId"
        WHERE ${Prisma.join(readableCitationSql(viewer, c, h, Prisma.raw('t1')), ' AND ')} ORDER BY ${prismaOrderSql(CITATION_ORDER, c)}`;
      expect(ids(rows), context(viewer)).toEqual(prismaIds);
      expect(prismaIds.length).toBeGreaterThan(0);
    }
  });
});
