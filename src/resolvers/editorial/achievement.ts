import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors.js';
import { NotFoundError } from '../../domain/errors.js';
import { AchievementKind, AchievementLevel } from '../../generated/prisma/enums.js';
import { encodeGlobalId } from '../../domain/global-id.js';
import * as achievementStore from '../../store/achievements.js';
import type { Viewer } from '../../auth/viewer.js';
import { achievementOccurredOn } from '../../domain/article-body.js';
import { occurrences } from './article.js';
import {
  CLEARABLE,
  audited,
  type Db,
  type Loose,
  declareInput,
  declareUpdate,
  entities,
  expectedVersionField,
  field,
  fieldProblem,
  givenFields,
  globalId,
  inTransaction,
  lockShared,
  lockVersion,
  nullish,
  parseInput,
  refuse,
  slugField,
  text,
  textField,
  type Tx,
  type WriteResult,
  writeAudit,
} from './common.js';

// ---------------------------------------------------------------------------------------------
// Input

const FIRST_YEAR = 1900;
const END_YEAR = 2100;
const date = z
  .date()
  .min(new Date(Date.UTC(FIRST_YEAR, 0, 1)), `must be in ${FIRST_YEAR} or later`)
  .max(new Date(Date.UTC(END_YEAR, 0, 1)), `must be before ${END_YEAR}`);

export const metricInput = declareInput({
  value: field(z.number().finite('must be a finite number'), 'The figure itself.'),
  unit: nullish(textField(50, (max) => `Its unit as written, e.g. 万元 (at most ${max} characters).`)),
  baseline: field(z.number().finite('must be a finite number').nullish(), 'The figure it is compared with, when the text gives one.'),
});

const fields = {
  slug: slugField('achievements'),
  organization: field(globalId('Organization'), 'The organization that achieved it (global ID).'),
  title: textField(300, (max) => `What was achieved, in a line of at most ${max} characters.`),
  description: nullish(textField(5000, (max) => `More detail, at most ${max} characters.`)),
  kind: field(
    z.enum(AchievementKind),
    'What sort of achievement: a RANKING needs a `rank` (and only a RANKING has one); a METRIC needs a `metric`.',
  ),
  level: field(z.enum(AchievementLevel).nullish(), 'Its reach.'),
  issuer: field(globalId('Organization').nullish(), 'The organization that awarded or ranked it (global ID).'),
  issuerName: field(text(200).nullish(), 'Who awarded or ranked it, as written, when that body is not an organization in the graph.'),
  awardedOn: field(date.nullish(), `The day it was conferred (${FIRST_YEAR}–${END_YEAR - 1}).`),
  periodStart: field(date.nullish(), 'Start of the period it covers; not after `periodEnd`.'),
  periodEnd: field(date.nullish(), 'End of the period it covers; not before `periodStart`.'),
  rank: field(
    z.int().positive('must be a positive whole number: 全市第二 is 2').max(100_000, 'must be at most 100000').nullish(),
    'Position in a ranking: 全市第二 is 2. A positive whole number; RANKING achievements only.',
  ),
  metric: field(metricInput.schema.nullish(), 'The figure it reports.', { onUpdate: `Replaces the whole figure. ${CLEARABLE}` }),
};

export const createAchievementInput = declareInput(fields);
export const updateAchievementInput = declareUpdate('Achievement', fields);
export const deleteAchievementInput = declareInput({
  id: field(globalId('Achievement'), 'The achievement to delete (its global ID).'),
  expectedVersion: expectedVersionField,
});

const EXCERPT_MAX = 2_000;
const citedAchievement = field(globalId('Achievement'), 'The achievement (global ID).');
const citedArticle = field(globalId('Article'), 'The article quoted (global ID).');
export const addCitationInput = declareInput({
  achievement: citedAchievement,
  article: citedArticle,
  excerpt: field(
    z.string().min(1, 'must not be empty').max(EXCERPT_MAX, `must be at most ${EXCERPT_MAX} characters`),
    `The passage, copied word for word from the article’s \`bodyText\` (punctuation and character width included), at most ${EXCERPT_MAX} characters.`,
  ),
  occurrence: field(
    z.int().positive('must be 1 or more: 1 is the first place the excerpt appears').nullish(),
    'Which occurrence of the excerpt is meant when it appears more than once: 1 for the first. Required in that case; quoting more text is the alternative.',
  ),
});

export const removeCitationInput = declareInput({
  achievement: citedAchievement,
  article: citedArticle,
  offset: field(
    z.int().nonnegative('must be the citation’s `offset`, 0 or more'),
    'The citation’s `offset` in the article’s `bodyText`.',
  ),
});

export type CreateAchievementInput = z.input<typeof createAchievementInput.schema>;
export type UpdateAchievementInput = z.input<typeof updateAchievementInput.schema>;
export type DeleteAchievementInput = z.input<typeof deleteAchievementInput.schema>;
export type AddCitationInput = z.input<typeof addCitationInput.schema>;
export type RemoveCitationInput = z.input<typeof removeCitationInput.schema>;

/** The achievement columns a write sets, as they will be stored. */
interface AchievementState {
  kind: AchievementKind;
  awardedOn: Date | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  rank: number | null;
  metricValue: number | null;
}

/** Rules across fields, checked on the row as it will be after the write. */
function crossFieldProblems(state: AchievementState): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (state.periodStart && state.periodEnd && state.periodStart > state.periodEnd) {
    problems.push(fieldProblem('periodEnd', 'must not be before periodStart'));
  }
  if (state.kind === 'RANKING' && state.rank == null) problems.push(fieldProblem('rank', 'is required for a RANKING'));
  if (state.kind !== 'RANKING' && state.rank != null) {
    problems.push(fieldProblem('rank', `is only for RANKING achievements, and this one is a ${state.kind}`));
  }
  if (state.kind === 'METRIC' && state.metricValue == null) problems.push(fieldProblem('metric', 'is required for a METRIC'));
  return problems;
}

async function referenceProblems(
  tx: Tx,
  input: { slug?: string; organization?: string; issuer?: string | null },
  exceptId?: string,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  if (input.slug) {
    const taken = await tx.achievement.findUnique({ where: { slug: input.slug }, select: { id: true } });
    if (taken && taken.id !== exceptId) problems.push(fieldProblem('slug', `"${input.slug}" is already the slug of another achievement`));
  }
  for (const field of ['organization', 'issuer'] as const) {
    const id = input[field];
    if (id && !(await tx.organization.findUnique({ where: { id }, select: { id: true } }))) {
      problems.push(fieldProblem(field, 'no organization has this ID'));
    }
  }
  return problems;
}

const metricColumns = (value: z.output<typeof metricInput.schema> | null | undefined) =>
  value === undefined
    ? {}
    : { metricValue: value?.value ?? null, metricUnit: value?.unit ?? null, metricBaseline: value?.baseline ?? null };

/** The achievement with its citations, as its audit entries record it. */
function readAchievement(tx: Tx, id: string) {
  return tx.achievement.findUniqueOrThrow({
    where: { id },
    include: { citations: { select: { id: true, articleId: true, excerpt: true, offset: true }, orderBy: [{ offset: 'asc' }, { id: 'asc' }] } },
  });
}

// ---------------------------------------------------------------------------------------------
// Writes

/** Creates an achievement (version 1, no citations yet: add them with addCitation). */
export async function createAchievement(db: Db, viewer: Viewer, raw: Loose<CreateAchievementInput>): Promise<WriteResult> {
  const input = parseInput(createAchievementInput.schema, raw);
  const dates = { awardedOn: input.awardedOn ?? null, periodStart: input.periodStart ?? null, periodEnd: input.periodEnd ?? null };
  const metricData = metricColumns(input.metric ?? null);
  refuse(crossFieldProblems({ kind: input.kind, ...dates, rank: input.rank ?? null, metricValue: metricData.metricValue ?? null }));
  return inTransaction(db, async (tx) => {
    refuse(await referenceProblems(tx, input));
    const row = await achievementStore.createAchievement(tx, {
      slug: input.slug,
      organizationId: input.organization,
      title: input.title,
      description: input.description ?? null,
      kind: input.kind,
      level: input.level ?? null,
      issuerId: input.issuer ?? null,
      issuerName: input.issuerName ?? null,
      ...dates,
      occurredOn: achievementOccurredOn(dates),
      rank: input.rank ?? null,
      ...metricData,
    });
    return audited(
      tx,
      viewer,
      { action: 'createAchievement', entityType: 'Achievement', entityId: row.id, before: null, after: row },
      { typename: 'Organization', id: row.organizationId },
      { typename: 'Organization', id: row.issuerId },
    );
  });
}

/** Changes the given fields of an achievement at `expectedVersion`; `date` (occurredOn) follows the dates. */
export async function updateAchievement(db: Db, viewer: Viewer, raw: Loose<UpdateAchievementInput>): Promise<WriteResult> {
  const input = parseInput(updateAchievementInput.schema, raw);
  const { organization, issuer, metric: metricInput, ...rest } = givenFields(input);
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Achievement', input.id, input.expectedVersion);
    const before = await readAchievement(tx, input.id);
    const metricData = metricColumns(metricInput);
    const dates = {
      awardedOn: rest.awardedOn === undefined ? before.awardedOn : rest.awardedOn,
      periodStart: rest.periodStart === undefined ? before.periodStart : rest.periodStart,
      periodEnd: rest.periodEnd === undefined ? before.periodEnd : rest.periodEnd,
    };
    refuse([
      ...crossFieldProblems({
        kind: rest.kind ?? before.kind,
        ...dates,
        rank: rest.rank === undefined ? before.rank : rest.rank,
        metricValue: metricData.metricValue === undefined ? before.metricValue : metricData.metricValue,
      }),
      ...(await referenceProblems(tx, { slug: rest.slug, organization, issuer }, input.id)),
    ]);
    await achievementStore.updateAchievement(
      tx,
      input.id,
      {
        ...rest,
        ...metricData,
        ...(organization !== undefined ? { organizationId: organization } : {}),
        ...(issuer !== undefined ? { issuerId: issuer } : {}),
        occurredOn: achievementOccurredOn(dates),
      },
      { expectedVersion: input.expectedVersion },
    );
    const after = await readAchievement(tx, input.id);
    return audited(
      tx,
      viewer,
      { action: 'updateAchievement', entityType: 'Achievement', entityId: input.id, before, after },
      { typename: 'Organization', id: before.organizationId },
      { typename: 'Organization', id: after.organizationId },
      { typename: 'Organization', id: before.issuerId },
      { typename: 'Organization', id: after.issuerId },
      ...after.citations.map((citation) => ({ typename: 'Article', id: citation.articleId })),
    );
  });
}

/** Deletes an achievement at `expectedVersion`, and its citations with it. The audit entry keeps both. */
export async function deleteAchievement(db: Db, viewer: Viewer, raw: Loose<DeleteAchievementInput>): Promise<WriteResult & { organizationId: string }> {
  const input = parseInput(deleteAchievementInput.schema, raw);
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Achievement', input.id, input.expectedVersion);
    const before = await readAchievement(tx, input.id);
    await tx.achievement.delete({ where: { id: input.id, version: input.expectedVersion } });
    return { ...(await audited(
      tx,
      viewer,
      { action: 'deleteAchievement', entityType: 'Achievement', entityId: input.id, before, after: null },
      { typename: 'Organization', id: before.organizationId },
      { typename: 'Organization', id: before.issuerId },
      ...before.citations.map((citation) => ({ typename: 'Article', id: citation.articleId })),
    )), organizationId: before.organizationId };
  });
}

const quote = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Cites a passage of an article as evidence for an achievement. The excerpt must appear verbatim
 * in the article's bodyText; when it appears more than once, `occurrence` says which (1 = first).
 * The article is locked against changes of its text until the citation is written.
 */
export async function addCitation(db: Db, viewer: Viewer, raw: Loose<AddCitationInput>): Promise<WriteResult & { citationId: string }> {
  const input = parseInput(addCitationInput.schema, raw);
  return inTransaction(db, async (tx) => {
    if (!(await lockShared(tx, 'Achievement', input.achievement))) {
      throw new NotFoundError('Achievement', encodeGlobalId('Achievement', input.achievement));
    }
    if (!(await lockShared(tx, 'Article', input.article))) throw new NotFoundError('Article', encodeGlobalId('Article', input.article));
    const article = await tx.article.findUniqueOrThrow({ where: { id: input.article }, select: { slug: true, bodyText: true } });
    const found = occurrences(article.bodyText, input.excerpt);
    if (!found.length) {
      const hint = article.bodyText.normalize('NFKC').includes(input.excerpt.normalize('NFKC'))
        ? ' (it matches only when character width is ignored: quote the punctuation exactly as the article prints it)'
        : '';
      refuse([fieldProblem('excerpt', `${quote(input.excerpt)} is not a verbatim part of the text of article "${article.slug}"${hint}`)]);
    }
    if (input.occurrence == null && found.length > 1) {
      refuse([
        fieldProblem('occurrence', `is needed: the excerpt appears ${found.length} times in the article; give 1 to ${found.length}, or quote more of the text`),
      ]);
    }
    if (input.occurrence != null && input.occurrence > found.length) {
      refuse([fieldProblem('occurrence', `must be at most ${found.length}: the excerpt appears ${found.length === 1 ? 'once' : `${found.length} times`}`)]);
    }
    const offset = found[(input.occurrence ?? 1) - 1]!;
    const duplicate = await tx.citation.findUnique({
      where: { achievementId_articleId_offset: { achievementId: input.achievement, articleId: input.article, offset } },
      select: { id: true },
    });
    if (duplicate) refuse([fieldProblem('excerpt', 'the achievement already cites this passage of the article')]);
    const citation = await tx.citation.create({
      data: { achievementId: input.achievement, articleId: input.article, excerpt: input.excerpt, offset },
    });
    await writeAudit(tx, viewer, { action: 'addCitation', entityType: 'Citation', entityId: citation.id, before: null, after: citation });
    return {
      id: input.achievement,
      citationId: citation.id,
      changed: entities({ typename: 'Achievement', id: input.achievement }, { typename: 'Article', id: input.article }),
      types: [],
    };
  });
}

/** Removes one citation, found by its achievement, article and offset. The audit entry keeps it. */
export async function removeCitation(db: Db, viewer: Viewer, raw: Loose<RemoveCitationInput>): Promise<WriteResult> {
  const input = parseInput(removeCitationInput.schema, raw);
  return inTransaction(db, async (tx) => {
    // The article's text (and so its citations' offsets) cannot change meanwhile.
    await lockShared(tx, 'Article', input.article);
    const key = { achievementId: input.achievement, articleId: input.article, offset: input.offset };
    const citation = await tx.citation.findUnique({ where: { achievementId_articleId_offset: key } });
    if (!citation) {
      throw new NotFoundError('Citation', `${encodeGlobalId('Achievement', input.achievement)} in ${encodeGlobalId('Article', input.article)} at ${input.offset}`);
    }
    await tx.citation.delete({ where: { id: citation.id } });
    await writeAudit(tx, viewer, { action: 'removeCitation', entityType: 'Citation', entityId: citation.id, before: citation, after: null });
    return {
      id: input.achievement,
      changed: entities({ typename: 'Achievement', id: input.achievement }, { typename: 'Article', id: input.article }),
      types: [],
    };
  });
}
