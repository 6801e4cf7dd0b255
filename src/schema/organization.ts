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
import {
  createOrganization,
  createOrganizationInput,
  updateOrganization,
  updateOrganizationInput,
} from '../resolvers/editorial/organization.js';
import { editorialMutation, idAndVersion, inputFields, inputTypes, versionDescription, writePayload } from './writes.js';

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

const organizationInputTypes = inputTypes({
  slug: 'String',
  name: 'String',
  shortName: 'String',
  aliases: ['String'],
  kind: OrganizationKindEnum,
  level: OrganizationLevelEnum,
  region: 'String',
  foundedOn: 'Date',
  description: 'String',
  parent: 'ID',
});

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  description: 'A new organization.',
  fields: (t) => inputFields(t, organizationInputTypes, createOrganizationInput.fields),
});

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  description: 'Changes to an organization: only the fields given change.',
  fields: (t) => inputFields(t, { ...idAndVersion, ...organizationInputTypes }, updateOrganizationInput.fields),
});

const CreateOrganizationPayload = writePayload('createOrganization', 'Organization');
const UpdateOrganizationPayload = writePayload('updateOrganization', 'Organization');

builder.mutationFields((t) => ({
  createOrganization: editorialMutation(t, {
    type: CreateOrganizationPayload,
    description: 'Creates an organization at version 1. Fails with BAD_USER_INPUT when the slug is taken or the parent does not exist.',
    input: CreateOrganizationInput,
    inputDescription: 'The organization.',
    write: createOrganization,
  }),
  updateOrganization: editorialMutation(t, {
    type: UpdateOrganizationPayload,
    description:
      'Changes an organization at `expectedVersion` (CONFLICT if it has moved on, NOT_FOUND if it is gone). A new parent must not create a cycle.',
    input: UpdateOrganizationInput,
    inputDescription: 'What to change.',
    write: updateOrganization,
  }),
}));
