import { z } from 'zod';

// The JSON format partners push articles in (documented in docs/import.md; its JSON Schema,
// schemas/partner-articles.schema.json, is generated from these zod schemas). The envelope is
// checked first; then each article on its own, so that one bad article is reported with its zod
// issues while the others are imported.

/** The document is not readable at all: not JSON, truncated, or its envelope fails the schema. */
export class PartnerJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartnerJsonError';
  }
}

const text = (max: number) => z.string().trim().min(1).max(max);
const httpUrl = z.url({ protocol: /^https?$/ });

export const partnerBlockSchema = z
  .strictObject({
    kind: z.enum(['HEADING', 'PARAGRAPH', 'LIST_ITEM']).describe('What the block is: a section heading, a paragraph, or an item of a list.'),
    text: text(20_000).describe('The block text, verbatim.'),
  })
  .describe('One block of the article body, in reading order.');

export const partnerArticleSchema = z
  .strictObject({
    id: text(200).optional().describe("The partner's own id for the article; with the document's address it names the article in import reports."),
    url: httpUrl.optional().describe("The article's page on the partner's site (its original address)."),
    title: text(300).describe('The title, without the series name.'),
    series: z
      .strictObject({
        title: text(200).describe('The series title, e.g. 中国凉都——六盘水检察人系列报道.'),
        episode: z.int().positive().nullable().optional().describe('The episode number (之五十 → 50).'),
      })
      .optional()
      .describe('The series the article belongs to.'),
    publishedAt: z
      .union([z.iso.datetime({ offset: true }), z.iso.date()])
      .optional()
      .describe('When it was published: an ISO 8601 date-time with an offset, or a date (read as midnight in UTC+08:00).'),
    category: text(100).optional().describe('The section the partner files it under, e.g. 国内资讯.'),
    tags: z.array(text(50)).max(50).optional().describe('Free tags.'),
    attribution: text(100).optional().describe('Who the text is credited to, e.g. 凉都检察.'),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/)
      .optional()
      .describe('A BCP 47 language tag; zh-CN when absent.'),
    body: z.array(partnerBlockSchema).min(1).max(2_000).optional().describe('The body as blocks. Give either body or text.'),
    text: text(500_000).optional().describe('The body as plain text, paragraphs separated by blank lines. Give either body or text.'),
    organizations: z
      .array(
        z.strictObject({
          name: text(200).describe('The organization as the article names it, e.g. 六盘水市钟山区人民检察院.'),
          role: z.enum(['SUBJECT', 'MENTIONED', 'PUBLISHER']).describe('SUBJECT: the article profiles it; MENTIONED: it is named; PUBLISHER: it published the article.'),
        }),
      )
      .max(100)
      .optional()
      .describe('Organizations the article is about or names.'),
  })
  .refine((article) => (article.body === undefined) !== (article.text === undefined), {
    message: 'give exactly one of body (blocks) or text (paragraphs separated by blank lines)',
    path: ['body'],
  })
  .describe('One article.');

const sourceSchema = z
  .strictObject({
    name: text(200).describe('The partner, as its articles are credited.'),
    url: httpUrl.optional().describe("The partner's site."),
  })
  .describe('Who pushes the articles.');

/** The whole document, as the JSON Schema describes it. */
export const partnerDocumentSchema = z
  .strictObject({
    version: z.literal(1).describe('The format version: 1.'),
    source: sourceSchema,
    articles: z.array(partnerArticleSchema).min(1).max(1_000).describe('The articles; each is imported, or reported, on its own.'),
  })
  .describe('Articles a partner pushes to the content federation service.');

// The envelope only: articles are checked one by one below.
const envelopeSchema = partnerDocumentSchema.extend({ articles: z.array(z.unknown()).min(1).max(1_000) });

export type PartnerArticle = z.infer<typeof partnerArticleSchema>;
export type PartnerSource = z.infer<typeof sourceSchema>;

export interface ParsedPartnerDocument {
  source: PartnerSource;
  articles: { key: string; article: PartnerArticle }[];
  failures: { key: string; reason: string }[];
}

/** The JSON Schema (draft 2020-12) of the partner format, as committed in schemas/partner-articles.schema.json. */
export function partnerJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(partnerDocumentSchema, {
    target: 'draft-2020-12',
    override: ({ zodSchema, jsonSchema }) => {
      // The refinement has no JSON Schema form of its own; this says the same thing.
      if (zodSchema === partnerArticleSchema) jsonSchema.oneOf = [{ required: ['body'] }, { required: ['text'] }];
    },
  });
  const { $schema, ...rest } = schema;
  return { $schema, title: 'Partner articles', ...rest };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}

function articleKey(value: unknown, index: number): string {
  if (value && typeof value === 'object') {
    const { id, url } = value as { id?: unknown; url?: unknown };
    if (typeof id === 'string' && id.trim()) return id.trim();
    if (typeof url === 'string' && url.trim()) return url.trim();
  }
  return `article ${index + 1}`;
}

/**
 * Parses a partner document.
 * @throws PartnerJsonError "truncated or malformed JSON: …" when it is not JSON, or
 *   "the document fails the partner schema: …" when its envelope (version, source, articles) does.
 */
export function parsePartnerJson(json: string): ParsedPartnerDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new PartnerJsonError(`truncated or malformed JSON: ${(error as Error).message}`);
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) throw new PartnerJsonError(`the document fails the partner schema: ${describeIssues(envelope.error)}`);

  const result: ParsedPartnerDocument = { source: envelope.data.source, articles: [], failures: [] };
  envelope.data.articles.forEach((raw, index) => {
    const key = articleKey(raw, index);
    const article = partnerArticleSchema.safeParse(raw);
    if (article.success) result.articles.push({ key, article: article.data });
    else result.failures.push({ key, reason: `article ${index + 1} fails the partner schema: ${describeIssues(article.error)}` });
  });
  return result;
}
