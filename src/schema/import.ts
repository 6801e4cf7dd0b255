import { importContent, importRunWhere, MAX_DOCUMENT_NAME_LENGTH, MAX_IMPORT_INPUT_LENGTH, MAX_IMPORT_INPUTS } from '../resolvers/import.js';
import { Article } from './article.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';

// Import runs, for admins: the record of every run (npm run import, importContent or the schedule),
// and the importContent mutation, which queues a run as a background job (src/jobs/).
// docs/import.md describes what a run does.

export const ImportTriggerEnum = builder.enumType('ImportTrigger', {
  description: 'What started an import run.',
  values: {
    CLI: { description: 'The command line: `npm run import`.' },
    MUTATION: { description: 'The `importContent` mutation.' },
    SCHEDULE: { description: 'The schedule that re-polls the feeds the server names (IMPORT_SCHEDULE_INPUTS, every IMPORT_SCHEDULE_EVERY).' },
  } as const,
});

export const ImportRunStatusEnum = builder.enumType('ImportRunStatus', {
  description: 'How an import run went.',
  values: {
    RUNNING: { description: 'Queued or still going: a background job runs it; poll the run (`node(id:)` or `importRuns`) until it ends.' },
    SUCCEEDED: { description: 'Every item was imported (created, updated, unchanged or a duplicate).' },
    PARTIAL: { description: 'Some items failed; the others were imported.' },
    FAILED: { description: 'Nothing could be imported, or the run itself broke (see the run’s `reason`).' },
  } as const,
});

export const ImportItemStatusEnum = builder.enumType('ImportItemStatus', {
  description: 'What happened to one item of an import run.',
  values: {
    CREATED: { description: 'A new article.' },
    UPDATED: { description: 'This source’s copy had changed; when it is the canonical copy, the article got a new revision.' },
    UNCHANGED: { description: 'This source’s copy was already stored as it is: nothing was written.' },
    DUPLICATE: {
      description: 'The same story (normalized text, or the same episode of the same series) was already stored: a provenance record was added to that article.',
    },
    FAILED: { description: 'It could not be imported; `reason` says why. Nothing of it was written.' },
  } as const,
});

interface ImportCountsShape {
  createdCount: number;
  updatedCount: number;
  unchangedCount: number;
  duplicateCount: number;
  failedCount: number;
}

const ImportCounts = builder.objectRef<ImportCountsShape>('ImportCounts').implement({
  description: 'How many items of a run ended in each status.',
  fields: (t) => ({
    created: t.exposeInt('createdCount', { description: 'New articles.' }),
    updated: t.exposeInt('updatedCount', { description: 'Copies whose content had changed.' }),
    unchanged: t.exposeInt('unchangedCount', { description: 'Copies already stored as they are.' }),
    duplicate: t.exposeInt('duplicateCount', { description: 'Copies of stories already stored, added as provenance records.' }),
    failed: t.exposeInt('failedCount', { description: 'Items that could not be imported.' }),
  }),
});

builder.prismaObject('ImportItem', {
  description: 'One item of an import run: a page, a feed entry or a partner JSON item.',
  fields: (t) => ({
    locator: t.exposeString('locator', { description: 'The file path, URL, or `<feed URL>#<entry id>` of the item.' }),
    status: t.expose('status', { type: ImportItemStatusEnum, description: 'What happened to it.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it failed, in words; null unless FAILED.' }),
    article: t.field({
      type: Article,
      nullable: true,
      description: 'The article it was stored as; null when it failed, or when the article has since been deleted.',
      resolve: (item, _args, ctx) => (item.articleId ? ctx.loaders.articlesById.load(item.articleId) : null),
    }),
    unknownOrganizations: t.exposeStringList('unknownOrganizations', {
      description: 'Names in the item that look like public bodies but match no known organization or alias: for review. None was created.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the item was recorded.' }),
  }),
});

export const ImportRun = builder.prismaNode('ImportRun', {
  description:
    'One run of the importer, with its counts and the outcome of every item. Admins only. A run that `importContent` queued is RUNNING until its background job ends; its counts and items grow meanwhile.',
  id: { field: 'id' },
  authScopes: { admin: true },
  // For anyone but an admin, node(id:) finds no run, as if the ID matched nothing.
  findUnique: (id, ctx) => (ctx.viewer.kind === 'admin' ? { id } : { id, trigger: { in: [] } }),
  nullable: true,
  fields: (t) => ({
    trigger: t.expose('trigger', { type: ImportTriggerEnum, description: 'What started it.' }),
    actorName: t.exposeString('actorName', {
      description: 'Who started it: the admin credential’s name, the command line user, or `schedule`.',
    }),
    inputs: t.exposeStringList('inputs', { description: 'The files, directories and URLs it was given, as given.' }),
    status: t.expose('status', { type: ImportRunStatusEnum, description: 'How it went, or RUNNING while its job is queued or running.' }),
    reason: t.exposeString('reason', {
      nullable: true,
      description:
        'Why the run failed as a whole, in words: the database broke, the job could not be queued, or it gave up after its attempts. Null unless FAILED that way (items that failed say why in their own `reason`).',
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it was recorded: for `importContent`, when it was queued.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it finished; null while RUNNING.' }),
    durationMs: t.exposeInt('durationMs', {
      nullable: true,
      description: 'How long it took from `startedAt` (time in the queue included), in milliseconds; null while RUNNING.',
    }),
    counts: t.field({
      type: ImportCounts,
      description: 'How many items ended in each status.',
      resolve: (run) => run,
    }),
    items: t.relatedConnection('items', {
      description: 'Its items, in the order they finished.',
      cursor: 'id',
      ...connectionGuard('ImportItem'),
      totalCount: true,
      args: {
        status: t.arg({ type: ImportItemStatusEnum, required: false, description: 'Only items that ended in this status.' }),
      },
      query: (args) => ({
        where: args.status ? { status: args.status } : {},
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
    }),
  }),
});

const ImportRunFilter = builder.inputType('ImportRunFilter', {
  description: 'Conditions an import run must meet; all given conditions apply.',
  fields: (t) => ({
    status: t.field({ type: ImportRunStatusEnum, required: false, description: 'Only runs that ended (or are) in this status.' }),
    trigger: t.field({ type: ImportTriggerEnum, required: false, description: 'Only runs started this way.' }),
    startedFrom: t.field({ type: 'DateTime', required: false, description: 'Only runs started at or after this time.' }),
    startedTo: t.field({ type: 'DateTime', required: false, description: 'Only runs started at or before this time.' }),
  }),
});

builder.queryField('importRuns', (t) =>
  t.prismaConnection({
    type: 'ImportRun',
    cursor: 'id',
    ...connectionGuard('ImportRun'),
    description: 'Import runs, newest first. Admins only: anyone else gets UNAUTHENTICATED or FORBIDDEN.',
    authScopes: { admin: true },
    args: { filter: t.arg({ type: ImportRunFilter, required: false, description: 'Narrow the list.' }) },
    totalCount: (_root, args, ctx) => ctx.prisma.importRun.count({ where: importRunWhere(args.filter) }),
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.importRun.findMany({
        ...query,
        where: importRunWhere(args.filter),
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
);

const ImportDocumentInput = builder.inputType('ImportDocumentInput', {
  description: 'A document sent with the request instead of fetched: a partner JSON push, or a page’s HTML or text.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: `Its name, unique in the call, at most ${MAX_DOCUMENT_NAME_LENGTH} characters; the run records it as \`inline:<name>\`.`,
    }),
    contentType: t.string({
      required: false,
      description: 'Its media type, e.g. `application/json`, `text/html` or `application/rss+xml`; guessed from the content when omitted.',
    }),
    content: t.string({ required: true, description: 'The document itself (partner JSON: see schemas/partner-articles.schema.json).' }),
  }),
});

const ImportContentInput = builder.inputType('ImportContentInput', {
  description: `What to import: URLs to fetch, documents sent along, or both; ${MAX_IMPORT_INPUTS} in all at most.`,
  fields: (t) => ({
    inputs: t.stringList({
      required: false,
      defaultValue: [],
      description: `http(s) URLs of portal pages, RSS/Atom feeds or partner JSON, each at most ${MAX_IMPORT_INPUT_LENGTH} characters. Paths are accepted only when the server sets IMPORT_FILE_ROOT, and only below it; otherwise the API reads no server files.`,
    }),
    documents: t.field({
      type: [ImportDocumentInput],
      required: false,
      description: 'Documents sent with the request, imported after the URLs. The request body limit (GRAPHQL_MAX_BODY_BYTES) bounds their size.',
    }),
  }),
});

builder.mutationField('importContent', (t) =>
  t.prismaField({
    type: 'ImportRun',
    description:
      'Queues an import and returns its run at once, RUNNING, with no items yet; poll the run (`node(id:)` or `importRuns`) until it is SUCCEEDED, PARTIAL or FAILED. Admins only. Bad input is refused (BAD_USER_INPUT) before anything is recorded or queued. A background job then imports the content as `npm run import` does: each article in its own transaction; an item that fails is recorded with its reason and the run goes on; a job whose worker stopped is retried and continues the run without importing anything twice. Cached answers the run made stale are dropped when the server ran it, and expire with their TTL when a separate worker did.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: ImportContentInput, required: true, description: 'What to import.' }) },
    resolve: async (query, _root, { input }, ctx) => {
      const runId = await importContent(ctx.prisma, ctx.viewer, { inputs: input.inputs ?? [], documents: input.documents }, ctx.importJobs);
      return ctx.prisma.importRun.findUniqueOrThrow({ ...query, where: { id: runId } });
    },
  }),
);
