import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as seedSyntheticCli } from '../scripts/seed-synthetic.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { loadCorpus } from '../src/ingest/corpus.js';
import {
  planSynthetic,
  seedSynthetic,
  SyntheticDataExistsError,
  SyntheticSeedError,
  syntheticSizes,
} from '../scripts/synthetic/generate.js';
import { runMain, spawnScript } from './support/cli.js';
import { rowCounts } from './support/fingerprint.js';
import { testBackends, withDatabase } from './support/database.js';

// Scale 0.05 is 6 organizations, 1 series, 100 articles and 250 achievements: every shape of the
// real thing, small enough for PGlite.
const SMALL = 0.05;

const synthetic = { slug: { startsWith: 'syn-' } };

/** Every synthetic row's identity and content, timestamps left out, in a stable order. */
async function snapshot(prisma: PrismaClient) {
  return {
    organizations: await prisma.organization.findMany({
      where: synthetic,
      orderBy: { slug: 'asc' },
      select: { id: true, slug: true, name: true, level: true, parentId: true, foundedOn: true },
    }),
    articles: await prisma.article.findMany({
      where: synthetic,
      orderBy: { slug: 'asc' },
      select: { id: true, slug: true, title: true, seriesId: true, episode: true, publishedAt: true, status: true, tags: true, contentHash: true },
    }),
    links: await prisma.articleOrganization.findMany({
      where: { article: synthetic },
      orderBy: [{ articleId: 'asc' }, { organizationId: 'asc' }, { role: 'asc' }],
    }),
    achievements: await prisma.achievement.findMany({
      where: synthetic,
      orderBy: { slug: 'asc' },
      select: { id: true, slug: true, title: true, organizationId: true, kind: true, level: true, occurredOn: true, rank: true, metricValue: true },
    }),
    citations: await prisma.citation.findMany({
      where: { achievement: synthetic },
      orderBy: { id: 'asc' },
      select: { id: true, achievementId: true, articleId: true, excerpt: true, offset: true },
    }),
  };
}

describe('the synthetic data plan', () => {
  it('asks for 50 organizations, 20 series, 2,000 articles and 5,000 achievements at scale 1, and ten times that at scale 10', () => {
    expect(syntheticSizes(1)).toEqual({ organizations: 50, series: 20, articles: 2_000, achievements: 5_000 });
    expect(syntheticSizes(10)).toEqual({ organizations: 500, series: 200, articles: 20_000, achievements: 50_000 });
    expect(syntheticSizes(SMALL)).toEqual({ organizations: 6, series: 1, articles: 100, achievements: 250 });
  });

  it('rejects a scale of zero, below zero, above 100 or not a number, and a seed that is not a non-negative integer', () => {
    for (const scale of [0, -1, 101, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => syntheticSizes(scale), String(scale)).toThrow(SyntheticSeedError);
    }
    for (const seed of [-1, 1.5, Number.NaN]) {
      expect(() => planSynthetic({ scale: SMALL, seed }), String(seed)).toThrow(/seed must be a non-negative integer/);
    }
  });

  it('grows one tree at scale 1: a national root over 3 provinces, 12 cities and 30 districts, with party branches below', () => {
    const { organizations } = planSynthetic({ scale: 1, seed: 1 });
    const levels = organizations.map((org) => org.level);
    const count = (level: string) => levels.filter((value) => value === level).length;
    expect([count('NATIONAL'), count('PROVINCIAL'), count('MUNICIPAL'), count('DISTRICT'), count('UNIT')]).toEqual([1, 3, 12, 30, 4]);
    expect(organizations[0]).toMatchObject({ slug: 'syn-org-0001', name: '最高人民检察院', parentId: null });
    expect(new Set(organizations.map((org) => org.name)).size).toBe(organizations.length);
  });

  it('plans the same rows for the same seed and different ones for another seed', () => {
    const render = (seed: number) => {
      const plan = planSynthetic({ scale: SMALL, seed });
      return { ...plan, renderArticles: undefined, rendered: plan.renderArticles(0, plan.counts.articles) };
    };
    const first = render(7);
    expect(render(7)).toEqual(first);
    const other = render(8);
    expect(other.organizations.map((org) => org.id)).not.toEqual(first.organizations.map((org) => org.id));
    expect(other.rendered.articles.map((a) => a.contentHash)).not.toEqual(first.rendered.articles.map((a) => a.contentHash));
  });

  it('numbers episodes 1…n within each series and dates articles between 2015 and 2024', () => {
    const plan = planSynthetic({ scale: 0.2, seed: 3 });
    const { articles } = plan.renderArticles(0, plan.counts.articles);
    const bySeries = new Map<unknown, typeof articles>();
    for (const article of articles) bySeries.set(article.seriesId, [...(bySeries.get(article.seriesId) ?? []), article]);
    expect(bySeries.size).toBe(plan.counts.series);
    for (const episodes of bySeries.values()) {
      expect(episodes.map((article) => article.episode)).toEqual(episodes.map((_, i) => i + 1));
    }
    for (const article of articles) {
      if (article.status === 'DRAFT') continue;
      const year = (article.publishedAt as Date).getUTCFullYear();
      expect(year).toBeGreaterThanOrEqual(2015);
      expect(year).toBeLessThanOrEqual(2024);
    }
  });
});

describe.each(testBackends())('seedSynthetic on %s', (backend) => {
  it('writes the rows the scale asks for, and reports its progress up to the total', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      const progress: number[] = [];
      const counts = await seedSynthetic(prisma, { scale: SMALL, seed: 1, onProgress: ({ done, total }) => progress.push(done / total) });
      expect(counts).toMatchObject({ organizations: 6, series: 1, articles: 100, achievements: 250 });
      expect(counts.citations).toBeGreaterThanOrEqual(250);
      expect(await rowCounts(prisma)).toEqual(counts);
      expect(progress.at(-1)).toBe(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    });
  });

  it('builds a tree in which every organization but the national root has a parent exactly one level up', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await seedSynthetic(prisma, { scale: SMALL, seed: 2 });
      const organizations = await prisma.organization.findMany({ include: { parent: true } });
      const depth = { NATIONAL: 0, PROVINCIAL: 1, MUNICIPAL: 2, DISTRICT: 3, UNIT: 4 };
      const roots = organizations.filter((org) => !org.parent);
      expect(roots.map((org) => org.level)).toEqual(['NATIONAL']);
      for (const org of organizations) {
        if (org.parent) expect(depth[org.level], org.slug).toBe(depth[org.parent.level] + 1);
      }
      expect(new Set(organizations.map((org) => org.level))).toEqual(new Set(['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT', 'UNIT']));
    });
  });

  it('quotes every citation verbatim at its offset in an article whose subject owns the achievement', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await seedSynthetic(prisma, { scale: SMALL, seed: 3 });
      const citations = await prisma.citation.findMany({
        include: {
          article: { select: { bodyText: true, contentHash: true, organizations: { where: { role: 'SUBJECT' } } } },
          achievement: { select: { organizationId: true } },
        },
      });
      expect(citations.length).toBeGreaterThanOrEqual(250);
      for (const { article, achievement, excerpt, offset } of citations) {
        expect(article.bodyText.slice(offset, offset + excerpt.length)).toBe(excerpt);
        expect(article.organizations.map((link) => link.organizationId)).toEqual([achievement.organizationId]);
      }
      const unquoted = await prisma.achievement.count({ where: { citations: { none: {} } } });
      expect(unquoted).toBe(0);
    });
  });

  it('writes identical rows into two fresh databases for the same seed, and different rows for another seed', async () => {
    const seeded = (seed: number) =>
      withDatabase(backend, async ({ prisma }) => {
        await seedSynthetic(prisma, { scale: SMALL, seed });
        return snapshot(prisma);
      });
    const first = await seeded(11);
    expect(first.articles).toHaveLength(100);
    expect(await seeded(11)).toEqual(first);
    const other = await seeded(12);
    expect(other.articles.map((article) => article.id)).not.toEqual(first.articles.map((article) => article.id));
    expect(other.articles.map((article) => article.contentHash)).not.toEqual(first.articles.map((article) => article.contentHash));
  });

  it('indexes the synthetic organizations, articles and achievements for search', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await seedSynthetic(prisma, { scale: SMALL, seed: 4 });
      const [unindexed] = await prisma.$queryRaw<{ count: number }[]>`
        SELECT ((SELECT count(*) FROM "Organization" WHERE "searchVector" IS NULL)
              + (SELECT count(*) FROM "Article" WHERE "searchVector" IS NULL)
              + (SELECT count(*) FROM "Achievement" WHERE "searchVector" IS NULL))::int AS count`;
      expect(unindexed?.count).toBe(0);
    });
  });

  it('refuses to write over synthetic rows without reset, and with reset replaces them but keeps the corpus', async () => {
    await withDatabase(backend, async ({ prisma }) => {
      await loadCorpus(prisma);
      const corpus = await snapshotOfCorpus(prisma);
      await seedSynthetic(prisma, { scale: SMALL, seed: 5 });
      const before = await snapshot(prisma);

      const refused = seedSynthetic(prisma, { scale: SMALL, seed: 6 });
      await expect(refused).rejects.toThrow(SyntheticDataExistsError);
      await expect(refused).rejects.toThrow(/already holds synthetic rows \(6 organizations, .*100 articles, 250 achievements\); use --reset/);
      expect(await snapshot(prisma)).toEqual(before);

      await seedSynthetic(prisma, { scale: SMALL, seed: 6, reset: true });
      const after = await snapshot(prisma);
      expect(after.articles).toHaveLength(100);
      expect(after.articles.map((article) => article.id)).not.toEqual(before.articles.map((article) => article.id));
      expect(await snapshotOfCorpus(prisma)).toEqual(corpus);
    });
  });
});

async function snapshotOfCorpus(prisma: PrismaClient) {
  const notSynthetic = { NOT: synthetic };
  return {
    organizations: await prisma.organization.findMany({ where: notSynthetic, orderBy: { slug: 'asc' } }),
    articles: await prisma.article.findMany({ where: notSynthetic, orderBy: { slug: 'asc' }, include: { organizations: true } }),
    achievements: await prisma.achievement.findMany({ where: notSynthetic, orderBy: { slug: 'asc' }, include: { citations: true } }),
    series: await prisma.series.findMany({ where: notSynthetic, orderBy: { slug: 'asc' } }),
    sources: await prisma.source.findMany({ where: notSynthetic, orderBy: { slug: 'asc' } }),
  };
}

describe('npm run seed:synthetic', () => {
  // Arguments are checked before any database is opened: the directory must never appear.
  let dir: string;
  let env: { PGLITE_DIR: string };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'syn-cli-'));
    env = { PGLITE_DIR: path.join(dir, 'pglite') };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    [['--scale', '0'], /^--scale must be greater than 0 and at most 100, not 0\n/],
    [['--scale', 'abc'], /^--scale must be a number, not "abc"\n/],
    [[], /^--scale is required\n/],
  ] as const)('exits with code 2 and the usage for %j, without creating a database', async (args, reason) => {
    const { code, stdout, stderr } = await runMain(seedSyntheticCli, [...args], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(reason);
    expect(stderr).toContain('\n\nUsage: npm run seed:synthetic -- --scale N');
    expect(stdout).toBe('');
    expect(existsSync(env.PGLITE_DIR)).toBe(false);
  });

  it('exits with code 2 and the usage from a real `npm run seed:synthetic` process', async () => {
    const { code, stderr } = await spawnScript('seed-synthetic.ts', ['--scale', '0'], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^--scale must be greater than 0 and at most 100, not 0\n\nUsage: npm run seed:synthetic -- --scale N/);
    expect(existsSync(env.PGLITE_DIR)).toBe(false);
  });
});
