import { auditLogWhere, type AuditedEntityType } from '../resolvers/audit.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { encodeGlobalId } from '../domain/global-id.js';

const AuditEntityTypeEnum = builder.enumType('AuditEntityType', {
  description: 'The kinds of entity that editorial writes change.',
  values: {
    ORGANIZATION: { value: 'Organization', description: 'An organization.' },
    SERIES: { value: 'Series', description: 'A series.' },
    ARTICLE: { value: 'Article', description: 'An article.' },
    ACHIEVEMENT: { value: 'Achievement', description: 'An achievement.' },
    CITATION: { value: 'Citation', description: 'A citation of an article passage as an achievement’s evidence.' },
  } as const satisfies Record<string, { value: AuditedEntityType; description: string }>,
});

const ActorKindEnum = builder.enumType('AuditActorKind', {
  description: 'The role of the credential that made a write.',
  values: {
    EDITOR: { description: 'An editor’s token.' },
    ADMIN: { description: 'An administrator’s token.' },
    PARTNER: { description: 'A partner key (partner keys cannot make editorial writes; listed for completeness).' },
  } as const,
});

builder.prismaObject('AuditLogEntry', {
  description:
    'One editorial write: who made it, what it changed, when, and the entity before and after. Written in the same transaction as the write, so the log has exactly the writes that happened.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The entry’s own identifier.' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the write was committed (its transaction’s time).' }),
    actorName: t.exposeString('actorName', {
      description: 'Who made the write: the credential’s name at the time (kept even if the credential is later revoked).',
    }),
    actorKind: t.field({
      type: ActorKindEnum,
      nullable: true,
      description: 'The role of the credential that made the write; null for writes made from the command line.',
      // Embed keys cannot write (actorOf refuses every kind but editor and admin), so no entry has one.
      resolve: (entry) => (entry.actorKind === 'EMBED' ? null : entry.actorKind),
    }),
    action: t.exposeString('action', { description: 'What was done: the mutation, e.g. `updateArticle`.' }),
    entityType: t.field({
      type: AuditEntityTypeEnum,
      description: 'The kind of entity written.',
      resolve: (entry) => entry.entityType as AuditedEntityType,
    }),
    entityId: t.id({
      description:
        'The global ID of the entity written: pass it to `node(id:)` to read it as it is now (null there once deleted), or to `auditLog(filter: { entity })` for its history. Citations are not nodes.',
      resolve: (entry) => encodeGlobalId(entry.entityType, entry.entityId),
    }),
    before: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'The entity’s fields before the write; null for a create. An article includes its organization links, an achievement its citations.',
      resolve: (entry) => entry.before as Record<string, unknown> | null,
    }),
    after: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'The entity’s fields after the write, `version` included; null for a delete.',
      resolve: (entry) => entry.after as Record<string, unknown> | null,
    }),
  }),
});

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  description: 'Conditions an audit entry must meet; all given conditions apply.',
  fields: (t) => ({
    entity: t.id({ required: false, description: 'Only entries about this entity (a global ID, as in `entityId`).' }),
    entityType: t.field({ type: AuditEntityTypeEnum, required: false, description: 'Only entries about this kind of entity.' }),
    actor: t.string({ required: false, description: 'Only writes by this actor (the exact `actorName`).' }),
    action: t.string({ required: false, description: 'Only this mutation, e.g. `updateArticle`.' }),
    from: t.field({ type: 'DateTime', required: false, description: 'Only writes at or after this time.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Only writes at or before this time.' }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.prismaConnection(
    {
      type: 'AuditLogEntry',
      cursor: 'id',
      ...connectionGuard('AuditLogEntry'),
      authScopes: { admin: true },
      description:
        'The audit log of editorial writes, newest first. Admins only: editors get FORBIDDEN, callers without a token UNAUTHENTICATED.',
      args: { filter: t.arg({ type: AuditLogFilter, required: false, description: 'Narrow the log.' }) },
      totalCount: (_root, args, ctx) => ctx.prisma.auditLogEntry.count({ where: auditLogWhere(args.filter) }),
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.auditLogEntry.findMany({ ...query, where: auditLogWhere(args.filter), orderBy: [{ at: 'desc' }, { id: 'desc' }] }),
    },
    { name: 'AuditLogConnection', description: 'A page of audit log entries, newest first.' },
    { name: 'AuditLogEdge', description: 'One audit log entry, with its cursor.' },
  ),
);
