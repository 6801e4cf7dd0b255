import type { AchievementRecorded, ArticlePublished, ImportRunFinished } from '../domain/events.js';
import { NotFoundError } from '../domain/errors.js';
import { encodeGlobalId } from '../domain/global-id.js';
import { achievementScopeWhere, organizationScopeWhere, readableArticleWhere, seriesScopeWhere } from '../auth/scope.js';
import type { Context } from '../context.js';
import {
  achievementEventReaches,
  articleEventReaches,
  credentialStillHolds,
  filterEvents,
  freshEventContext,
  type OrganizationFilter,
} from '../resolvers/live.js';
import { builder } from './builder.js';
import { ImportRunStatusEnum } from './import.js';
import { Organization } from './organization.js';
import { Series } from './series.js';

// Live content: subscriptions to committed writes, over SSE (docs/live.md). Each event names an
// entity; the subscriber selects from it as from any query, loaded for that subscriber under its
// own visibility and scope (src/resolvers/live.ts decides who hears of what).

const WriteOriginEnum = builder.enumType('WriteOrigin', {
  description: 'Who made the write an event reports.',
  values: {
    EDITORIAL: { description: 'An editor or admin, through an editorial mutation.' },
    IMPORT: { description: 'An import run (`npm run import`, `importContent`, the schedule).' },
    CORPUS: { description: 'The corpus loader, at start-up.' },
  } as const,
});

const SubscriptionScope = builder.enumType('SubscriptionScope', {
  description: 'Which organizations a subscription’s `organization` covers.',
  values: {
    SELF: { description: 'The organization itself.' },
    SUBTREE: { description: 'The organization and every organization below it.' },
  } as const,
});

const versionDescription =
  'The version the write committed. The entity’s own `version` is the one it has now: greater when it changed again since.';
const atDescription = 'When the write committed. After a reconnect, re-query what changed since the last event you received.';

const ArticlePublishedEvent = builder.objectRef<ArticlePublished>('ArticlePublishedEvent').implement({
  description: 'An article was published, or a published article got a new title or text.',
  fields: (t) => ({
    article: t.prismaField({
      type: 'Article',
      description: 'The article, as you may read it now.',
      resolve: async (query, event, _args, ctx) =>
        (await ctx.prisma.article.findFirst({ ...query, where: { AND: [{ id: event.id }, readableArticleWhere(ctx.viewer)] } })) ??
        Promise.reject(new NotFoundError('Article', encodeGlobalId('Article', event.id))),
    }),
    version: t.exposeInt('version', { description: versionDescription }),
    republished: t.exposeBoolean('republished', {
      description: 'True when it was published already and this write changed its title or text (a new revision); false when it became PUBLISHED.',
    }),
    origin: t.expose('origin', { type: WriteOriginEnum, description: 'Who published it: an editor (publishArticle), an import, or the corpus loader.' }),
    at: t.field({ type: 'DateTime', description: atDescription, resolve: (event) => new Date(event.at) }),
  }),
});

const AchievementRecordedEvent = builder.objectRef<AchievementRecorded>('AchievementRecordedEvent').implement({
  description: 'An achievement was created or changed.',
  fields: (t) => ({
    achievement: t.prismaField({
      type: 'Achievement',
      description: 'The achievement, as you may read it now.',
      resolve: async (query, event, _args, ctx) =>
        (await ctx.prisma.achievement.findFirst({ ...query, where: { AND: [{ id: event.id }, achievementScopeWhere(ctx.viewer)] } })) ??
        Promise.reject(new NotFoundError('Achievement', encodeGlobalId('Achievement', event.id))),
    }),
    version: t.exposeInt('version', { description: versionDescription }),
    created: t.exposeBoolean('created', { description: 'True when the write created it; false when it changed it.' }),
    origin: t.expose('origin', { type: WriteOriginEnum, description: 'Who recorded it: an editor, or the corpus loader.' }),
    at: t.field({ type: 'DateTime', description: atDescription, resolve: (event) => new Date(event.at) }),
  }),
});

const ImportRunFinishedEvent = builder.objectRef<ImportRunFinished>('ImportRunFinishedEvent').implement({
  description: 'An import run ended.',
  fields: (t) => ({
    run: t.prismaField({
      type: 'ImportRun',
      description: 'The run, with its counts and items.',
      resolve: (query, event, _args, ctx) => ctx.prisma.importRun.findUniqueOrThrow({ ...query, where: { id: event.id } }),
    }),
    status: t.expose('status', { type: ImportRunStatusEnum, description: 'How it ended: SUCCEEDED, PARTIAL or FAILED.' }),
    at: t.field({ type: 'DateTime', description: 'When its last update committed.', resolve: (event) => new Date(event.at) }),
  }),
});

/** The organization argument, checked: an organization the viewer cannot read is NOT_FOUND, as in a query. */
async function organizationFilter(ctx: Context, organization: { id: string } | null | undefined, scope: 'SELF' | 'SUBTREE' | null | undefined): Promise<OrganizationFilter> {
  if (!organization) return null;
  const row = await ctx.prisma.organization.findFirst({ where: { AND: [{ id: organization.id }, organizationScopeWhere(ctx.viewer)] }, select: { id: true } });
  if (!row) throw new NotFoundError('Organization', encodeGlobalId('Organization', organization.id));
  return { organizationId: row.id, scope: scope ?? 'SELF' };
}

const scopeDescription = 'SELF (the default): `organization` itself; SUBTREE: it and every organization below it.';

builder.subscriptionFields((t) => ({
  articlePublished: t.field({
    type: ArticlePublishedEvent,
    description:
      'Every article published from now on (by publishArticle, or by an import that created or republished it) that you may read, optionally of one series and/or linked to one organization. Over SSE: POST /graphql with `Accept: text/event-stream`.',
    args: {
      series: t.arg.globalID({ for: Series, required: false, description: 'Only articles of this series.' }),
      organization: t.arg.globalID({ for: Organization, required: false, description: 'Only articles linked (in any role) to this organization, or with `scope: SUBTREE` to it or one below it.' }),
      scope: t.arg({ type: SubscriptionScope, required: false, description: scopeDescription }),
    },
    subscribe: async (_root, args, ctx) => {
      const organization = await organizationFilter(ctx, args.organization, args.scope);
      const seriesId = args.series?.id ?? null;
      if (seriesId && !(await ctx.prisma.series.findFirst({ where: { AND: [{ id: seriesId }, seriesScopeWhere(ctx.viewer)] }, select: { id: true } }))) {
        throw new NotFoundError('Series', encodeGlobalId('Series', seriesId));
      }
      const stillHolds = credentialStillHolds(ctx.prisma, ctx.viewer);
      return filterEvents(ctx.events.subscribe('articlePublished'), async (event) => {
        await stillHolds();
        return articleEventReaches(ctx.prisma, ctx.viewer, event, { seriesId, organization });
      });
    },
    resolve: (event: ArticlePublished, _args, ctx) => {
      freshEventContext(ctx);
      return event;
    },
  }),
  achievementRecorded: t.field({
    type: AchievementRecordedEvent,
    description:
      'Every achievement created or changed from now on that you may read, optionally of one organization or its subtree. Over SSE: POST /graphql with `Accept: text/event-stream`.',
    args: {
      organization: t.arg.globalID({ for: Organization, required: false, description: 'Only achievements of this organization, or with `scope: SUBTREE` of it or one below it.' }),
      scope: t.arg({ type: SubscriptionScope, required: false, description: scopeDescription }),
    },
    subscribe: async (_root, args, ctx) => {
      const organization = await organizationFilter(ctx, args.organization, args.scope);
      const stillHolds = credentialStillHolds(ctx.prisma, ctx.viewer);
      return filterEvents(ctx.events.subscribe('achievementRecorded'), async (event) => {
        await stillHolds();
        return achievementEventReaches(ctx.prisma, ctx.viewer, event, { organization });
      });
    },
    resolve: (event: AchievementRecorded, _args, ctx) => {
      freshEventContext(ctx);
      return event;
    },
  }),
  importRunFinished: t.field({
    type: ImportRunFinishedEvent,
    description: 'Every import run that ends from now on, whoever ran it. Admins only.',
    authScopes: { admin: true },
    subscribe: (_root, _args, ctx) => {
      const stillHolds = credentialStillHolds(ctx.prisma, ctx.viewer);
      return filterEvents(ctx.events.subscribe('importRunFinished'), async () => {
        await stillHolds();
        return true;
      });
    },
    resolve: (event: ImportRunFinished, _args, ctx) => {
      freshEventContext(ctx);
      return event;
    },
  }),
}));
