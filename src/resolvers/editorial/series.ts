import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors.js';
import { SeriesStatus } from '../../generated/prisma/enums.js';
import * as seriesStore from '../../store/series.js';
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
  parseInput,
  refuse,
  slugField,
  textField,
  type Tx,
  type WriteResult,
} from './common.js';

const DEFAULT_STATUS = 'ONGOING' satisfies SeriesStatus;

const fields = {
  slug: slugField('series'),
  title: textField(300, (max) => `The series title, at most ${max} characters.`),
  description: nullish(textField(5000, (max) => `What the series covers, at most ${max} characters.`)),
  status: field(z.enum(SeriesStatus).optional(), 'Whether it is still publishing.', { onCreate: `${DEFAULT_STATUS} when omitted.` }),
  publisher: field(globalId('Organization').nullish(), 'The organization that publishes it (global ID).'),
};

export const createSeriesInput = declareInput(fields);
export const updateSeriesInput = declareUpdate('Series', fields);

export type CreateSeriesInput = z.input<typeof createSeriesInput.schema>;
export type UpdateSeriesInput = z.input<typeof updateSeriesInput.schema>;

async function check(tx: Tx, input: { slug?: string; publisher?: string | null }, exceptId?: string) {
  const problems: FieldProblem[] = [];
  if (input.slug) {
    const taken = await tx.series.findUnique({ where: { slug: input.slug }, select: { id: true } });
    if (taken && taken.id !== exceptId) problems.push(fieldProblem('slug', `"${input.slug}" is already the slug of another series`));
  }
  if (input.publisher && !(await tx.organization.findUnique({ where: { id: input.publisher }, select: { id: true } }))) {
    problems.push(fieldProblem('publisher', 'no organization has this ID'));
  }
  refuse(problems);
}

/** Creates a series (version 1, ONGOING unless said otherwise) and its audit entry. */
export async function createSeries(db: Db, viewer: Viewer, raw: Loose<CreateSeriesInput>): Promise<WriteResult> {
  const input = parseInput(createSeriesInput.schema, raw);
  return inTransaction(db, async (tx) => {
    await check(tx, input);
    const row = await seriesStore.createSeries(tx, {
      slug: input.slug,
      title: input.title,
      description: input.description ?? null,
      status: input.status ?? DEFAULT_STATUS,
      publisherId: input.publisher ?? null,
    });
    return audited(
      tx,
      viewer,
      { action: 'createSeries', entityType: 'Series', entityId: row.id, before: null, after: row },
      { typename: 'Organization', id: row.publisherId },
    );
  });
}

/** Changes the given fields of a series at `expectedVersion`. */
export async function updateSeries(db: Db, viewer: Viewer, raw: Loose<UpdateSeriesInput>): Promise<WriteResult> {
  const input = parseInput(updateSeriesInput.schema, raw);
  const { publisher, ...rest } = givenFields(input);
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Series', input.id, input.expectedVersion);
    const before = await tx.series.findUniqueOrThrow({ where: { id: input.id } });
    await check(tx, { slug: rest.slug, publisher }, input.id);
    const after = await seriesStore.updateSeries(
      tx,
      input.id,
      { ...rest, ...(publisher !== undefined ? { publisherId: publisher } : {}) },
      { expectedVersion: input.expectedVersion },
    );
    return audited(
      tx,
      viewer,
      { action: 'updateSeries', entityType: 'Series', entityId: after.id, before, after },
      { typename: 'Organization', id: before.publisherId },
      { typename: 'Organization', id: after.publisherId },
    );
  });
}
