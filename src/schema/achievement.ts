import { achievementOrderBy, achievementTallySql, achievementWhere, CITATION_ORDER } from '../resolvers/filters.js';
import { achievementScopeWhere, canReadOrganization, narrow, readableCitationWhere, viewerScope } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { AchievementKindEnum, AchievementLevelEnum } from './enums.js';
import { Organization } from './organization.js';
import {
  addCitation,
  addCitationInput,
  createAchievement,
  createAchievementInput,
  deleteAchievement,
  deleteAchievementInput,
  metricInput,
  removeCitation,
  removeCitationInput,
  updateAchievement,
  updateAchievementInput,
} from '../resolvers/editorial/achievement.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { encodeGlobalId } from '../domain/global-id.js';
import { editorialMutation, idAndVersion, inputFields, inputTypes, versionDescription, writePayload } from './writes.js';

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
  fields: (t) => inputFields(t, { value: 'Float', unit: 'String', baseline: 'Float' }, metricInput.fields),
});

const achievementInputTypes = inputTypes({
  slug: 'String',
  organization: 'ID',
  title: 'String',
  description: 'String',
  kind: AchievementKindEnum,
  level: AchievementLevelEnum,
  issuer: 'ID',
  issuerName: 'String',
  awardedOn: 'Date',
  periodStart: 'Date',
  periodEnd: 'Date',
  rank: 'Int',
  metric: MetricInput,
});

const CreateAchievementInput = builder.inputType('CreateAchievementInput', {
  description: 'A new achievement. Add its evidence with addCitation.',
  fields: (t) => inputFields(t, achievementInputTypes, createAchievementInput.fields),
});

const UpdateAchievementInput = builder.inputType('UpdateAchievementInput', {
  description: 'Changes to an achievement: only the fields given change. Its `date` follows its dates.',
  fields: (t) => inputFields(t, { ...idAndVersion, ...achievementInputTypes }, updateAchievementInput.fields),
});

const DeleteAchievementInput = builder.inputType('DeleteAchievementInput', {
  description: 'The achievement to delete.',
  fields: (t) => inputFields(t, idAndVersion, deleteAchievementInput.fields),
});

const AddCitationInput = builder.inputType('AddCitationInput', {
  description: 'A passage of an article, cited as evidence for an achievement.',
  fields: (t) => inputFields(t, { achievement: 'ID', article: 'ID', excerpt: 'String', occurrence: 'Int' }, addCitationInput.fields),
});

const RemoveCitationInput = builder.inputType('RemoveCitationInput', {
  description: 'The citation to remove, by its achievement, article and offset.',
  fields: (t) => inputFields(t, { achievement: 'ID', article: 'ID', offset: 'Int' }, removeCitationInput.fields),
});

const CreateAchievementPayload = writePayload('createAchievement', 'Achievement');
const UpdateAchievementPayload = writePayload('updateAchievement', 'Achievement');
const RemoveCitationPayload = writePayload('removeCitation', 'Achievement');

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
  createAchievement: editorialMutation(t, {
    type: CreateAchievementPayload,
    description:
      'Creates an achievement at version 1, with its search text. Fails with BAD_USER_INPUT when the slug is taken, an organization does not exist, or the fields disagree (a RANKING without rank, a period that ends before it starts).',
    input: CreateAchievementInput,
    inputDescription: 'The achievement.',
    write: createAchievement,
  }),
  updateAchievement: editorialMutation(t, {
    type: UpdateAchievementPayload,
    description: 'Changes an achievement at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone).',
    input: UpdateAchievementInput,
    inputDescription: 'What to change.',
    write: updateAchievement,
  }),
  deleteAchievement: editorialMutation(t, {
    type: DeleteAchievementPayload,
    description:
      'Deletes an achievement at `expectedVersion`, with its citations (CONFLICT if it has moved on, NOT_FOUND if it is gone). The audit entry keeps both.',
    input: DeleteAchievementInput,
    inputDescription: 'The achievement and the version you read.',
    write: deleteAchievement,
  }),
  addCitation: editorialMutation(t, {
    type: AddCitationPayload,
    description:
      'Cites a passage of an article as evidence for an achievement. The excerpt must appear verbatim in the article’s `bodyText`; its offset is computed. Citing the same passage twice is refused. Does not change the achievement’s `version`.',
    input: AddCitationInput,
    inputDescription: 'The citation.',
    write: addCitation,
  }),
  removeCitation: editorialMutation(t, {
    type: RemoveCitationPayload,
    description:
      'Removes one citation from an achievement (NOT_FOUND when there is none at that offset). Needed before an article edit that drops the cited passage. Does not change the achievement’s `version`.',
    input: RemoveCitationInput,
    inputDescription: 'The citation.',
    write: removeCitation,
  }),
}));
