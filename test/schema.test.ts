import { readFileSync } from 'node:fs';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  lexicographicSortSchema,
  printSchema,
  buildSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

describe('the schema', () => {
  it('documents every type, field, argument and enum value, since GraphiQL is the user’s manual', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description && !['ASC', 'DESC'].includes(value.name)) missing.push(`${type.name}.${value.name}`);
        }
      }
      if (isUnionType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it('matches the committed schema.graphql (run `npm run codegen` after changing the schema)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    // It applies the federation directives (@link, @key, @shareable) without defining them.
    const built = buildSchema(committed, { assumeValidSDL: true });
    expect(printSchema(lexicographicSortSchema(built))).toBe(printSchema(lexicographicSortSchema(schema)));
  });

  it('has the root fields that clients and partner checks depend on', () => {
    const query = schema.getQueryType()!.getFields();
    for (const name of ['node', 'nodes', 'organization', 'organizations', 'series', 'seriesList', 'article', 'articles', 'achievements', 'search']) {
      expect(query[name], name).toBeDefined();
    }
    const organization = schema.getType('Organization');
    expect(isObjectType(organization) && Object.keys(organization.getFields())).toEqual(
      expect.arrayContaining(['parent', 'children', 'ancestors', 'articles', 'achievements']),
    );
  });
});
