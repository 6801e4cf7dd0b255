import { z } from 'zod';
import { ConflictError, FieldsError, ForbiddenError, NotFoundError, type FieldProblem } from '../../domain/errors.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import type { CredentialKind } from '../../generated/prisma/enums.js';
import { decodeGlobalId, encodeGlobalId } from '../../domain/global-id.js';
import type { Viewer } from '../../auth/viewer.js';
import { writeTransaction } from '../../store/events.js';

// What every editorial write shares: input parsing with per-field messages, the one-transaction
// frame, the row lock and version check, audit entries, and the list of entities a write changed
// (for the response cache).

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** The models editorial writes version and audit. */
export type VersionedModel = 'Organization' | 'Series' | 'Article' | 'Achievement';

/** An entity a write changed, by model name and database id (for `invalidateEntities`). */
export interface ChangedEntity {
  typename: string;
  id: string;
}

/**
 * What a write returns once committed: the row's id, the entities whose cached answers are now
 * stale, and the type names whose cached lists and searches may be stale (a new row, a row that
 * now matches other filters or other search words).
 */
export interface WriteResult {
  id: string;
  changed: ChangedEntity[];
  types: string[];
}

// ---------------------------------------------------------------------------------------------
// Input

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const SLUG_MAX = 100;

export const slug = z
  .string()
  .max(SLUG_MAX, `must be at most ${SLUG_MAX} characters`)
  .regex(SLUG_PATTERN, 'must be lower-case ASCII letters and digits in words joined by single hyphens, e.g. zhongshan-procuratorate');

/** Required text: trimmed, not empty, at most `max` characters. */
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const expectedVersion = z.int().positive('must be a version number, as read from the `version` field');

export const url = z
  .string()
  .max(2000, 'must be at most 2000 characters')
  .refine((value) => /^https?:\/\/\S+$/.test(value) && URL.canParse(value), 'must be an absolute http(s) URL');

/** A global ID of `typename`, decoded to its database id. */
export const globalId = (typename: VersionedModel | 'Source') =>
  z.string().transform((value, ctx) => {
    try {
      const decoded = decodeGlobalId(value);
      if (decoded.typename === typename) return decoded.id;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `must be the ID of a ${typename}` });
    return z.NEVER;
  });

// ---------------------------------------------------------------------------------------------
// Input fields, declared once

/**
 * One field of a mutation input, declared once: how a value is validated (in a create input), and
 * the description the schema shows, written from the same limits. Whether GraphQL requires the
 * field follows from `schema` (see `InputDeclaration`).
 */
export interface InputField<S extends z.ZodType = z.ZodType> {
  schema: S;
  description: string;
  /** Said after the description in a create input, e.g. what omitting the field means. */
  onCreate?: string;
  /** Said instead of "Omit to leave unchanged[, null to clear]" in an update input. */
  onUpdate?: string;
}

export const field = <S extends z.ZodType>(
  schema: S,
  description: string,
  notes: Pick<InputField, 'onCreate' | 'onUpdate'> = {},
): InputField<S> => ({ schema, description, ...notes });

/** The slug of a row, unique among `among`; `more` goes at the end of its description. */
export const slugField = (among: string, more = '') =>
  field(slug, `Stable ASCII identifier, unique among ${among}: lower-case letters and digits in words joined by hyphens${more}.`);

/** Required text: trimmed, not empty, at most `max` characters; `describe` words the limit. */
export const textField = (max: number, describe: (max: number) => string) => field(text(max), describe(max));

/** The same field, optional and clearable with null. */
export const nullish = <S extends z.ZodType>(entry: InputField<S>): InputField<z.ZodOptional<z.ZodNullable<S>>> => ({
  ...entry,
  schema: entry.schema.nullish(),
});

type InputFields = Record<string, InputField>;
type Shape<F extends InputFields> = { [K in keyof F]: F[K]['schema'] };
type Optional<F extends InputFields> = { [K in keyof F]: z.ZodOptional<F[K]['schema']> };

/** How the schema declares a field: required unless its validation accepts it omitted. */
export interface FieldOptions<S extends z.ZodType> {
  required: undefined extends z.input<S> ? false : true;
  description: string;
}

/** A mutation input: the zod object that validates it, and the options of each of its GraphQL fields. */
export interface InputDeclaration<S extends Record<string, z.ZodType>> {
  schema: z.ZodObject<S>;
  fields: { [K in keyof S]: FieldOptions<S[K]> };
}

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

function declare<S extends Record<string, z.ZodType>>(
  shape: S,
  description: (key: keyof S & string) => string,
): InputDeclaration<S> {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [key, { required: !accepts(schema, undefined), description: description(key) }]),
  ) as InputDeclaration<S>['fields'];
  return { schema: z.object(shape), fields };
}

const shapeOf = <F extends InputFields>(fields: F) =>
  Object.fromEntries(Object.entries(fields).map(([key, entry]) => [key, entry.schema])) as Shape<F>;

/** An input whose fields are validated and described as declared (create inputs, nested ones). */
export function declareInput<F extends InputFields>(fields: F): InputDeclaration<Shape<F>> {
  return declare(shapeOf(fields), (key) => [fields[key]!.description, fields[key]!.onCreate].filter(Boolean).join(' '));
}

export const OMITTED = 'Omit to leave unchanged';
export const CLEARABLE = 'Omit to leave unchanged, null to clear';
/** `expectedVersion`, as every input that changes a versioned row has it. */
export const expectedVersionField = field(
  expectedVersion,
  'The `version` you read the entity at. If it has changed since, nothing is written and the mutation fails with CONFLICT (`extensions.currentVersion`): reload, reapply, retry.',
);

/**
 * The update input of `model`: its global `id`, `expectedVersion`, and every field of its create
 * input, optional; each says whether null clears it (when the field's validation accepts null).
 */
export function declareUpdate<F extends InputFields>(model: VersionedModel, fields: F) {
  const id = field(globalId(model), `The ${model.toLowerCase()} to change (its global ID).`);
  const optional = Object.fromEntries(Object.entries(fields).map(([key, entry]) => [key, entry.schema.optional()])) as Optional<F>;
  const shape = { id: id.schema, expectedVersion: expectedVersionField.schema, ...optional };
  return declare(shape, (key) => {
    if (key === 'id') return id.description;
    if (key === 'expectedVersion') return expectedVersionField.description;
    const entry = fields[key]!;
    return `${entry.description} ${entry.onUpdate ?? (accepts(entry.schema, null) ? CLEARABLE : OMITTED)}.`;
  });
}

const pathOf = (path: PropertyKey[]) => ['input', ...path.map(String)].join('.');

/**
 * Validates a mutation's input with `schema`; every problem is reported at once, by path
 * (`input.slug`), as BAD_USER_INPUT with `extensions.fields`.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new FieldsError(
    parsed.error.issues.map((issue) => ({
      path: pathOf(issue.path),
      // GraphQL lets any optional input field be null; only clearable ones may be.
      message: 'input' in issue && issue.input === null ? 'cannot be cleared: omit it to leave it unchanged' : issue.message,
    })),
  );
}

/** What a mutation's arguments look like before validation: any optional field may also be null. */
export type Loose<T> = { [K in keyof T]?: T[K] | null };

/** A problem with one field that only the database can reveal (a taken slug, a missing parent). */
export const fieldProblem = (field: string, message: string): FieldProblem => ({ path: `input.${field}`, message });

/** Throws the problems found, if any. */
export function refuse(problems: FieldProblem[], extra?: Record<string, unknown>): void {
  if (problems.length) throw new FieldsError(problems, extra);
}

// ---------------------------------------------------------------------------------------------
// Transaction, lock, version

/**
 * Runs one write in one transaction. An error thrown inside rolls everything back, the audit
 * entry and the write's events included. The limits suit the embedded PGlite on a slow machine.
 */
export function inTransaction<T>(db: Db, run: (tx: Tx) => Promise<T>): Promise<T> {
  // Its events (a published article, a recorded achievement) go out once it has committed.
  return writeTransaction(db, 'EDITORIAL', run, { maxWait: 15_000, timeout: 30_000 });
}

/**
 * Locks a versioned row for the rest of the transaction (`SELECT … FOR UPDATE`) and checks that
 * it is at the version the client read. A concurrent writer of the same row waits here until this
 * transaction ends, then finds the version moved on and gets CONFLICT.
 * @throws NotFoundError when the row does not exist, ConflictError when its version differs.
 */
export async function lockVersion(tx: Tx, model: VersionedModel, id: string, expected: number): Promise<void> {
  const rows = await tx.$queryRaw<{ version: number }[]>(
    Prisma.sql`SELECT version FROM ${Prisma.raw(`"${model}"`)} WHERE id = ${id}::uuid FOR UPDATE`,
  );
  const globalIdOf = encodeGlobalId(model, id);
  if (!rows.length) throw new NotFoundError(model, globalIdOf);
  const current = Number(rows[0]!.version);
  if (current !== expected) throw new ConflictError(model, globalIdOf, current, expected);
}

/** Locks a row that a write depends on but does not change (`FOR SHARE`): it cannot change meanwhile. */
export async function lockShared(tx: Tx, model: VersionedModel, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>(
    Prisma.sql`SELECT id::text FROM ${Prisma.raw(`"${model}"`)} WHERE id = ${id}::uuid FOR SHARE`,
  );
  return rows.length > 0;
}

/** The fields of an update input that were given (null included), without id and expectedVersion. */
export function givenFields<T extends Record<string, unknown>>(input: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(input).filter(([key, value]) => value !== undefined && key !== 'id' && key !== 'expectedVersion'),
  ) as Partial<T>;
}

// ---------------------------------------------------------------------------------------------
// Audit

/** The credential kinds that may write; plain functions check it too, whoever calls them. */
export function actorOf(viewer: Viewer): { actorId: string | null; actorKind: CredentialKind; actorName: string } {
  if (viewer.kind !== 'editor' && viewer.kind !== 'admin') {
    throw new ForbiddenError('Editorial writes need an editor or admin token');
  }
  return {
    actorId: viewer.credentialId,
    actorKind: viewer.kind === 'admin' ? 'ADMIN' : 'EDITOR',
    actorName: viewer.name ?? viewer.kind,
  };
}

/** A row as JSON: its scalar fields, dates as ISO strings. */
export function snapshot(row: object | null): Prisma.InputJsonValue | null {
  return row === null ? null : (JSON.parse(JSON.stringify(row)) as Prisma.InputJsonValue);
}

/** One audit log entry: what was done to which entity, and the row before and after. */
interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before: object | null;
  after: object | null;
}

/** Writes the audit entry of a write, in the write's transaction. */
export async function writeAudit(
  tx: Tx,
  viewer: Viewer,
  entry: AuditEntry,
): Promise<void> {
  await tx.auditLogEntry.create({
    data: {
      ...actorOf(viewer),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: snapshot(entry.before) ?? Prisma.DbNull,
      after: snapshot(entry.after) ?? Prisma.DbNull,
    },
  });
}

/** `entities` without repeats and without null ids. */
export function entities(...list: (ChangedEntity | { typename: string; id: string | null | undefined })[]): ChangedEntity[] {
  const seen = new Map<string, ChangedEntity>();
  for (const entity of list) {
    if (entity.id) seen.set(`${entity.typename}:${entity.id}`, { typename: entity.typename, id: entity.id });
  }
  return [...seen.values()];
}

/**
 * Writes a write's audit entry and returns its result: the entity itself and `others` are the
 * entities whose cached answers are now stale, and lists of the entity's type may be stale too.
 */
export async function audited(
  tx: Tx,
  viewer: Viewer,
  entry: AuditEntry,
  ...others: (ChangedEntity | { typename: string; id: string | null | undefined })[]
): Promise<WriteResult> {
  await writeAudit(tx, viewer, entry);
  return {
    id: entry.entityId,
    changed: entities({ typename: entry.entityType, id: entry.entityId }, ...others),
    types: [entry.entityType],
  };
}
