import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { GraphQLSchema } from 'graphql';
import { BadUserInputError } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { ImportRunStatus, ImportTrigger } from '../generated/prisma/enums.js';
import { importConfigFromEnv } from '../ingest/config.js';
import { runImport } from '../ingest/import.js';
import type { ImportRunSummary, StoreOutcome } from '../ingest/types.js';
import { invalidateAfterWrite } from '../response-cache.js';
import type { Viewer } from '../viewer.js';

/** How many inputs one `importContent` call may name. */
export const MAX_IMPORT_INPUTS = 20;
/** How long one input may be, in characters. */
export const MAX_IMPORT_INPUT_LENGTH = 2_000;

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
export function checkImportInputs(inputs: readonly string[], fileRoot: string | null): string[] {
  const fields: { path: string; message: string }[] = [];
  if (inputs.length === 0) fields.push({ path: 'input.inputs', message: 'name at least one input' });
  if (inputs.length > MAX_IMPORT_INPUTS) fields.push({ path: 'input.inputs', message: `at most ${MAX_IMPORT_INPUTS} inputs per call` });
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
  inputs: readonly string[],
  cache: { responseCache: Cache | null; schema: GraphQLSchema },
): Promise<ImportRunSummary> {
  const config = importConfigFromEnv();
  const checked = checkImportInputs(inputs, config.fileRoot);
  return runImport(prisma, checked, {
    trigger: 'MUTATION',
    actorName: viewer.name ?? 'admin',
    config,
    onEntitiesChanged: async (entities: StoreOutcome['changedEntities']) => {
      const responseCache = cache.responseCache;
      if (!responseCache || !entities.length) return;
      try {
        await invalidateAfterWrite(responseCache, cache.schema, entities, new Set(entities.map((entity) => entity.typename)));
      } catch (error) {
        // The import is committed; stale entries then expire with their TTL.
        console.error('The response cache could not be invalidated after an import:', error);
      }
    },
  });
}
