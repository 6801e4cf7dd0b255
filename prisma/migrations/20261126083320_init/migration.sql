-- CreateEnum
CREATE TYPE "OrganizationKind" AS ENUM ('PROCURATORATE', 'COURT', 'PARTY_COMMITTEE', 'PARTY_BRANCH', 'GOVERNMENT', 'MEDIA', 'OTHER');

-- CreateEnum
CREATE TYPE "OrganizationLevel" AS ENUM ('NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT', 'UNIT');

-- CreateEnum
CREATE TYPE "SeriesStatus" AS ENUM ('ONGOING', 'COMPLETED');

-- CreateEnum
CREATE TYPE "ArticleStatus" AS ENUM ('DRAFT', 'PUBLISHED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "ArticleOrganizationRole" AS ENUM ('SUBJECT', 'MENTIONED', 'PUBLISHER');

-- CreateEnum
CREATE TYPE "AchievementKind" AS ENUM ('AWARD', 'HONOR', 'RANKING', 'SELECTION', 'METRIC', 'MILESTONE');

-- CreateEnum
CREATE TYPE "AchievementLevel" AS ENUM ('NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT');

-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('PORTAL', 'WECHAT', 'FEED', 'PARTNER', 'OTHER');

-- CreateTable
CREATE TABLE "Organization" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "shortName" TEXT,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "kind" "OrganizationKind" NOT NULL,
    "level" "OrganizationLevel" NOT NULL,
    "region" TEXT,
    "foundedOn" DATE,
    "description" TEXT,
    "parentId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Source" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "SourceKind" NOT NULL,
    "url" TEXT,
    "attributionText" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Series" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "status" "SeriesStatus" NOT NULL DEFAULT 'ONGOING',
    "publisherId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Article" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "seriesId" UUID,
    "episode" INTEGER,
    "publishedAt" TIMESTAMPTZ(3),
    "language" TEXT NOT NULL DEFAULT 'zh-CN',
    "category" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" "ArticleStatus" NOT NULL DEFAULT 'DRAFT',
    "body" JSONB NOT NULL DEFAULT '[]',
    "bodyText" TEXT NOT NULL DEFAULT '',
    "sourceId" UUID,
    "attribution" TEXT,
    "originalUrl" TEXT,
    "canonicalUrl" TEXT,
    "contentHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Article_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArticleOrganization" (
    "articleId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "role" "ArticleOrganizationRole" NOT NULL,

    CONSTRAINT "ArticleOrganization_pkey" PRIMARY KEY ("articleId","organizationId","role")
);

-- CreateTable
CREATE TABLE "Achievement" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "organizationId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "kind" "AchievementKind" NOT NULL,
    "level" "AchievementLevel",
    "issuerName" TEXT,
    "issuerId" UUID,
    "awardedOn" DATE,
    "periodStart" DATE,
    "periodEnd" DATE,
    "occurredOn" DATE,
    "rank" INTEGER,
    "metricValue" DOUBLE PRECISION,
    "metricUnit" TEXT,
    "metricBaseline" DOUBLE PRECISION,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Achievement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Citation" (
    "id" UUID NOT NULL,
    "achievementId" UUID NOT NULL,
    "articleId" UUID NOT NULL,
    "excerpt" TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Citation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

-- CreateIndex
CREATE INDEX "Organization_parentId_name_idx" ON "Organization"("parentId", "name");

-- CreateIndex
CREATE INDEX "Organization_kind_level_idx" ON "Organization"("kind", "level");

-- CreateIndex
CREATE UNIQUE INDEX "Source_slug_key" ON "Source"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Series_slug_key" ON "Series"("slug");

-- CreateIndex
CREATE INDEX "Series_publisherId_idx" ON "Series"("publisherId");

-- CreateIndex
CREATE UNIQUE INDEX "Article_slug_key" ON "Article"("slug");

-- CreateIndex
CREATE INDEX "Article_status_publishedAt_id_idx" ON "Article"("status", "publishedAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Article_sourceId_idx" ON "Article"("sourceId");

-- CreateIndex
CREATE INDEX "Article_tags_idx" ON "Article" USING GIN ("tags");

-- CreateIndex
CREATE UNIQUE INDEX "Article_seriesId_episode_key" ON "Article"("seriesId", "episode");

-- CreateIndex
CREATE INDEX "ArticleOrganization_organizationId_role_idx" ON "ArticleOrganization"("organizationId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "Achievement_slug_key" ON "Achievement"("slug");

-- CreateIndex
CREATE INDEX "Achievement_organizationId_occurredOn_id_idx" ON "Achievement"("organizationId", "occurredOn" DESC, "id");

-- CreateIndex
CREATE INDEX "Achievement_level_occurredOn_id_idx" ON "Achievement"("level", "occurredOn" DESC, "id");

-- CreateIndex
CREATE INDEX "Achievement_kind_occurredOn_id_idx" ON "Achievement"("kind", "occurredOn" DESC, "id");

-- CreateIndex
CREATE INDEX "Achievement_issuerId_idx" ON "Achievement"("issuerId");

-- CreateIndex
CREATE INDEX "Citation_articleId_idx" ON "Citation"("articleId");

-- CreateIndex
CREATE UNIQUE INDEX "Citation_achievementId_articleId_offset_key" ON "Citation"("achievementId", "articleId", "offset");

-- AddForeignKey
ALTER TABLE "Organization" ADD CONSTRAINT "Organization_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Series" ADD CONSTRAINT "Series_publisherId_fkey" FOREIGN KEY ("publisherId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Article" ADD CONSTRAINT "Article_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "Series"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Article" ADD CONSTRAINT "Article_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArticleOrganization" ADD CONSTRAINT "ArticleOrganization_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArticleOrganization" ADD CONSTRAINT "ArticleOrganization_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Achievement" ADD CONSTRAINT "Achievement_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Achievement" ADD CONSTRAINT "Achievement_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Citation" ADD CONSTRAINT "Citation_achievementId_fkey" FOREIGN KEY ("achievementId") REFERENCES "Achievement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Citation" ADD CONSTRAINT "Citation_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article"("id") ON DELETE CASCADE ON UPDATE CASCADE;
