import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { ArticleOrganizationRole } from '../generated/prisma/enums.js';
import * as articleStore from '../store/articles.js';
import { writeTransaction } from '../store/events.js';
import * as seriesStore from '../store/series.js';
import { linkOrganizations, loadOrganizationMatcher, type OrganizationMatcher } from './organizations.js';
import type { ImportedArticle, SourceHint, StoreOutcome } from './types.js';

// Stores one imported article in one transaction (docs/import.md: provenance, deduplication,
// the canonical copy, revisions). The order of the questions asked:
//   1. Is this copy (source, locator) stored already? Same text: UNCHANGED, nothing is written.
//      Other text: UPDATED (the article's text too, with a new revision, if it is the canonical copy).
//   2. Is the same story stored already: a copy with the same normalized hash, or the same episode
//      of the same series? DUPLICATE: a provenance record is added, and the canonical rule decides
//      whether this copy becomes the one the article shows.
//   3. Otherwise CREATED: a new article, its revision 1 and its first (canonical) provenance record.

type Tx = Prisma.TransactionClient;

export interface StoreOptions {
  /** The run the write belongs to (recorded on the revisions it adds); null outside a run. */
  importRunId: string | null;
  /**
   * The known organizations, loaded once per run (`loadOrganizationMatcher`). Without it they are
   * read inside the transaction, once per article.
   */
  organizations?: OrganizationMatcher;
  /** The transaction's time limit. */
  timeoutMs?: number;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/**
 * The slug of the Source row for a hint: from its URL's host (`www.example.gov.cn` →
 * `example-gov-cn`), else from an ASCII name (`Partner Site` → `partner-site`), else
 * `source-<12 hex digits of sha256(kind:name)>`. The same hint always gives the same slug.
 */
export function sourceSlug(hint: SourceHint): string {
  const host = hostOf(hint.url);
  const ascii = (text: string) =>
    text
      .toLowerCase()
      .replace(/^www\./, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  if (host && ascii(host)) return ascii(host);
  // eslint-disable-next-line no-control-regex
  if (/^[\x20-\x7e]+$/.test(hint.name) && ascii(hint.name)) return ascii(hint.name);
  return `source-${sha256(`${hint.kind}:${hint.name}`).slice(0, 12)}`;
}

/** `series-<12 hex digits of sha256(title)>`: series titles are Chinese, slugs ASCII. */
export function seriesSlug(title: string): string {
  return `series-${sha256(title).slice(0, 12)}`;
}

/**
 * A new article's slug: `<series slug>-<episode>` for an episode, else
 * `article-<first 12 hex digits of the normalized hash>`.
 */
export function articleSlug(series: { slug: string } | null, episode: number | null, normalizedHash: string): string {
  return series && episode !== null ? `${series.slug}-${episode}` : `article-${normalizedHash.slice(0, 12)}`;
}

/** Finds the Source row for a hint (by slug, then by its URL's host, then by name), or creates it. */
async function findOrCreateSource(tx: Tx, hint: SourceHint): Promise<{ id: string; name: string; attributionText: string | null; created: boolean }> {
  const slug = sourceSlug(hint);
  const host = hostOf(hint.url);
  const candidates = await tx.source.findMany({
    where: {
      OR: [
        { slug },
        ...(host ? [{ url: { contains: host, mode: 'insensitive' as const } }] : [{ name: hint.name, url: null }]),
      ],
    },
    orderBy: { createdAt: 'asc' },
  });
  const found =
    candidates.find((source) => source.slug === slug) ??
    candidates.find((source) => (host ? hostOf(source.url) === host : source.name === hint.name));
  if (found) return { ...found, created: false };
  const created = await tx.source.create({ data: { slug, name: hint.name, kind: hint.kind, url: hint.url } });
  return { ...created, created: true };
}

/** Whether a copy comes from its own author: its source's name or credit is the article's attribution. */
function isOriginalPublisher(source: { name: string; attributionText: string | null }, attribution: string | null): boolean {
  return attribution !== null && (source.name === attribution || source.attributionText === attribution);
}

/** The locator prefix of copies the curated corpus loads (src/ingest/corpus.ts `corpusLocator`). */
const CURATED_LOCATOR = 'corpus:';

/**
 * The canonical rule: does a new copy replace the current canonical one? Never when the current
 * one is the curated corpus's copy. Otherwise yes when it comes from the original publisher (its
 * source is the article's attribution) and the current one does not; else, between copies equal in
 * that, when it carries an earlier publication date (a dated copy beats an undated one). Otherwise
 * the copy stored first stays canonical.
 */
export function replacesCanonical(
  incoming: { publisher: boolean; publishedAt: Date | null },
  current: { publisher: boolean; publishedAt: Date | null; curated?: boolean },
): boolean {
  if (current.curated) return false;
  if (incoming.publisher !== current.publisher) return incoming.publisher;
  if (!incoming.publishedAt) return false;
  return !current.publishedAt || incoming.publishedAt.getTime() < current.publishedAt.getTime();
}

/** Re-anchors citations after the text changed: each excerpt's occurrence nearest its old offset. */
async function reanchorCitations(tx: Tx, articleId: string, bodyText: string) {
  const citations = await tx.citation.findMany({ where: { articleId }, select: { id: true, excerpt: true, offset: true } });
  for (const citation of citations) {
    if (bodyText.slice(citation.offset, citation.offset + citation.excerpt.length) === citation.excerpt) continue;
    let best = -1;
    for (let at = bodyText.indexOf(citation.excerpt); at !== -1; at = bodyText.indexOf(citation.excerpt, at + 1)) {
      if (best === -1 || Math.abs(at - citation.offset) < Math.abs(best - citation.offset)) best = at;
    }
    // An excerpt the new text no longer contains keeps its citation: an editor decides (docs/import.md).
    if (best !== -1) await tx.citation.update({ where: { id: citation.id }, data: { offset: best } });
  }
}

/** Adds links the text calls for; never removes one, and never adds a second SUBJECT. */
async function addLinks(tx: Tx, articleId: string, wanted: { organizationId: string; role: ArticleOrganizationRole }[]) {
  const existing = await tx.articleOrganization.findMany({ where: { articleId } });
  const has = new Set(existing.map((link) => `${link.organizationId} ${link.role}`));
  const subject = existing.find((link) => link.role === 'SUBJECT')?.organizationId ?? null;
  const links = wanted
    .map((link) =>
      link.role === 'SUBJECT' && subject !== null && subject !== link.organizationId ? { ...link, role: 'MENTIONED' as const } : link,
    )
    .filter((link) => !(link.role === 'MENTIONED' && link.organizationId === subject))
    .filter((link) => !has.has(`${link.organizationId} ${link.role}`));
  if (links.length) await tx.articleOrganization.createMany({ data: links.map((link) => ({ articleId, ...link })), skipDuplicates: true });
  return links.map((link) => link.organizationId);
}

async function seriesPublisherOf(tx: Tx, seriesId: string | null): Promise<string | null> {
  if (!seriesId) return null;
  return (await tx.series.findUnique({ where: { id: seriesId }, select: { publisherId: true } }))?.publisherId ?? null;
}

/**
 * Makes `article` the text of an existing article (it is, or has become, the canonical copy)
 * through the article write path (a new revision when the title or text differ, the version, the
 * search vector), then re-anchors its citations and adds links.
 */
async function applyCanonicalCopy(
  tx: Tx,
  current: { id: string; title: string; contentHash: string; seriesId: string | null },
  article: ImportedArticle,
  sourceId: string,
  options: StoreOptions,
  matcher: () => Promise<OrganizationMatcher>,
): Promise<{ unknownOrganizations: string[]; linked: string[] }> {
  const textChanged = current.title !== article.title || current.contentHash !== article.contentHash;
  await articleStore.updateArticle(
    tx,
    current.id,
    {
      columns: {
        title: article.title,
        sourceId,
        attribution: article.attribution,
        originalUrl: article.originalUrl ?? article.originalPath,
        ...(article.publishedAt ? { publishedAt: article.publishedAt } : {}),
      },
      blocks: article.blocks,
    },
    { importRunId: options.importRunId },
  );
  if (textChanged) await reanchorCitations(tx, current.id, article.bodyText);
  const result = linkOrganizations(await matcher(), article, await seriesPublisherOf(tx, current.seriesId));
  const linked = await addLinks(tx, current.id, result.links);
  return { unknownOrganizations: result.unknownOrganizations, linked };
}

async function store(tx: Tx, article: ImportedArticle, options: StoreOptions): Promise<StoreOutcome> {
  let loaded: OrganizationMatcher | undefined = options.organizations;
  const matcher = async () => (loaded ??= await loadOrganizationMatcher(tx));
  const source = await findOrCreateSource(tx, article.source);
  const changed = new Map<string, { typename: string; id: string }>();
  const touch = (typename: string, id: string | null | undefined) => {
    if (id) changed.set(`${typename}:${id}`, { typename, id });
  };
  if (source.created) touch('Source', source.id);
  const outcome = (status: StoreOutcome['status'], articleId: string, unknownOrganizations: string[]): StoreOutcome => ({
    status,
    articleId,
    unknownOrganizations,
    changedEntities: [...changed.values()],
  });
  const provenanceData = {
    originalUrl: article.originalUrl ?? article.originalPath,
    attribution: article.attribution,
    contentHash: article.contentHash,
    normalizedHash: article.normalizedHash,
    fetchedAt: article.fetchedAt,
  };
  const articleColumns = { id: true, title: true, contentHash: true, seriesId: true, publishedAt: true } as const;

  // 1. This copy again.
  const copy = await tx.articleProvenance.findUnique({
    where: { sourceId_locator: { sourceId: source.id, locator: article.locator } },
    include: { article: { select: articleColumns } },
  });
  if (copy) {
    if (copy.contentHash === article.contentHash) return outcome('UNCHANGED', copy.articleId, []);
    await tx.articleProvenance.update({ where: { id: copy.id }, data: provenanceData });
    touch('Article', copy.articleId);
    let unknownOrganizations: string[] = [];
    if (copy.isCanonical) {
      const applied = await applyCanonicalCopy(tx, copy.article, article, source.id, options, matcher);
      unknownOrganizations = applied.unknownOrganizations;
      for (const id of applied.linked) touch('Organization', id);
    }
    return outcome('UPDATED', copy.articleId, unknownOrganizations);
  }

  // 2. The same story, stored before.
  const series = article.series ? await tx.series.findFirst({ where: { title: article.series.title }, orderBy: { createdAt: 'asc' } }) : null;
  const sameStory =
    (await tx.articleProvenance.findFirst({ where: { normalizedHash: article.normalizedHash }, orderBy: { createdAt: 'asc' }, select: { article: { select: articleColumns } } }))?.article ??
    (await tx.article.findFirst({ where: { normalizedHash: article.normalizedHash }, orderBy: { createdAt: 'asc' }, select: articleColumns })) ??
    (series && article.series?.episode != null
      ? await tx.article.findUnique({ where: { seriesId_episode: { seriesId: series.id, episode: article.series.episode } }, select: articleColumns })
      : null);
  if (sameStory) {
    touch('Article', sameStory.id);
    const canonical = await tx.articleProvenance.findFirst({
      where: { articleId: sameStory.id, isCanonical: true },
      include: { source: { select: { name: true, attributionText: true } } },
    });
    const becomesCanonical = canonical
      ? replacesCanonical(
          { publisher: isOriginalPublisher(source, article.attribution), publishedAt: article.publishedAt },
          {
            publisher: isOriginalPublisher(canonical.source, canonical.attribution),
            publishedAt: sameStory.publishedAt,
            curated: canonical.locator.startsWith(CURATED_LOCATOR),
          },
        )
      : // An article written without provenance (by an editor): this copy is canonical only if it is that text.
        sameStory.contentHash === article.contentHash;
    if (becomesCanonical && canonical) {
      await tx.articleProvenance.update({ where: { id: canonical.id }, data: { isCanonical: false } });
    }
    await tx.articleProvenance.create({
      data: { articleId: sameStory.id, sourceId: source.id, locator: article.locator, isCanonical: becomesCanonical, ...provenanceData },
    });
    let unknownOrganizations: string[] = [];
    if (becomesCanonical && canonical) {
      const applied = await applyCanonicalCopy(tx, sameStory, article, source.id, options, matcher);
      unknownOrganizations = applied.unknownOrganizations;
      for (const id of applied.linked) touch('Organization', id);
    }
    return outcome('DUPLICATE', sameStory.id, unknownOrganizations);
  }

  // 3. A new article.
  const articleSeries =
    series ?? (article.series ? await seriesStore.createSeries(tx, { slug: seriesSlug(article.series.title), title: article.series.title }) : null);
  const episode = articleSeries ? (article.series?.episode ?? null) : null;
  let slug = articleSlug(articleSeries, episode, article.normalizedHash);
  if (await tx.article.findUnique({ where: { slug }, select: { id: true } })) slug = `${slug}-${article.normalizedHash.slice(0, 8)}`;
  const created = await articleStore.createArticle(
    tx,
    {
      slug,
      title: article.title,
      seriesId: articleSeries?.id ?? null,
      episode,
      publishedAt: article.publishedAt,
      language: article.language,
      category: article.category,
      tags: article.tags,
      // Imports are copies of pages already public.
      status: 'PUBLISHED',
      sourceId: source.id,
      attribution: article.attribution,
      originalUrl: article.originalUrl ?? article.originalPath,
      provenances: { create: { sourceId: source.id, locator: article.locator, isCanonical: true, ...provenanceData } },
    },
    article.blocks,
    { importRunId: options.importRunId },
  );
  const result = linkOrganizations(await matcher(), article, articleSeries?.publisherId ?? null);
  if (result.links.length) {
    await tx.articleOrganization.createMany({ data: result.links.map((link) => ({ articleId: created.id, ...link })) });
  }
  touch('Article', created.id);
  touch('Series', articleSeries?.id);
  touch('Source', source.id);
  for (const link of result.links) touch('Organization', link.organizationId);
  return outcome('CREATED', created.id, result.unknownOrganizations);
}

/**
 * Stores one imported article in its own transaction: either everything it writes (source,
 * series, article, revision, provenance, links, search vectors) is committed, or nothing is.
 * Organizations are never created; names that match none come back in `unknownOrganizations`.
 */
export async function storeArticle(prisma: PrismaClient, article: ImportedArticle, options: StoreOptions): Promise<StoreOutcome> {
  return writeTransaction(
    prisma,
    'IMPORT',
    async (tx) => {
      // Imports that run at once (the command line and the mutation, two admins) take turns: each
      // decides "new story or copy of a stored one" from what is committed, so two copies of one
      // story can never both be CREATED, nor two copies both made canonical.
      await tx.$queryRaw(IMPORT_LOCK);
      return store(tx, article, options);
    },
    { maxWait: 10_000, timeout: options.timeoutMs ?? 30_000 },
  );
}

const IMPORT_LOCK = Prisma.sql`SELECT pg_advisory_xact_lock(hashtext('import:store-article'))::text`;
