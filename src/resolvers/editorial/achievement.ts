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
  type Db,
  type Loose,
  entities,
  expectedVersion,
  fieldProblem,
  givenFields,
  globalId,
  inTransaction,
  lockShared,
  lockVersion,
  parseInput,
  refuse,
  slug,
  text,
  type Tx,
  type WriteResult,
  writeAudit,
} from './common.js';

// ---------------------------------------------------------------------------------------------
// Input

const date = z
  .date()
  .min(new Date(Date.UTC(1900, 0, 1)), 'must be in 1900 or later')
  .max(new Date(Date.UTC(2100, 0, 1)), 'must be before 2100');

const metric = z.object({
  value: z.number().finite('must be a finite number'),
  unit: text(50).nullish(),
  baseline: z.number().finite('must be a finite number').nullish(),
});

const fields = {
  organization: globalId('Organization'),
  title: text(300),
  description: text(5000).nullish(),
  kind: z.enum(AchievementKind),
  level: z.enum(AchievementLevel).nullish(),
  issuer: globalId('Organization').nullish(),
  issuerName: text(200).nullish(),
  awardedOn: date.nullish(),
  periodStart: date.nullish(),
  periodEnd: date.nullish(),
  rank: z.int().positive('must be a positive whole number: 全市第二 is 2').max(100_000, 'must be at most 100000').nullish(),
  metric: metric.nullish(),
};

const createAchievementInput = z.object({ slug, ...fields });
const updateAchievementInput = z.object({
  id: globalId('Achievement'),
  expectedVersion,
  slug: slug.optional(),
  ...z.object(fields).partial().shape,
});
const deleteAchievementInput = z.object({ id: globalId('Achievement'), expectedVersion });
const addCitationInput = z.object({
  achievement: globalId('Achievement'),
  article: globalId('Article'),
  excerpt: z.string().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters'),
  occurrence: z.int().positive('must be 1 or more: 1 is the first place the excerpt appears').nullish(),
});

export type CreateAchievementInput = z.input<typeof createAchievementInput>;
export type UpdateAchievementInput = z.input<typeof updateAchievementInput>;
export type DeleteAchievementInput = z.input<typeof deleteAchievementInput>;
export type AddCitationInput = z.input<typeof addCitationInput>;

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

const metricColumns = (value: z.output<typeof metric> | null | undefined) =>
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
  const input = parseInput(createAchievementInput, raw);
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
    await writeAudit(tx, viewer, { action: 'createAchievement', entityType: 'Achievement', entityId: row.id, before: null, after: row });
    return {
      id: row.id,
      changed: entities(
        { typename: 'Achievement', id: row.id },
        { typename: 'Organization', id: row.organizationId },
        { typename: 'Organization', id: row.issuerId },
      ),
      types: ['Achievement'],
    };
  });
}

/** Changes the given fields of an achievement at `expectedVersion`; `date` (occurredOn) follows the dates. */
export async function updateAchievement(db: Db, viewer: Viewer, raw: Loose<UpdateAchievementInput>): Promise<WriteResult> {
  const input = parseInput(updateAchievementInput, raw);
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
    await writeAudit(tx, viewer, { action: 'updateAchievement', entityType: 'Achievement', entityId: input.id, before, after });
    return {
      id: input.id,
      changed: entities(
        { typename: 'Achievement', id: input.id },
        { typename: 'Organization', id: before.organizationId },
        { typename: 'Organization', id: after.organizationId },
        { typename: 'Organization', id: before.issuerId },
        { typename: 'Organization', id: after.issuerId },
        ...after.citations.map((citation) => ({ typename: 'Article', id: citation.articleId })),
      ),
      types: ['Achievement'],
    };
  });
}

/** Deletes an achievement at `expectedVersion`, and its citations with it. The audit entry keeps both. */
export async function deleteAchievement(db: Db, viewer: Viewer, raw: Loose<DeleteAchievementInput>): Promise<WriteResult & { organizationId: string }> {
  const input = parseInput(deleteAchievementInput, raw);
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Achievement', input.id, input.expectedVersion);
    const before = await readAchievement(tx, input.id);
    await tx.achievement.delete({ where: { id: input.id, version: input.expectedVersion } });
    await writeAudit(tx, viewer, { action: 'deleteAchievement', entityType: 'Achievement', entityId: input.id, before, after: null });
    return {
      id: input.id,
      organizationId: before.organizationId,
      changed: entities(
        { typename: 'Achievement', id: input.id },
        { typename: 'Organization', id: before.organizationId },
        { typename: 'Organization', id: before.issuerId },
        ...before.citations.map((citation) => ({ typename: 'Article', id: citation.articleId })),
      ),
      types: ['Achievement'],
    };
  });
}

const quote = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Cites a passage of an article as evidence for an achievement. The excerpt must appear verbatim
 * in the article's bodyText; when it appears more than once, `occurrence` says which (1 = first).
 * The article is locked against changes of its text until the citation is written.
 */
export async function addCitation(db: Db, viewer: Viewer, raw: Loose<AddCitationInput>): Promise<WriteResult & { citationId: string }> {
  const input = parseInput(addCitationInput, raw);
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

const removeCitationInput = z.object({
  achievement: globalId('Achievement'),
  article: globalId('Article'),
  offset: z.int().nonnegative('must be the citation’s `offset`, 0 or more'),
});
export type RemoveCitationInput = z.input<typeof removeCitationInput>;

/** Removes one citation, found by its achievement, article and offset. The audit entry keeps it. */
export async function removeCitation(db: Db, viewer: Viewer, raw: Loose<RemoveCitationInput>): Promise<WriteResult> {
  const input = parseInput(removeCitationInput, raw);
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
