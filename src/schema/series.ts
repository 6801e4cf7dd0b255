import { NotFoundError } from '../domain/errors.js';
import { SERIES_ARTICLE_ORDER, seriesWhere } from '../resolvers/filters.js';
import { narrow, readableArticleWhere, seriesScopeWhere } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { SeriesStatusEnum } from './enums.js';
import { Organization } from './organization.js';
import { Article } from './article.js';
import { createSeries, updateSeries } from '../resolvers/editorial/series.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { afterCommit, CLEARABLE, EXPECTED_VERSION, ID_TO_CHANGE, OMITTED, versionDescription } from './writes.js';

export const Series = builder.prismaNode('Series', {
  description: 'A long-form report series, e.g. 中国凉都——六盘水检察人系列报道. Its articles are numbered episodes.',
  id: { field: 'id' },
  // node(id:) answers null for an ID that matches nothing, as Relay expects; a series outside a
  // partner key's scope matches nothing.
  findUnique: (id, ctx) => narrow({ id }, seriesScopeWhere(ctx.viewer)),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable ASCII identifier, unique among series.' }),
    version: t.exposeInt('version', { description: versionDescription('series') }),
    title: t.exposeString('title', { description: 'The series title.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the series covers.' }),
    status: t.expose('status', { type: SeriesStatusEnum, description: 'Whether it is still publishing.' }),
    publisher: t.relation('publisher', {
      nullable: true,
      description: 'The organization that publishes it, when the viewer can read it.',
      // A series is in a partner key's scope through its articles; its publisher may not be.
      authScopes: (series) => (series.publisherId ? { organization: series.publisherId } : true),
      unauthorizedResolver: () => null,
    }),
    articles: t.relatedConnection('articles', {
      description: 'Its articles that the viewer can read, in episode order.',
      cursor: 'id',
      totalCount: true,
      query: (_args, ctx) => ({
        where: readableArticleWhere(ctx.viewer),
        orderBy: SERIES_ARTICLE_ORDER,
      }),
      ...connectionGuard('Article'),
    }),
    episode: t.field({
      type: Article,
      nullable: true,
      description: 'The article with this episode number, or null when there is none the viewer can read.',
      args: { number: t.arg.int({ required: true, description: 'The episode number: 之五十 is 50.' }) },
      select: (args, ctx, nestedSelection) => ({
        articles: nestedSelection({
          where: { ...readableArticleWhere(ctx.viewer), episode: args.number },
          take: 1,
        }),
      }),
      resolve: (series) => series.articles[0] ?? null,
    }),
    articleCount: t.relationCount('articles', {
      description: 'How many of its articles the viewer can read.',
      where: (_args, ctx) => readableArticleWhere(ctx.viewer),
    }),
  }),
});

const SeriesFilter = builder.inputType('SeriesFilter', {
  description: 'Conditions a series must meet; all given conditions apply.',
  fields: (t) => ({
    publisher: t.globalID({ for: Organization, required: false, description: 'Series published by this organization.' }),
    status: t.field({ type: SeriesStatusEnum, required: false, description: 'Only series in this state.' }),
  }),
});

const SeriesOrderBy = builder.enumType('SeriesOrderBy', {
  description: 'Sort orders for series lists.',
  values: {
    TITLE_ASC: { description: 'By title (the default).' },
    CREATED_DESC: { description: 'Most recently added first.' },
  } as const,
});

builder.queryFields((t) => ({
  series: t.prismaField({
    type: 'Series',
    description: 'One series by slug. Fails with NOT_FOUND when there is none the viewer can read.',
    args: { slug: t.arg.string({ required: true, description: 'The series’ slug.' }) },
    resolve: async (query, _root, { slug }, ctx) =>
      (await ctx.prisma.series.findUnique({ ...query, where: narrow({ slug }, seriesScopeWhere(ctx.viewer)) })) ??
      Promise.reject(new NotFoundError('Series', slug)),
  }),
  seriesList: t.prismaConnection({
    type: 'Series',
    cursor: 'id',
    description: 'All series the viewer can read, filtered and sorted.',
    args: {
      filter: t.arg({ type: SeriesFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: SeriesOrderBy, required: false, description: 'Sort order; TITLE_ASC by default.' }),
    },
    totalCount: (_root, args, ctx) =>
      ctx.prisma.series.count({ where: narrow(seriesWhere(args.filter, ctx.viewer), seriesScopeWhere(ctx.viewer)) }),
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.series.findMany({
        ...query,
        where: narrow(seriesWhere(args.filter, ctx.viewer), seriesScopeWhere(ctx.viewer)),
        orderBy:
          args.orderBy === 'CREATED_DESC'
            ? [{ createdAt: 'desc' }, { id: 'desc' }]
            : [{ title: 'asc' }, { id: 'asc' }],
      }),
    ...connectionGuard('Series'),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Editorial writes (src/resolvers/editorial/series.ts; conventions in ./writes.ts)

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
