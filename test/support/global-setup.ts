// Runs once per `vitest run`: migrates one template database per backend through
// src/db/migrations.ts, and hands test workers what they need to clone it (see ./database.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase, pgConnectionFields } from '../../src/db/client.js';
import { loadSchemaEngine, migrateDatabase, SHADOW_DATABASE_PREFIX } from '../../src/db/migrations.js';
import {
  adminQuery,
  databaseUrl,
  TEST_DATABASE_PREFIX,
  type TestBackend,
  type TestDatabaseTemplates,
} from './database.js';

const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = pgConnectionFields(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function chooseBackends(serverUrl: string): Promise<TestBackend[]> {
  const explicit = process.env.TEST_BACKENDS?.split(',').map((name) => name.trim()).filter(Boolean);
  if (explicit?.length) {
    const unknown = explicit.filter((name) => name !== 'pglite' && name !== 'postgres');
    if (unknown.length) throw new Error(`TEST_BACKENDS: unknown backend(s) ${unknown.join(', ')}`);
    return explicit as TestBackend[];
  }
  const required = !!process.env.TEST_DATABASE_URL || process.env.CI === 'true';
  if (await answers(serverUrl)) return ['pglite', 'postgres'];
  if (required) {
    throw new Error(
      `PostgreSQL at ${new URL(serverUrl).host} does not answer, and ${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'CI'} requires it`,
    );
  }
  return ['pglite'];
}

/** Drops databases left by test runs and migration engines whose process has died. */
async function dropLeftovers(serverUrl: string): Promise<string[]> {
  const rows = await adminQuery<{ datname: string }>(
    serverUrl,
    `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`,
    [`${TEST_DATABASE_PREFIX}%`, `${SHADOW_DATABASE_PREFIX}%`],
  );
  const dropped: string[] = [];
  for (const { datname } of rows) {
    const pid = Number(/^(?:cf_test|prisma_shadow)_(\d+)_/.exec(datname)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    dropped.push(datname);
  }
  return dropped;
}

async function preparePGlite(dir: string) {
  const started = performance.now();
  const db = await openDatabase({ kind: 'pglite' });
  try {
    const pglite = db.pglite!;
    const pgliteEmptyFile = path.join(dir, 'pglite-empty.tar');
    await writeFile(pgliteEmptyFile, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    const migrating = performance.now();
    await migrateDatabase(db);
    const migrateMs = performance.now() - migrating;
    const pgliteTemplateFile = path.join(dir, 'pglite-template.tar');
    await writeFile(pgliteTemplateFile, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    return { pgliteEmptyFile, pgliteTemplateFile, ms: performance.now() - started, migrateMs };
  } finally {
    await db.close();
  }
}

async function preparePostgres(serverUrl: string) {
  const started = performance.now();
  const dropped = await dropLeftovers(serverUrl);
  const prefix = `${TEST_DATABASE_PREFIX}${process.pid}_`;
  const template = `${prefix}template`;
  await adminQuery(serverUrl, `CREATE DATABASE "${template}"`);
  const migrating = performance.now();
  await migrateDatabase({ kind: 'postgres', url: databaseUrl(serverUrl, template) });
  const migrateMs = performance.now() - migrating;
  return { serverUrl, template, prefix, dropped, ms: performance.now() - started, migrateMs };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL?.trim() || DEFAULT_SERVER_URL;
  const backends = await chooseBackends(serverUrl);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cf-test-'));
  // One after the other: a PGlite boot is CPU-bound on this thread, so running both at once only
  // blurs the timings. Loading the WASM schema engine (about 1 s) is counted apart.
  const loading = performance.now();
  await loadSchemaEngine();
  const engineMs = performance.now() - loading;
  const postgres = backends.includes('postgres') ? await preparePostgres(serverUrl) : undefined;
  const pglite = await preparePGlite(dir);

  const provided: TestDatabaseTemplates = {
    backends,
    pgliteTemplateFile: pglite.pgliteTemplateFile,
    pgliteEmptyFile: pglite.pgliteEmptyFile,
    postgres: postgres && { serverUrl, template: postgres.template, prefix: postgres.prefix },
  };
  project.provide('testDatabases', provided);
  console.log(
    `Test databases: schema engine ${seconds(engineMs)}, PGlite template ${seconds(pglite.ms)} (migrate ${seconds(pglite.migrateMs)})` +
      (postgres
        ? `, PostgreSQL template ${seconds(postgres.ms)} (migrate ${seconds(postgres.migrateMs)})` +
          (postgres.dropped.length ? `, dropped ${postgres.dropped.length} leftover database(s)` : '')
        : ', PostgreSQL not tested'),
  );

  return async () => {
    await rm(dir, { recursive: true, force: true });
    if (!postgres) return;
    const rows = await adminQuery<{ datname: string }>(
      serverUrl,
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
      [postgres.prefix],
    );
    for (const { datname } of rows) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  };
}
