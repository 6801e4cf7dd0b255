import { isInputObjectType, isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as achievement from '../src/resolvers/editorial/achievement.js';
import * as article from '../src/resolvers/editorial/article.js';
import * as organization from '../src/resolvers/editorial/organization.js';
import * as series from '../src/resolvers/editorial/series.js';
import { schema } from '../src/schema/index.js';

// Every editorial input is declared once (src/resolvers/editorial/): its validation and the
// descriptions the schema shows come from the same rules. These tests hold the descriptions to
// the limits the validation enforces, and the schema to the declarations.

interface Declaration {
  schema: z.ZodObject<Record<string, z.ZodType>>;
  fields: Record<string, { required: boolean; description: string }>;
}

const isDeclaration = (value: unknown): value is Declaration =>
  typeof value === 'object' && value !== null && 'schema' in value && 'fields' in value;

const modules: Record<string, unknown> = { ...achievement, ...article, ...organization, ...series };
const declarations = Object.entries(modules).filter((entry): entry is [string, Declaration] => isDeclaration(entry[1]));

// GraphQL input type of each declaration, by the name the schema gives it.
const typeNames: Record<string, string[]> = {
  createSeriesInput: ['CreateSeriesInput'],
  updateSeriesInput: ['UpdateSeriesInput'],
  createOrganizationInput: ['CreateOrganizationInput'],
  updateOrganizationInput: ['UpdateOrganizationInput'],
  metricInput: ['MetricInput'],
  createAchievementInput: ['CreateAchievementInput'],
  updateAchievementInput: ['UpdateAchievementInput'],
  deleteAchievementInput: ['DeleteAchievementInput'],
  addCitationInput: ['AddCitationInput'],
  removeCitationInput: ['RemoveCitationInput'],
  articleBlockInput: ['ArticleBlockInput'],
  articleOrganizationInput: ['ArticleOrganizationInput'],
  createArticleInput: ['CreateArticleInput'],
  updateArticleInput: ['UpdateArticleInput'],
  articleStatusChangeInput: ['PublishArticleInput', 'ArchiveArticleInput'],
};

/** Every (declaration, field) whose description states a limit, with a value at the limit and one past it. */
function statedLimits() {
  const cases: { name: string; field: z.ZodType; atLimit: unknown; pastLimit: unknown }[] = [];
  for (const [name, declaration] of declarations) {
    for (const [key, { description }] of Object.entries(declaration.fields)) {
      const field = declaration.schema.shape[key]!;
      const characters = /at most (\d+) characters/.exec(description);
      const count = /\(at most (\d+),/.exec(description);
      const text = (length: number) => 'a'.repeat(length);
      if (count) {
        const items = (n: number) => Array.from({ length: n }, (_, i) => `item${i}`);
        cases.push({ name: `${name}.${key} (count)`, field, atLimit: items(Number(count[1])), pastLimit: items(Number(count[1]) + 1) });
      }
      if (characters && count) {
        const max = Number(characters[1]);
        cases.push({ name: `${name}.${key} (each)`, field, atLimit: [text(max)], pastLimit: [text(max + 1)] });
      } else if (characters) {
        const max = Number(characters[1]);
        cases.push({ name: `${name}.${key}`, field, atLimit: text(max), pastLimit: text(max + 1) });
      }
    }
  }
  return cases;
}

describe('editorial inputs', () => {
  it('finds every input declaration of the four editorial modules', () => {
    expect(declarations.map(([name]) => name).sort()).toEqual(Object.keys(typeNames).sort());
  });

  it('states in each description the limit that the validation enforces', () => {
    const cases = statedLimits();
    // The limits stated today; a description that stops stating one shows here.
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'createSeriesInput.title',
        'createSeriesInput.description',
        'createOrganizationInput.slug',
        'createOrganizationInput.aliases (count)',
        'createOrganizationInput.aliases (each)',
        'updateOrganizationInput.name',
        'metricInput.unit',
        'createAchievementInput.title',
        'addCitationInput.excerpt',
        'articleBlockInput.text',
        'createArticleInput.tags (count)',
        'updateArticleInput.category',
      ]),
    );
    for (const { name, field, atLimit, pastLimit } of cases) {
      expect(field.safeParse(atLimit).success, `${name} at its stated limit`).toBe(true);
      expect(field.safeParse(pastLimit).success, `${name} past its stated limit`).toBe(false);
    }
  });

  it('gives each schema input the declared fields, descriptions and requiredness', () => {
    for (const [name, declaration] of declarations) {
      for (const typeName of typeNames[name]!) {
        const type = schema.getType(typeName);
        if (!isInputObjectType(type)) throw new Error(`${typeName} is not an input type of the schema`);
        const fields = Object.values(type.getFields()).map((field) => ({
          name: field.name,
          required: isNonNullType(field.type),
          description: field.description,
        }));
        const declared = Object.entries(declaration.fields).map(([key, options]) => ({ name: key, ...options }));
        // The schema is sorted by name.
        expect(fields, typeName).toEqual(declared.sort((a, b) => a.name.localeCompare(b.name)));
      }
    }
  });

  it('makes null clear only the fields whose validation accepts it', () => {
    const update = organization.updateOrganizationInput;
    expect(update.fields.shortName.description).toMatch(/null to clear\.$/);
    expect(update.schema.shape.shortName.safeParse(null).success).toBe(true);
    expect(update.fields.name.description).toMatch(/Omit to leave unchanged\.$/);
    expect(update.schema.shape.name.safeParse(null).success).toBe(false);
  });
});
