import { FieldsError, type FieldProblem } from '../domain/errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { decodeGlobalId } from '../domain/global-id.js';

/** The entity types audit entries are written for. */
export const AUDITED_ENTITY_TYPES = ['Organization', 'Series', 'Article', 'Achievement', 'Citation'] as const;
export type AuditedEntityType = (typeof AUDITED_ENTITY_TYPES)[number];

/** What `auditLog(filter:)` accepts; every given condition applies. */
export interface AuditLogFilterInput {
  /** A global ID: entries about this one entity. */
  entity?: string | null;
  entityType?: AuditedEntityType | null;
  /** The actor's name, exactly. */
  actor?: string | null;
  /** The mutation, e.g. updateArticle. */
  action?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** The Prisma condition of an audit log filter. @throws FieldsError for an ID that is not ours or a reversed range. */
export function auditLogWhere(filter: AuditLogFilterInput | null | undefined): Prisma.AuditLogEntryWhereInput {
  if (!filter) return {};
  const problems: FieldProblem[] = [];
  let entity: { entityType: string; entityId: string } | undefined;
  if (filter.entity != null) {
    try {
      const { typename, id } = decodeGlobalId(filter.entity);
      entity = { entityType: typename, entityId: id };
    } catch {
      problems.push({ path: 'filter.entity', message: 'must be an ID as returned in `id` or `entityId` fields' });
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) problems.push({ path: 'filter.to', message: 'must not be before `from`' });
  if (problems.length) throw new FieldsError(problems);
  return {
    ...(entity ?? {}),
    ...(filter.entityType ? { entityType: filter.entityType } : {}),
    ...(filter.actor != null ? { actorName: filter.actor } : {}),
    ...(filter.action != null ? { action: filter.action } : {}),
    ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } : {}),
  };
}
