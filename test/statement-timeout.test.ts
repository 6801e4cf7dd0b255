import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFromEnv } from '../src/http/limits.js';
import { createTestDatabase, testBackends } from './support/database.js';

// A statement that runs away is cancelled by PostgreSQL itself (statement_timeout), not left to
// hold a pooled connection and a core. PGlite runs in-process and has no such setting.

it('reads DATABASE_STATEMENT_TIMEOUT_MS from the environment, with "off" turning it off', () => {
  expect(limitsFromEnv({}).limits.statementTimeoutMs).toBe(DEFAULT_LIMITS.statementTimeoutMs);
  expect(limitsFromEnv({ DATABASE_STATEMENT_TIMEOUT_MS: '2500' }).limits.statementTimeoutMs).toBe(2_500);
  expect(limitsFromEnv({ DATABASE_STATEMENT_TIMEOUT_MS: 'off' }).limits.statementTimeoutMs).toBeNull();
  expect(() => limitsFromEnv({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS must be a whole number/);
});

describe.runIf(testBackends().includes('postgres'))('the statement timeout on PostgreSQL', () => {
  it('cancels a statement that runs longer than the timeout, and the connection serves the next one', async () => {
    const db = await createTestDatabase('postgres', { statementTimeoutMs: 200 });
    try {
      await expect(db.prisma.$queryRaw`SELECT pg_sleep(2)`).rejects.toThrow(/statement timeout/);
      expect(await db.prisma.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      expect(await db.prisma.$queryRaw`SELECT current_setting('statement_timeout') AS setting`).toEqual([{ setting: '200ms' }]);
    } finally {
      await db.close();
    }
  });

  it('sets no timeout when none is asked for', async () => {
    const db = await createTestDatabase('postgres');
    try {
      expect(await db.prisma.$queryRaw`SELECT current_setting('statement_timeout') AS setting`).toEqual([{ setting: '0' }]);
    } finally {
      await db.close();
    }
  });
});
