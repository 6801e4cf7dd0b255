import { defineConfig } from 'prisma/config';

// Used by the stock Prisma CLI (generate, validate, studio). Migrations run through
// scripts/db.ts, which does not need the native schema engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
