import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import type { WriteResult } from '../resolvers/editorial/common.js';
import { invalidateAfterWrite } from '../resolvers/cache-upkeep.js';

// Conventions every editorial mutation follows (the mutations themselves sit in their type's
// file: organization.ts, series.ts, article.ts, achievement.ts; their logic in
// src/resolvers/editorial/). Every write:
//   - is for editors and admins only (`authScopes: { editor: true }`): no token → UNAUTHENTICATED,
//     a partner key → FORBIDDEN;
//   - validates its input field by field → BAD_USER_INPUT with `extensions.fields`;
//   - runs in one transaction: row lock, version check (→ NOT_FOUND or CONFLICT), write, search
//     vector, audit entry;
//   - after the commit, drops every cached answer it made stale (`afterCommit`).

export const EXPECTED_VERSION =
  'The `version` you read the entity at. If it has changed since, nothing is written and the mutation fails with CONFLICT (`extensions.currentVersion`): reload, reapply, retry.';
export const ID_TO_CHANGE = (type: string) => `The ${type} to change (its global ID).`;
export const OMITTED = 'Omit to leave unchanged';
export const CLEARABLE = 'Omit to leave unchanged, null to clear';

/** The description of the `version` field of the four editable types. */
export const versionDescription = (type: string) =>
  `Optimistic-concurrency version of this ${type}: 1 when created, one more with every editorial write. Send it as \`expectedVersion\` when you change it.`;

/**
 * Runs after a committed write: drops the cached answers it made stale (see
 * `invalidateAfterWrite`), the audit log's included. A cache failure does not undo the write; the
 * entries then expire with their TTL.
 */
export async function afterCommit<T extends WriteResult>(ctx: Context, schema: GraphQLSchema, result: T): Promise<T> {
  if (!ctx.responseCache) return result;
  try {
    await invalidateAfterWrite(ctx.responseCache, schema, result.changed, [...result.types, 'AuditLogEntry']);
  } catch (error) {
    console.error('The response cache could not be invalidated after a committed write:', error);
  }
  return result;
}
