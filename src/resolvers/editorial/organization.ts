import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors.js';
import { Prisma } from '../../generated/prisma/client.js';
import { OrganizationKind, OrganizationLevel } from '../../generated/prisma/enums.js';
import * as organizationStore from '../../store/organizations.js';
import type { Viewer } from '../../auth/viewer.js';
import {
  audited,
  type Db,
  type Loose,
  declareInput,
  declareUpdate,
  field,
  fieldProblem,
  givenFields,
  globalId,
  inTransaction,
  lockVersion,
  nullish,
  OMITTED,
  parseInput,
  refuse,
  SLUG_MAX,
  slugField,
  text,
  textField,
  type Tx,
  type WriteResult,
} from './common.js';

const ALIASES_MAX = 50;
const ALIAS_MAX = 200;

const fields = {
  slug: slugField('organizations', `, at most ${SLUG_MAX} characters`),
  name: textField(200, (max) => `Full official name, at most ${max} characters.`),
  shortName: nullish(textField(100, (max) => `Common short name, at most ${max} characters.`)),
  aliases: field(
    z.array(text(ALIAS_MAX)).max(ALIASES_MAX, `must list at most ${ALIASES_MAX} names`).optional(),
    `Other names the organization is known by (at most ${ALIASES_MAX}, each at most ${ALIAS_MAX} characters); replaces the list.`,
  ),
  kind: field(z.enum(OrganizationKind), 'What kind of body it is.'),
  level: field(z.enum(OrganizationLevel), 'Its level in the hierarchy.'),
  region: nullish(textField(200, (max) => `The area it serves, at most ${max} characters.`)),
  foundedOn: field(z.date().max(new Date(Date.UTC(2100, 0, 1)), 'must be a plausible date').nullish(), 'When it was founded.'),
  description: nullish(textField(5000, (max) => `A short description, at most ${max} characters.`)),
  parent: field(
    globalId('Organization').nullish(),
    'The organization directly above it (global ID); it must exist, and must not be this organization or one below it.',
    { onCreate: 'Omit for a root organization.', onUpdate: `${OMITTED}, null to make it a root` },
  ),
};

export const createOrganizationInput = declareInput(fields);
export const updateOrganizationInput = declareUpdate('Organization', fields);

export type CreateOrganizationInput = z.input<typeof createOrganizationInput.schema>;
export type UpdateOrganizationInput = z.input<typeof updateOrganizationInput.schema>;

// Serializes changes of the organization tree, so that two concurrent re-parentings cannot
// together form a cycle that each one alone would not.
const TREE_LOCK = Prisma.sql`SELECT pg_advisory_xact_lock(hashtext('editorial:organization-tree'))::text`;

async function slugTaken(tx: Tx, value: string, exceptId?: string): Promise<boolean> {
  const row = await tx.organization.findUnique({ where: { slug: value }, select: { id: true } });
  return !!row && row.id !== exceptId;
}

/** The ids of `id` and every organization above it. */
async function selfAndAncestors(tx: Tx, id: string): Promise<Set<string>> {
  const rows = await tx.$queryRaw<{ id: string }[]>(Prisma.sql`
    WITH RECURSIVE up AS (
      SELECT id, "parentId" FROM "Organization" WHERE id = ${id}::uuid
      UNION
      SELECT o.id, o."parentId" FROM "Organization" o JOIN up ON o.id = up."parentId"
    )
    SELECT id::text AS id FROM up`);
  return new Set(rows.map((row) => row.id));
}

/** Creates an organization (version 1), its search vector and its audit entry. */
export async function createOrganization(db: Db, viewer: Viewer, raw: Loose<CreateOrganizationInput>): Promise<WriteResult> {
  const input = parseInput(createOrganizationInput.schema, raw);
  return inTransaction(db, async (tx) => {
    const problems: FieldProblem[] = [];
    if (await slugTaken(tx, input.slug)) problems.push(fieldProblem('slug', `"${input.slug}" is already the slug of another organization`));
    if (input.parent) {
      await tx.$queryRaw(TREE_LOCK);
      if (!(await tx.organization.findUnique({ where: { id: input.parent }, select: { id: true } }))) {
        problems.push(fieldProblem('parent', 'no organization has this ID'));
      }
    }
    refuse(problems);
    const row = await organizationStore.createOrganization(tx, {
      slug: input.slug,
      name: input.name,
      shortName: input.shortName ?? null,
      aliases: input.aliases ?? [],
      kind: input.kind,
      level: input.level,
      region: input.region ?? null,
      foundedOn: input.foundedOn ?? null,
      description: input.description ?? null,
      parentId: input.parent ?? null,
    });
    return audited(
      tx,
      viewer,
      { action: 'createOrganization', entityType: 'Organization', entityId: row.id, before: null, after: row },
      { typename: 'Organization', id: row.parentId },
    );
  });
}

/**
 * Changes the given fields of an organization at `expectedVersion`. A new parent must exist and
 * must not be the organization itself or one below it.
 */
export async function updateOrganization(db: Db, viewer: Viewer, raw: Loose<UpdateOrganizationInput>): Promise<WriteResult> {
  const input = parseInput(updateOrganizationInput.schema, raw);
  const { parent, ...rest } = givenFields(input);
  return inTransaction(db, async (tx) => {
    if (parent !== undefined) await tx.$queryRaw(TREE_LOCK);
    await lockVersion(tx, 'Organization', input.id, input.expectedVersion);
    const before = await tx.organization.findUniqueOrThrow({ where: { id: input.id } });
    const problems: FieldProblem[] = [];
    if (rest.slug && (await slugTaken(tx, rest.slug, input.id))) {
      problems.push(fieldProblem('slug', `"${rest.slug}" is already the slug of another organization`));
    }
    if (parent) {
      const above = await selfAndAncestors(tx, parent);
      if (!above.size) problems.push(fieldProblem('parent', 'no organization has this ID'));
      else if (above.has(input.id)) {
        problems.push(
          fieldProblem('parent', parent === input.id ? 'an organization cannot be its own parent' : 'is below this organization: the tree would form a cycle'),
        );
      }
    }
    refuse(problems);
    const after = await organizationStore.updateOrganization(
      tx,
      input.id,
      { ...rest, ...(parent !== undefined ? { parentId: parent } : {}) },
      { expectedVersion: input.expectedVersion },
    );
    return audited(
      tx,
      viewer,
      { action: 'updateOrganization', entityType: 'Organization', entityId: after.id, before, after },
      { typename: 'Organization', id: before.parentId },
      { typename: 'Organization', id: after.parentId },
    );
  });
}
