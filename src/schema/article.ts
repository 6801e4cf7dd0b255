import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../context.js';
import { articleOrderBy, articleWhere, type ArticleFilterInput } from '../resolvers/filters.js';
import { parseBody, type ArticleBlock as ArticleBlockShape } from '../domain/article-body.js';
import {
  achievementScopeWhere,
  articleOrganizationScopeWhere,
  readableArticleWhere,
} from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { ArticleOrganizationRoleEnum, ArticleStatusEnum } from './enums.js';
import { Organization } from './organization.js';
import { Series } from './series.js';
import { Achievement } from './achievement.js';
import {
  articleBlockInput,
  articleOrganizationInput,
  articleStatusChangeInput,
  changeArticleStatus,
  createArticle,
  createArticleInput,
  updateArticle,
  updateArticleInput,
} from '../resolvers/editorial/article.js';
import { editorialMutation, idAndVersion, inputFields, inputTypes, versionDescription, writePayload } from './writes.js';

export const ArticleBlockKind = builder.enumType('ArticleBlockKind', {
  description: 'The role of a block in an article body.',
  values: {
    HEADING: { description: 'A section heading, e.g. 思想“破旧立新”。' },
    PARAGRAPH: { description: 'A paragraph of running text.' },
    LIST_ITEM: { description: 'One item of a list, e.g. a line of the lead’s list of achievements.' },
  } as const,
});

const ArticleBlock = builder.objectRef<ArticleBlockShape>('ArticleBlock').implement({
  description: 'One block of an article body, in reading order.',
  fields: (t) => ({
    kind: t.field({ type: ArticleBlockKind, description: 'Heading, paragraph or list item.', resolve: (b) => b.kind }),
    text: t.exposeString('text', { description: 'The block’s text, verbatim.' }),
  }),
});

// For a partner key limited to a subtree: links and citations into it only (empty for others, so
// their queries are unchanged).
const scopedLinks = (ctx: Context) => {
  const where = articleOrganizationScopeWhere(ctx.viewer);
  return Object.keys(where).length ? { where } : {};
};
const scopedCitations = (ctx: Context) => {
  const achievement = achievementScopeWhere(ctx.viewer);
  return Object.keys(achievement).length ? { where: { achievement } } : {};
};

export const Article = builder.prismaNode('Article', {
  description: 'One article, usually an episode of a series, with its text, provenance and the organizations it concerns.',
  id: { field: 'id' },
  // Select mode: load only the columns a query asks for. Bodies are kilobytes each, and a list of
  // titles must not drag them along.
  select: { id: true },
  // Articles the viewer may not read (drafts; outside a partner key's scope) do not exist for
  // `node(id:)` either: null, like a missing ID.
  findUnique: (id, ctx) => ({ ...readableArticleWhere(ctx.viewer), id }),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable ASCII identifier, unique among articles.' }),
    version: t.exposeInt('version', { description: versionDescription('article') }),
    title: t.exposeString('title', { description: 'The headline.' }),
    series: t.relation('series', { nullable: true, description: 'The series it belongs to.' }),
    episode: t.exposeInt('episode', { nullable: true, description: 'Its number in the series: 之五十 is 50.' }),
    publishedAt: t.expose('publishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was first published, where the source says so.',
    }),
    language: t.exposeString('language', { description: 'BCP 47 language tag, e.g. zh-CN.' }),
    category: t.exposeString('category', { nullable: true, description: 'The source’s section, e.g. 国内资讯.' }),
    tags: t.exposeStringList('tags', { description: 'Topic tags.' }),
    status: t.expose('status', { type: ArticleStatusEnum, description: 'Editorial state.' }),
    body: t.field({
      type: [ArticleBlock],
      description: 'The text as ordered blocks, without the source page’s chrome.',
      select: { body: true },
      resolve: (article) => parseBody(article.body),
    }),
    bodyText: t.exposeString('bodyText', {
      description: 'The body as plain text, blocks separated by blank lines. Citation excerpts quote this text.',
    }),
    source: t.relation('source', { nullable: true, description: 'Where this copy was federated from.' }),
    attribution: t.exposeString('attribution', {
      nullable: true,
      description: 'The credit line the article carries, e.g. 凉都检察.',
    }),
    originalUrl: t.exposeString('originalUrl', { nullable: true, description: 'Where the source published it.' }),
    canonicalUrl: t.exposeString('canonicalUrl', { nullable: true, description: 'The preferred URL for this article.' }),
    contentHash: t.exposeString('contentHash', { description: 'sha256 of `bodyText`, hex: changes when the text does.' }),
    organizations: t.relation('organizations', {
      description: 'The organizations it concerns that the viewer can read, each with its role: SUBJECT first.',
      query: (_args, ctx) => ({ ...scopedLinks(ctx), orderBy: [{ role: 'asc' }, { organizationId: 'asc' }] }),
    }),
    achievements: t.field({
      type: [Achievement],
      description: 'Achievements this article is cited as evidence for, that the viewer can read.',
      select: (_args, ctx, nestedSelection) => ({
        citations: {
          select: { achievement: nestedSelection(true) },
          ...scopedCitations(ctx),
          orderBy: [{ offset: 'asc' }, { id: 'asc' }],
        },
      }),
      resolve: (article) => [...new Map(article.citations.map((c) => [c.achievement.id, c.achievement])).values()],
    }),
  }),
});

builder.prismaObjectFields(Article, (t) => ({
  previous: t.field({
    type: Article,
    nullable: true,
    description: 'The previous episode in its series that the viewer can read.',
    resolve: async (article, _args, ctx) => (await ctx.loaders.articleNeighbors.load(article.id)).previous,
  }),
  next: t.field({
    type: Article,
    nullable: true,
    description: 'The next episode in its series that the viewer can read.',
    resolve: async (article, _args, ctx) => (await ctx.loaders.articleNeighbors.load(article.id)).next,
  }),
}));

// Where its copies came from, and every version of its text (the types are in provenance.ts).
builder.prismaObjectFields(Article, (t) => ({
  provenance: t.relation('provenances', {
    description: 'Every copy of the article the importer has seen, the canonical one first, then in the order they were stored.',
    query: { orderBy: [{ isCanonical: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }] },
  }),
  revisions: t.relatedConnection('revisions', {
    description: 'Every version of its text, newest first. Editors and admins only.',
    cursor: 'id',
    ...connectionGuard('ArticleRevision'),
    totalCount: true,
    authScopes: { editor: true },
    query: { orderBy: [{ number: 'desc' }] },
  }),
}));

builder.prismaObject('ArticleOrganization', {
  description: 'The link between an article and an organization it concerns.',
  fields: (t) => ({
    role: t.expose('role', { type: ArticleOrganizationRoleEnum, description: 'How the article relates to it.' }),
    organization: t.relation('organization', { description: 'The organization.' }),
    article: t.relation('article', { description: 'The article.' }),
  }),
});

const ArticleFilter = builder.inputType('ArticleFilter', {
  description: 'Conditions an article must meet; all given conditions apply.',
  fields: (t) => ({
    series: t.globalID({ for: Series, required: false, description: 'Only articles of this series.' }),
    organization: t.globalID({ for: Organization, required: false, description: 'Only articles linked to this organization.' }),
    includeDescendants: t.boolean({
      required: false,
      description: 'With `organization`: also articles linked to any organization below it.',
    }),
    role: t.field({
      type: ArticleOrganizationRoleEnum,
      required: false,
      description: 'With `organization`: only articles where it has this role.',
    }),
    tag: t.string({ required: false, description: 'Only articles with this tag.', validate: { maxLength: 100 } }),
    category: t.string({ required: false, description: 'Only articles in this category.', validate: { maxLength: 100 } }),
    publishedFrom: t.field({ type: 'DateTime', required: false, description: 'Published at or after this time.' }),
    publishedTo: t.field({ type: 'DateTime', required: false, description: 'Published at or before this time.' }),
  }),
});

export const ArticleOrderBy = builder.enumType('ArticleOrderBy', {
  description: 'Sort orders for article lists.',
  values: {
    PUBLISHED_AT_DESC: { description: 'Newest first; undated ones last (the default).' },
    PUBLISHED_AT_ASC: { description: 'Oldest first; undated ones first.' },
    EPISODE_ASC: { description: 'By episode number.' },
    EPISODE_DESC: { description: 'By episode number, highest first.' },
  } as const,
});

/** The root list's filter, with the organization's subtree looked up when it asks for descendants. */
async function rootArticleWhere(filter: ArticleFilterInput | null | undefined, ctx: Context) {
  const subtree =
    filter?.organization && filter.includeDescendants
      ? await ctx.loaders.subtreeIds.load(String(filter.organization.id))
      : undefined;
  return articleWhere(filter, readableArticleWhere(ctx.viewer), ctx.viewer, subtree);
}

export const OrganizationArticlesFilter = builder.inputType('OrganizationArticlesFilter', {
  description: 'Conditions on an organization’s articles; all given conditions apply.',
  fields: (t) => ({
    series: t.globalID({ for: Series, required: false, description: 'Only articles of this series.' }),
    tag: t.string({ required: false, description: 'Only articles with this tag.', validate: { maxLength: 100 } }),
    category: t.string({ required: false, description: 'Only articles in this category.', validate: { maxLength: 100 } }),
    publishedFrom: t.field({ type: 'DateTime', required: false, description: 'Published at or after this time.' }),
    publishedTo: t.field({ type: 'DateTime', required: false, description: 'Published at or before this time.' }),
  }),
});

builder.queryFields((t) => ({
  article: t.prismaField({
    type: 'Article',
    description: 'One article by slug. Fails with NOT_FOUND when there is none the viewer can read.',
    args: { slug: t.arg.string({ required: true, description: 'The article’s slug.' }) },
    resolve: async (query, _root, { slug }, ctx) =>
      (await ctx.prisma.article.findFirst({
        ...query,
        where: { ...readableArticleWhere(ctx.viewer), slug },
      })) ?? Promise.reject(new NotFoundError('Article', slug)),
  }),
  articles: t.prismaConnection({
    type: 'Article',
    cursor: 'id',
    description: 'Articles the viewer can read, filtered and sorted.',
    args: {
      filter: t.arg({ type: ArticleFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: ArticleOrderBy, required: false, description: 'Sort order; PUBLISHED_AT_DESC by default.' }),
    },
    totalCount: async (_root, args, ctx) =>
      ctx.prisma.article.count({ where: await rootArticleWhere(args.filter, ctx) }),
    resolve: async (query, _root, args, ctx) =>
      ctx.prisma.article.findMany({
        ...query,
        where: await rootArticleWhere(args.filter, ctx),
        orderBy: articleOrderBy(args.orderBy),
      }),
    ...connectionGuard('Article'),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Editorial writes (src/resolvers/editorial/article.ts; conventions in ./writes.ts)

const ArticleBlockInput = builder.inputType('ArticleBlockInput', {
  description: 'One block of an article body.',
  fields: (t) => inputFields(t, { kind: ArticleBlockKind, text: 'String' }, articleBlockInput.fields),
});

const ArticleOrganizationInput = builder.inputType('ArticleOrganizationInput', {
  description: 'A link between an article and an organization it concerns.',
  fields: (t) => inputFields(t, { organization: 'ID', role: ArticleOrganizationRoleEnum }, articleOrganizationInput.fields),
});

const articleInputTypes = inputTypes({
  slug: 'String',
  title: 'String',
  series: 'ID',
  episode: 'Int',
  publishedAt: 'DateTime',
  language: 'String',
  category: 'String',
  tags: ['String'],
  body: [ArticleBlockInput],
  source: 'ID',
  attribution: 'String',
  originalUrl: 'String',
  canonicalUrl: 'String',
  organizations: [ArticleOrganizationInput],
});

const CreateArticleInput = builder.inputType('CreateArticleInput', {
  description: 'A new article. It starts as a DRAFT: publish it with publishArticle.',
  fields: (t) => inputFields(t, articleInputTypes, createArticleInput.fields),
});

const UpdateArticleInput = builder.inputType('UpdateArticleInput', {
  description:
    'Changes to an article: only the fields given change. The status changes only through publishArticle and archiveArticle.',
  fields: (t) => inputFields(t, { ...idAndVersion, ...articleInputTypes }, updateArticleInput.fields),
});

const ArticleStatusChangeInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => inputFields(t, idAndVersion, articleStatusChangeInput.fields),
  });
const PublishArticleInput = ArticleStatusChangeInput('PublishArticleInput', 'The article to publish.');
const ArchiveArticleInput = ArticleStatusChangeInput('ArchiveArticleInput', 'The article to archive.');

const CreateArticlePayload = writePayload('createArticle', 'Article');
const UpdateArticlePayload = writePayload('updateArticle', 'Article');
const PublishArticlePayload = writePayload('publishArticle', 'Article');
const ArchiveArticlePayload = writePayload('archiveArticle', 'Article');

builder.mutationFields((t) => ({
  createArticle: editorialMutation(t, {
    type: CreateArticlePayload,
    description:
      'Creates an article as a DRAFT at version 1, with its first revision and its search text. Fails with BAD_USER_INPUT when the slug is taken, the episode is already in the series, or a referenced series, source or organization does not exist.',
    input: CreateArticleInput,
    inputDescription: 'The article.',
    write: createArticle,
  }),
  updateArticle: editorialMutation(t, {
    type: UpdateArticlePayload,
    description:
      'Changes an article at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone). A new body that drops a cited excerpt is refused with BAD_USER_INPUT listing the excerpts (`extensions.lostCitations`). A new title or text adds a revision.',
    input: UpdateArticleInput,
    inputDescription: 'What to change.',
    write: updateArticle,
  }),
  publishArticle: editorialMutation(t, {
    type: PublishArticlePayload,
    description:
      'Makes a DRAFT or ARCHIVED article PUBLISHED (public), setting `publishedAt` to now when it has none. Publishing a PUBLISHED article is refused with BAD_USER_INPUT.',
    input: PublishArticleInput,
    inputDescription: 'The article and the version you read.',
    write: (db, viewer, input) => changeArticleStatus(db, viewer, 'publishArticle', input),
  }),
  archiveArticle: editorialMutation(t, {
    type: ArchiveArticlePayload,
    description:
      'Withdraws a DRAFT or PUBLISHED article from public view (ARCHIVED). Its citations stay, visible to editors only. Archiving an ARCHIVED article is refused with BAD_USER_INPUT.',
    input: ArchiveArticleInput,
    inputDescription: 'The article and the version you read.',
    write: (db, viewer, input) => changeArticleStatus(db, viewer, 'archiveArticle', input),
  }),
}));
