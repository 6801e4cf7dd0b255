import { NotFoundError } from '../domain/errors.js';
import { organizationOrderBy, organizationWhere } from '../resolvers/filters.js';
import { narrow, organizationScopeWhere } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { ArticleOrganizationRoleEnum, OrganizationKindEnum, OrganizationLevelEnum } from './enums.js';
import { visibleArticleStatuses } from '../auth/viewer.js';
import { splitConnectionQuery } from '../db/keyset.js';
import { AchievementFilter, AchievementOrderBy, AchievementScope, AchievementStat, AchievementStatsGroupBy } from './achievement.js';
import { ArticleOrderBy, OrganizationArticlesFilter } from './article.js';
import { createOrganization, updateOrganization } from '../resolvers/editorial/organization.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { afterCommit, CLEARABLE, EXPECTED_VERSION, ID_TO_CHANGE, OMITTED, versionDescription } from './writes.js';

export const Organization = builder.prismaNode('Organization', {
  // Select mode: read only the columns a query asks for. `parentId` decides whether `parent` is
  // in a partner key's scope before it is read.
  select: { id: true, parentId: true },
  description:
    'A public body: a procuratorate, a court, a party committee or branch, a government office or a media outlet. Organizations form a tree (最高人民检察院 → 贵州省人民检察院 → …).',
  id: { field: 'id' },
  // node(id:) answers null for an ID that matches nothing, as Relay expects; an organization
  // outside a partner key's scope matches nothing.
  findUnique: (id, ctx) => narrow({ id }, organizationScopeWhere(ctx.viewer)),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable ASCII identifier, unique among organizations.' }),
    version: t.exposeInt('version', { description: versionDescription('organization') }),
    name: t.exposeString('name', { description: 'Full official name, e.g. 六盘水市钟山区人民检察院.' }),
    shortName: t.exposeString('shortName', { nullable: true, description: 'Common short name, e.g. 钟山区检察院.' }),
    aliases: t.exposeStringList('aliases', { description: 'Other names the organization is known by.' }),
    kind: t.expose('kind', { type: OrganizationKindEnum, description: 'What kind of body this is.' }),
    level: t.expose('level', { type: OrganizationLevelEnum, description: 'Its level in the hierarchy.' }),
    region: t.exposeString('region', { nullable: true, description: 'The area it serves, e.g. 贵州省六盘水市钟山区.' }),
    foundedOn: t.expose('foundedOn', { type: 'Date', nullable: true, description: 'When it was founded, where known.' }),
    description: t.exposeString('description', { nullable: true, description: 'A short description.' }),
    parent: t.relation('parent', {
      nullable: true,
      description: 'The organization directly above this one; null at the top of the tree the viewer can read.',
      // Above a partner key's subtree there is nothing: null, as for a root.
      authScopes: (organization) => (organization.parentId ? { organization: organization.parentId } : true),
      unauthorizedResolver: () => null,
    }),
    children: t.relatedConnection(
      'children',
      {
        description: 'Organizations directly below this one, by name.',
        cursor: 'id',
        totalCount: true,
        query: (_args, ctx) => ({ where: organizationScopeWhere(ctx.viewer), orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
        ...connectionGuard('Organization'),
      },
    ),
  }),
});

builder.prismaObjectField(Organization, 'ancestors', (t) =>
  t.field({
    type: [Organization],
    description:
      'Every organization above this one, root first: a breadcrumb trail. Empty for a root, and it starts at the top of the tree the viewer can read.',
    resolve: (organization, _args, ctx) => ctx.loaders.ancestors.load(organization.id),
  }),
);

// Organization's lists of articles and achievements, and its achievement counts.
builder.prismaObjectFields(Organization, (t) => ({
  articles: t.prismaConnection({
    type: 'Article',
    cursor: 'id',
    description: 'Articles linked to this organization, newest first unless `orderBy` says otherwise.',
    args: {
      role: t.arg({
        type: ArticleOrganizationRoleEnum,
        required: false,
        description: 'Only articles in which the organization has this role.',
      }),
      filter: t.arg({ type: OrganizationArticlesFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: ArticleOrderBy, required: false, description: 'Sort order; PUBLISHED_AT_DESC by default.' }),
    },
    totalCount: (organization, args, ctx) =>
      ctx.loaders
        .organizationArticleCount({
          role: args.role ?? null,
          statuses: visibleArticleStatuses(ctx.viewer),
          filter: args.filter ?? null,
        })
        .load(organization.id),
    resolve: (query, organization, args, ctx) =>
      ctx.loaders
        .organizationArticles({
          role: args.role ?? null,
          statuses: visibleArticleStatuses(ctx.viewer),
          filter: args.filter ?? null,
          orderBy: args.orderBy ?? null,
          ...splitConnectionQuery(query),
        })
        .load(organization.id),
    ...connectionGuard('Article'),
  }),
  achievements: t.prismaConnection({
    type: 'Achievement',
    cursor: 'id',
    description:
      'The organization’s achievements, or with `scope: SUBTREE` those of its whole subtree, newest first unless `orderBy` says otherwise.',
    args: {
      scope: t.arg({ type: AchievementScope, required: false, description: 'SELF (the default) or SUBTREE.' }),
      filter: t.arg({ type: AchievementFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: AchievementOrderBy, required: false, description: 'Sort order; DATE_DESC by default.' }),
    },
    totalCount: (organization, args, ctx) =>
      ctx.loaders
        .organizationAchievementCount({ scope: args.scope ?? 'SELF', filter: args.filter ?? null })
        .load(organization.id),
    resolve: (query, organization, args, ctx) =>
      ctx.loaders
        .organizationAchievements({
          scope: args.scope ?? 'SELF',
          filter: args.filter ?? null,
          orderBy: args.orderBy ?? null,
          ...splitConnectionQuery(query),
        })
        .load(organization.id),
    ...connectionGuard('Achievement'),
  }),
  achievementStats: t.field({
    type: [AchievementStat],
    description: 'Achievement counts grouped by year, level or kind: a timeline or a breakdown, computed in SQL.',
    args: {
      groupBy: t.arg({ type: AchievementStatsGroupBy, required: true, description: 'How to group.' }),
      scope: t.arg({ type: AchievementScope, required: false, description: 'SELF (the default) or SUBTREE.' }),
      filter: t.arg({ type: AchievementFilter, required: false, description: 'Count only these achievements.' }),
    },
    resolve: (organization, args, ctx) =>
      ctx.loaders
        .achievementStats({ groupBy: args.groupBy, scope: args.scope ?? 'SELF', filter: args.filter ?? null })
        .load(organization.id),
  }),
}));

const OrganizationFilter = builder.inputType('OrganizationFilter', {
  description: 'Conditions an organization must meet; all given conditions apply.',
  fields: (t) => ({
    kind: t.field({ type: [OrganizationKindEnum], required: false, description: 'Any of these kinds.' }),
    level: t.field({ type: [OrganizationLevelEnum], required: false, description: 'Any of these levels.' }),
    parent: t.globalID({ for: Organization, required: false, description: 'Direct children of this organization.' }),
    region: t.string({ required: false, description: 'Exactly this region.' }),
    nameContains: t.string({
      required: false,
      description: 'Part of the name or short name, or a whole alias.',
      validate: { maxLength: [200, { message: 'nameContains must be at most 200 characters' }] },
    }),
  }),
});

const OrganizationOrderBy = builder.enumType('OrganizationOrderBy', {
  description: 'Sort orders for organization lists.',
  values: {
    NAME_ASC: { description: 'By name (the default).' },
    SLUG_ASC: { description: 'By slug.' },
    CREATED_DESC: { description: 'Most recently added first.' },
  } as const,
});

builder.queryFields((t) => ({
  organization: t.prismaField({
    type: 'Organization',
    description: 'One organization by slug. Fails with NOT_FOUND when there is none the viewer can read.',
    args: { slug: t.arg.string({ required: true, description: 'The organization’s slug.' }) },
    resolve: async (query, _root, { slug }, ctx) =>
      (await ctx.prisma.organization.findUnique({ ...query, where: narrow({ slug }, organizationScopeWhere(ctx.viewer)) })) ??
      Promise.reject(new NotFoundError('Organization', slug)),
  }),
  organizations: t.prismaConnection({
    type: 'Organization',
    cursor: 'id',
    description: 'All organizations the viewer can read, filtered and sorted.',
    args: {
      filter: t.arg({ type: OrganizationFilter, required: false, description: 'Narrow the list.' }),
      orderBy: t.arg({ type: OrganizationOrderBy, required: false, description: 'Sort order; NAME_ASC by default.' }),
    },
    totalCount: (_root, args, ctx) =>
      ctx.prisma.organization.count({ where: narrow(organizationWhere(args.filter, ctx.viewer), organizationScopeWhere(ctx.viewer)) }),
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.organization.findMany({
        ...query,
        where: narrow(organizationWhere(args.filter, ctx.viewer), organizationScopeWhere(ctx.viewer)),
        orderBy: organizationOrderBy(args.orderBy),
      }),
    ...connectionGuard('Organization'),
  }),
}));

// ---------------------------------------------------------------------------------------------
// Editorial writes (src/resolvers/editorial/organization.ts; conventions in ./writes.ts)

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
