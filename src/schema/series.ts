import { NotFoundError } from '../domain/errors.js';
import { SERIES_ARTICLE_ORDER, seriesWhere } from '../resolvers/filters.js';
import { narrow, readableArticleWhere, seriesScopeWhere } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { SeriesStatusEnum } from './enums.js';
import { Organization } from './organization.js';
import { Article } from './article.js';
import { createSeries, createSeriesInput, updateSeries, updateSeriesInput } from '../resolvers/editorial/series.js';
import { editorialMutation, idAndVersion, inputFields, inputTypes, versionDescription, writePayload } from './writes.js';

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

const seriesInputTypes = inputTypes({
  slug: 'String',
  title: 'String',
  description: 'String',
  status: SeriesStatusEnum,
  publisher: 'ID',
});

const CreateSeriesInput = builder.inputType('CreateSeriesInput', {
  description: 'A new series.',
  fields: (t) => inputFields(t, seriesInputTypes, createSeriesInput.fields),
});

const UpdateSeriesInput = builder.inputType('UpdateSeriesInput', {
  description: 'Changes to a series: only the fields given change.',
  fields: (t) => inputFields(t, { ...idAndVersion, ...seriesInputTypes }, updateSeriesInput.fields),
});

const CreateSeriesPayload = writePayload('createSeries', 'Series');
const UpdateSeriesPayload = writePayload('updateSeries', 'Series');

builder.mutationFields((t) => ({
  createSeries: editorialMutation(t, {
    type: CreateSeriesPayload,
    description: 'Creates a series at version 1. Fails with BAD_USER_INPUT when the slug is taken or the publisher does not exist.',
    input: CreateSeriesInput,
    inputDescription: 'The series.',
    write: createSeries,
  }),
  updateSeries: editorialMutation(t, {
    type: UpdateSeriesPayload,
    description: 'Changes a series at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone).',
    input: UpdateSeriesInput,
    inputDescription: 'What to change.',
    write: updateSeries,
  }),
}));
