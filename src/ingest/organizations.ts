import type { ArticleOrganizationRole } from '../generated/prisma/enums.js';
import type { SearchWriter } from '../search/vectors.js';

// Links an imported article to the organizations it names. Organizations are never created here:
// a name that looks like a public body but matches no known one is reported for review.
//
// Names an organization is known by: its name, shortName and aliases, plus implicit ones made
// from its name (see `implicitNames`). The text is scanned for every name and overlapping matches
// are resolved longest first, so 六盘水市钟山区人民检察院 is one mention of the district
// procuratorate, not also one of 六盘水市…; a name shared by several organizations goes to the one
// whose parent is also named in the article, else to none.

/** What the linker needs of an organization. */
export interface KnownOrganization {
  id: string;
  name: string;
  shortName: string | null;
  aliases: string[];
  parentId: string | null;
  kind: string;
}

/** The names of every known organization, indexed for matching. Build it once per run or transaction. */
export interface OrganizationMatcher {
  byId: Map<string, KnownOrganization>;
  /** Every name (explicit or implicit), longest first, with the organizations it may mean. */
  names: { name: string; ids: string[] }[];
  /** Depth in the tree (0 for a root): the deeper one is the more specific. */
  depth: Map<string, number>;
}

/** One organization link, as `storeArticle` writes it. */
export interface OrganizationLink {
  organizationId: string;
  role: ArticleOrganizationRole;
}

/** What linking found. */
export interface LinkResult {
  links: OrganizationLink[];
  /** Organization-like names that match no known organization, for review; in order of appearance. */
  unknownOrganizations: string[];
}

// The word that ends a body's name, longest first. 检察机关 ("the procuratorial organs of …") is a
// collective and only used for implicit names, never reported as unknown.
const BODY_WORDS = [
  '人民检察院',
  '检察院',
  '高级人民法院',
  '中级人民法院',
  '人民法院',
  '法院',
  '人民政府',
  '政府',
  '公安局',
  '司法局',
  '党支部',
  '党委',
  '党组',
  '委员会',
];
const BODY_SUFFIX = new RegExp(`(?:${BODY_WORDS.join('|')})$`);

/** The place part of a body's name: 六盘水市人民检察院 → 六盘水市; null when it names no body. */
function placeOf(name: string): string | null {
  const match = BODY_SUFFIX.exec(name);
  if (!match || match.index === 0) return null;
  return name.slice(0, match.index);
}

/**
 * Names an organization is also known by, derived from its name:
 * - without 人民: 六盘水市钟山区人民检察院 → 六盘水市钟山区检察院 (人民法院 → 法院 likewise);
 * - without its parent's place: a child of 六盘水市人民检察院 named 六盘水市钟山区人民检察院 is also
 *   钟山区人民检察院 and 钟山区检察院;
 * - for a procuratorate, `<place>检察机关`: 贵州省检察机关 (the procuratorial organs of the
 *   province, which its procuratorate leads) is taken as a mention of 贵州省人民检察院.
 */
export function implicitNames(org: Pick<KnownOrganization, 'name' | 'kind'>, parentName: string | null): string[] {
  const names = new Set<string>();
  const variants = [org.name];
  const parentPlace = parentName ? placeOf(parentName) : null;
  if (parentPlace && org.name.startsWith(parentPlace)) {
    const rest = org.name.slice(parentPlace.length);
    // Only when a place of its own remains (钟山区人民检察院), not a bare body word (人民检察院).
    const place = placeOf(rest);
    if (place && place.length >= 2 && /[省市区县州旗盟镇乡]$/.test(place)) variants.push(rest);
  }
  for (const variant of variants) {
    names.add(variant);
    names.add(variant.replace(/人民(检察院|法院)/, '$1'));
    if (org.kind === 'PROCURATORATE') {
      const place = placeOf(variant);
      if (place && /[省市区县州旗盟]$/.test(place)) names.add(`${place}检察机关`);
    }
  }
  names.delete(org.name);
  return [...names];
}

/** Builds a matcher over these organizations (all of them: parents are looked up by id). */
export function createOrganizationMatcher(organizations: KnownOrganization[]): OrganizationMatcher {
  const byId = new Map(organizations.map((org) => [org.id, org]));
  const idsByName = new Map<string, Set<string>>();
  const add = (name: string | null | undefined, id: string) => {
    const trimmed = name?.trim();
    // One-character names would match everywhere.
    if (!trimmed || trimmed.length < 2) return;
    let ids = idsByName.get(trimmed);
    if (!ids) idsByName.set(trimmed, (ids = new Set()));
    ids.add(id);
  };
  for (const org of organizations) {
    add(org.name, org.id);
    add(org.shortName, org.id);
    for (const alias of org.aliases) add(alias, org.id);
    const parent = org.parentId ? byId.get(org.parentId) : undefined;
    for (const name of implicitNames(org, parent?.name ?? null)) add(name, org.id);
  }
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const parentId = byId.get(id)?.parentId;
    const value = parentId && byId.has(parentId) && !seen.has(parentId) ? depthOf(parentId, seen.add(id)) + 1 : 0;
    depth.set(id, value);
    return value;
  };
  for (const org of organizations) depthOf(org.id);
  const names = [...idsByName]
    .map(([name, ids]) => ({ name, ids: [...ids] }))
    .sort((a, b) => b.name.length - a.name.length || (a.name < b.name ? -1 : 1));
  return { byId, names, depth };
}

/** Reads every organization once, for a matcher. One statement. */
export async function loadOrganizationMatcher(db: SearchWriter): Promise<OrganizationMatcher> {
  return createOrganizationMatcher(
    await db.organization.findMany({
      select: { id: true, name: true, shortName: true, aliases: true, parentId: true, kind: true },
    }),
  );
}

interface Mention {
  start: number;
  end: number;
  ids: string[];
}

/** Known names in `text`, longest first where they overlap. */
function findMentions(matcher: OrganizationMatcher, text: string): Mention[] {
  const taken = new Uint8Array(text.length);
  const mentions: Mention[] = [];
  for (const { name, ids } of matcher.names) {
    for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
      let free = true;
      for (let i = at; i < at + name.length && free; i++) free = taken[i] === 0;
      if (!free) continue;
      taken.fill(1, at, at + name.length);
      mentions.push({ start: at, end: at + name.length, ids });
    }
  }
  return mentions.sort((a, b) => a.start - b.start);
}

// An administrative place (one or more divisions, e.g. 贵阳市云岩区) followed by a body word.
const PLACE = '(?:[\\u4e00-\\u9fff]{1,8}?(?:自治区|自治州|自治县|省|市|州|地区|盟|区|县|旗))';
const UNKNOWN_BODY = new RegExp(`${PLACE}+(?:${BODY_WORDS.filter((w) => w !== '党支部').join('|')})`, 'g');
// Words a match may have swallowed before the place name: 被贵阳市… → 贵阳市…
// A heuristic (Chinese has no word boundaries, and ICU's segmenter splits unknown place names into
// single characters): an unknown name may still carry a leading word not listed here.
// Multi-character words end whatever came before them (成绩离不开石岭区… → 石岭区…); single
// characters are only stripped at the start, since place names may contain them (和平区).
const FUNCTION_PHRASES = /^.*(?:离不开|来自|属于|隶属|通过|作为|成为|以及|入选|选派|会同|联合|调入|调到|这是|那是|也是|都是|就是)/;
const LEADING_FUNCTION_WORDS = /^(?:全国|全省|全市|[这那也都还并而就使该其以被在由向对与和及将从经为把给到赴至于是的了获受据同跟让派])+/;

/** Organization-like names in `text` outside the spans of known names. */
function findUnknown(text: string, mentions: Mention[]): string[] {
  let masked = text;
  for (const mention of mentions) {
    masked = masked.slice(0, mention.start) + '\u0000'.repeat(mention.end - mention.start) + masked.slice(mention.end);
  }
  const found = new Set<string>();
  for (const match of masked.matchAll(UNKNOWN_BODY)) {
    const name = match[0].replace(FUNCTION_PHRASES, '').replace(LEADING_FUNCTION_WORDS, '');
    const place = placeOf(name);
    if (place && place.length >= 2) found.add(name);
  }
  return [...found];
}

/** The candidate a shared name means: the one whose parent is also named, else none. */
function resolve(matcher: OrganizationMatcher, ids: string[], named: Set<string>): string | null {
  if (ids.length === 1) return ids[0]!;
  const withNamedParent = ids.filter((id) => {
    const parentId = matcher.byId.get(id)?.parentId;
    return parentId != null && named.has(parentId);
  });
  return withNamedParent.length === 1 ? withNamedParent[0]! : null;
}

/** Finds which known organizations a text names, and how often. */
function mentionCounts(matcher: OrganizationMatcher, text: string) {
  const mentions = findMentions(matcher, text);
  const unambiguous = new Set(mentions.filter((m) => m.ids.length === 1).map((m) => m.ids[0]!));
  const counts = new Map<string, number>();
  for (const mention of mentions) {
    const id = resolve(matcher, mention.ids, unambiguous);
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return { mentions, counts };
}

/**
 * Links an article to the known organizations it names:
 * - SUBJECT, the organization it profiles: the one the input names as SUBJECT (partner JSON); else
 *   the most specific (deepest in the tree) organization named in the title; else the one the body
 *   names most often, at least twice (ties: the deeper, then the earlier); else none.
 * - MENTIONED: every other organization named in the title or body, or named by the input.
 * - PUBLISHER: the series' publisher, the organization the input names as PUBLISHER, and a known
 *   organization whose name is the article's attribution.
 * Organizations the input names that are not known, and body names that look like a public body
 * but match nothing, are returned in `unknownOrganizations`.
 */
export function linkOrganizations(
  matcher: OrganizationMatcher,
  article: {
    title: string;
    bodyText: string;
    attribution: string | null;
    organizations: { name: string; role: ArticleOrganizationRole }[];
  },
  seriesPublisherId: string | null,
): LinkResult {
  const unknown: string[] = [];
  const byExactName = (name: string) => matcher.names.find((candidate) => candidate.name === name.trim())?.ids ?? [];

  const explicit = new Map<ArticleOrganizationRole, string[]>([
    ['SUBJECT', []],
    ['MENTIONED', []],
    ['PUBLISHER', []],
  ]);
  for (const given of article.organizations) {
    const ids = byExactName(given.name);
    // A name several organizations share is ambiguous, not unknown: it is left for an editor.
    if (ids.length === 1) explicit.get(given.role)!.push(ids[0]!);
    else if (ids.length === 0) unknown.push(given.name.trim());
  }

  const title = mentionCounts(matcher, article.title);
  const body = mentionCounts(matcher, article.bodyText);
  const deeper = (a: string, b: string) => (matcher.depth.get(b) ?? 0) - (matcher.depth.get(a) ?? 0);

  let subject: string | null = explicit.get('SUBJECT')![0] ?? null;
  if (!subject) subject = [...title.counts.keys()].sort(deeper)[0] ?? null;
  if (!subject) {
    const firstAt = new Map<string, number>();
    for (const mention of body.mentions) for (const id of mention.ids) if (!firstAt.has(id)) firstAt.set(id, mention.start);
    subject =
      [...body.counts]
        .filter(([, count]) => count >= 2)
        .sort(([a, x], [b, y]) => y - x || deeper(a, b) || firstAt.get(a)! - firstAt.get(b)!)[0]?.[0] ?? null;
  }

  const links = new Map<string, OrganizationLink>();
  const link = (organizationId: string, role: ArticleOrganizationRole) =>
    links.set(`${organizationId} ${role}`, { organizationId, role });
  if (subject) link(subject, 'SUBJECT');
  for (const id of [...title.counts.keys(), ...body.counts.keys(), ...explicit.get('MENTIONED')!]) {
    if (id !== subject) link(id, 'MENTIONED');
  }
  const attributedIds = article.attribution ? byExactName(article.attribution) : [];
  const attributed = attributedIds.length === 1 ? attributedIds[0]! : null;
  for (const id of [seriesPublisherId, attributed, ...explicit.get('PUBLISHER')!]) if (id) link(id, 'PUBLISHER');

  for (const name of [...findUnknown(article.title, title.mentions), ...findUnknown(article.bodyText, body.mentions)]) {
    if (!unknown.includes(name)) unknown.push(name);
  }
  return { links: [...links.values()], unknownOrganizations: unknown };
}
