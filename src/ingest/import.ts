import pLimit from 'p-limit';
import type { PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { publishCommitted } from '../store/events.js';
import { importConfigFromEnv, type ImportConfig } from './config.js';
import { createFetcher, FetchError, type Fetcher } from './fetch.js';
import { expandInputs, fetchUrl, InputError, readInputFile, rememberFetch, type FetchedUrl, type FileAccess, type InputEntry } from './inputs.js';
import { loadOrganizationMatcher, type OrganizationMatcher } from './organizations.js';
import type {
  ImportedArticle,
  ImportProgress,
  ImportRunSummary,
  PageToFetch,
  ParsedDocument,
  RawDocument,
  StoreOutcome,
} from './types.js';

// One import run: expands the inputs, reads or fetches each document, parses it, fetches
// the full page of each feed entry that carries only a summary, stores every article in its own
// transaction, and records the run and one ImportItem per item. An item's failure, expected or
// not, is recorded with its reason and the run goes on; the run row never stays RUNNING, unless the
// caller (a background job that will be retried) asks for it to stay so.

export type ParseStage = (doc: RawDocument) => ParsedDocument;
export type StoreStage = (
  prisma: PrismaClient,
  article: ImportedArticle,
  options: { importRunId: string; organizations?: OrganizationMatcher },
) => Promise<StoreOutcome>;
export type ChangedEntity = StoreOutcome['changedEntities'][number];

export interface RunImportOptions {
  trigger: 'CLI' | 'MUTATION' | 'SCHEDULE';
  actorName: string;
  /**
   * Continue the run recorded with this id (a queued job's, or a retry's) instead of recording a new
   * one; created when no run has this id yet. A run continued after an earlier attempt keeps the items
   * it recorded as imported, drops those recorded as FAILED, and skips the locators it kept: a retry
   * adds no second item for anything (articles are idempotent by content hash anyway).
   */
  runId?: string;
  /**
   * When the run itself breaks (the database), mark it FAILED with the reason (the default), or leave
   * it RUNNING for the retry that follows (a job's attempt that is not its last). Either way it throws.
   */
  failRunOnError?: boolean;
  /** Defaults to `importConfigFromEnv()`. */
  config?: ImportConfig;
  /** Defaults to a fetcher built from `config`; one passed in is not closed by the run. */
  fetcher?: Fetcher;
  /** Which files the run may read; defaults to any for the CLI, `config.fileRoot` (or none) for the mutation. */
  files?: FileAccess;
  /** Ignore stored validators: fetch every URL in full and import it again. */
  force?: boolean;
  /**
   * Documents sent with the request rather than named by an input (importContent's `documents`,
   * e.g. a partner's JSON push), imported after the inputs. Each is recorded in the run's inputs
   * as its locator (`inline:<name>`).
   */
  documents?: RawDocument[];
  onProgress?: (progress: ImportProgress) => void;
  /** Called once, after the run is recorded, with every entity the run changed (for cache invalidation). */
  onEntitiesChanged?: (entities: ChangedEntity[]) => Promise<void> | void;
  /** The parser (formats.ts `parseDocument` by default). */
  parse?: ParseStage;
  /** The writer (store.ts `storeArticle` by default). */
  store?: StoreStage;
}

type ItemStatus = ImportProgress['status'];
/** An input as the run works on it: a file, a URL, a failure found while expanding, or a document sent inline. */
type Entry = InputEntry | { kind: 'inline'; locator: string; doc: RawDocument };
type SummaryItem = ImportRunSummary['items'][number];

// formats.ts and store.ts are loaded only when a run does not bring its own stages, so that tests of
// fetching and orchestration do not depend on them.
async function defaultParse(): Promise<ParseStage> {
  return (await import('./formats.js')).parseDocument;
}

async function defaultStore(): Promise<StoreStage> {
  return (await import('./store.js')).storeArticle;
}

/**
 * The private-network default: the CLI's user owns the machine, and the schedule's URLs are the
 * operator's own setting (IMPORT_SCHEDULE_INPUTS); the mutation's caller is remote.
 */
export function allowsPrivateNetworks(config: ImportConfig, trigger: RunImportOptions['trigger']): boolean {
  return config.allowPrivateNetworks ?? trigger !== 'MUTATION';
}

function defaultFileAccess(config: ImportConfig, trigger: RunImportOptions['trigger']): FileAccess {
  if (trigger === 'CLI') return 'any';
  return config.fileRoot ? { root: config.fileRoot } : 'none';
}

/** A reason in words for an error from one item. Database errors are named, not quoted. */
export function describeError(error: unknown): string {
  if (error instanceof FetchError || error instanceof InputError) return error.message;
  if (error instanceof Prisma.PrismaClientKnownRequestError) return `database error ${error.code}`;
  if (error instanceof Prisma.PrismaClientInitializationError || error instanceof Prisma.PrismaClientRustPanicError) {
    return 'database unavailable';
  }
  if (error instanceof Prisma.PrismaClientUnknownRequestError || error instanceof Prisma.PrismaClientValidationError) {
    return 'database error';
  }
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
}

/**
 * A feed entry's page, parsed, with what the entry says kept where the page says nothing: the
 * page's own title, text and dates win; the entry fills in the rest. The item keeps the entry's
 * locator, so that it reads as an entry of its feed.
 */
export function mergeEntry(article: ImportedArticle, page: PageToFetch, pageUrl: string): ImportedArticle {
  const { entry } = page;
  return {
    ...article,
    locator: page.locator,
    originalUrl: article.originalUrl ?? pageUrl,
    title: article.title || entry.title,
    publishedAt: article.publishedAt ?? entry.publishedAt,
    tags: article.tags.length ? article.tags : entry.tags,
    category: article.category ?? entry.category,
    attribution: article.attribution ?? entry.attribution,
    source: article.source.url ? article.source : entry.source,
  };
}

/** SUCCEEDED with no failure, FAILED when nothing was imported, PARTIAL in between. */
export function runStatus(counts: ImportRunSummary['counts']): ImportRunSummary['status'] {
  const ok = counts.created + counts.updated + counts.unchanged + counts.duplicate;
  if (counts.failed === 0 && ok > 0) return 'SUCCEEDED';
  return ok === 0 ? 'FAILED' : 'PARTIAL';
}

/**
 * Imports `inputs` (files, directories, http(s) URLs) and records the run. Resolves with the run's
 * summary whatever happened to the items; rejects only when the run cannot be recorded at all
 * (the database is unreachable), and even then marks the run FAILED when it can.
 */
export async function runImport(prisma: PrismaClient, inputs: string[], options: RunImportOptions): Promise<ImportRunSummary> {
  const config = options.config ?? importConfigFromEnv();
  let started = performance.now();
  const recordedInputs = [...inputs, ...(options.documents ?? []).map((doc) => doc.locator)];
  const run = options.runId
    ? await prisma.importRun.upsert({
        where: { id: options.runId },
        create: { id: options.runId, trigger: options.trigger, actorName: options.actorName, inputs: recordedInputs },
        update: { status: 'RUNNING', finishedAt: null, durationMs: null, reason: null },
        select: { id: true, startedAt: true },
      })
    : await prisma.importRun.create({
        data: { trigger: options.trigger, actorName: options.actorName, inputs: recordedInputs },
        select: { id: true, startedAt: true },
      });
  // A continued run counts its time from when it was recorded (queued), as its caller waited.
  if (options.runId) started -= Math.max(0, Date.now() - run.startedAt.getTime());
  const kept = options.runId ? await keptItems(prisma, run.id) : [];
  /** Locators an earlier attempt of this run imported: skipped, not imported twice. */
  const done = new Set(kept.map((item) => item.locator));

  const fetcher =
    options.fetcher ??
    createFetcher({ ...config, allowPrivateNetworks: allowsPrivateNetworks(config, options.trigger) });
  const files = options.files ?? defaultFileAccess(config, options.trigger);
  const counts = { created: 0, updated: 0, unchanged: 0, duplicate: 0, failed: 0 };
  const items: (SummaryItem & { order: number[] })[] = kept.map((item, index) => ({ ...item, order: [-1, index] }));
  for (const item of kept) counts[COUNT_OF[item.status]] += 1;
  const changed = new Map<string, ChangedEntity>();
  // Articles are written one at a time: two copies of one story in a batch must not race to
  // create the same Article, and PGlite has one connection anyway. Fetching and parsing overlap.
  const storeSerially = pLimit(1);
  let total = 0;
  let finished = false;
  let durationMs = 0;

  async function record(order: number[], item: SummaryItem) {
    await prisma.importItem.create({
      data: {
        runId: run.id,
        locator: item.locator,
        status: item.status,
        reason: item.reason,
        articleId: item.articleId,
        unknownOrganizations: item.unknownOrganizations,
      },
    });
    items.push({ ...item, order });
    counts[COUNT_OF[item.status]] += 1;
    options.onProgress?.({ done: items.length, total: Math.max(total, items.length), locator: item.locator, status: item.status });
  }

  const failed = (locator: string, reason: string): SummaryItem => ({
    locator,
    status: 'FAILED',
    reason,
    articleId: null,
    unknownOrganizations: [],
  });
  const unchanged = (locator: string): SummaryItem => ({
    locator,
    status: 'UNCHANGED',
    reason: null,
    articleId: null,
    unknownOrganizations: [],
  });

  // The default stages load on first use: a run whose inputs all fail or are unchanged needs neither.
  let parser: Promise<ParseStage> | undefined;
  let storer: Promise<StoreStage> | undefined;
  const parse = async (doc: RawDocument) => (await (parser ??= options.parse ? Promise.resolve(options.parse) : defaultParse()))(doc);
  const store: StoreStage = async (...args) => (await (storer ??= options.store ? Promise.resolve(options.store) : defaultStore()))(...args);

  let organizations: Promise<OrganizationMatcher> | undefined;
  let failure: unknown;

  try {

    /** Stores one article as one item; true when it was stored. */
    async function storeItem(order: number[], article: ImportedArticle): Promise<boolean> {
      if (done.has(article.locator)) return true;
      let outcome: StoreOutcome;
      try {
        // Imports never create organizations, so the known ones are read once per run (documents
        // are worked on concurrently: the first one to get here starts the read, the rest await it).
        const known = await (organizations ??= loadOrganizationMatcher(prisma));
        outcome = await storeSerially(() => store(prisma, article, { importRunId: run.id, organizations: known }));
      } catch (error) {
        await record(order, failed(article.locator, `could not be stored: ${describeError(error)}`));
        return false;
      }
      for (const entity of outcome.changedEntities) changed.set(`${entity.typename}:${entity.id}`, entity);
      await record(order, {
        locator: article.locator,
        status: outcome.status,
        reason: null,
        articleId: outcome.articleId,
        unknownOrganizations: outcome.unknownOrganizations,
      });
      return true;
    }

    /** Fetches and stores the full page of a feed entry; true when nothing failed. */
    async function importPage(order: number[], page: PageToFetch): Promise<boolean> {
      if (done.has(page.locator)) return true;
      try {
        const fetched = await fetchUrl(prisma, fetcher, page.url, { conditional: !options.force });
        if (fetched.kind === 'unchanged') {
          await record(order, unchanged(page.locator));
          return true;
        }
        const parsed = await parse(fetched.doc);
        const article = parsed.articles[0];
        if (!article) {
          const reason = parsed.failures[0]?.reason ?? 'no article found on the page';
          await record(order, failed(page.locator, `the entry's page ${page.url}: ${reason}`));
          return false;
        }
        const stored = await storeItem(order, mergeEntry(article, page, fetched.doc.url ?? page.url));
        if (stored) await rememberFetch(prisma, fetched.remember);
        return stored;
      } catch (error) {
        await record(order, failed(page.locator, describeError(error)));
        return false;
      }
    }

    /** Reads a file or fetches a URL; a URL's validators are remembered once its document is imported. */
    async function load(entry: Exclude<Entry, { kind: 'failure' }>): Promise<FetchedUrl | { kind: 'document'; doc: RawDocument; remember: null }> {
      if (entry.kind === 'inline') return { kind: 'document', doc: entry.doc, remember: null };
      if (entry.kind === 'url') return fetchUrl(prisma, fetcher, entry.locator, { conditional: !options.force });
      return { kind: 'document', doc: await readInputFile(entry.locator, config.maxBytes), remember: null };
    }

    async function importEntry([entry, index]: [Entry, number]) {
      if (done.has(entry.locator)) return;
      try {
        if (entry.kind === 'failure') {
          await record([index], failed(entry.locator, entry.reason));
          return;
        }
        const loaded = await load(entry);
        if (loaded.kind === 'unchanged') {
          await record([index], unchanged(entry.locator));
          return;
        }
        const parsed = await parse(loaded.doc);
        const parts = parsed.failures.length + parsed.articles.length + parsed.pagesToFetch.length;
        if (parts === 0) {
          await record([index], failed(entry.locator, 'no article found in this document'));
          return;
        }
        total += parts - 1;
        let allImported = parsed.failures.length === 0;
        let position = 0;
        for (const failure of parsed.failures) await record([index, position++], failed(failure.locator, failure.reason));
        for (const article of parsed.articles) {
          if (!(await storeItem([index, position++], article))) allImported = false;
        }
        const firstPage = position;
        const fetchPage = pLimit(Math.max(1, config.concurrency));
        await Promise.all(
          parsed.pagesToFetch.map((page, i) =>
            fetchPage(async () => {
              if (!(await importPage([index, firstPage + i], page))) allImported = false;
            }),
          ),
        );
        if (loaded.remember && allImported) await rememberFetch(prisma, loaded.remember);
      } catch (error) {
        await record([index], failed(entry.locator, describeError(error)));
      }
    }

    async function* numbered(): AsyncGenerator<[Entry, number]> {
      let index = 0;
      for await (const entry of expandInputs(inputs, files)) {
        total += 1;
        yield [entry, index++];
      }
      for (const doc of options.documents ?? []) {
        total += 1;
        yield [{ kind: 'inline', locator: doc.locator, doc }, index++];
      }
    }

    const importing = pLimit(Math.max(1, config.concurrency));
    const entries: Promise<void>[] = [];
    for await (const entry of numbered()) entries.push(importing(() => importEntry(entry)));
    await Promise.all(entries);
    finished = true;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (!options.fetcher) fetcher.close();
    durationMs = Math.round(performance.now() - started);
    const status = finished ? runStatus(counts) : 'FAILED';
    const finishing = prisma.importRun.update({
      where: { id: run.id },
      data: {
        status,
        reason: finished ? null : `the run stopped: ${describeError(failure)}`,
        finishedAt: new Date(),
        durationMs,
        createdCount: counts.created,
        updatedCount: counts.updated,
        unchangedCount: counts.unchanged,
        duplicateCount: counts.duplicate,
        failedCount: counts.failed,
      },
    });
    // When the run is already failing, its own error is the one to report. A job's attempt that
    // will be retried leaves the run RUNNING: the next attempt continues it. Subscribers to
    // importRunFinished hear of the run once its last update has committed.
    const announce = () => publishCommitted(prisma, 'IMPORT', [{ type: 'importRunFinished', id: run.id, status }]);
    if (finished) await finishing.then(announce);
    else if (options.failRunOnError !== false) await finishing.then(announce, () => undefined);
  }

  const summary: ImportRunSummary = {
    runId: run.id,
    status: runStatus(counts),
    durationMs,
    counts,
    items: items
      .sort((a, b) => compareOrder(a.order, b.order))
      .map(({ order: _order, ...item }) => item),
  };
  if (changed.size && options.onEntitiesChanged) await options.onEntitiesChanged([...changed.values()]);
  return summary;
}

const COUNT_OF: Record<ItemStatus, keyof ImportRunSummary['counts']> = {
  CREATED: 'created',
  UPDATED: 'updated',
  UNCHANGED: 'unchanged',
  DUPLICATE: 'duplicate',
  FAILED: 'failed',
};

/** The items an earlier attempt of a run recorded as imported; those it recorded as FAILED are deleted, to be tried again. */
async function keptItems(prisma: PrismaClient, runId: string): Promise<SummaryItem[]> {
  await prisma.importItem.deleteMany({ where: { runId, status: 'FAILED' } });
  const rows = await prisma.importItem.findMany({ where: { runId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({
    locator: row.locator,
    status: row.status,
    reason: row.reason,
    articleId: row.articleId,
    unknownOrganizations: row.unknownOrganizations,
  }));
}

function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference) return difference;
  }
  return 0;
}
