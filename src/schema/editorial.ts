import { getNamedType, type GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import type { Context } from '../context.js';
import { addCitation, createAchievement, deleteAchievement, removeCitation, updateAchievement } from '../resolvers/editorial/achievement.js';
import { changeArticleStatus, createArticle, updateArticle } from '../resolvers/editorial/article.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { createOrganization, updateOrganization } from '../resolvers/editorial/organization.js';
import { createSeries, updateSeries } from '../resolvers/editorial/series.js';
import { invalidateEntities } from '../response-cache.js';
import { Achievement } from './achievement.js';
import { Article } from './article.js';
import { builder } from './builder.js';
import {
  AchievementKindEnum,
  AchievementLevelEnum,
  ArticleOrganizationRoleEnum,
  OrganizationKindEnum,
  OrganizationLevelEnum,
  SeriesStatusEnum,
} from './enums.js';
import { encodeGlobalId } from './global-id.js';
import { Organization } from './organization.js';
import { Series } from './series.js';

// Editorial writes (issue #4): one section per type, each self-contained so that it can move into
// that type's file. The rules every write follows are in src/resolvers/editorial/common.ts:
//   - editors and admins only (`authScopes: { editor: true }`): no token → UNAUTHENTICATED, a
//     partner key → FORBIDDEN;
//   - input validated field by field → BAD_USER_INPUT with `extensions.fields`;
//   - one transaction: row lock, version check (→ NOT_FOUND or CONFLICT), write, search vector,
//     audit entry;
//   - after the commit, the response cache drops every answer the write made stale.

// ---------------------------------------------------------------------------------------------
// Shared

// TODO(coordinator): STYLE.md puts mutationType() in src/schema/builder.ts; move it there.
builder.mutationType({
  description:
    'Editorial writes, for editors and admins. Each runs in one transaction, checks the `expectedVersion` the client read (CONFLICT when the entity changed meanwhile), and writes an audit entry.',
});

const EXPECTED_VERSION =
  'The `version` you read the entity at. If it has changed since, nothing is written and the mutation fails with CONFLICT (`extensions.currentVersion`): reload, reapply, retry.';
const ID_TO_CHANGE = (type: string) => `The ${type} to change (its global ID).`;
const OMITTED = 'Omit to leave unchanged';
const CLEARABLE = 'Omit to leave unchanged, null to clear';

const staleTypesBySchema = new WeakMap<GraphQLSchema, Map<string, string[]>>();

/**
 * The type names under which the response cache files answers that a write to `typename` can make
 * stale: the type itself (any answer containing one), and every edge type whose `node` can be one
 * (an answer whose list was empty, which the cache files under the edge type only).
 */
function staleTypenames(schema: GraphQLSchema, typename: string): string[] {
  let byType = staleTypesBySchema.get(schema);
  if (!byType) staleTypesBySchema.set(schema, (byType = new Map()));
  let names = byType.get(typename);
  if (!names) {
    const target = schema.getType(typename);
    names = [typename];
    for (const type of Object.values(schema.getTypeMap())) {
      const node = isObjectType(type) ? type.getFields().node : undefined;
      if (!node || !isObjectType(target)) continue;
      const nodeType = getNamedType(node.type);
      if (nodeType === target || (isAbstractType(nodeType) && schema.isSubType(nodeType, target))) names.push(type.name);
    }
    byType.set(typename, names);
  }
  return names;
}

/**
 * Runs after a committed write: drops the cached answers it made stale (the changed entities by
 * id, and by type every answer that holds an entity or an empty list of a written type, the audit
 * log included). A cache failure does not undo the write; the entries then expire with their TTL.
 */
async function afterCommit<T extends WriteResult>(ctx: Context, schema: GraphQLSchema, result: T): Promise<T> {
  const cache = ctx.responseCache;
  if (!cache) return result;
  try {
    await invalidateEntities(cache, result.changed);
    const types = [...result.types, 'AuditLogEntry'].flatMap((typename) => staleTypenames(schema, typename));
    await cache.invalidate([...new Set(types)].map((typename) => ({ typename })));
  } catch (error) {
    console.error('The response cache could not be invalidated after a committed write:', error);
  }
  return result;
}

const versionDescription = (type: string) =>
  `Optimistic-concurrency version of this ${type}: 1 when created, one more with every editorial write. Send it as \`expectedVersion\` when you change it.`;
builder.prismaObjectField(Organization, 'version', (t) => t.exposeInt('version', { description: versionDescription('organization') }));
builder.prismaObjectField(Series, 'version', (t) => t.exposeInt('version', { description: versionDescription('series') }));
builder.prismaObjectField(Article, 'version', (t) => t.exposeInt('version', { description: versionDescription('article') }));
builder.prismaObjectField(Achievement, 'version', (t) => t.exposeInt('version', { description: versionDescription('achievement') }));

// ---------------------------------------------------------------------------------------------
// Organization

const organizationFields = {
  slug: 'Stable ASCII identifier, unique among organizations: lower-case letters and digits in words joined by hyphens, at most 100 characters.',
  name: 'Full official name, at most 200 characters.',
  shortName: 'Common short name, at most 100 characters.',
  aliases: 'Other names the organization is known by (at most 50, each at most 200 characters); replaces the list.',
  kind: 'What kind of body it is.',
  level: 'Its level in the hierarchy.',
  region: 'The area it serves, at most 200 characters.',
  foundedOn: 'When it was founded.',
  description: 'A short description, at most 5000 characters.',
  parent: 'The organization directly above it (global ID); it must exist, and must not be this organization or one below it.',
};

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  description: 'A new organization.',
  fields: (t) => ({
    slug: t.string({ required: true, description: organizationFields.slug }),
    name: t.string({ required: true, description: organizationFields.name }),
    shortName: t.string({ required: false, description: organizationFields.shortName }),
    aliases: t.stringList({ required: false, description: organizationFields.aliases }),
    kind: t.field({ type: OrganizationKindEnum, required: true, description: organizationFields.kind }),
    level: t.field({ type: OrganizationLevelEnum, required: true, description: organizationFields.level }),
    region: t.string({ required: false, description: organizationFields.region }),
    foundedOn: t.field({ type: 'Date', required: false, description: organizationFields.foundedOn }),
    description: t.string({ required: false, description: organizationFields.description }),
    parent: t.id({ required: false, description: `${organizationFields.parent} Omit for a root organization.` }),
  }),
});

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  description: 'Changes to an organization: only the fields given change.',
  fields: (t) => ({
    id: t.id({ required: true, description: ID_TO_CHANGE('organization') }),
    expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
    slug: t.string({ required: false, description: `${organizationFields.slug} ${OMITTED}.` }),
    name: t.string({ required: false, description: `${organizationFields.name} ${OMITTED}.` }),
    shortName: t.string({ required: false, description: `${organizationFields.shortName} ${CLEARABLE}.` }),
    aliases: t.stringList({ required: false, description: `${organizationFields.aliases} ${OMITTED}.` }),
    kind: t.field({ type: OrganizationKindEnum, required: false, description: `${organizationFields.kind} ${OMITTED}.` }),
    level: t.field({ type: OrganizationLevelEnum, required: false, description: `${organizationFields.level} ${OMITTED}.` }),
    region: t.string({ required: false, description: `${organizationFields.region} ${CLEARABLE}.` }),
    foundedOn: t.field({ type: 'Date', required: false, description: `${organizationFields.foundedOn} ${CLEARABLE}.` }),
    description: t.string({ required: false, description: `${organizationFields.description} ${CLEARABLE}.` }),
    parent: t.id({ required: false, description: `${organizationFields.parent} ${OMITTED}, null to make it a root.` }),
  }),
});

const OrganizationPayload = (name: string, description: string) =>
  builder.objectRef<WriteResult>(name).implement({
    description,
    fields: (t) => ({
      organization: t.prismaField({
        type: 'Organization',
        description: 'The organization as it is now, with its new `version`.',
        resolve: (query, result, _args, ctx) => ctx.prisma.organization.findUniqueOrThrow({ ...query, where: { id: result.id } }),
      }),
    }),
  });
const CreateOrganizationPayload = OrganizationPayload('CreateOrganizationPayload', 'The result of createOrganization.');
const UpdateOrganizationPayload = OrganizationPayload('UpdateOrganizationPayload', 'The result of updateOrganization.');

builder.mutationFields((t) => ({
  createOrganization: t.field({
    type: CreateOrganizationPayload,
    authScopes: { editor: true },
    description: 'Creates an organization at version 1. Fails with BAD_USER_INPUT when the slug is taken or the parent does not exist.',
    args: { input: t.arg({ type: CreateOrganizationInput, required: true, description: 'The organization.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await createOrganization(ctx.prisma, ctx.viewer, input)),
  }),
  updateOrganization: t.field({
    type: UpdateOrganizationPayload,
    authScopes: { editor: true },
    description:
      'Changes an organization at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone). A new parent must not create a cycle.',
    args: { input: t.arg({ type: UpdateOrganizationInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await updateOrganization(ctx.prisma, ctx.viewer, input)),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Series

const seriesFields = {
  slug: 'Stable ASCII identifier, unique among series: lower-case letters and digits in words joined by hyphens.',
  title: 'The series title, at most 300 characters.',
  description: 'What the series covers, at most 5000 characters.',
  status: 'Whether it is still publishing.',
  publisher: 'The organization that publishes it (global ID).',
};

const CreateSeriesInput = builder.inputType('CreateSeriesInput', {
  description: 'A new series.',
  fields: (t) => ({
    slug: t.string({ required: true, description: seriesFields.slug }),
    title: t.string({ required: true, description: seriesFields.title }),
    description: t.string({ required: false, description: seriesFields.description }),
    status: t.field({ type: SeriesStatusEnum, required: false, description: `${seriesFields.status} ONGOING when omitted.` }),
    publisher: t.id({ required: false, description: seriesFields.publisher }),
  }),
});

const UpdateSeriesInput = builder.inputType('UpdateSeriesInput', {
  description: 'Changes to a series: only the fields given change.',
  fields: (t) => ({
    id: t.id({ required: true, description: ID_TO_CHANGE('series') }),
    expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
    slug: t.string({ required: false, description: `${seriesFields.slug} ${OMITTED}.` }),
    title: t.string({ required: false, description: `${seriesFields.title} ${OMITTED}.` }),
    description: t.string({ required: false, description: `${seriesFields.description} ${CLEARABLE}.` }),
    status: t.field({ type: SeriesStatusEnum, required: false, description: `${seriesFields.status} ${OMITTED}.` }),
    publisher: t.id({ required: false, description: `${seriesFields.publisher} ${CLEARABLE}.` }),
  }),
});

const SeriesPayload = (name: string, description: string) =>
  builder.objectRef<WriteResult>(name).implement({
    description,
    fields: (t) => ({
      series: t.prismaField({
        type: 'Series',
        description: 'The series as it is now, with its new `version`.',
        resolve: (query, result, _args, ctx) => ctx.prisma.series.findUniqueOrThrow({ ...query, where: { id: result.id } }),
      }),
    }),
  });
const CreateSeriesPayload = SeriesPayload('CreateSeriesPayload', 'The result of createSeries.');
const UpdateSeriesPayload = SeriesPayload('UpdateSeriesPayload', 'The result of updateSeries.');

builder.mutationFields((t) => ({
  createSeries: t.field({
    type: CreateSeriesPayload,
    authScopes: { editor: true },
    description: 'Creates a series at version 1. Fails with BAD_USER_INPUT when the slug is taken or the publisher does not exist.',
    args: { input: t.arg({ type: CreateSeriesInput, required: true, description: 'The series.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await createSeries(ctx.prisma, ctx.viewer, input)),
  }),
  updateSeries: t.field({
    type: UpdateSeriesPayload,
    authScopes: { editor: true },
    description: 'Changes a series at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone).',
    args: { input: t.arg({ type: UpdateSeriesInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await updateSeries(ctx.prisma, ctx.viewer, input)),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Article

const ArticleBlockInput = builder.inputType('ArticleBlockInput', {
  description: 'One block of an article body.',
  fields: (t) => ({
    // TODO(coordinator): use the ArticleBlockKind enum ref once src/schema/article.ts exports it.
    kind: t.field({ type: 'ArticleBlockKind' as never, required: true, description: 'Heading, paragraph or list item.' }),
    text: t.string({
      required: true,
      description: 'The block’s text: not blank, no blank line inside (that would be two blocks), at most 20000 characters. Leading and trailing spaces are trimmed.',
    }),
  }),
});

const ArticleOrganizationInput = builder.inputType('ArticleOrganizationInput', {
  description: 'A link between an article and an organization it concerns.',
  fields: (t) => ({
    organization: t.id({ required: true, description: 'The organization (global ID).' }),
    role: t.field({ type: ArticleOrganizationRoleEnum, required: true, description: 'How the article relates to it.' }),
  }),
});

const articleFields = {
  slug: 'Stable ASCII identifier, unique among articles: lower-case letters and digits in words joined by hyphens.',
  title: 'The headline, at most 300 characters.',
  series: 'The series it belongs to (global ID).',
  episode: 'Its number in the series (之五十 is 50): a positive whole number, unique within the series; needs a series.',
  publishedAt: 'When it was first published.',
  language: 'BCP 47 language tag, e.g. zh-CN.',
  category: 'The source’s section, e.g. 国内资讯, at most 100 characters.',
  tags: 'Topic tags (at most 30, no repeats); replaces the list.',
  body: 'The text as ordered blocks (at least one). `bodyText` and `contentHash` are computed from it.',
  source: 'Where this copy came from (a Source’s global ID).',
  attribution: 'The credit line it carries, e.g. 凉都检察.',
  originalUrl: 'Where the source published it: an absolute http(s) URL.',
  canonicalUrl: 'The preferred URL for it: an absolute http(s) URL.',
  organizations: 'The organizations it concerns, each with its role (no organization twice in the same role); replaces the links.',
};

const CreateArticleInput = builder.inputType('CreateArticleInput', {
  description: 'A new article. It starts as a DRAFT: publish it with publishArticle.',
  fields: (t) => ({
    slug: t.string({ required: true, description: articleFields.slug }),
    title: t.string({ required: true, description: articleFields.title }),
    series: t.id({ required: false, description: articleFields.series }),
    episode: t.int({ required: false, description: articleFields.episode }),
    publishedAt: t.field({ type: 'DateTime', required: false, description: `${articleFields.publishedAt} Set by publishArticle when omitted.` }),
    language: t.string({ required: false, description: `${articleFields.language} zh-CN when omitted.` }),
    category: t.string({ required: false, description: articleFields.category }),
    tags: t.stringList({ required: false, description: articleFields.tags }),
    body: t.field({ type: [ArticleBlockInput], required: true, description: articleFields.body }),
    source: t.id({ required: false, description: articleFields.source }),
    attribution: t.string({ required: false, description: articleFields.attribution }),
    originalUrl: t.string({ required: false, description: articleFields.originalUrl }),
    canonicalUrl: t.string({ required: false, description: articleFields.canonicalUrl }),
    organizations: t.field({ type: [ArticleOrganizationInput], required: false, description: articleFields.organizations }),
  }),
});

const UpdateArticleInput = builder.inputType('UpdateArticleInput', {
  description:
    'Changes to an article: only the fields given change. The status changes only through publishArticle and archiveArticle.',
  fields: (t) => ({
    id: t.id({ required: true, description: ID_TO_CHANGE('article') }),
    expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
    slug: t.string({ required: false, description: `${articleFields.slug} ${OMITTED}.` }),
    title: t.string({ required: false, description: `${articleFields.title} ${OMITTED}.` }),
    series: t.id({ required: false, description: `${articleFields.series} ${CLEARABLE}.` }),
    episode: t.int({ required: false, description: `${articleFields.episode} ${CLEARABLE}.` }),
    publishedAt: t.field({ type: 'DateTime', required: false, description: `${articleFields.publishedAt} ${CLEARABLE}.` }),
    language: t.string({ required: false, description: `${articleFields.language} ${OMITTED}.` }),
    category: t.string({ required: false, description: `${articleFields.category} ${CLEARABLE}.` }),
    tags: t.stringList({ required: false, description: `${articleFields.tags} ${OMITTED}.` }),
    body: t.field({
      type: [ArticleBlockInput],
      required: false,
      description: `${articleFields.body} Every excerpt cited from the article must still appear in the new text word for word; each citation moves to its excerpt’s new place. ${OMITTED}.`,
    }),
    source: t.id({ required: false, description: `${articleFields.source} ${CLEARABLE}.` }),
    attribution: t.string({ required: false, description: `${articleFields.attribution} ${CLEARABLE}.` }),
    originalUrl: t.string({ required: false, description: `${articleFields.originalUrl} ${CLEARABLE}.` }),
    canonicalUrl: t.string({ required: false, description: `${articleFields.canonicalUrl} ${CLEARABLE}.` }),
    organizations: t.field({ type: [ArticleOrganizationInput], required: false, description: `${articleFields.organizations} ${OMITTED}.` }),
  }),
});

const ArticleStatusChangeInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({
      id: t.id({ required: true, description: ID_TO_CHANGE('article') }),
      expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
    }),
  });
const PublishArticleInput = ArticleStatusChangeInput('PublishArticleInput', 'The article to publish.');
const ArchiveArticleInput = ArticleStatusChangeInput('ArchiveArticleInput', 'The article to archive.');

const ArticlePayload = (name: string, description: string) =>
  builder.objectRef<WriteResult>(name).implement({
    description,
    fields: (t) => ({
      article: t.prismaField({
        type: 'Article',
        description: 'The article as it is now, with its new `version`.',
        resolve: (query, result, _args, ctx) => ctx.prisma.article.findUniqueOrThrow({ ...query, where: { id: result.id } }),
      }),
    }),
  });
const CreateArticlePayload = ArticlePayload('CreateArticlePayload', 'The result of createArticle.');
const UpdateArticlePayload = ArticlePayload('UpdateArticlePayload', 'The result of updateArticle.');
const PublishArticlePayload = ArticlePayload('PublishArticlePayload', 'The result of publishArticle.');
const ArchiveArticlePayload = ArticlePayload('ArchiveArticlePayload', 'The result of archiveArticle.');

builder.mutationFields((t) => ({
  createArticle: t.field({
    type: CreateArticlePayload,
    authScopes: { editor: true },
    description:
      'Creates an article as a DRAFT at version 1, with its first revision and its search text. Fails with BAD_USER_INPUT when the slug is taken, the episode is already in the series, or a referenced series, source or organization does not exist.',
    args: { input: t.arg({ type: CreateArticleInput, required: true, description: 'The article.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await createArticle(ctx.prisma, ctx.viewer, input)),
  }),
  updateArticle: t.field({
    type: UpdateArticlePayload,
    authScopes: { editor: true },
    description:
      'Changes an article at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone). A new body that drops a cited excerpt is refused with BAD_USER_INPUT listing the excerpts (`extensions.lostCitations`). A new title or text adds a revision.',
    args: { input: t.arg({ type: UpdateArticleInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await updateArticle(ctx.prisma, ctx.viewer, input)),
  }),
  publishArticle: t.field({
    type: PublishArticlePayload,
    authScopes: { editor: true },
    description:
      'Makes a DRAFT or ARCHIVED article PUBLISHED (public), setting `publishedAt` to now when it has none. Publishing a PUBLISHED article is refused with BAD_USER_INPUT.',
    args: { input: t.arg({ type: PublishArticleInput, required: true, description: 'The article and the version you read.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await changeArticleStatus(ctx.prisma, ctx.viewer, 'publishArticle', input)),
  }),
  archiveArticle: t.field({
    type: ArchiveArticlePayload,
    authScopes: { editor: true },
    description:
      'Withdraws a DRAFT or PUBLISHED article from public view (ARCHIVED). Its citations stay, visible to editors only. Archiving an ARCHIVED article is refused with BAD_USER_INPUT.',
    args: { input: t.arg({ type: ArchiveArticleInput, required: true, description: 'The article and the version you read.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await changeArticleStatus(ctx.prisma, ctx.viewer, 'archiveArticle', input)),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Achievement and Citation

const MetricInput = builder.inputType('MetricInput', {
  description: 'A reported figure, e.g. 52.2 万元.',
  fields: (t) => ({
    value: t.float({ required: true, description: 'The figure itself.' }),
    unit: t.string({ required: false, description: 'Its unit as written, e.g. 万元 (at most 50 characters).' }),
    baseline: t.float({ required: false, description: 'The figure it is compared with, when the text gives one.' }),
  }),
});

const achievementFields = {
  slug: 'Stable ASCII identifier, unique among achievements: lower-case letters and digits in words joined by hyphens.',
  organization: 'The organization that achieved it (global ID).',
  title: 'What was achieved, in a line of at most 300 characters.',
  description: 'More detail, at most 5000 characters.',
  kind: 'What sort of achievement: a RANKING needs a `rank` (and only a RANKING has one); a METRIC needs a `metric`.',
  level: 'Its reach.',
  issuer: 'The organization that awarded or ranked it (global ID).',
  issuerName: 'Who awarded or ranked it, as written, when that body is not an organization in the graph.',
  awardedOn: 'The day it was conferred (1900–2099).',
  periodStart: 'Start of the period it covers; not after `periodEnd`.',
  periodEnd: 'End of the period it covers; not before `periodStart`.',
  rank: 'Position in a ranking: 全市第二 is 2. A positive whole number; RANKING achievements only.',
  metric: 'The figure it reports.',
};

const CreateAchievementInput = builder.inputType('CreateAchievementInput', {
  description: 'A new achievement. Add its evidence with addCitation.',
  fields: (t) => ({
    slug: t.string({ required: true, description: achievementFields.slug }),
    organization: t.id({ required: true, description: achievementFields.organization }),
    title: t.string({ required: true, description: achievementFields.title }),
    description: t.string({ required: false, description: achievementFields.description }),
    kind: t.field({ type: AchievementKindEnum, required: true, description: achievementFields.kind }),
    level: t.field({ type: AchievementLevelEnum, required: false, description: achievementFields.level }),
    issuer: t.id({ required: false, description: achievementFields.issuer }),
    issuerName: t.string({ required: false, description: achievementFields.issuerName }),
    awardedOn: t.field({ type: 'Date', required: false, description: achievementFields.awardedOn }),
    periodStart: t.field({ type: 'Date', required: false, description: achievementFields.periodStart }),
    periodEnd: t.field({ type: 'Date', required: false, description: achievementFields.periodEnd }),
    rank: t.int({ required: false, description: achievementFields.rank }),
    metric: t.field({ type: MetricInput, required: false, description: achievementFields.metric }),
  }),
});

const UpdateAchievementInput = builder.inputType('UpdateAchievementInput', {
  description: 'Changes to an achievement: only the fields given change. Its `date` follows its dates.',
  fields: (t) => ({
    id: t.id({ required: true, description: ID_TO_CHANGE('achievement') }),
    expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
    slug: t.string({ required: false, description: `${achievementFields.slug} ${OMITTED}.` }),
    organization: t.id({ required: false, description: `${achievementFields.organization} ${OMITTED}.` }),
    title: t.string({ required: false, description: `${achievementFields.title} ${OMITTED}.` }),
    description: t.string({ required: false, description: `${achievementFields.description} ${CLEARABLE}.` }),
    kind: t.field({ type: AchievementKindEnum, required: false, description: `${achievementFields.kind} ${OMITTED}.` }),
    level: t.field({ type: AchievementLevelEnum, required: false, description: `${achievementFields.level} ${CLEARABLE}.` }),
    issuer: t.id({ required: false, description: `${achievementFields.issuer} ${CLEARABLE}.` }),
    issuerName: t.string({ required: false, description: `${achievementFields.issuerName} ${CLEARABLE}.` }),
    awardedOn: t.field({ type: 'Date', required: false, description: `${achievementFields.awardedOn} ${CLEARABLE}.` }),
    periodStart: t.field({ type: 'Date', required: false, description: `${achievementFields.periodStart} ${CLEARABLE}.` }),
    periodEnd: t.field({ type: 'Date', required: false, description: `${achievementFields.periodEnd} ${CLEARABLE}.` }),
    rank: t.int({ required: false, description: `${achievementFields.rank} ${CLEARABLE}.` }),
    metric: t.field({ type: MetricInput, required: false, description: `${achievementFields.metric} Replaces the whole figure. ${CLEARABLE}.` }),
  }),
});

const DeleteAchievementInput = builder.inputType('DeleteAchievementInput', {
  description: 'The achievement to delete.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The achievement to delete (its global ID).' }),
    expectedVersion: t.int({ required: true, description: EXPECTED_VERSION }),
  }),
});

const AddCitationInput = builder.inputType('AddCitationInput', {
  description: 'A passage of an article, cited as evidence for an achievement.',
  fields: (t) => ({
    achievement: t.id({ required: true, description: 'The achievement (global ID).' }),
    article: t.id({ required: true, description: 'The article quoted (global ID).' }),
    excerpt: t.string({
      required: true,
      description: 'The passage, copied word for word from the article’s `bodyText` (punctuation and character width included), at most 2000 characters.',
    }),
    occurrence: t.int({
      required: false,
      description: 'Which occurrence of the excerpt is meant when it appears more than once: 1 for the first. Required in that case; quoting more text is the alternative.',
    }),
  }),
});

const RemoveCitationInput = builder.inputType('RemoveCitationInput', {
  description: 'The citation to remove, by its achievement, article and offset.',
  fields: (t) => ({
    achievement: t.id({ required: true, description: 'The achievement (global ID).' }),
    article: t.id({ required: true, description: 'The article quoted (global ID).' }),
    offset: t.int({ required: true, description: 'The citation’s `offset` in the article’s `bodyText`.' }),
  }),
});

const AchievementPayload = (name: string, description: string) =>
  builder.objectRef<WriteResult>(name).implement({
    description,
    fields: (t) => ({
      achievement: t.prismaField({
        type: 'Achievement',
        description: 'The achievement as it is now, with its new `version`.',
        resolve: (query, result, _args, ctx) => ctx.prisma.achievement.findUniqueOrThrow({ ...query, where: { id: result.id } }),
      }),
    }),
  });
const CreateAchievementPayload = AchievementPayload('CreateAchievementPayload', 'The result of createAchievement.');
const UpdateAchievementPayload = AchievementPayload('UpdateAchievementPayload', 'The result of updateAchievement.');

const RemoveCitationPayload = AchievementPayload('RemoveCitationPayload', 'The result of removeCitation.');

const DeleteAchievementPayload = builder.objectRef<WriteResult & { organizationId: string }>('DeleteAchievementPayload').implement({
  description: 'The result of deleteAchievement.',
  fields: (t) => ({
    deletedAchievementId: t.id({
      description: 'The global ID the deleted achievement had.',
      resolve: (result) => encodeGlobalId('Achievement', result.id),
    }),
    organization: t.prismaField({
      type: 'Organization',
      description: 'The organization it belonged to, as it is now.',
      resolve: (query, result, _args, ctx) => ctx.prisma.organization.findUniqueOrThrow({ ...query, where: { id: result.organizationId } }),
    }),
  }),
});

const AddCitationPayload = builder.objectRef<WriteResult & { citationId: string }>('AddCitationPayload').implement({
  description: 'The result of addCitation.',
  fields: (t) => ({
    citation: t.prismaField({
      type: 'Citation',
      description: 'The new citation, with the offset of its excerpt in the article’s `bodyText`.',
      resolve: (query, result, _args, ctx) => ctx.prisma.citation.findUniqueOrThrow({ ...query, where: { id: result.citationId } }),
    }),
    achievement: t.prismaField({
      type: 'Achievement',
      description: 'The achievement, with its citations.',
      resolve: (query, result, _args, ctx) => ctx.prisma.achievement.findUniqueOrThrow({ ...query, where: { id: result.id } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  createAchievement: t.field({
    type: CreateAchievementPayload,
    authScopes: { editor: true },
    description:
      'Creates an achievement at version 1, with its search text. Fails with BAD_USER_INPUT when the slug is taken, an organization does not exist, or the fields disagree (a RANKING without rank, a period that ends before it starts).',
    args: { input: t.arg({ type: CreateAchievementInput, required: true, description: 'The achievement.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await createAchievement(ctx.prisma, ctx.viewer, input)),
  }),
  updateAchievement: t.field({
    type: UpdateAchievementPayload,
    authScopes: { editor: true },
    description: 'Changes an achievement at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone).',
    args: { input: t.arg({ type: UpdateAchievementInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await updateAchievement(ctx.prisma, ctx.viewer, input)),
  }),
  deleteAchievement: t.field({
    type: DeleteAchievementPayload,
    authScopes: { editor: true },
    description:
      'Deletes an achievement at `expectedVersion`, with its citations (CONFLICT if it has moved on, NOT_FOUND if it is gone). The audit entry keeps both.',
    args: { input: t.arg({ type: DeleteAchievementInput, required: true, description: 'The achievement and the version you read.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await deleteAchievement(ctx.prisma, ctx.viewer, input)),
  }),
  addCitation: t.field({
    type: AddCitationPayload,
    authScopes: { editor: true },
    description:
      'Cites a passage of an article as evidence for an achievement. The excerpt must appear verbatim in the article’s `bodyText`; its offset is computed. Citing the same passage twice is refused. Does not change the achievement’s `version`.',
    args: { input: t.arg({ type: AddCitationInput, required: true, description: 'The citation.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await addCitation(ctx.prisma, ctx.viewer, input)),
  }),
  removeCitation: t.field({
    type: RemoveCitationPayload,
    authScopes: { editor: true },
    description:
      'Removes one citation from an achievement (NOT_FOUND when there is none at that offset). Needed before an article edit that drops the cited passage. Does not change the achievement’s `version`.',
    args: { input: t.arg({ type: RemoveCitationInput, required: true, description: 'The citation.' }) },
    resolve: async (_root, { input }, ctx, info) => afterCommit(ctx, info.schema, await removeCitation(ctx.prisma, ctx.viewer, input)),
  }),
}));
