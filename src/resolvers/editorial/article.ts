import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors.js';
import { ArticleOrganizationRole, type ArticleStatus } from '../../generated/prisma/enums.js';
import { encodeGlobalId } from '../../domain/global-id.js';
import * as articleStore from '../../store/articles.js';
import type { Viewer } from '../../auth/viewer.js';
import {
  type ChangedEntity,
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
  slugField,
  text,
  textField,
  type Tx,
  url,
  type WriteResult,
} from './common.js';

// ---------------------------------------------------------------------------------------------
// Input

const BLOCK_TEXT_MAX = 20_000;
const TAGS_MAX = 30;
const DEFAULT_LANGUAGE = 'zh-CN';

export const articleBlockInput = declareInput({
  kind: field(z.enum(['HEADING', 'PARAGRAPH', 'LIST_ITEM']), 'Heading, paragraph or list item.'),
  text: field(
    text(BLOCK_TEXT_MAX).refine((value) => !/\n\s*\n/.test(value), 'must not contain a blank line: split it into two blocks'),
    `The block’s text: not blank, no blank line inside (that would be two blocks), at most ${BLOCK_TEXT_MAX} characters. Leading and trailing spaces are trimmed.`,
  ),
});

export const articleOrganizationInput = declareInput({
  organization: field(globalId('Organization'), 'The organization (global ID).'),
  role: field(z.enum(ArticleOrganizationRole), 'How the article relates to it.'),
});

const fields = {
  slug: slugField('articles'),
  title: textField(300, (max) => `The headline, at most ${max} characters.`),
  series: field(globalId('Series').nullish(), 'The series it belongs to (global ID).'),
  episode: field(
    z.int().positive('must be a positive whole number (之五十 is 50)').max(100_000, 'must be at most 100000').nullish(),
    'Its number in the series (之五十 is 50): a positive whole number, unique within the series; needs a series.',
  ),
  publishedAt: field(z.date().nullish(), 'When it was first published.', { onCreate: 'Set by publishArticle when omitted.' }),
  language: field(
    z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag, e.g. zh-CN').optional(),
    'BCP 47 language tag, e.g. zh-CN.',
    { onCreate: `${DEFAULT_LANGUAGE} when omitted.` },
  ),
  category: nullish(textField(100, (max) => `The source’s section, e.g. 国内资讯, at most ${max} characters.`)),
  tags: field(
    z
      .array(text(50))
      .max(TAGS_MAX, `must list at most ${TAGS_MAX} tags`)
      .refine((tags) => new Set(tags).size === tags.length, 'must not repeat a tag')
      .optional(),
    `Topic tags (at most ${TAGS_MAX}, no repeats); replaces the list.`,
  ),
  body: field(
    z.array(articleBlockInput.schema).min(1, 'must have at least one block').max(2_000, 'must have at most 2000 blocks'),
    'The text as ordered blocks (at least one). `bodyText` and `contentHash` are computed from it.',
    {
      onUpdate: `Every excerpt cited from the article must still appear in the new text word for word; each citation moves to its excerpt’s new place. ${OMITTED}`,
    },
  ),
  source: field(globalId('Source').nullish(), 'Where this copy came from (a Source’s global ID).'),
  attribution: field(text(200).nullish(), 'The credit line it carries, e.g. 凉都检察.'),
  originalUrl: field(url.nullish(), 'Where the source published it: an absolute http(s) URL.'),
  canonicalUrl: field(url.nullish(), 'The preferred URL for it: an absolute http(s) URL.'),
  organizations: field(
    z
      .array(articleOrganizationInput.schema)
      .max(100, 'must list at most 100 organizations')
      .refine(
        (links) => new Set(links.map((link) => `${link.organization} ${link.role}`)).size === links.length,
        'must not list an organization twice in the same role',
      )
      .optional(),
    'The organizations it concerns, each with its role (no organization twice in the same role); replaces the links.',
  ),
};

export const createArticleInput = declareInput(fields);
export const updateArticleInput = declareUpdate('Article', fields);
/** The input of publishArticle and archiveArticle. */
export const articleStatusChangeInput = declareUpdate('Article', {});

export type CreateArticleInput = z.input<typeof createArticleInput.schema>;
export type UpdateArticleInput = z.input<typeof updateArticleInput.schema>;
export type ArticleStatusChangeInput = z.input<typeof articleStatusChangeInput.schema>;

// ---------------------------------------------------------------------------------------------
// Citations follow the text

/** Every start index of `excerpt` in `text` (overlapping ones included), in UTF-16 code units. */
export function occurrences(text: string, excerpt: string): number[] {
  const found: number[] = [];
  if (!excerpt) return found;
  for (let at = text.indexOf(excerpt); at !== -1; at = text.indexOf(excerpt, at + 1)) found.push(at);
  return found;
}

/**
 * Where a citation's excerpt is in the new text of its article, or null when it no longer appears
 * verbatim. When the excerpt appears as often as before, the citation keeps its place in that
 * order (the second 全市第二 stays the second); otherwise it moves to the occurrence nearest its
 * old offset.
 */
export function relocateExcerpt(oldText: string, newText: string, excerpt: string, oldOffset: number): number | null {
  const now = occurrences(newText, excerpt);
  if (!now.length) return null;
  const before = occurrences(oldText, excerpt);
  const ordinal = before.indexOf(oldOffset);
  if (before.length === now.length && ordinal !== -1) return now[ordinal]!;
  return now.reduce((best, at) => (Math.abs(at - oldOffset) < Math.abs(best - oldOffset) ? at : best));
}

const quote = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Re-locates every citation of the article in its new text, or refuses the whole update (with
 * the excerpts that would be lost) when one no longer appears verbatim.
 * @returns the achievements whose citations moved.
 */
async function moveCitations(tx: Tx, articleId: string, oldText: string, newText: string): Promise<string[]> {
  const citations = await tx.citation.findMany({
    where: { articleId },
    select: { id: true, achievementId: true, excerpt: true, offset: true },
    orderBy: [{ offset: 'asc' }, { id: 'asc' }],
  });
  const moves = citations.map((citation) => ({
    citation,
    offset: relocateExcerpt(oldText, newText, citation.excerpt, citation.offset),
  }));
  const lost = moves.filter((move) => move.offset === null).map((move) => move.citation);
  refuse(
    lost.length
      ? [
          fieldProblem(
            'body',
            `the new text no longer contains ${lost.length === 1 ? 'a cited excerpt' : `${lost.length} cited excerpts`} verbatim: ` +
              `${lost.map((c) => quote(c.excerpt)).join(', ')}. Keep ${lost.length === 1 ? 'it' : 'them'} word for word, or remove the citation first (removeCitation)`,
          ),
        ]
      : [],
    {
      lostCitations: lost.map((c) => ({
        achievement: encodeGlobalId('Achievement', c.achievementId),
        excerpt: c.excerpt,
        offset: c.offset,
      })),
    },
  );
  const moved = moves.filter((move) => move.offset !== move.citation.offset);
  const targets = new Set<string>();
  for (const move of moves) {
    const key = `${move.citation.achievementId} ${move.offset}`;
    if (targets.has(key)) {
      refuse([fieldProblem('body', `two citations of one achievement would both quote ${quote(move.citation.excerpt)} at the same place`)]);
    }
    targets.add(key);
  }
  // Two steps, so that offsets swapping places never collide with the unique (achievement, article, offset).
  for (const [index, move] of moved.entries()) {
    await tx.citation.update({ where: { id: move.citation.id }, data: { offset: -1 - index } });
  }
  for (const move of moved) await tx.citation.update({ where: { id: move.citation.id }, data: { offset: move.offset! } });
  return [...new Set(moved.map((move) => move.citation.achievementId))];
}

// ---------------------------------------------------------------------------------------------
// Checks that need the database

interface References {
  slug?: string;
  series?: string | null;
  episode?: number | null;
  source?: string | null;
  organizations?: { organization: string; role: ArticleOrganizationRole }[];
}

async function check(tx: Tx, input: References, exceptId?: string) {
  const problems: FieldProblem[] = [];
  if (input.slug) {
    const taken = await tx.article.findUnique({ where: { slug: input.slug }, select: { id: true } });
    if (taken && taken.id !== exceptId) problems.push(fieldProblem('slug', `"${input.slug}" is already the slug of another article`));
  }
  if (input.series && !(await tx.series.findUnique({ where: { id: input.series }, select: { id: true } }))) {
    problems.push(fieldProblem('series', 'no series has this ID'));
  } else if (input.episode != null && !input.series) {
    problems.push(fieldProblem('episode', 'needs a series: an episode is a number within a series'));
  } else if (input.series && input.episode != null) {
    const other = await tx.article.findFirst({
      where: { seriesId: input.series, episode: input.episode, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      select: { slug: true },
    });
    if (other) problems.push(fieldProblem('episode', `episode ${input.episode} of this series is already article "${other.slug}"`));
  }
  if (input.source && !(await tx.source.findUnique({ where: { id: input.source }, select: { id: true } }))) {
    problems.push(fieldProblem('source', 'no source has this ID'));
  }
  if (input.organizations?.length) {
    const wanted = [...new Set(input.organizations.map((link) => link.organization))];
    const found = new Set(
      (await tx.organization.findMany({ where: { id: { in: wanted } }, select: { id: true } })).map((row) => row.id),
    );
    input.organizations.forEach((link, index) => {
      if (!found.has(link.organization)) problems.push(fieldProblem(`organizations.${index}.organization`, 'no organization has this ID'));
    });
  }
  refuse(problems);
}

/** The article as its audit entry records it: its columns and its organization links. */
function readArticle(tx: Tx, id: string) {
  return tx.article.findUniqueOrThrow({
    where: { id },
    include: {
      organizations: { select: { organizationId: true, role: true }, orderBy: [{ role: 'asc' }, { organizationId: 'asc' }] },
    },
  });
}

async function citedAchievements(tx: Tx, articleId: string): Promise<ChangedEntity[]> {
  const rows = await tx.citation.findMany({ where: { articleId }, select: { achievementId: true }, distinct: ['achievementId'] });
  return rows.map((row) => ({ typename: 'Achievement', id: row.achievementId }));
}

const linkedOrganizations = (article: { organizations: { organizationId: string }[] }): ChangedEntity[] =>
  article.organizations.map((link) => ({ typename: 'Organization', id: link.organizationId }));

// ---------------------------------------------------------------------------------------------
// Writes

/**
 * Creates an article as a DRAFT (publish it with publishArticle), with revision 1, its search
 * vector, its organization links and its audit entry. It gets a `normalizedHash` like an
 * imported article, so that an import of the same story finds it instead of adding a second one.
 */
export async function createArticle(db: Db, viewer: Viewer, raw: Loose<CreateArticleInput>): Promise<WriteResult> {
  const input = parseInput(createArticleInput.schema, raw);
  return inTransaction(db, async (tx) => {
    await check(tx, input);
    const row = await articleStore.createArticle(
      tx,
      {
        slug: input.slug,
        title: input.title,
        seriesId: input.series ?? null,
        episode: input.episode ?? null,
        publishedAt: input.publishedAt ?? null,
        language: input.language ?? DEFAULT_LANGUAGE,
        category: input.category ?? null,
        tags: input.tags ?? [],
        status: 'DRAFT',
        sourceId: input.source ?? null,
        attribution: input.attribution ?? null,
        originalUrl: input.originalUrl ?? null,
        canonicalUrl: input.canonicalUrl ?? null,
        organizations: input.organizations?.length
          ? { create: input.organizations.map((link) => ({ organizationId: link.organization, role: link.role })) }
          : undefined,
      },
      input.body,
    );
    const after = await readArticle(tx, row.id);
    return audited(tx, viewer, { action: 'createArticle', entityType: 'Article', entityId: row.id, before: null, after }, { typename: 'Series', id: row.seriesId }, ...linkedOrganizations(after));
  });
}

/**
 * Changes the given fields of an article at `expectedVersion`. A new body must keep every citation
 * of the article verbatim; each is moved to its excerpt's place in the new text. A change of title
 * or text adds a revision. `organizations`, when given, replaces the article's links. The status
 * changes only through publishArticle and archiveArticle.
 */
export async function updateArticle(db: Db, viewer: Viewer, raw: Loose<UpdateArticleInput>): Promise<WriteResult> {
  const input = parseInput(updateArticleInput.schema, raw);
  const { series, source, organizations, body, ...rest } = givenFields(input);
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Article', input.id, input.expectedVersion);
    const before = await readArticle(tx, input.id);
    const seriesId = series === undefined ? before.seriesId : series;
    const episode = rest.episode === undefined ? before.episode : rest.episode;
    const touchesEpisode = series !== undefined || rest.episode !== undefined;
    await check(
      tx,
      {
        slug: rest.slug,
        series: touchesEpisode ? seriesId : undefined,
        episode: touchesEpisode ? episode : undefined,
        source,
        organizations: organizations ?? undefined,
      },
      input.id,
    );
    const bodyText = body ? articleStore.articleBody(body).bodyText : before.bodyText;
    const movedFor = bodyText !== before.bodyText ? await moveCitations(tx, input.id, before.bodyText, bodyText) : [];
    if (organizations) {
      await tx.articleOrganization.deleteMany({ where: { articleId: input.id } });
      await tx.articleOrganization.createMany({
        data: organizations.map((link) => ({ articleId: input.id, organizationId: link.organization, role: link.role })),
      });
    }
    const { row } = await articleStore.updateArticle(
      tx,
      input.id,
      {
        columns: {
          ...rest,
          ...(series !== undefined ? { seriesId: series } : {}),
          ...(source !== undefined ? { sourceId: source } : {}),
        },
        blocks: body,
      },
      { expectedVersion: input.expectedVersion },
    );
    const after = await readArticle(tx, row.id);
    return audited(
      tx,
      viewer,
      { action: 'updateArticle', entityType: 'Article', entityId: row.id, before, after },
      { typename: 'Series', id: before.seriesId },
      { typename: 'Series', id: row.seriesId },
      ...linkedOrganizations(before),
      ...linkedOrganizations(after),
      ...movedFor.map((id) => ({ typename: 'Achievement', id })),
    );
  });
}

/** Which statuses each status change starts from. */
export const STATUS_CHANGES = {
  publishArticle: { from: ['DRAFT', 'ARCHIVED'], to: 'PUBLISHED' },
  archiveArticle: { from: ['DRAFT', 'PUBLISHED'], to: 'ARCHIVED' },
} as const satisfies Record<string, { from: ArticleStatus[]; to: ArticleStatus }>;

/**
 * publishArticle (DRAFT or ARCHIVED → PUBLISHED; sets publishedAt to now when it has none) and
 * archiveArticle (DRAFT or PUBLISHED → ARCHIVED). Any other change is refused.
 */
export async function changeArticleStatus(
  db: Db,
  viewer: Viewer,
  action: keyof typeof STATUS_CHANGES,
  raw: ArticleStatusChangeInput,
): Promise<WriteResult> {
  const input = parseInput(articleStatusChangeInput.schema, raw);
  const change = STATUS_CHANGES[action];
  return inTransaction(db, async (tx) => {
    await lockVersion(tx, 'Article', input.id, input.expectedVersion);
    const before = await readArticle(tx, input.id);
    if (!(change.from as readonly ArticleStatus[]).includes(before.status)) {
      refuse([
        fieldProblem(
          'id',
          before.status === change.to
            ? `the article is already ${change.to}`
            : `an article that is ${before.status} cannot become ${change.to} (only ${change.from.join(' or ')} articles can)`,
        ),
      ]);
    }
    await articleStore.updateArticle(
      tx,
      input.id,
      { columns: { status: change.to, ...(change.to === 'PUBLISHED' && !before.publishedAt ? { publishedAt: new Date() } : {}) } },
      { expectedVersion: input.expectedVersion },
    );
    const after = await readArticle(tx, input.id);
    // Who may see the article changed: so did its series' lists, its organizations' pages and the
    // citations its achievements show.
    return audited(
      tx,
      viewer,
      { action, entityType: 'Article', entityId: input.id, before, after },
      { typename: 'Series', id: before.seriesId },
      ...linkedOrganizations(after),
      ...(await citedAchievements(tx, input.id)),
    );
  });
}
