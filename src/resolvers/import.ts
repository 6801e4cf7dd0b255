import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { GraphQLSchema } from 'graphql';
import { BadUserInputError } from '../domain/errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ImportRunStatus, ImportTrigger } from '../generated/prisma/enums.js';
import { importConfigFromEnv } from '../ingest/config.js';
import { runImport } from '../ingest/import.js';
import type { ImportRunSummary, StoreOutcome } from '../ingest/types.js';
import { invalidateAfterWrite } from './cache-upkeep.js';
import { requestLog } from '../observability/log.js';
import type { Viewer } from '../auth/viewer.js';

/** How many inputs one `importContent` call may name. */
export const MAX_IMPORT_INPUTS = 20;
/** How long one input may be, in characters. */
export const MAX_IMPORT_INPUT_LENGTH = 2_000;
/** How long an inline document's name may be, in characters. */
export const MAX_DOCUMENT_NAME_LENGTH = 200;

/** A document sent with the mutation (a partner's JSON push, a page's HTML), not fetched. */
export interface InlineDocumentInput {
  name: string;
  contentType?: string | null;
  content: string;
}

export interface ImportRunFilterInput {
  status?: ImportRunStatus | null;
  trigger?: ImportTrigger | null;
  startedFrom?: Date | null;
  startedTo?: Date | null;
}

/** The `importRuns(filter:)` condition. */
export function importRunWhere(filter: ImportRunFilterInput | null | undefined): Prisma.ImportRunWhereInput {
  if (filter?.startedFrom && filter.startedTo && filter.startedFrom > filter.startedTo) {
    throw new BadUserInputError('"startedFrom" is after "startedTo"', { fields: [{ path: 'filter.startedFrom', message: 'is after startedTo' }] });
  }
  return {
    ...(filter?.status ? { status: filter.status } : {}),
    ...(filter?.trigger ? { trigger: filter.trigger } : {}),
    ...(filter?.startedFrom || filter?.startedTo
      ? { startedAt: { ...(filter.startedFrom ? { gte: filter.startedFrom } : {}), ...(filter.startedTo ? { lte: filter.startedTo } : {}) } }
      : {}),
  };
}

/**
 * Checks the inputs of `importContent` before a run is recorded: 1 to 20 of them, each an http(s)
 * URL, or a path under IMPORT_FILE_ROOT when that is set (the API never reads other server files).
 * @throws BadUserInputError listing every bad input by its index.
 */
export function checkImportInputs(
  inputs: readonly string[],
  fileRoot: string | null,
  documents: readonly InlineDocumentInput[] = [],
  maxBytes = Infinity,
): string[] {
  const fields: { path: string; message: string }[] = [];
  if (inputs.length + documents.length === 0) fields.push({ path: 'input.inputs', message: 'name at least one input or send one document' });
  if (inputs.length + documents.length > MAX_IMPORT_INPUTS) {
    fields.push({ path: 'input.inputs', message: `at most ${MAX_IMPORT_INPUTS} inputs and documents per call` });
  }
  const names = new Set<string>();
  documents.forEach((document, index) => {
    const path = `input.documents.${index}`;
    const name = document.name.trim();
    if (!name || name.length > MAX_DOCUMENT_NAME_LENGTH) fields.push({ path: `${path}.name`, message: `must be 1 to ${MAX_DOCUMENT_NAME_LENGTH} characters` });
    else if (names.has(name)) fields.push({ path: `${path}.name`, message: 'is used twice' });
    names.add(name);
    if (!document.content) fields.push({ path: `${path}.content`, message: 'is empty' });
    else if (Buffer.byteLength(document.content, 'utf8') > maxBytes) fields.push({ path: `${path}.content`, message: `is over ${maxBytes} bytes` });
  });
  const trimmed = inputs.map((input) => input.trim());
  trimmed.forEach((input, index) => {
    const path = `input.inputs.${index}`;
    if (!input) return fields.push({ path, message: 'is blank' });
    if (input.length > MAX_IMPORT_INPUT_LENGTH) return fields.push({ path, message: `is longer than ${MAX_IMPORT_INPUT_LENGTH} characters` });
    if (/^https?:\/\//i.test(input)) {
      if (!URL.canParse(input)) fields.push({ path, message: 'is not a valid URL' });
      return;
    }
    if (/^[a-z][a-z0-9+.-]+:/i.test(input) && !/^file:/i.test(input)) {
      return fields.push({ path, message: 'must be an http or https URL' });
    }
    if (!fileRoot) fields.push({ path, message: 'must be an http or https URL: this server reads no files for the API (IMPORT_FILE_ROOT is not set)' });
  });
  if (fields.length) {
    throw new BadUserInputError(fields.map((field) => `${field.path} ${field.message}`).join('; '), { fields });
  }
  return trimmed;
}

/**
 * Runs an import for an admin (`importContent`): trigger MUTATION, the credential's name as the
 * actor. When it has finished, drops the cached answers it made stale: the changed entities by
 * id, and by type every answer listing articles, series or sources (a new one may belong there).
 */
export async function importContent(
  prisma: PrismaClient,
  viewer: Viewer,
  { inputs, documents = [] }: { inputs: readonly string[]; documents?: readonly InlineDocumentInput[] | null },
  cache: { responseCache: Cache | null; schema: GraphQLSchema },
): Promise<ImportRunSummary> {
  const config = importConfigFromEnv();
  const checked = checkImportInputs(inputs, config.fileRoot, documents ?? [], config.maxBytes);
  const fetchedAt = new Date();
  return runImport(prisma, checked, {
    trigger: 'MUTATION',
    actorName: viewer.name ?? 'admin',
    config,
    documents: (documents ?? []).map((document) => ({
      locator: `inline:${document.name.trim()}`,
      url: null,
      // GraphQL strings are Unicode: the document arrives as UTF-8 whatever it was written in or
      // declares (a pasted GBK page's <meta charset>). A UTF-8 byte order mark says so, and the
      // decoder trusts it before any declaration.
      bytes: new TextEncoder().encode(`\ufeff${document.content}`),
      contentType: document.contentType?.trim() || null,
      fetchedAt,
    })),
    onEntitiesChanged: async (entities: StoreOutcome['changedEntities']) => {
      const responseCache = cache.responseCache;
      if (!responseCache || !entities.length) return;
      try {
        await invalidateAfterWrite(responseCache, cache.schema, entities, new Set(entities.map((entity) => entity.typename)));
      } catch (error) {
        // The import is committed; stale entries then expire with their TTL.
        requestLog().error({ err: error }, 'The response cache could not be invalidated after an import');
      }
    },
  });
}
