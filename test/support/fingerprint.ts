import type { PrismaClient } from '../../src/generated/prisma/client.js';

/** Per table: how many rows, and an md5 over every row's text in a fixed order. */
export type DatabaseFingerprint = Record<string, { rows: number; md5: string }>;

/**
 * A fingerprint of every table in the public schema (migrations bookkeeping included). Two equal
 * fingerprints mean no row was added, removed or changed in between. One statement.
 */
export async function databaseFingerprint(prisma: PrismaClient): Promise<DatabaseFingerprint> {
  const tables = await prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  if (!tables.length) throw new Error('No tables found: is the database migrated?');
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const literal = (name: string) => `'${name.replaceAll("'", "''")}'`;
  const sql = tables
    .map(
      ({ name }) =>
        `SELECT ${literal(name)} AS name, count(*)::int AS rows, ` +
        `md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${quote(name)} t`,
    )
    .join(' UNION ALL ');
  const rows = await prisma.$queryRawUnsafe<{ name: string; rows: number; md5: string }[]>(sql);
  return Object.fromEntries(rows.map(({ name, rows: count, md5 }) => [name, { rows: Number(count), md5 }]));
}

/** Row counts of the tables the content model writes. */
export async function rowCounts(prisma: PrismaClient) {
  return {
    organizations: await prisma.organization.count(),
    sources: await prisma.source.count(),
    series: await prisma.series.count(),
    articles: await prisma.article.count(),
    articleOrganizations: await prisma.articleOrganization.count(),
    achievements: await prisma.achievement.count(),
    citations: await prisma.citation.count(),
  };
}
