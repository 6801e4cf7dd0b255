import { achievementOrderBy, achievementTallySql, achievementWhere, CITATION_ORDER } from '../resolvers/filters.js';
import { achievementScopeWhere, canReadOrganization, narrow, readableCitationWhere, viewerScope } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { AchievementKindEnum, AchievementLevelEnum } from './enums.js';
import { Organization } from './organization.js';
import { addCitation, createAchievement, deleteAchievement, removeCitation, updateAchievement } from '../resolvers/editorial/achievement.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { encodeGlobalId } from '../domain/global-id.js';
import { afterCommit, CLEARABLE, EXPECTED_VERSION, ID_TO_CHANGE, OMITTED, versionDescription } from './writes.js';

interface MetricShape {
  value: number;
  unit: string | null;
  baseline: number | null;
}

const Metric = builder.objectRef<MetricShape>('Metric').implement({
  description: 'A reported figure, e.g. 52.2 万元, or 案-件比 1.018 against a baseline of 1.039.',
  fields: (t) => ({
    value: t.exposeFloat('value', { description: 'The figure itself.' }),
    unit: t.exposeString('unit', { nullable: true, description: 'Its unit as written, e.g. 万元, 件, 个百分点.' }),
    baseline: t.exposeFloat('baseline', {
      nullable: true,
      description: 'The figure it is compared with (the earlier value of a change), when the text gives one.',
    }),
  }),
});

export const Achievement = builder.prismaNode('Achievement', {
  // Select mode: read only the columns a query asks for (a timeline of titles reads five).
  // `issuerId` decides whether `issuer` is in a partner key's scope before it is read.
  select: { id: true, issuerId: true },
  description:
    'Something an organization achieved or reported: an award, an honour, a ranking, a selection, a figure or a milestone, with the article passages that evidence it.',
  id: { field: 'id' },
  // node(id:) answers null for an ID that matches nothing, as Relay expects; an achievement
  // outside a partner key's scope matches nothing.
  findUnique: (id, ctx) => narrow({ id }, achievementScopeWhere(ctx.viewer)),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable identifier.' }),
    version: t.exposeInt('version', { description: versionDescription('achievement') }),
    title: t.exposeString('title', { description: 'What was achieved, in a line.' }),
    description: t.exposeString('description', { nullable: true, description: 'More detail, where curated.' }),
    kind: t.expose('kind', { type: AchievementKindEnum, description: 'What sort of achievement.' }),
    level: t.expose('level', { type: AchievementLevelEnum, nullable: true, description: 'Its reach, where known.' }),
    organization: t.relation('organization', { description: 'The organization that achieved it.' }),
    issuer: t.relation('issuer', {
      nullable: true,
      description: 'The organization that awarded or ranked it, when that body is in the graph and the viewer can read it.',
      // An issuer outside a partner key's scope is absent, as if it were not in the graph.
      authScopes: (achievement) => (achievement.issuerId ? { organization: achievement.issuerId } : true),
      unauthorizedResolver: () => null,
    }),
    issuerName: t.string({
      nullable: true,
      description:
        'Who awarded or ranked it, as text: the issuer organization’s name (when the viewer can read it), or the name as written.',
      select: { issuerName: true, issuerId: true, issuer: { select: { name: true } } },
      // The name as written is the achievement's own text; the linked organization's name is not,
      // for a partner key that may not read that organization.
      resolve: (achievement, _args, ctx) =>
        (achievement.issuerId && canReadOrganization(ctx.viewer, achievement.issuerId) ? achievement.issuer?.name : null) ??
        achievement.issuerName,
    }),
    awardedOn: t.expose('awardedOn', { type: 'Date', nullable: true, description: 'The day it was conferred.' }),
    periodStart: t.expose('periodStart', { type: 'Date', nullable: true, description: 'Start of the period it covers.' }),
    periodEnd: t.expose('periodEnd', { type: 'Date', nullable: true, description: 'End of the period it covers.' }),
    date: t.expose('occurredOn', {
      type: 'Date',
      nullable: true,
      description: 'The date that places it on a timeline: awardedOn, else periodEnd, else periodStart.',
    }),
    year: t.int({
      nullable: true,
      description: 'The year of `date`.',
      select: { occurredOn: true },
      resolve: (achievement) => achievement.occurredOn?.getUTCFullYear() ?? null,
    }),
    rank: t.exposeInt('rank', { nullable: true, description: 'Position in a ranking: 全市第二 is 2.' }),
    metric: t.field({
      type: Metric,
      nullable: true,
      description: 'The figure, for METRIC achievements and others that report one.',
      select: { metricValue: true, metricUnit: true, metricBaseline: true },
      resolve: (a) =>
        a.metricValue == null ? null : { value: a.metricValue, unit: a.metricUnit, baseline: a.metricBaseline },
    }),
    citations: t.relation('citations', {
      description: 'Verbatim passages from articles the viewer can read that evidence this achievement.',
      query: (_args, ctx) => ({
        where: readableCitationWhere(ctx.viewer),
        orderBy: CITATION_ORDER,
      }),
    }),
  }),
});

builder.prismaObject('Citation', {
  description: 'Evidence for an achievement: a verbatim excerpt of an article’s text.',
  fields: (t) => ({
    article: t.relation('article', { description: 'The article quoted.' }),
    excerpt: t.exposeString('excerpt', { description: 'The quoted passage, exactly as it appears in `Article.bodyText`.' }),
    offset: t.exposeInt('offset', {
      description: 'Where the excerpt starts in `Article.bodyText`, in UTF-16 code units.',
    }),
  }),
});

export const AchievementFilter = builder.inputType('AchievementFilter', {
  description: 'Conditions an achievement must meet; all given conditions apply. Dates are matched on `date`.',
  fields: (t) => ({
    organization: t.globalID({ for: Organization, required: false, description: 'Only this organization’s achievements.' }),
    kind: t.field({ type: [AchievementKindEnum], required: false, description: 'Any of these kinds.' }),
    level: t.field({ type: [AchievementLevelEnum], required: false, description: 'Any of these levels.' }),
    yearFrom: t.int({ required: false, description: 'From this year on (inclusive).', validate: { int: true, min: 1900, max: 2200 } }),
    yearTo: t.int({ required: false, description: 'Up to this year (inclusive).', validate: { int: true, min: 1900, max: 2200 } }),
    from: t.field({ type: 'Date', required: false, description: 'On or after this date.' }),
    to: t.field({ type: 'Date', required: false, description: 'On or before this date.' }),
  }),
});

export const AchievementOrderBy = builder.enumType('AchievementOrderBy', {
  description: 'Sort orders for achievement lists.',
  values: {
    DATE_DESC: { description: 'Newest first; undated ones last (the default).' },
    DATE_ASC: { description: 'Oldest first; undated ones last.' },
    TITLE_ASC: { description: 'By title.' },
  } as const,
});

export const AchievementScope = builder.enumType('AchievementScope', {
  description: 'Whose achievements to count: the organization’s own, or its whole subtree’s.',
  values: {
    SELF: { description: 'The organization’s own achievements only.' },
    SUBTREE: { description: 'The achievements of the organization and of every organization below it.' },
  } as const,
});

export const AchievementStatsGroupBy = builder.enumType('AchievementStatsGroupBy', {
  description: 'How to group achievement counts.',
  values: {
    YEAR: { description: 'By the year of `date`; years ascend, undated achievements last (key null).' },
    LEVEL: { description: 'By level, national first; achievements without a level last (key null).' },
    KIND: { description: 'By kind, in the order of `AchievementKind`.' },
  } as const,
});

interface AchievementStatShape {
  key: string | null;
  count: number;
}

export const AchievementStat = builder.objectRef<AchievementStatShape>('AchievementStat').implement({
  description: 'How many achievements fall in one group.',
  fields: (t) => ({
    key: t.exposeString('key', {
      nullable: true,
      description: 'The group: a year such as "2022", a level such as "NATIONAL", or a kind. Null for achievements with no date (YEAR) or no level (LEVEL).',
    }),
    count: t.exposeInt('count', { description: 'How many achievements are in the group.' }),
  }),
});

builder.queryField('achievements', (t) =>
  t.prismaConnection({
    type: 'Achievement',
    cursor: 'id',
    description: 'Achievements across all organizations the viewer can read, filtered and sorted.',
    args: {
      filter: t.arg({ type: AchievementFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: AchievementOrderBy, required: false, description: 'Sort order; DATE_DESC by default.' }),
    },
    totalCount: async (_root, args, ctx) => {
      // Filters by levels, kinds and years sum "AchievementTally" (exact) instead of counting every match.
      const tally = viewerScope(ctx.viewer) ? null : achievementTallySql(args.filter);
      if (tally) return (await ctx.prisma.$queryRaw<{ count: number }[]>`SELECT ${tally} AS count`)[0]!.count;
      return ctx.prisma.achievement.count({ where: narrow(achievementWhere(args.filter), achievementScopeWhere(ctx.viewer)) });
    },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.achievement.findMany({
        ...query,
        where: narrow(achievementWhere(args.filter), achievementScopeWhere(ctx.viewer)),
        orderBy: achievementOrderBy(args.orderBy),
      }),
    ...connectionGuard('Achievement'),
  }),
);

// ---------------------------------------------------------------------------------------------
// Editorial writes of achievements and citations (src/resolvers/editorial/achievement.ts;
// conventions in ./writes.ts)

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
