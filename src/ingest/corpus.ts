import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isDeepStrictEqual } from 'node:util';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  AchievementKind,
  AchievementLevel,
  ArticleOrganizationRole,
  ArticleStatus,
  OrganizationKind,
  OrganizationLevel,
  SeriesStatus,
  SourceKind,
} from '../generated/prisma/enums.js';
import { parsePortalText, type ParsedPortalPage } from './portal-text.js';
import { achievementOccurredOn } from '../domain/article-body.js';
import { SEARCH_MODELS } from '../search/documents.js';
import * as achievementStore from '../store/achievements.js';
import * as articleStore from '../store/articles.js';
import { SearchBatch } from '../store/common.js';
import { writeTransaction } from '../store/events.js';
import * as organizationStore from '../store/organizations.js';
import * as seriesStore from '../store/series.js';

// Turns the hand-curated corpus fixture and the portal pages it points at into rows, in one
// transaction, keyed by natural keys so that loading twice changes nothing.

/** The fixture `npm run seed` loads. Its article files are resolved next to it. */
export const DEFAULT_CORPUS_FIXTURE = fileURLToPath(
  new URL('../../data/corpus/liupanshui-procurators-50.json', import.meta.url),
);

// ---------------------------------------------------------------------------------------------
// Fixture shape

const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case ASCII words joined by hyphens');
const text = z.string().trim().min(1);
/** `2016`, `1988-05` or `2022-09-30`: as precise as the text is. */
const partialDate = z
  .string()
  .regex(/^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD');

const organizationFixture = z.strictObject({
  slug,
  name: text,
  shortName: text.nullish(),
  aliases: z.array(text).default([]),
  kind: z.enum(OrganizationKind),
  level: z.enum(OrganizationLevel),
  region: text.nullish(),
  foundedOn: partialDate.nullish(),
  description: text.nullish(),
  /** The slug of the parent organization. */
  parent: slug.nullish(),
});

const sourceFixture = z.strictObject({
  slug,
  name: text,
  kind: z.enum(SourceKind),
  url: text.nullish(),
  attributionText: text.nullish(),
});

const seriesFixture = z.strictObject({
  slug,
  title: text,
  description: text.nullish(),
  status: z.enum(SeriesStatus).default('ONGOING'),
  /** The slug of the publishing organization. */
  publisher: slug.nullish(),
});

// Title, category, episode, body, attribution and original path come from the page itself.
const articleFixture = z.strictObject({
  slug,
  /** The portal page, saved as text, relative to the fixture file. */
  file: text,
  series: slug.nullish(),
  /** Only for pages that do not print their episode; must agree with the page otherwise. */
  episode: z.int().positive().nullish(),
  publishedAt: z.iso.datetime({ offset: true }).nullish(),
  language: text.default('zh-CN'),
  tags: z.array(text).default([]),
  status: z.enum(ArticleStatus).default('DRAFT'),
  source: slug.nullish(),
  canonicalUrl: text.nullish(),
  organizations: z
    .array(z.strictObject({ organization: slug, role: z.enum(ArticleOrganizationRole) }))
    .default([]),
});

const achievementFixture = z.strictObject({
  slug,
  organization: slug,
  title: text,
  description: text.nullish(),
  kind: z.enum(AchievementKind),
  level: z.enum(AchievementLevel).nullish(),
  /** A known organization (by slug), the issuer's name as written, or both. */
  issuer: z
    .strictObject({ organization: slug.optional(), name: text.optional() })
    .refine((issuer) => issuer.organization || issuer.name, 'needs an organization or a name')
    .nullish(),
  awardedOn: partialDate.nullish(),
  periodStart: partialDate.nullish(),
  periodEnd: partialDate.nullish(),
  rank: z.int().positive().nullish(),
  metric: z.strictObject({ value: z.number(), unit: text, baseline: z.number().nullish() }).nullish(),
  /** The evidence: each excerpt must be a verbatim substring of the article's bodyText. */
  citations: z.array(z.strictObject({ article: slug, excerpt: z.string().min(1) })).min(1),
});

/** The corpus fixture file (`data/corpus/*.json`). */
export const corpusFixtureSchema = z.strictObject({
  /** Curation notes for the next reader; not loaded. */
  notes: z.array(z.string()).default([]),
  organizations: z.array(organizationFixture),
  sources: z.array(sourceFixture).default([]),
  series: z.array(seriesFixture).default([]),
  articles: z.array(articleFixture),
  achievements: z.array(achievementFixture).default([]),
});

export type CorpusFixture = z.infer<typeof corpusFixtureSchema>;

/** The fixture or a page it names cannot be loaded. Lists every problem found, not just the first. */
export class CorpusError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.length ? `${message}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}` : message, options);
    this.name = 'CorpusError';
  }
}

// ---------------------------------------------------------------------------------------------
// Plan: everything validated and computed before a single row is written

interface OrganizationPlan {
  slug: string;
  parent: string | null;
  data: {
    name: string;
    shortName: string | null;
    aliases: string[];
    kind: OrganizationKind;
    level: OrganizationLevel;
    region: string | null;
    foundedOn: Date | null;
    description: string | null;
  };
}

interface SourcePlan {
  slug: string;
  data: { name: string; kind: SourceKind; url: string | null; attributionText: string | null };
}

interface SeriesPlan {
  slug: string;
  publisher: string | null;
  data: { title: string; description: string | null; status: SeriesStatus };
}

interface ArticlePlan {
  slug: string;
  /** The fixture's `file`: its provenance record's locator is `corpus:<file>`. */
  file: string;
  series: string | null;
  source: string | null;
  organizations: { organization: string; role: ArticleOrganizationRole }[];
  page: ParsedPortalPage;
  /** The columns the page's blocks determine, as the article write path sets them. */
  body: articleStore.ArticleBody;
  data: {
    title: string;
    episode: number | null;
    publishedAt: Date | null;
    language: string;
    category: string | null;
    tags: string[];
    status: ArticleStatus;
    attribution: string | null;
    originalUrl: string | null;
    canonicalUrl: string | null;
  };
}

interface AchievementPlan {
  slug: string;
  organization: string;
  issuer: string | null;
  citations: { article: string; excerpt: string; offset: number }[];
  data: {
    title: string;
    description: string | null;
    kind: AchievementKind;
    level: AchievementLevel | null;
    issuerName: string | null;
    awardedOn: Date | null;
    periodStart: Date | null;
    periodEnd: Date | null;
    occurredOn: Date | null;
    rank: number | null;
    metricValue: number | null;
    metricUnit: string | null;
    metricBaseline: number | null;
  };
}

/** What `loadCorpus` writes, in dependency order (organizations parents first). */
export interface CorpusPlan {
  organizations: OrganizationPlan[];
  sources: SourcePlan[];
  series: SeriesPlan[];
  articles: ArticlePlan[];
  achievements: AchievementPlan[];
}

/** A partial date as the first (`start`) or last (`end`) day of the span it names, at UTC midnight. */
export function fixtureDate(value: string, bound: 'start' | 'end'): Date {
  const [year, month, day] = value.split('-').map(Number) as [number, number | undefined, number | undefined];
  if (day !== undefined) {
    const date = new Date(Date.UTC(year, month! - 1, day));
    if (date.getUTCMonth() !== month! - 1) throw new RangeError(`${value} is not a calendar date`);
    return date;
  }
  if (month !== undefined) return new Date(Date.UTC(year, bound === 'start' ? month - 1 : month, bound === 'start' ? 1 : 0));
  return new Date(Date.UTC(year, bound === 'start' ? 0 : 11, bound === 'start' ? 1 : 31));
}

function describePath(raw: unknown, path: PropertyKey[]): string {
  let node: unknown = raw;
  return path
    .map((key, index) => {
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
      const named = typeof key === 'number' && node && typeof node === 'object' ? (node as { slug?: unknown }).slug : undefined;
      const label = typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`;
      return typeof named === 'string' ? `${label}(${named})` : label;
    })
    .join('');
}

function snippet(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Validates a fixture against its pages and computes every row to write. Pure: `readText`
 * returns the text of an article's `file`.
 * @throws CorpusError listing every problem: schema violations, unknown slugs, parent cycles,
 *   pages that do not parse, and excerpts that are not verbatim (or not unique) in the bodyText.
 */
export function planCorpus(raw: unknown, readText: (file: string) => string, label = 'the corpus fixture'): CorpusPlan {
  const parsed = corpusFixtureSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CorpusError(
      `${label} does not match the fixture schema`,
      parsed.error.issues.map((issue) => `${describePath(raw, issue.path) || '(root)'}: ${issue.message}`),
    );
  }
  const fixture = parsed.data;
  const problems: string[] = [];
  const date = (owner: string, value: string | null | undefined, bound: 'start' | 'end') => {
    if (!value) return null;
    try {
      return fixtureDate(value, bound);
    } catch (error) {
      problems.push(`${owner}: ${(error as Error).message}`);
      return null;
    }
  };

  const known = (kind: string, slugs: string[]) => {
    const seen = new Set<string>();
    for (const value of slugs) {
      if (seen.has(value)) problems.push(`${kind} "${value}" is defined twice`);
      seen.add(value);
    }
    return seen;
  };
  const organizations = known('organization', fixture.organizations.map((o) => o.slug));
  const sources = known('source', fixture.sources.map((s) => s.slug));
  const series = known('series', fixture.series.map((s) => s.slug));
  const articles = known('article', fixture.articles.map((a) => a.slug));
  known('achievement', fixture.achievements.map((a) => a.slug));
  const refer = (owner: string, kind: string, set: Set<string>, value: string | null | undefined) => {
    if (value != null && !set.has(value)) problems.push(`${owner} refers to ${kind} "${value}", which the fixture does not define`);
  };

  // Organizations, parents before children; a cycle leaves some unplaced.
  const organizationPlans: OrganizationPlan[] = [];
  const placed = new Set<string>();
  let pending = fixture.organizations.filter((org) => {
    refer(`organization "${org.slug}"`, 'parent organization', organizations, org.parent);
    return !org.parent || organizations.has(org.parent);
  });
  while (pending.length) {
    const ready = pending.filter((org) => !org.parent || placed.has(org.parent));
    if (!ready.length) {
      problems.push(`organizations ${pending.map((org) => `"${org.slug}"`).join(', ')} form a parent cycle`);
      break;
    }
    for (const org of ready) {
      placed.add(org.slug);
      organizationPlans.push({
        slug: org.slug,
        parent: org.parent ?? null,
        data: {
          name: org.name,
          shortName: org.shortName ?? null,
          aliases: org.aliases,
          kind: org.kind,
          level: org.level,
          region: org.region ?? null,
          foundedOn: date(`organization "${org.slug}"`, org.foundedOn, 'start'),
          description: org.description ?? null,
        },
      });
    }
    pending = pending.filter((org) => !placed.has(org.slug));
  }

  const sourcePlans: SourcePlan[] = fixture.sources.map((source) => ({
    slug: source.slug,
    data: { name: source.name, kind: source.kind, url: source.url ?? null, attributionText: source.attributionText ?? null },
  }));

  const seriesPlans: SeriesPlan[] = fixture.series.map((item) => {
    refer(`series "${item.slug}"`, 'organization', organizations, item.publisher);
    return {
      slug: item.slug,
      publisher: item.publisher ?? null,
      data: { title: item.title, description: item.description ?? null, status: item.status },
    };
  });

  const articlePlans: ArticlePlan[] = [];
  const episodes = new Map<string, string>();
  for (const article of fixture.articles) {
    const owner = `article "${article.slug}"`;
    refer(owner, 'series', series, article.series);
    refer(owner, 'source', sources, article.source);
    for (const link of article.organizations) refer(owner, 'organization', organizations, link.organization);
    const links = new Set(article.organizations.map((link) => `${link.organization} ${link.role}`));
    if (links.size !== article.organizations.length) problems.push(`${owner} lists an organization twice in the same role`);

    let page: ParsedPortalPage;
    try {
      page = parsePortalText(readText(article.file));
    } catch (error) {
      problems.push(`${owner}: its page ${article.file} cannot be read: ${(error as Error).message}`);
      continue;
    }
    const seriesFixture = fixture.series.find((item) => item.slug === article.series);
    if (page.series && seriesFixture && page.series.title !== seriesFixture.title) {
      problems.push(
        `${owner}: its page names the series "${page.series.title}", but series "${seriesFixture.slug}" is titled "${seriesFixture.title}"`,
      );
    }
    if (page.series && !article.series) {
      problems.push(`${owner}: its page names the series "${page.series.title}", but the fixture links no series`);
    }
    const printed = page.series?.episode ?? null;
    if (printed !== null && article.episode != null && printed !== article.episode) {
      problems.push(`${owner}: its page prints episode ${printed}, but the fixture says ${article.episode}`);
    }
    const episode = printed ?? article.episode ?? null;
    if (article.series && episode !== null) {
      const key = `${article.series} ${episode}`;
      const other = episodes.get(key);
      if (other) problems.push(`${owner} and article "${other}" are both episode ${episode} of series "${article.series}"`);
      episodes.set(key, article.slug);
    }
    articlePlans.push({
      slug: article.slug,
      file: article.file,
      series: article.series ?? null,
      source: article.source ?? null,
      organizations: article.organizations,
      page,
      body: articleStore.articleBody(page.blocks),
      data: {
        title: page.title,
        episode,
        publishedAt: article.publishedAt ? new Date(article.publishedAt) : null,
        language: article.language,
        category: page.category,
        tags: article.tags,
        status: article.status,
        attribution: page.attribution,
        originalUrl: page.originalPath,
        canonicalUrl: article.canonicalUrl ?? null,
      },
    });
  }
  const bodyTexts = new Map(articlePlans.map((plan) => [plan.slug, plan.body.bodyText]));

  const achievementPlans: AchievementPlan[] = [];
  for (const achievement of fixture.achievements) {
    const owner = `achievement "${achievement.slug}"`;
    refer(owner, 'organization', organizations, achievement.organization);
    refer(owner, 'issuer organization', organizations, achievement.issuer?.organization);
    if (achievement.kind === 'RANKING' && achievement.rank == null) problems.push(`${owner} is a RANKING without a rank`);
    if (achievement.kind !== 'RANKING' && achievement.rank != null) problems.push(`${owner} has a rank but is a ${achievement.kind}, not a RANKING`);
    if (achievement.kind === 'METRIC' && !achievement.metric) problems.push(`${owner} is a METRIC without a metric`);

    const awardedOn = date(owner, achievement.awardedOn, 'start');
    const periodStart = date(owner, achievement.periodStart, 'start');
    const periodEnd = date(owner, achievement.periodEnd, 'end');
    if (periodStart && periodEnd && periodStart > periodEnd) problems.push(`${owner}: its period starts after it ends`);

    const citations: AchievementPlan['citations'] = [];
    achievement.citations.forEach(({ article, excerpt }, index) => {
      const where = `${owner}, citation ${index + 1}`;
      refer(where, 'article', articles, article);
      const bodyText = bodyTexts.get(article);
      if (bodyText === undefined) return;
      const offset = bodyText.indexOf(excerpt);
      if (offset === -1) {
        const hint = bodyText.normalize('NFKC').includes(excerpt.normalize('NFKC'))
          ? ' (it matches only when character width is ignored: quote the punctuation exactly as the page prints it)'
          : '';
        problems.push(`${where}: the excerpt ${snippet(excerpt)} is not a verbatim substring of the bodyText of article "${article}"${hint}`);
        return;
      }
      const again = bodyText.indexOf(excerpt, offset + 1);
      if (again !== -1) {
        problems.push(`${where}: the excerpt ${snippet(excerpt)} occurs more than once in article "${article}" (at ${offset} and ${again}); quote more of it`);
        return;
      }
      citations.push({ article, excerpt, offset });
    });

    achievementPlans.push({
      slug: achievement.slug,
      organization: achievement.organization,
      issuer: achievement.issuer?.organization ?? null,
      citations,
      data: {
        title: achievement.title,
        description: achievement.description ?? null,
        kind: achievement.kind,
        level: achievement.level ?? null,
        issuerName: achievement.issuer?.name ?? null,
        awardedOn,
        periodStart,
        periodEnd,
        occurredOn: achievementOccurredOn({ awardedOn, periodStart, periodEnd }),
        rank: achievement.rank ?? null,
        metricValue: achievement.metric?.value ?? null,
        metricUnit: achievement.metric?.unit ?? null,
        metricBaseline: achievement.metric?.baseline ?? null,
      },
    });
  }

  if (problems.length) throw new CorpusError(`${label} cannot be loaded`, problems);
  return {
    organizations: organizationPlans,
    sources: sourcePlans,
    series: seriesPlans,
    articles: articlePlans,
    achievements: achievementPlans,
  };
}

export interface LoadCorpusOptions {
  /** The fixture file; defaults to DEFAULT_CORPUS_FIXTURE. */
  fixturePath?: string;
  /** A fixture object to load instead of reading `fixturePath` (its files resolve against `baseDir`). */
  fixture?: unknown;
  /** Where article files are looked up; defaults to the fixture file's directory. */
  baseDir?: string;
  /** The transaction's time limit; the default suits the embedded PGlite on a slow machine. */
  timeoutMs?: number;
}

/** Reads the fixture and its pages and validates them into a plan. Writes nothing. */
export async function prepareCorpus(options: LoadCorpusOptions = {}): Promise<CorpusPlan> {
  const fixturePath = resolve(options.fixturePath ?? DEFAULT_CORPUS_FIXTURE);
  const label = options.fixture === undefined ? fixturePath : 'the given corpus fixture';
  let raw = options.fixture;
  if (raw === undefined) {
    try {
      raw = JSON.parse(await readFile(fixturePath, 'utf8'));
    } catch (error) {
      throw new CorpusError(`${fixturePath} cannot be read as JSON: ${(error as Error).message}`, [], { cause: error });
    }
  }
  const baseDir = options.baseDir ?? dirname(fixturePath);
  const files = new Map<string, string>();
  const candidates = (raw as { articles?: unknown })?.articles;
  for (const article of Array.isArray(candidates) ? candidates : []) {
    const file = (article as { file?: unknown })?.file;
    if (typeof file !== 'string' || files.has(file)) continue;
    try {
      files.set(file, await readFile(resolve(baseDir, file), 'utf8'));
    } catch (error) {
      throw new CorpusError(`${label}: the page ${resolve(baseDir, file)} cannot be read: ${(error as Error).message}`, [], {
        cause: error,
      });
    }
  }
  return planCorpus(raw, (file) => files.get(file)!, label);
}

/**
 * A digest of everything {@link prepareCorpus} reads (the fixture and the pages it names), for
 * telling cheaply whether the corpus changed since it was last loaded. An unreadable input makes
 * a digest no earlier load can have recorded, so that the load runs and reports the problem.
 */
export async function corpusFingerprint(options: Pick<LoadCorpusOptions, 'fixturePath' | 'baseDir'> = {}): Promise<string> {
  const fixturePath = resolve(options.fixturePath ?? DEFAULT_CORPUS_FIXTURE);
  const baseDir = options.baseDir ?? dirname(fixturePath);
  const hash = createHash('sha256');
  try {
    const text = await readFile(fixturePath, 'utf8');
    hash.update(`${fixturePath}\0${text}\0`);
    const articles = (JSON.parse(text) as { articles?: unknown })?.articles;
    const files = new Set<string>();
    for (const article of Array.isArray(articles) ? articles : []) {
      const file = (article as { file?: unknown })?.file;
      if (typeof file === 'string') files.add(file);
    }
    for (const file of files) hash.update(`${file}\0${await readFile(resolve(baseDir, file), 'utf8')}\0`);
  } catch (error) {
    hash.update(`unreadable ${Date.now()} ${Math.random()} ${(error as Error).message}`);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Write

/** How many rows of one table the load created, updated, left as they were, or deleted. */
export interface RowCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export type CorpusLoadSummary = Record<
  | 'organizations'
  | 'sources'
  | 'series'
  | 'articles'
  | 'articleRevisions'
  | 'articleProvenances'
  | 'articleOrganizations'
  | 'achievements'
  | 'citations',
  RowCounts
>;

function emptySummary(): CorpusLoadSummary {
  const counts = (): RowCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0 });
  return {
    organizations: counts(),
    sources: counts(),
    series: counts(),
    articles: counts(),
    articleRevisions: counts(),
    articleProvenances: counts(),
    articleOrganizations: counts(),
    achievements: counts(),
    citations: counts(),
  };
}

/**
 * Only the fields the load manages are compared; timestamps and ids are the database's. The plan
 * holds what Prisma returns (null for an empty column, Dates, plain JSON), so strict deep
 * equality holds exactly when the row needs no write: dates compare by instant.
 */
function differs(row: object, data: object): boolean {
  return Object.entries(data).some(([key, value]) => !isDeepStrictEqual((row as Record<string, unknown>)[key], value));
}

/** Creates, updates or keeps a row. */
async function sync<Row extends { id: string }>(
  counts: RowCounts,
  existing: Row | undefined,
  data: object,
  create: () => Promise<Row>,
  update: (id: string) => Promise<Row>,
): Promise<Row> {
  if (!existing) {
    counts.created++;
    return create();
  }
  if (differs(existing, data)) {
    counts.updated++;
    return update(existing.id);
  }
  counts.unchanged++;
  return existing;
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new CorpusError(`Writing ${what} failed; nothing was loaded: ${(error as Error).message}`, [], { cause: error });
  }
}

const bySlug = <Row extends { slug: string }>(rows: Row[]) => new Map(rows.map((row) => [row.slug, row]));

/** The provenance locator of a fixture article: its page file's name, which is the same on every machine. */
export const corpusLocator = (file: string) => `corpus:${file}`;

/**
 * An article an import stored before the fixture was loaded: the same story (normalized hash),
 * under a slug the fixture does not use. The fixture adopts it, so that loading both leaves one.
 */
async function importedCopy(tx: Prisma.TransactionClient, plan: CorpusPlan, article: ArticlePlan) {
  const hash = article.body.normalizedHash;
  return (
    (await tx.article.findFirst({
      where: {
        slug: { notIn: plan.articles.map((other) => other.slug) },
        OR: [{ normalizedHash: hash }, { provenances: { some: { normalizedHash: hash } } }],
      },
      orderBy: { createdAt: 'asc' },
    })) ?? undefined
  );
}

/**
 * Keeps a fixture article's provenance as an import keeps it: a record `corpus:<file>` from its
 * source, which is canonical (the fixture is curated: its copy is the one the article shows,
 * whatever copies imports added).
 */
async function writeProvenance(
  tx: Prisma.TransactionClient,
  summary: CorpusLoadSummary,
  articleId: string,
  article: ArticlePlan,
  sourceId: string | null,
) {
  if (!sourceId) return;
  const { contentHash, normalizedHash: hash } = article.body;
  const { attribution, originalUrl } = article.data;
  const locator = corpusLocator(article.file);
  const data = { articleId, contentHash, normalizedHash: hash, attribution, originalUrl, isCanonical: true };
  const existing = await tx.articleProvenance.findUnique({ where: { sourceId_locator: { sourceId, locator } } });
  if (!existing) {
    summary.articleProvenances.created++;
    await tx.articleProvenance.create({ data: { sourceId, locator, fetchedAt: new Date(), ...data } });
  } else if (differs(existing, data)) {
    summary.articleProvenances.updated++;
    const fetchedAt = existing.contentHash === contentHash ? existing.fetchedAt : new Date();
    await tx.articleProvenance.update({ where: { id: existing.id }, data: { ...data, fetchedAt } });
  } else {
    summary.articleProvenances.unchanged++;
  }
  // Copies that imports made canonical before the fixture was loaded are not any more.
  const demoted = await tx.articleProvenance.updateMany({
    where: { articleId, isCanonical: true, NOT: { sourceId, locator } },
    data: { isCanonical: false },
  });
  summary.articleProvenances.updated += demoted.count;
}

/** Writes a plan through a transaction client. Rows are matched by natural key and only written when they differ. */
export async function writeCorpus(tx: Prisma.TransactionClient, plan: CorpusPlan): Promise<CorpusLoadSummary> {
  const summary = emptySummary();
  const slugs = <T extends { slug: string }>(items: T[]) => ({ slug: { in: items.map((item) => item.slug) } });
  // Rows created or changed here, whose search vectors are refreshed before the transaction ends.
  const search = new SearchBatch();

  const organizationIds = new Map<string, string>();
  const existingOrganizations = bySlug(await tx.organization.findMany({ where: slugs(plan.organizations) }));
  for (const org of plan.organizations) {
    const data = { ...org.data, parentId: org.parent ? organizationIds.get(org.parent)! : null };
    const row = await step(`organization "${org.slug}"`, () =>
      sync(
        summary.organizations,
        existingOrganizations.get(org.slug),
        data,
        () => organizationStore.createOrganization(tx, { slug: org.slug, ...data }, { search }),
        (id) => organizationStore.updateOrganization(tx, id, data, { search }),
      ),
    );
    organizationIds.set(org.slug, row.id);
  }

  const sourceIds = new Map<string, string>();
  const existingSources = bySlug(await tx.source.findMany({ where: slugs(plan.sources) }));
  for (const source of plan.sources) {
    const row = await step(`source "${source.slug}"`, () =>
      sync(
        summary.sources,
        existingSources.get(source.slug),
        source.data,
        () => tx.source.create({ data: { slug: source.slug, ...source.data } }),
        (id) => tx.source.update({ where: { id }, data: source.data }),
      ),
    );
    sourceIds.set(source.slug, row.id);
  }

  const seriesIds = new Map<string, string>();
  const existingSeries = bySlug(await tx.series.findMany({ where: slugs(plan.series) }));
  for (const item of plan.series) {
    const publisherId = item.publisher ? organizationIds.get(item.publisher)! : null;
    // A series an import created first (same title, a generated slug) becomes the fixture's.
    const adopted = existingSeries.get(item.slug)
      ? undefined
      : await tx.series.findFirst({
          where: { title: item.data.title, slug: { notIn: plan.series.map((other) => other.slug) } },
          orderBy: { createdAt: 'asc' },
        });
    const data = { ...item.data, publisherId, ...(adopted ? { slug: item.slug } : {}) };
    const row = await step(`series "${item.slug}"`, () =>
      sync(
        summary.series,
        existingSeries.get(item.slug) ?? adopted ?? undefined,
        data,
        () => seriesStore.createSeries(tx, { slug: item.slug, ...data }),
        (id) => seriesStore.updateSeries(tx, id, data),
      ),
    );
    seriesIds.set(item.slug, row.id);
  }

  const articleIds = new Map<string, string>();
  const existingArticles = bySlug(await tx.article.findMany({ where: slugs(plan.articles) }));
  for (const article of plan.articles) {
    const existing = existingArticles.get(article.slug) ?? (await importedCopy(tx, plan, article));
    const columns = {
      ...article.data,
      seriesId: article.series ? seriesIds.get(article.series)! : null,
      sourceId: article.source ? sourceIds.get(article.source)! : null,
      ...(existing && existing.slug !== article.slug ? { slug: article.slug } : {}),
    };
    const blocks = article.page.blocks;
    let revised = false;
    const row = await step(`article "${article.slug}"`, () =>
      sync(
        summary.articles,
        existing,
        { ...columns, ...article.body },
        async () => {
          revised = true;
          return articleStore.createArticle(tx, { slug: article.slug, ...columns }, blocks, { search });
        },
        async (id) => {
          const written = await articleStore.updateArticle(tx, id, { columns, blocks }, { search });
          revised = written.revised;
          return written.row;
        },
      ),
    );
    articleIds.set(article.slug, row.id);
    await step(`the history of article "${article.slug}"`, async () => {
      // A row the load keeps still gets revision 1 if it has none (it was written before revisions were kept).
      if (row === existing) revised = await articleStore.appendRevision(tx, row);
      summary.articleRevisions[revised ? 'created' : 'unchanged']++;
      await writeProvenance(tx, summary, row.id, article, article.source ? sourceIds.get(article.source)! : null);
    });
  }

  // The fixture is the whole truth about its articles' organization links: stale links go.
  const linkKey = (link: { articleId: string; organizationId: string; role: string }) =>
    `${link.articleId} ${link.organizationId} ${link.role}`;
  const wantedLinks = plan.articles.flatMap((article) =>
    article.organizations.map((link) => ({
      articleId: articleIds.get(article.slug)!,
      organizationId: organizationIds.get(link.organization)!,
      role: link.role,
    })),
  );
  const existingLinks = await tx.articleOrganization.findMany({ where: { articleId: { in: [...articleIds.values()] } } });
  const existingLinkKeys = new Set(existingLinks.map(linkKey));
  const wantedLinkKeys = new Set(wantedLinks.map(linkKey));
  const newLinks = wantedLinks.filter((link) => !existingLinkKeys.has(linkKey(link)));
  const staleLinks = existingLinks.filter((link) => !wantedLinkKeys.has(linkKey(link)));
  if (newLinks.length) await step('article organizations', () => tx.articleOrganization.createMany({ data: newLinks }));
  if (staleLinks.length) {
    await step('article organizations', () =>
      tx.articleOrganization.deleteMany({
        where: { OR: staleLinks.map(({ articleId, organizationId, role }) => ({ articleId, organizationId, role })) },
      }),
    );
  }
  summary.articleOrganizations.created = newLinks.length;
  summary.articleOrganizations.deleted = staleLinks.length;
  summary.articleOrganizations.unchanged = wantedLinks.length - newLinks.length;

  const achievementIds = new Map<string, string>();
  const existingAchievements = bySlug(await tx.achievement.findMany({ where: slugs(plan.achievements) }));
  for (const achievement of plan.achievements) {
    const data = {
      ...achievement.data,
      organizationId: organizationIds.get(achievement.organization)!,
      issuerId: achievement.issuer ? organizationIds.get(achievement.issuer)! : null,
    };
    const row = await step(`achievement "${achievement.slug}"`, () =>
      sync(
        summary.achievements,
        existingAchievements.get(achievement.slug),
        data,
        () => achievementStore.createAchievement(tx, { slug: achievement.slug, ...data }, { search }),
        (id) => achievementStore.updateAchievement(tx, id, data, { search }),
      ),
    );
    achievementIds.set(achievement.slug, row.id);
  }

  // Likewise for the citations of its achievements in its articles.
  const citationKey = (citation: { achievementId: string; articleId: string; offset: number }) =>
    `${citation.achievementId} ${citation.articleId} ${citation.offset}`;
  const wantedCitations = plan.achievements.flatMap((achievement) =>
    achievement.citations.map((citation) => ({
      achievementId: achievementIds.get(achievement.slug)!,
      articleId: articleIds.get(citation.article)!,
      offset: citation.offset,
      excerpt: citation.excerpt,
    })),
  );
  const existingCitations = new Map(
    (
      await tx.citation.findMany({
        where: { achievementId: { in: [...achievementIds.values()] }, articleId: { in: [...articleIds.values()] } },
      })
    ).map((citation) => [citationKey(citation), citation]),
  );
  const newCitations: typeof wantedCitations = [];
  for (const citation of wantedCitations) {
    const existing = existingCitations.get(citationKey(citation));
    existingCitations.delete(citationKey(citation));
    if (!existing) {
      newCitations.push(citation);
    } else if (existing.excerpt !== citation.excerpt) {
      summary.citations.updated++;
      await step('a citation', () => tx.citation.update({ where: { id: existing.id }, data: { excerpt: citation.excerpt } }));
    } else {
      summary.citations.unchanged++;
    }
  }
  if (newCitations.length) await step('citations', () => tx.citation.createMany({ data: newCitations }));
  const staleCitations = [...existingCitations.values()].map((citation) => citation.id);
  if (staleCitations.length) await step('citations', () => tx.citation.deleteMany({ where: { id: { in: staleCitations } } }));
  summary.citations.created = newCitations.length;
  summary.citations.deleted = staleCitations.length;

  for (const model of SEARCH_MODELS) {
    await step(`the search index of ${model.toLowerCase()} rows`, () => search.flush(tx, model));
  }

  return summary;
}

/**
 * Loads the corpus fixture and its pages into the database in one transaction: either every row
 * is written or none is. Rows are matched by slug (citations by achievement, article and offset;
 * article links by their composite key) and only written when they differ, so a second run
 * reports everything unchanged and touches no `updatedAt`.
 * @throws CorpusError when the fixture or a page is invalid (before anything is written) or a write fails.
 */
export async function loadCorpus(prisma: PrismaClient, options: LoadCorpusOptions = {}): Promise<CorpusLoadSummary> {
  const plan = await prepareCorpus(options);
  return writeTransaction(prisma, 'CORPUS', (tx) => writeCorpus(tx, plan), {
    maxWait: 10_000,
    timeout: options.timeoutMs ?? 60_000,
  });
}
