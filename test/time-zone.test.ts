import { describe, expect, it } from 'vitest';
import { createTestDatabase, adminQuery, testBackends } from './support/database.js';
import { createArticle } from './support/factory.js';

// Prisma sends timestamps as text without a zone and PostgreSQL reads them in the session's time
// zone; compiled reads and raw SQL send ISO strings with one. The service's connections run in
// UTC whatever the server's or the database's default, so the two agree.

describe.runIf(testBackends().includes('postgres'))('the session time zone on PostgreSQL', () => {
  it('is UTC even when the database defaults to another zone, so Prisma stores the instant it was given', async () => {
    const db = await createTestDatabase('postgres');
    try {
      if (db.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
      const name = decodeURIComponent(new URL(db.config.url).pathname.slice(1));
      // New connections of this database start in Los Angeles time unless told otherwise.
      await adminQuery(db.config.url, `ALTER DATABASE "${name}" SET TimeZone = 'America/Los_Angeles'`);
      expect((await adminQuery<{ tz: string }>(db.config.url, `SELECT current_setting('TimeZone') AS tz`))[0]?.tz).toBe(
        'America/Los_Angeles',
      );

      expect(await db.prisma.$queryRaw`SELECT current_setting('TimeZone') AS tz`).toEqual([{ tz: 'UTC' }]);
      const instant = new Date('2023-01-01T00:00:00.000Z');
      const article = await createArticle(db.prisma, { publishedAt: instant });
      const [row] = await adminQuery<{ epoch: string }>(
        db.config.url,
        `SELECT extract(epoch FROM "publishedAt")::text AS epoch FROM "Article" WHERE id = $1`,
        [article.id],
      );
      expect(Number(row?.epoch)).toBe(instant.getTime() / 1000);
      const matches = await db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM "Article" WHERE id = ${article.id} AND "publishedAt" <= ${instant.toISOString()}::timestamptz`;
      expect(matches).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  });
});
