import type { CodegenConfig } from '@graphql-codegen/cli';

// `npm run codegen` writes the SDL (schema.graphql, committed and checked in CI) and typed
// documents for the operations the tests and GraphiQL use.
const config: CodegenConfig = {
  schema: './src/schema/index.ts',
  documents: ['src/http/graphiql/examples.graphql', 'src/http/trusted-documents/**/*.graphql', 'test/operations/**/*.graphql'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    './schema.graphql': {
      plugins: ['schema-ast'],
      config: { includeDirectives: true, sort: true },
    },
    './test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { Date: 'string', DateTime: 'string' } },
    },
  },
};

export default config;
