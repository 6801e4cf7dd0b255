import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Pothos and yoga load one, test files the other, and graphql
    // refuses types from "another realm". Point every import at the same build.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // One process per test file: PGlite is WASM with process-wide state, and a crashed file must
    // not take the others with it.
    pool: 'forks',
    // Migrates one template database per backend, once per run (see test/support/database.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // A PGlite boot costs seconds on a busy machine; the migration tests replay migrations too.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
