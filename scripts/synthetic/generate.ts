import { Prisma, type PrismaClient } from '../../src/generated/prisma/client.js';
import type {
  AchievementKind,
  AchievementLevel,
  ArticleOrganizationRole,
  ArticleStatus,
  OrganizationLevel,
  SeriesStatus,
} from '../../src/generated/prisma/enums.js';
import { achievementOccurredOn, type ArticleBlock, BLOCK_SEPARATOR, blocksToText, contentHash } from '../../src/domain/article-body.js';
import { refreshSearchVectors } from '../../src/search/vectors.js';
import * as phrases from './phrases.js';

// Synthetic data at a chosen scale, for benchmarks and for trying the API on realistic volumes:
// a fictional procuratorate tree (最高人民检察院 → provinces → cities → districts → party branches),
// report series published by cities and provinces, Chinese articles that profile one body each,
// and achievements whose citations quote the article text verbatim.
//
// Everything is planned in memory from a seeded PRNG (same seed and scale → the same rows, ids
// included), then written in one transaction, one INSERT per batch (see `insertBatch`). Article
// bodies are rendered batch by batch, so memory stays flat at scale 10 and beyond. Every slug
// starts with `syn-`, which is how --reset finds the rows to replace without touching the corpus.

/** Every synthetic row's slug starts with this; nothing else should. */
export const SYNTHETIC_SLUG_PREFIX = 'syn-';

/** The row counts at scale 1. Scale N multiplies them (with small minimums for tiny scales). */
export const SCALE_ONE_SIZES: SyntheticSizes = { organizations: 50, series: 20, articles: 2_000, achievements: 5_000 };

/** The largest scale accepted: 100 is 5,000 organizations and 200,000 articles. */
export const MAX_SYNTHETIC_SCALE = 100;

export interface SyntheticSizes {
  organizations: number;
  series: number;
  articles: number;
  achievements: number;
}

/** Rows written, per table. */
export interface SyntheticCounts {
  organizations: number;
  sources: number;
  series: number;
  articles: number;
  articleOrganizations: number;
  achievements: number;
  citations: number;
}

/** Synthetic rows already in a database, per table with slugs (links and citations go with them). */
export type ExistingSyntheticRows = Pick<SyntheticCounts, 'organizations' | 'sources' | 'series' | 'articles' | 'achievements'>;

export type SyntheticPhase = 'deleting' | 'organizations' | 'sources' | 'series' | 'achievements' | 'articles';

export interface SyntheticProgress {
  /** What is being written now. `articles` also writes their organization links and citations. */
  phase: SyntheticPhase;
  /** Rows written so far, over all tables. */
  done: number;
  /** Rows to write in all. */
  total: number;
}

export interface SeedSyntheticOptions {
  /** 1 is about 50 organizations, 20 series, 2,000 articles and 5,000 achievements; fractions allowed. */
  scale: number;
  /** PRNG seed, a non-negative integer; defaults to 1. */
  seed?: number;
  /** Delete the synthetic rows already present first (in the same transaction). */
  reset?: boolean;
  /** Called after each written batch. */
  onProgress?: (progress: SyntheticProgress) => void;
  /** The transaction's time limit; defaults to an hour (scale 10 on PGlite takes minutes). */
  timeoutMs?: number;
}

/** A scale or seed that cannot be used. Nothing has been written. */
export class SyntheticSeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntheticSeedError';
  }
}

/** The database already holds synthetic rows and `reset` was not asked for. Nothing has been written. */
export class SyntheticDataExistsError extends SyntheticSeedError {
  constructor(readonly existing: ExistingSyntheticRows) {
    const counts = Object.entries(existing)
      .filter(([, count]) => count > 0)
      .map(([table, count]) => `${count} ${table}`)
      .join(', ');
    super(`The database already holds synthetic rows (${counts}); use --reset to replace them`);
    this.name = 'SyntheticDataExistsError';
  }
}

export const DEFAULT_SYNTHETIC_SEED = 1;

function checkScale(scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0 || scale > MAX_SYNTHETIC_SCALE) {
    throw new SyntheticSeedError(`The scale must be a number greater than 0 and at most ${MAX_SYNTHETIC_SCALE}, not ${String(scale)}`);
  }
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new SyntheticSeedError(`The seed must be a non-negative integer, not ${String(seed)}`);
  }
}

/**
 * How many rows of each kind a scale asks for: scale 1 is {@link SCALE_ONE_SIZES}, scale 10 ten
 * times that. Tiny scales keep at least 6 organizations (a 5-level tree), one series and one
 * article per series.
 */
export function syntheticSizes(scale: number): SyntheticSizes {
  checkScale(scale);
  const series = Math.max(1, Math.round(SCALE_ONE_SIZES.series * scale));
  return {
    organizations: Math.max(6, Math.round(SCALE_ONE_SIZES.organizations * scale)),
    series,
    articles: Math.max(series, Math.round(SCALE_ONE_SIZES.articles * scale)),
    achievements: Math.round(SCALE_ONE_SIZES.achievements * scale),
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness and ids

/**
 * sfc32 keyed by a string hashed with cyrb128: tiny, fast, and the same sequence on every
 * platform. Each stream (`${seed}/articles`, …) has its own key, so adding draws to one part of
 * the generator does not shift the others.
 */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: string) {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < key.length; i++) {
      const k = key.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    h1 ^= h2 ^ h3 ^ h4;
    this.a = h1 >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let target = this.next() * total;
    for (const [value, weight] of entries) {
      target -= weight;
      if (target < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

// v7 ids keep B-tree inserts sequential, as the database's own uuid(7) default does. The 48-bit
// time field is a fixed base plus the row's index, the rest comes from the PRNG.
const ID_EPOCH_MS = Date.UTC(2025, 0, 1);

function uuidV7(index: number, random: Random): string {
  const time = (ID_EPOCH_MS + index).toString(16).padStart(12, '0');
  const r1 = random.uint32();
  const r2 = random.uint32();
  const r3 = random.uint32();
  const randA = (r1 >>> 20).toString(16).padStart(3, '0');
  const variant = (0x8000 | (r1 & 0x3fff)).toString(16);
  const tail = r2.toString(16).padStart(8, '0') + (r3 & 0xffff).toString(16).padStart(4, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randA}-${variant}-${tail}`;
}

function ids(seed: number, table: string, count: number): string[] {
  const random = new Random(`${seed}/ids/${table}`);
  return Array.from({ length: count }, (_, index) => uuidV7(index, random));
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const slugWidth = (count: number) => Math.max(4, String(count).length);

// ---------------------------------------------------------------------------------------------
// Dates (days since the Unix epoch, UTC)

const DAY_MS = 86_400_000;
const dayOf = (year: number, month = 1, day = 1) => Date.UTC(year, month - 1, day) / DAY_MS;
const dateOf = (day: number) => new Date(day * DAY_MS);
const yearOf = (day: number) => dateOf(day).getUTCFullYear();
const monthOf = (day: number) => dateOf(day).getUTCMonth() + 1;
const FIRST_DAY = dayOf(2015, 1, 1);
const LAST_DAY = dayOf(2024, 12, 31);
/** Nothing an article reports happened before this. */
const EARLIEST_ACHIEVEMENT_DAY = dayOf(2012, 1, 1);

const CHINESE_DIGITS = '〇一二三四五六七八九';
function chineseNumber(n: number): string {
  if (n <= 10) return n === 10 ? '十' : CHINESE_DIGITS[n]!;
  if (n < 20) return `十${CHINESE_DIGITS[n % 10]}`;
  return `${CHINESE_DIGITS[Math.floor(n / 10)]}十${n % 10 ? CHINESE_DIGITS[n % 10] : ''}`;
}

const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));

/** Splits `total` over `buckets`, each getting at least one, the rest by random weights (largest remainder). */
function spread(total: number, buckets: number, random: Random): number[] {
  const counts = new Array<number>(buckets).fill(1);
  const rest = total - buckets;
  if (rest <= 0) return counts;
  const weights = counts.map(() => 0.5 + random.next());
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((weight) => (rest * weight) / sum);
  let given = 0;
  shares.forEach((share, i) => {
    counts[i]! += Math.floor(share);
    given += Math.floor(share);
  });
  const byRemainder = shares.map((share, i) => [share - Math.floor(share), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let k = 0; k < rest - given; k++) counts[byRemainder[k]![1]]! += 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The plan

type AdminLevel = Exclude<OrganizationLevel, 'UNIT'>;
const LEVEL_DEPTH: Record<OrganizationLevel, number> = { NATIONAL: 0, PROVINCIAL: 1, MUNICIPAL: 2, DISTRICT: 3, UNIT: 4 };

interface OrgNode {
  index: number;
  row: Prisma.OrganizationCreateManyInput & { id: string; slug: string; level: OrganizationLevel; shortName: string };
  parent: OrgNode | null;
  children: OrgNode[];
  /** 云岭省, 青川市, 石岭区; for a party branch, its district's. */
  place: string;
  /** The day it was founded (month precision). */
  foundedDay: number;
}

interface SeriesNode {
  row: Prisma.SeriesCreateManyInput & { id: string };
  publisher: OrgNode;
  wechat: Prisma.SourceCreateManyInput & { id: string; name: string };
}

interface ArticleSkeleton {
  index: number;
  id: string;
  slug: string;
  series: SeriesNode;
  episode: number;
  /** When it was (or, for a draft, would be) published. */
  publishedAt: Date;
  status: ArticleStatus;
  subject: OrgNode;
  mentioned: OrgNode[];
  title: string;
  category: string;
  tags: string[];
  sourceId: string;
  originalUrl: string;
  canonicalUrl: string;
  /** Achievements whose main citation is in this article, in slug order. */
  achievements: AchievementNode[];
  /** Achievements recalled in this article's introduction (a second citation). */
  recaps: AchievementNode[];
}

interface AchievementNode {
  row: Prisma.AchievementCreateManyInput & { id: string; kind: AchievementKind };
  /** The clause the home article quotes. */
  clause: string;
  /** Words that lead into the clause in a paragraph (metrics only). */
  lead: string | null;
  /** A shorter clause for a second mention, when this kind has one. */
  recap: string | null;
  /** Keys that an organization should not repeat (the same honour in the same year …). */
  key: string;
}

/** Everything a seed writes, planned before the first write. Article bodies are rendered on demand. */
export interface SyntheticPlan {
  sizes: SyntheticSizes;
  organizations: (Prisma.OrganizationCreateManyInput & { id: string })[];
  sources: (Prisma.SourceCreateManyInput & { id: string })[];
  series: (Prisma.SeriesCreateManyInput & { id: string })[];
  achievements: (Prisma.AchievementCreateManyInput & { id: string })[];
  /** The rows each table will get. */
  counts: SyntheticCounts;
  /** Articles [from, to) with their organization links and citations, rendered deterministically. */
  renderArticles(from: number, to: number): RenderedArticles;
}

export interface RenderedArticles {
  articles: (Prisma.ArticleCreateManyInput & { id: string; bodyText: string })[];
  links: Prisma.ArticleOrganizationCreateManyInput[];
  citations: (Prisma.CitationCreateManyInput & { id: string; articleId: string; excerpt: string; offset: number })[];
}

function treeShape(organizations: number) {
  const scale = organizations / SCALE_ONE_SIZES.organizations;
  const provinces = Math.max(1, Math.round(3 * scale ** 0.45));
  let municipals = Math.max(provinces, Math.round(12 * scale ** 0.7));
  const units = Math.max(1, Math.round(0.08 * organizations));
  let districts = organizations - 1 - provinces - municipals - units;
  while (districts < municipals) {
    municipals--;
    districts++;
  }
  return { provinces, municipals, districts, units };
}

function planOrganizations(seed: number, count: number): OrgNode[] {
  const random = new Random(`${seed}/organizations`);
  const orgIds = ids(seed, 'organizations', count);
  const width = slugWidth(count);
  const shape = treeShape(count);
  const nodes: OrgNode[] = [];
  const usedPlaces = new Set<string>();
  const placeName = (taken: Set<string>) => {
    for (;;) {
      const name = random.pick(phrases.PLACE_FIRST) + random.pick(phrases.PLACE_SECOND);
      if (name[0] === name[1] || phrases.REAL_PLACE_NAMES.has(name) || taken.has(name)) continue;
      taken.add(name);
      return name;
    }
  };
  const founded = (fromYear: number, toYear: number) => dayOf(random.int(fromYear, toYear), random.int(1, 12), 1);
  const add = (
    parent: OrgNode | null,
    level: OrganizationLevel,
    place: string,
    fields: { name: string; shortName: string; aliases: string[]; region: string; description: string | null },
    foundedDay: number,
  ): OrgNode => {
    const index = nodes.length;
    const node: OrgNode = {
      index,
      parent,
      children: [],
      place,
      foundedDay,
      row: {
        id: orgIds[index]!,
        slug: `${SYNTHETIC_SLUG_PREFIX}org-${pad(index + 1, width)}`,
        kind: level === 'UNIT' ? 'PARTY_BRANCH' : 'PROCURATORATE',
        level,
        foundedOn: dateOf(foundedDay),
        parentId: parent?.row.id ?? null,
        ...fields,
      },
    };
    parent?.children.push(node);
    nodes.push(node);
    return node;
  };

  const root = add(
    null,
    'NATIONAL',
    '全国',
    { name: '最高人民检察院', shortName: '最高检', aliases: ['最高检'], region: '中国', description: '国家最高法律监督机关。（合成数据，用于规模测试）' },
    dayOf(1978, 6, 1),
  );
  const provinces = Array.from({ length: shape.provinces }, () => {
    const place = `${placeName(usedPlaces)}省`;
    return add(
      root,
      'PROVINCIAL',
      place,
      {
        name: `${place}人民检察院`,
        shortName: `${place}检察院`,
        aliases: [`${place}检察院`],
        region: place,
        description: `${place}的省级检察机关。（合成数据，用于规模测试）`,
      },
      founded(1978, 1980),
    );
  });
  const cityCounts = spread(shape.municipals, provinces.length, random);
  const cities = provinces.flatMap((province, p) =>
    Array.from({ length: cityCounts[p]! }, () => {
      const place = `${placeName(usedPlaces)}市`;
      return add(
        province,
        'MUNICIPAL',
        place,
        {
          name: `${place}人民检察院`,
          shortName: `${place}检察院`,
          aliases: [`${place}检察院`],
          region: `${province.place}${place}`,
          description: `${province.place}${place}的市级检察机关。（合成数据，用于规模测试）`,
        },
        founded(1978, 1995),
      );
    }),
  );
  const districtCounts = spread(shape.districts, cities.length, random);
  const districts = cities.flatMap((city, c) => {
    const taken = new Set([city.place.slice(0, 2)]);
    return Array.from({ length: districtCounts[c]! }, (_, d) => {
      const place = `${placeName(taken)}${random.chance(0.6) ? '区' : '县'}`;
      const foundedDay = founded(1980, 2000);
      return add(
        city,
        'DISTRICT',
        place,
        {
          name: `${city.place}${place}人民检察院`,
          shortName: `${place}检察院`,
          aliases: [`${place}检察院`, `${city.place}${place}检察院`],
          region: `${city.parent!.place}${city.place}${place}`,
          description: `${city.place}${d === 0 ? '中心城区' : '下辖'}基层检察院，${yearOf(foundedDay)}年${monthOf(foundedDay)}月建院。（合成数据，用于规模测试）`,
        },
        foundedDay,
      );
    });
  });
  // Party branches: up to five per district, numbered within it.
  const hosts = random.shuffle([...districts]);
  for (let u = 0; u < shape.units; u++) {
    const district = hosts[u % hosts.length]!;
    const ordinal = phrases.BRANCH_ORDINALS[Math.min(district.children.length, phrases.BRANCH_ORDINALS.length - 1)]!;
    add(
      district,
      'UNIT',
      district.place,
      {
        name: `${district.row.name}第${ordinal}党支部`,
        shortName: `第${ordinal}党支部`,
        aliases: [],
        region: district.row.region as string,
        description: null,
      },
      Math.max(district.foundedDay, founded(2000, 2012)),
    );
  }
  return nodes;
}

function ancestorAt(org: OrgNode, level: AdminLevel): OrgNode | null {
  for (let node: OrgNode | null = org; node; node = node.parent) if (node.row.level === level) return node;
  return null;
}

/** The places an issuer name or ranking can name, seen from `org`. */
function placesOf(org: OrgNode) {
  const district = org.row.level === 'UNIT' ? org.parent! : org;
  return {
    province: ancestorAt(org, 'PROVINCIAL')?.place ?? '',
    city: ancestorAt(org, 'MUNICIPAL')?.place ?? '',
    district: district.row.level === 'DISTRICT' ? district.place : '',
  };
}

const ADMIN_LEVEL_BY_DEPTH: AdminLevel[] = ['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT'];
/** The level an organization's own figures are reported at (a party branch reports as its district). */
const ownLevel = (org: OrgNode): AchievementLevel => ADMIN_LEVEL_BY_DEPTH[Math.min(LEVEL_DEPTH[org.row.level], 3)]!;
const SCOPE_WORD: Record<AchievementLevel, string> = { NATIONAL: '全国', PROVINCIAL: '全省', MUNICIPAL: '全市', DISTRICT: '全区' };

const KIND_WEIGHTS: Record<OrganizationLevel, readonly (readonly [AchievementKind, number])[]> = {
  NATIONAL: [['METRIC', 1]],
  PROVINCIAL: [['METRIC', 35], ['RANKING', 15], ['HONOR', 15], ['AWARD', 10], ['SELECTION', 20], ['MILESTONE', 5]],
  MUNICIPAL: [['METRIC', 30], ['RANKING', 20], ['HONOR', 15], ['AWARD', 10], ['SELECTION', 15], ['MILESTONE', 10]],
  DISTRICT: [['METRIC', 35], ['RANKING', 20], ['HONOR', 14], ['AWARD', 12], ['SELECTION', 12], ['MILESTONE', 7]],
  UNIT: [['HONOR', 60], ['AWARD', 40]],
};

/** A number as the text prints it, and the value stored: integers, tenths or thousandths. */
function drawNumber(random: Random, min: number, max: number, decimals: 0 | 1 | 3) {
  const factor = 10 ** decimals;
  const units = random.int(Math.round(min * factor), Math.round(max * factor));
  const value = units / factor;
  return { value, text: decimals === 3 ? value.toFixed(3) : String(value), units };
}

type AchievementDraft = Omit<AchievementNode, 'row'> & {
  row: Omit<AchievementNode['row'], 'id' | 'slug' | 'organizationId' | 'occurredOn'>;
};

/**
 * One achievement of `org`, reported in an article published on `reportDay`: every date in it
 * lies before that day. Returns null when the drawn template does not suit the organization.
 */
function draftAchievement(random: Random, org: OrgNode, reportDay: number): AchievementDraft | null {
  const kind = random.weighted(KIND_WEIGHTS[org.row.level]);
  const short = org.row.shortName;
  const depth = Math.min(LEVEL_DEPTH[org.row.level], 3);
  const isUnit = org.row.level === 'UNIT';
  const places = placesOf(org);
  const earliest = Math.max(EARLIEST_ACHIEVEMENT_DAY, org.foundedDay + 365);
  if (earliest > reportDay - 30) return null;
  /** A day in the four years before the report, at month precision. */
  const pastMonth = () => {
    const day = random.int(Math.max(earliest, reportDay - 4 * 365), reportDay - 30);
    return dayOf(yearOf(day), monthOf(day), 1);
  };
  /** A reporting period: last year (or the year before), or this year up to last month. */
  const period = () => {
    const year = yearOf(reportDay);
    const month = monthOf(reportDay);
    if (month >= 4 && random.chance(0.3)) {
      return { start: dayOf(year, 1, 1), end: dayOf(year, month, 1) - 1, text: `${year}年1至${month - 1}月`, label: `${year}年1至${month - 1}月` };
    }
    const y = year - (random.chance(0.8) ? 1 : 2);
    return { start: dayOf(y, 1, 1), end: dayOf(y, 12, 31), text: `${y}年`, label: `${y}年度` };
  };
  const base = {
    description: null,
    issuerName: null as string | null,
    issuerId: null as string | null,
    awardedOn: null as Date | null,
    periodStart: null as Date | null,
    periodEnd: null as Date | null,
    rank: null as number | null,
    metricValue: null as number | null,
    metricUnit: null as string | null,
    metricBaseline: null as number | null,
  };
  const issuerOrg = (level: AchievementLevel) => (level === 'DISTRICT' ? null : ancestorAt(org, level)?.row.id ?? null);
  // Recognition comes from above: a city is not honoured by itself, only districts get 基层 titles.
  const fromAbove = (level: AchievementLevel) => LEVEL_DEPTH[level] < depth || (level === 'DISTRICT' && depth === 3);

  switch (kind) {
    case 'HONOR': {
      const honors = phrases.HONORS.filter((h) => !!h.unit === isUnit && fromAbove(h.level) && (!h.grassroots || depth === 3));
      if (!honors.length) return null;
      const honor = random.pick(honors);
      const day = pastMonth();
      const year = yearOf(day);
      const byYear = random.chance(0.5);
      const awardedOn = byYear ? dayOf(year, 1, 1) : day;
      return {
        row: {
          ...base,
          kind,
          level: honor.level,
          title: honor.name,
          issuerName: honor.issuerName ? fill(honor.issuerName, places) : null,
          issuerId: honor.issuerName ? null : issuerOrg(honor.level),
          awardedOn: dateOf(awardedOn),
        },
        clause: byYear ? `${short}在${year}年被评为“${honor.name}”` : `${year}年${monthOf(day)}月，${short}荣获“${honor.name}”称号`,
        lead: null,
        recap: `曾荣获“${honor.name}”`,
        key: `honor ${honor.name} ${year}`,
      };
    }
    case 'AWARD': {
      const contests = phrases.COMPETITIONS.filter((c) => !!c.unit === isUnit && fromAbove(c.level));
      if (!contests.length) return null;
      const contest = random.pick(contests);
      const prize = random.weighted(phrases.PRIZES);
      const work = `${contest.work}《${random.pick(phrases.WORK_TITLE_FIRST)}${random.pick(phrases.WORK_TITLE_SECOND)}》`;
      const year = yearOf(pastMonth());
      return {
        row: {
          ...base,
          kind,
          level: contest.level,
          title: `${work}获${contest.competition}${prize}`,
          issuerName: contest.competition,
          issuerId: contest.competition.includes('检察') ? issuerOrg(contest.level) : null,
          awardedOn: dateOf(dayOf(year, 1, 1)),
        },
        clause: `${short}选送的${work}在${year}年${contest.competition}中荣获${prize}`,
        lead: null,
        recap: `${work}曾获${prize}`,
        key: `award ${work} ${contest.competition}`,
      };
    }
    case 'SELECTION': {
      const selections = phrases.SELECTIONS.filter((s) => fromAbove(s.level));
      if (!selections.length) return null;
      const selection = random.pick(selections);
      const year = yearOf(pastMonth());
      const row = { ...base, kind, level: selection.level, issuerId: issuerOrg(selection.level), awardedOn: dateOf(dayOf(year, 1, 1)) };
      if (selection.what === 'case') {
        const caseType = random.pick(phrases.CASE_TYPES);
        return {
          row: { ...row, title: `办理的${caseType}入选${selection.list}` },
          clause: `${year}年，${short}办理的一起${caseType}入选${selection.list}`,
          lead: null,
          recap: `曾有案例入选${selection.list}`,
          key: `selection ${selection.list} ${year} ${caseType}`,
        };
      }
      const people = selection.what === 'people';
      const n = people ? random.int(1, selection.level === 'NATIONAL' ? 1 : 3) : random.int(2, 6);
      const what = people ? `${n}名检察官` : `${n}件案例`;
      return {
        row: { ...row, title: `${what}入选${selection.list}`, metricValue: n, metricUnit: people ? '名' : '件' },
        clause: `${year}年，${short}${what}入选${selection.list}`,
        lead: null,
        recap: `${people ? '曾有检察官' : '曾有案例'}入选${selection.list}`,
        key: `selection ${selection.list} ${year}`,
      };
    }
    case 'RANKING': {
      const level: AchievementLevel =
        depth === 3 ? (random.chance(0.55) ? 'MUNICIPAL' : 'PROVINCIAL') : depth === 2 ? (random.chance(0.8) ? 'PROVINCIAL' : 'NATIONAL') : 'NATIONAL';
      const scope = SCOPE_WORD[level];
      const area = level === 'NATIONAL' ? '全国' : level === 'PROVINCIAL' ? places.province : places.city;
      const rank = random.weighted(phrases.RANK_WEIGHTS);
      const when = period();
      if (when.start < earliest) return null;
      const template = random.pick(phrases.RANKINGS);
      const position = `${scope}第${chineseNumber(rank)}`;
      let clause: string;
      let title: string;
      let recap: string;
      if (template.kind === 'overall' && when.label.endsWith('年度')) {
        const ranking = fill(template.title, { year: yearOf(when.start), area });
        clause = `在${ranking}中，${short}位列${position}`;
        title = `${ranking}${position}`;
        recap = `${ranking}曾位列${position}`;
      } else {
        const subject = template.kind === 'count' ? template.title : fill(phrases.RANKINGS[1].title, { business: random.pick(phrases.BUSINESSES) });
        clause = `${when.label}，${short}${subject}位列${position}`;
        title = `${when.label}${subject}${position}`;
        recap = `${when.label}${subject}曾位列${position}`;
      }
      return {
        row: { ...base, kind, level, title, rank, issuerId: issuerOrg(level), periodStart: dateOf(when.start), periodEnd: dateOf(when.end) },
        clause,
        lead: null,
        recap,
        key: `ranking ${title.replace(/第.+$/, '')}`,
      };
    }
    case 'METRIC': {
      const metric = random.pick(phrases.METRICS);
      const when = period();
      if (when.start < earliest) return null;
      const value = drawNumber(random, metric.min, metric.max, metric.decimals);
      const values: Record<string, string> = { n: value.text };
      let baseline: number | null = null;
      if (metric.drop) {
        const factor = 10 ** metric.decimals;
        const drop = random.int(Math.round(metric.drop[0] * factor), Math.round(metric.drop[1] * factor));
        baseline = (value.units + drop) / factor;
        values.b = metric.decimals === 3 ? baseline.toFixed(3) : String(baseline);
      }
      if (metric.people) values.m = String(random.int(value.value, value.value * 2));
      return {
        row: {
          ...base,
          kind,
          level: ownLevel(org),
          title: `${when.text}${fill(metric.title, values)}`,
          periodStart: dateOf(when.start),
          periodEnd: dateOf(when.end),
          metricValue: value.value,
          metricUnit: metric.unit,
          metricBaseline: baseline,
        },
        clause: `${when.text}${fill(metric.clause, values)}`,
        lead: metric.lead,
        recap: null,
        key: `metric ${metric.key} ${when.text}`,
      };
    }
    case 'MILESTONE': {
      const facility = random.pick(phrases.MILESTONE_FACILITIES);
      const named = facility.startsWith('12309') ? facility : `“${random.pick(phrases.MILESTONE_NAMES)}”${facility}`;
      const day = pastMonth();
      const when = `${yearOf(day)}年${monthOf(day)}月`;
      return {
        row: { ...base, kind, level: ownLevel(org), title: `挂牌成立${named}`, awardedOn: dateOf(day) },
        clause: `${when}，${short}挂牌成立${named}`,
        lead: null,
        recap: `${when}挂牌成立的${named}`,
        key: `milestone ${facility}`,
      };
    }
  }
}

function planSeries(seed: number, sizes: SyntheticSizes, orgs: OrgNode[]) {
  const random = new Random(`${seed}/series`);
  const seriesIds = ids(seed, 'series', sizes.series);
  const width = slugWidth(sizes.series);
  const publishers = orgs.filter((org) => org.row.level === 'MUNICIPAL' || org.row.level === 'PROVINCIAL');
  const weightedPublishers = publishers.map((org) => [org, org.row.level === 'MUNICIPAL' ? 3 : 1] as const);
  const titlesUsed = new Map<OrgNode, Set<string>>();
  const chosen = Array.from({ length: sizes.series }, () => random.weighted(weightedPublishers));

  // Sources: a portal and a feed that republish everything, and each publisher's WeChat account.
  const distinct = [...new Set(chosen)];
  const sourceIds = ids(seed, 'sources', distinct.length + 2);
  const sourceWidth = Math.max(3, String(sourceIds.length).length);
  const source = (index: number, fields: Omit<Prisma.SourceCreateManyInput, 'id' | 'slug'>) => ({
    id: sourceIds[index]!,
    slug: `${SYNTHETIC_SLUG_PREFIX}source-${pad(index + 1, sourceWidth)}`,
    ...fields,
  });
  const portal = source(0, { name: '合成法治资讯网', kind: 'PORTAL', url: 'https://news.example.org/', attributionText: null });
  const feed = source(1, { name: '合成检察新闻聚合', kind: 'FEED', url: 'https://feeds.example.org/jiancha.xml', attributionText: null });
  const wechats = new Map(
    distinct.map((org, i) => {
      const name = `${org.place.slice(0, -1)}检察`;
      return [org, source(i + 2, { name, kind: 'WECHAT', url: null, attributionText: name })] as const;
    }),
  );

  const series: SeriesNode[] = chosen.map((publisher, index) => {
    const used = titlesUsed.get(publisher) ?? new Set<string>();
    titlesUsed.set(publisher, used);
    const fresh = phrases.SERIES_TITLES.filter((title) => !used.has(title));
    const template = fresh.length ? random.pick(fresh) : random.pick(phrases.SERIES_TITLES);
    used.add(template);
    const title = fill(template, { area: publisher.place }) + (fresh.length ? '' : `（第${chineseNumber(used.size)}季）`);
    const status: SeriesStatus = random.chance(0.35) ? 'ONGOING' : 'COMPLETED';
    return {
      publisher,
      wechat: wechats.get(publisher)!,
      row: {
        id: seriesIds[index]!,
        slug: `${SYNTHETIC_SLUG_PREFIX}series-${pad(index + 1, width)}`,
        title,
        description: `${fill(random.pick(phrases.SERIES_DESCRIPTIONS), { area: publisher.place })}（合成数据）`,
        status,
        publisherId: publisher.row.id,
      },
    };
  });
  return { series, sources: [portal, feed, ...wechats.values()] };
}

function subjectPool(publisher: OrgNode): (readonly [OrgNode, number])[] {
  const pool: (readonly [OrgNode, number])[] = [[publisher, publisher.row.level === 'PROVINCIAL' ? 1 : 2]];
  const visit = (node: OrgNode) => {
    for (const child of node.children) {
      const level = child.row.level;
      pool.push([child, level === 'UNIT' ? 0.6 : level === 'DISTRICT' ? 6 : 3]);
      visit(child);
    }
  };
  visit(publisher);
  return pool;
}

function planArticles(seed: number, sizes: SyntheticSizes, seriesNodes: SeriesNode[], sources: { id: string }[]) {
  const random = new Random(`${seed}/articles`);
  const articleIds = ids(seed, 'articles', sizes.articles);
  const width = slugWidth(sizes.articles);
  const perSeries = spread(sizes.articles, seriesNodes.length, random);
  const pools = new Map<OrgNode, (readonly [OrgNode, number])[]>();
  const [portal, feed] = sources;
  const articles: ArticleSkeleton[] = [];

  seriesNodes.forEach((series, s) => {
    const episodes = perSeries[s]!;
    // A series runs for a while at a steady pace: ongoing ones up to the end of 2024.
    const ongoing = series.row.status === 'ONGOING';
    const span = Math.min(LAST_DAY - FIRST_DAY, episodes * random.int(4, 20));
    const end = ongoing ? LAST_DAY - random.int(0, 60) : random.int(Math.min(FIRST_DAY + span, LAST_DAY - 180), LAST_DAY - 180);
    const start = Math.max(FIRST_DAY, end - span);
    const days = Array.from({ length: episodes }, () => random.int(start, end)).sort((a, b) => a - b);
    const pool = pools.get(series.publisher) ?? subjectPool(series.publisher);
    pools.set(series.publisher, pool);

    for (let e = 0; e < episodes; e++) {
      const index = articles.length;
      const subject = random.weighted(pool);
      const candidates = new Set<OrgNode>();
      for (let node = subject.parent; node; node = node.parent) candidates.add(node);
      for (const child of subject.children) candidates.add(child);
      if (subject.parent) for (const sibling of random.shuffle([...subject.parent.children]).slice(0, 2)) candidates.add(sibling);
      candidates.add(series.publisher);
      candidates.delete(subject);
      const mentioned = random.shuffle([...candidates]).slice(0, random.weighted([[0, 2], [1, 3.5], [2, 3], [3, 1.5]] as const));
      // Beijing office hours, 08:00–21:59.
      const publishedAt = new Date(days[e]! * DAY_MS + (random.int(8, 21) - 8) * 3_600_000 + random.int(0, 59) * 60_000);
      const status: ArticleStatus = random.weighted([['PUBLISHED', 92], ['DRAFT', 5], ['ARCHIVED', 3]] as const);
      const slug = `${SYNTHETIC_SLUG_PREFIX}article-${pad(index + 1, width)}`;
      const via = random.weighted([[series.wechat, 5], [portal!, 3.5], [feed!, 1.5]] as const);
      const stamp = publishedAt.toISOString().slice(0, 10).replaceAll('-', '');
      const canonicalUrl = `https://mp.example.org/s/${articleIds[index]!.slice(-12)}`;
      const topics = random.shuffle([...phrases.TOPIC_TAGS]).slice(0, random.int(2, 4));
      articles.push({
        index,
        id: articleIds[index]!,
        slug,
        series,
        episode: e + 1,
        publishedAt,
        status,
        subject,
        mentioned,
        title: `${random.pick(phrases.TITLE_OPENERS)}${subject.row.name}${random.pick(phrases.TITLE_TAILS)}`,
        category: random.pick(phrases.CATEGORIES),
        tags: [...new Set([placesOf(subject).city.replace(/市$/, ''), subject.place, ...topics].filter(Boolean))],
        sourceId: via.id,
        originalUrl:
          via === portal ? `https://news.example.org/${stamp.slice(0, 6)}/t${stamp}_${index + 1}.html` : via === feed ? `https://feeds.example.org/item/${index + 1}` : canonicalUrl,
        canonicalUrl,
        achievements: [],
        recaps: [],
      });
    }
  });
  return articles;
}

function planAchievements(seed: number, sizes: SyntheticSizes, articles: ArticleSkeleton[]): AchievementNode[] {
  const random = new Random(`${seed}/achievements`);
  const achievementIds = ids(seed, 'achievements', sizes.achievements);
  const width = Math.max(6, String(sizes.achievements).length);
  const perArticle = new Array<number>(articles.length).fill(0);
  for (let k = 0; k < sizes.achievements; k++) perArticle[random.int(0, articles.length - 1)]! += 1;

  const usedByOrg = new Map<OrgNode, Set<string>>();
  const nodes: AchievementNode[] = [];
  for (const article of articles) {
    const used = usedByOrg.get(article.subject) ?? new Set<string>();
    usedByOrg.set(article.subject, used);
    const reportDay = Math.floor(article.publishedAt.getTime() / DAY_MS);
    for (let k = 0; k < perArticle[article.index]!; k++) {
      // Redraw what this organization already reported (the same honour in the same year …);
      // after a few tries a repeat is allowed rather than a missing row.
      let draft: AchievementDraft | null = null;
      for (let attempt = 0; attempt < 12; attempt++) {
        const candidate = draftAchievement(random, article.subject, reportDay);
        if (!candidate) continue;
        draft = candidate;
        if (!used.has(candidate.key)) break;
      }
      // An organization founded days before the article has nothing dated to report: a fresh figure.
      draft ??= {
        row: {
          kind: 'MILESTONE',
          level: ownLevel(article.subject),
          title: '正式挂牌运行',
          description: null,
          awardedOn: dateOf(article.subject.foundedDay),
        },
        clause: `${article.subject.row.shortName}正式挂牌运行`,
        lead: null,
        recap: null,
        key: 'milestone founded',
      };
      used.add(draft.key);
      const index = nodes.length;
      const row = draft.row;
      const node: AchievementNode = {
        ...draft,
        row: {
          ...row,
          id: achievementIds[index]!,
          slug: `${SYNTHETIC_SLUG_PREFIX}ach-${pad(index + 1, width)}`,
          organizationId: article.subject.row.id,
          occurredOn: achievementOccurredOn({
            awardedOn: row.awardedOn as Date | null | undefined,
            periodStart: row.periodStart as Date | null | undefined,
            periodEnd: row.periodEnd as Date | null | undefined,
          }),
        },
      };
      nodes.push(node);
      article.achievements.push(node);
    }
  }

  // Second citations: an honour recalled in the same article's introduction, or any achievement
  // recalled by a later article about the same organization.
  const bySubject = new Map<OrgNode, ArticleSkeleton[]>();
  for (const article of articles) {
    const list = bySubject.get(article.subject) ?? [];
    list.push(article);
    bySubject.set(article.subject, list);
  }
  for (const article of articles) {
    for (const node of article.achievements) {
      if (!node.recap || !random.chance(0.12)) continue;
      const later = (bySubject.get(article.subject) ?? []).filter((other) => other.publishedAt > article.publishedAt);
      const target = later.length && random.chance(0.5) ? random.pick(later) : article;
      if (target.recaps.length < 4) target.recaps.push(node);
    }
  }
  return nodes;
}

/** Builds one block's text while remembering where quoted clauses start in it. */
class BlockBuilder {
  text = '';
  readonly marks: { node: AchievementNode; at: number; excerpt: string }[] = [];

  add(text: string): this {
    this.text += text;
    return this;
  }

  quote(node: AchievementNode, excerpt: string): this {
    this.marks.push({ node, at: this.text.length, excerpt });
    this.text += excerpt;
    return this;
  }
}

/** `firstCitation` is the index of the article's first citation over all articles (for its ids). */
function renderArticle(seed: number, article: ArticleSkeleton, firstCitation: number) {
  const random = new Random(`${seed}/body/${article.index}`);
  const subject = article.subject;
  const short = subject.row.shortName;
  const values = { short, name: subject.row.name };
  // Fact-free clauses, each used at most once per article (there are enough for the longest one).
  const leads = new Set(article.achievements.map((node) => node.lead));
  const fillers = random.shuffle(phrases.FILLER_CLAUSES.filter((clause) => !leads.has(clause)));
  const filler = () => fill(fillers.pop() ?? random.pick(phrases.FILLER_CLAUSES), values);
  const blocks: { kind: ArticleBlock['kind']; builder: BlockBuilder }[] = [];
  const block = (kind: ArticleBlock['kind']) => {
    const builder = new BlockBuilder();
    blocks.push({ kind, builder });
    return builder;
  };

  // Highlights first, as the portal pages open: up to three honours, awards or rankings.
  const highlights = article.achievements.filter((node) => node.row.kind !== 'METRIC' && node.row.kind !== 'MILESTONE').slice(0, 3);
  highlights.forEach((node, i) => block('LIST_ITEM').quote(node, node.clause).add(i === highlights.length - 1 ? '。' : '；'));
  if (highlights.length) block('PARAGRAPH').add(fill(random.pick(phrases.SUMMARY_SENTENCES), values));

  const founded = `${yearOf(subject.foundedDay)}年${monthOf(subject.foundedDay)}月${subject.row.level === 'UNIT' ? '成立' : '建院'}以来`;
  const intro = block('PARAGRAPH').add(`${short}自${founded}，`);
  if (article.recaps.length) {
    article.recaps.forEach((node, i) => {
      if (i) intro.add('；');
      intro.quote(node, node.recap!);
    });
    intro.add('。');
  } else {
    intro.add(`${random.pick(phrases.INTRO_CLAUSES)}。`);
  }
  intro.add(fill(random.pick(phrases.INTRO_SENTENCES), values));

  const rest = article.achievements.filter((node) => !highlights.includes(node));
  const headings = random.shuffle([...phrases.SECTION_HEADINGS]).slice(0, random.int(3, 5));
  const sections = headings.map(() => [] as AchievementNode[]);
  rest.forEach((node, i) => sections[i % sections.length]!.push(node));
  headings.forEach((heading, s) => {
    block('HEADING').add(heading);
    const facts = sections[s]!;
    if (!facts.length) {
      block('PARAGRAPH').add(`${filler()}，${filler()}，${filler()}。`);
      return;
    }
    for (let start = 0; start < facts.length; start += 4) {
      const paragraph = block('PARAGRAPH').add(`${filler()}，${filler()}。`);
      facts.slice(start, start + 4).forEach((node, i) => {
        if (i) paragraph.add('；');
        if (node.lead) paragraph.add(`${node.lead}，`);
        paragraph.quote(node, node.clause);
      });
      paragraph.add(random.chance(0.5) ? `。${filler()}。` : '。');
    }
  });
  block('PARAGRAPH').add(fill(random.pick(phrases.CLOSING_SENTENCES), values));

  const body: ArticleBlock[] = blocks.map(({ kind, builder }) => ({ kind, text: builder.text }));
  const bodyText = blocksToText(body);
  const citations: RenderedArticles['citations'] = [];
  const idRandom = new Random(`${seed}/ids/citations/${article.index}`);
  let blockStart = 0;
  for (const { builder } of blocks) {
    for (const mark of builder.marks) {
      const offset = blockStart + mark.at;
      if (!bodyText.startsWith(mark.excerpt, offset)) throw new Error(`Synthetic citation misplaced in ${article.slug} at ${offset}`);
      const id = uuidV7(firstCitation + citations.length, idRandom);
      citations.push({ id, achievementId: mark.node.row.id, articleId: article.id, excerpt: mark.excerpt, offset });
    }
    blockStart += builder.text.length + BLOCK_SEPARATOR.length;
  }
  return { body, bodyText, citations };
}

function articleLinks(article: ArticleSkeleton): Prisma.ArticleOrganizationCreateManyInput[] {
  const link = (org: OrgNode, role: ArticleOrganizationRole) => ({ articleId: article.id, organizationId: org.row.id, role });
  return [
    link(article.subject, 'SUBJECT'),
    ...article.mentioned.map((org) => link(org, 'MENTIONED')),
    link(article.series.publisher, 'PUBLISHER'),
  ];
}

/**
 * Plans the rows for a scale and seed. Pure and deterministic: the same arguments give the same
 * rows, ids included. Articles are rendered on demand by `renderArticles`.
 */
export function planSynthetic(options: { scale: number; seed?: number }): SyntheticPlan {
  const sizes = syntheticSizes(options.scale);
  const seed = options.seed ?? DEFAULT_SYNTHETIC_SEED;
  checkSeed(seed);
  const orgs = planOrganizations(seed, sizes.organizations);
  const { series, sources } = planSeries(seed, sizes, orgs);
  const articles = planArticles(seed, sizes, series, sources);
  const achievements = planAchievements(seed, sizes, articles);
  const links = articles.reduce((sum, article) => sum + article.mentioned.length + 2, 0);
  const firstCitation: number[] = [];
  let citations = 0;
  for (const article of articles) {
    firstCitation.push(citations);
    citations += article.achievements.length + article.recaps.length;
  }

  return {
    sizes,
    organizations: orgs.map((org) => org.row),
    sources,
    series: series.map((item) => item.row),
    achievements: achievements.map((node) => node.row),
    counts: {
      organizations: orgs.length,
      sources: sources.length,
      series: series.length,
      articles: articles.length,
      articleOrganizations: links,
      achievements: achievements.length,
      citations,
    },
    renderArticles(from, to) {
      const rendered: RenderedArticles = { articles: [], links: [], citations: [] };
      for (const article of articles.slice(from, to)) {
        const { body, bodyText, citations } = renderArticle(seed, article, firstCitation[article.index]!);
        rendered.articles.push({
          id: article.id,
          slug: article.slug,
          title: article.title,
          seriesId: article.series.row.id,
          episode: article.episode,
          publishedAt: article.status === 'DRAFT' ? null : article.publishedAt,
          language: 'zh-CN',
          category: article.category,
          tags: article.tags,
          status: article.status,
          body: body.map((item) => ({ kind: item.kind, text: item.text })),
          bodyText,
          sourceId: article.sourceId,
          attribution: article.series.wechat.name,
          originalUrl: article.originalUrl,
          canonicalUrl: article.canonicalUrl,
          contentHash: contentHash(bodyText),
        });
        rendered.links.push(...articleLinks(article));
        rendered.citations.push(...citations);
      }
      return rendered;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

type Db = PrismaClient | Prisma.TransactionClient;
const synthetic = { slug: { startsWith: SYNTHETIC_SLUG_PREFIX } };

/** Rows per INSERT. Articles carry their bodies, so fewer of them. */
const BATCH = { rows: 2_000, articles: 500 };

type Table = 'Organization' | 'Source' | 'Series' | 'Article' | 'ArticleOrganization' | 'Achievement' | 'Citation';
/** The timestamp columns of each table. Prisma, not the database, fills in `updatedAt`. */
const TIMESTAMPS: Record<Table, readonly ('createdAt' | 'updatedAt')[]> = {
  Organization: ['createdAt', 'updatedAt'],
  Source: ['createdAt', 'updatedAt'],
  Series: ['createdAt', 'updatedAt'],
  Article: ['createdAt', 'updatedAt'],
  Achievement: ['createdAt', 'updatedAt'],
  Citation: ['createdAt'],
  ArticleOrganization: [],
};

/**
 * One INSERT for a whole batch: the rows travel as a single JSON parameter and PostgreSQL turns
 * them into records (`jsonb_populate_recordset` over the table's own row type). createMany spends
 * about 0.4 ms of client CPU per row in Prisma 7 — 5,000 achievements took 2.7 s, this takes 0.25 s.
 * The rows keep their Prisma input types, so the compiler still checks every field name and type;
 * columns a row does not name get their database defaults.
 */
async function insertBatch(db: Db, table: Table, rows: object[], now: Date): Promise<void> {
  if (!rows.length) return;
  const stamps = Object.fromEntries(TIMESTAMPS[table].map((column) => [column, now]));
  const names = new Set<string>(Object.keys(stamps));
  for (const row of rows) for (const key of Object.keys(row)) names.add(key);
  const columns = [...names].map((name) => `"${name}"`).join(', ');
  const json = JSON.stringify(rows.map((row) => ({ ...row, ...stamps })));
  await db.$executeRaw`INSERT INTO ${Prisma.raw(`"${table}" (${columns})`)} SELECT ${Prisma.raw(columns)} FROM jsonb_populate_recordset(NULL::${Prisma.raw(`"${table}"`)}, ${json}::jsonb)`;
}

/** How many synthetic rows (slug `syn-…`) the database holds. */
export async function countSyntheticRows(db: Db): Promise<ExistingSyntheticRows> {
  return {
    organizations: await db.organization.count({ where: synthetic }),
    sources: await db.source.count({ where: synthetic }),
    series: await db.series.count({ where: synthetic }),
    articles: await db.article.count({ where: synthetic }),
    achievements: await db.achievement.count({ where: synthetic }),
  };
}

/**
 * Deletes every row whose slug starts with `syn-`, and with them their citations and article
 * links (by cascade). Other rows stay, the corpus included. Returns what was deleted.
 */
export async function deleteSyntheticRows(db: Db): Promise<ExistingSyntheticRows> {
  const achievements = (await db.achievement.deleteMany({ where: synthetic })).count;
  const articles = (await db.article.deleteMany({ where: synthetic })).count;
  const series = (await db.series.deleteMany({ where: synthetic })).count;
  const sources = (await db.source.deleteMany({ where: synthetic })).count;
  // The tree's parent links are ON DELETE RESTRICT: detach it first, then it goes in one statement.
  await db.organization.updateMany({ where: synthetic, data: { parentId: null } });
  const organizations = (await db.organization.deleteMany({ where: synthetic })).count;
  return { organizations, sources, series, articles, achievements };
}

/**
 * Fills the database with synthetic organizations, series, articles and achievements at
 * `scale`, in one transaction: either every row is written or none is. Search vectors are
 * refreshed batch by batch in the same transaction.
 * @throws SyntheticSeedError for a bad scale or seed (before anything is written), and
 *   SyntheticDataExistsError when synthetic rows exist and `reset` is not set.
 */
export async function seedSynthetic(prisma: PrismaClient, options: SeedSyntheticOptions): Promise<SyntheticCounts> {
  const plan = planSynthetic(options);
  const total = Object.values(plan.counts).reduce((a, b) => a + b, 0);
  const now = new Date();
  let done = 0;
  const report = (phase: SyntheticPhase, rows: number) => {
    done += rows;
    options.onProgress?.({ phase, done, total });
  };

  return prisma.$transaction(
    async (tx) => {
      const existing = await countSyntheticRows(tx);
      if (Object.values(existing).some((count) => count > 0)) {
        if (!options.reset) throw new SyntheticDataExistsError(existing);
        report('deleting', 0);
        await deleteSyntheticRows(tx);
      }

      const write = async (
        phase: SyntheticPhase,
        table: Table,
        rows: { id: string }[],
        search?: 'Organization' | 'Achievement',
      ) => {
        for (let start = 0; start < rows.length; start += BATCH.rows) {
          const batch = rows.slice(start, start + BATCH.rows);
          await insertBatch(tx, table, batch, now);
          if (search) await refreshSearchVectors(tx, search, batch.map((row) => row.id));
          report(phase, batch.length);
        }
      };
      // Parents come before children in plan order, and a batch's FK checks run at its end.
      await write('organizations', 'Organization', plan.organizations, 'Organization');
      await write('sources', 'Source', plan.sources);
      await write('series', 'Series', plan.series);
      await write('achievements', 'Achievement', plan.achievements, 'Achievement');

      for (let start = 0; start < plan.counts.articles; start += BATCH.articles) {
        const { articles, links, citations } = plan.renderArticles(start, start + BATCH.articles);
        await insertBatch(tx, 'Article', articles, now);
        await refreshSearchVectors(tx, 'Article', articles.map((article) => article.id));
        await insertBatch(tx, 'ArticleOrganization', links, now);
        await insertBatch(tx, 'Citation', citations, now);
        report('articles', articles.length + links.length + citations.length);
      }
      return plan.counts;
    },
    { maxWait: 10_000, timeout: options.timeoutMs ?? 3_600_000 },
  );
}
