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
    // One test file at a time, on purpose. Measured on the 2-core machine, with other jobs loading
    // it (load average 12-18), on credentials, synthetic and import-run: 1 worker 210 s and 146 s,
    // 2 workers 233 s and 182 s, 3 workers 233 s. PGlite runs its WASM on the worker's own thread,
    // so a second file mostly halves each file's share of the cores (per-test times doubled) and
    // adds another PGlite's memory. On a machine with more cores, try `--maxWorkers=N`.
    maxWorkers: 1,
    // Migrates one template database per backend, once per run (see test/support/database.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // A PGlite boot costs seconds on a busy machine; the migration tests replay migrations too.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The service's JSON log (src/observability/log.ts) stays quiet; tests that look at log lines
    // give the server a logger of their own.
    env: { LOG_LEVEL: 'silent' },
  },
});
