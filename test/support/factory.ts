import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { OrganizationKind, OrganizationLevel } from '../../src/generated/prisma/enums.js';

/** A short unique suffix, so that every test's rows are its own. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createOrganization(
  prisma: PrismaClient,
  data: { name?: string; parentId?: string | null; kind?: OrganizationKind; level?: OrganizationLevel } = {},
) {
  const slug = unique('org');
  return prisma.organization.create({
    data: {
      slug,
      name: data.name ?? `测试检察院 ${slug}`,
      kind: data.kind ?? 'PROCURATORATE',
      level: data.level ?? 'DISTRICT',
      parentId: data.parentId ?? null,
    },
  });
}

export async function createSeries(prisma: PrismaClient, publisherId?: string) {
  const slug = unique('series');
  return prisma.series.create({ data: { slug, title: `系列报道 ${slug}`, publisherId } });
}

export async function createArticle(
  prisma: PrismaClient,
  data: {
    seriesId?: string;
    episode?: number;
    /** Now when omitted; null for an undated article. */
    publishedAt?: Date | null;
    status?: 'DRAFT' | 'PUBLISHED' | 'ARCHIVED';
    organizations?: { organizationId: string; role: 'SUBJECT' | 'MENTIONED' | 'PUBLISHER' }[];
    tags?: string[];
    bodyText?: string;
  } = {},
) {
  const slug = unique('article');
  const bodyText = data.bodyText ?? `正文 ${slug}`;
  return prisma.article.create({
    data: {
      slug,
      title: `文章 ${slug}`,
      seriesId: data.seriesId,
      episode: data.episode,
      publishedAt: data.publishedAt === undefined ? new Date() : data.publishedAt,
      status: data.status ?? 'PUBLISHED',
      tags: data.tags ?? [],
      body: [{ kind: 'PARAGRAPH', text: bodyText }],
      bodyText,
      contentHash: slug,
      organizations: data.organizations ? { create: data.organizations } : undefined,
    },
  });
}

export async function createAchievement(
  prisma: PrismaClient,
  data: {
    organizationId: string;
    level?: 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL' | 'DISTRICT';
    occurredOn?: Date | null;
    citeArticle?: { id: string; bodyText: string };
  },
) {
  const slug = unique('achievement');
  return prisma.achievement.create({
    data: {
      slug,
      organizationId: data.organizationId,
      title: `荣誉 ${slug}`,
      kind: 'HONOR',
      level: data.level ?? 'MUNICIPAL',
      awardedOn: data.occurredOn,
      occurredOn: data.occurredOn,
      citations: data.citeArticle
        ? { create: { articleId: data.citeArticle.id, excerpt: data.citeArticle.bodyText.slice(0, 4), offset: 0 } }
        : undefined,
    },
  });
}
