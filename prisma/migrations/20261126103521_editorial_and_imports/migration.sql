-- CreateEnum
CREATE TYPE "ImportTrigger" AS ENUM ('CLI', 'MUTATION');

-- CreateEnum
CREATE TYPE "ImportRunStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED');

-- CreateEnum
CREATE TYPE "ImportItemStatus" AS ENUM ('CREATED', 'UPDATED', 'UNCHANGED', 'DUPLICATE', 'FAILED');

-- AlterTable
ALTER TABLE "Achievement" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Article" ADD COLUMN     "normalizedHash" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Series" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "AuditLogEntry" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" UUID,
    "actorKind" "CredentialKind",
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" UUID NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "AuditLogEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArticleRevision" (
    "id" UUID NOT NULL,
    "articleId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "bodyText" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "importRunId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArticleRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArticleProvenance" (
    "id" UUID NOT NULL,
    "articleId" UUID NOT NULL,
    "sourceId" UUID NOT NULL,
    "locator" TEXT NOT NULL,
    "originalUrl" TEXT,
    "attribution" TEXT,
    "contentHash" TEXT NOT NULL,
    "normalizedHash" TEXT NOT NULL,
    "fetchedAt" TIMESTAMPTZ(3) NOT NULL,
    "isCanonical" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ArticleProvenance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FetchedResource" (
    "url" TEXT NOT NULL,
    "etag" TEXT,
    "lastModified" TEXT,
    "contentHash" TEXT,
    "fetchedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FetchedResource_pkey" PRIMARY KEY ("url")
);

-- CreateTable
CREATE TABLE "ImportRun" (
    "id" UUID NOT NULL,
    "trigger" "ImportTrigger" NOT NULL,
    "actorName" TEXT NOT NULL,
    "inputs" TEXT[],
    "status" "ImportRunStatus" NOT NULL DEFAULT 'RUNNING',
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "durationMs" INTEGER,
    "createdCount" INTEGER NOT NULL DEFAULT 0,
    "updatedCount" INTEGER NOT NULL DEFAULT 0,
    "unchangedCount" INTEGER NOT NULL DEFAULT 0,
    "duplicateCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ImportRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportItem" (
    "id" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "locator" TEXT NOT NULL,
    "status" "ImportItemStatus" NOT NULL,
    "reason" TEXT,
    "articleId" UUID,
    "unknownOrganizations" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImportItem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditLogEntry_entityType_entityId_at_idx" ON "AuditLogEntry"("entityType", "entityId", "at");

-- CreateIndex
CREATE INDEX "AuditLogEntry_at_id_idx" ON "AuditLogEntry"("at" DESC, "id");

-- CreateIndex
CREATE UNIQUE INDEX "ArticleRevision_articleId_number_key" ON "ArticleRevision"("articleId", "number");

-- CreateIndex
CREATE INDEX "ArticleProvenance_articleId_idx" ON "ArticleProvenance"("articleId");

-- CreateIndex
CREATE INDEX "ArticleProvenance_normalizedHash_idx" ON "ArticleProvenance"("normalizedHash");

-- CreateIndex
CREATE UNIQUE INDEX "ArticleProvenance_sourceId_locator_key" ON "ArticleProvenance"("sourceId", "locator");

-- CreateIndex
CREATE INDEX "ImportRun_startedAt_id_idx" ON "ImportRun"("startedAt" DESC, "id");

-- CreateIndex
CREATE INDEX "ImportItem_runId_createdAt_idx" ON "ImportItem"("runId", "createdAt");

-- CreateIndex
CREATE INDEX "Article_normalizedHash_idx" ON "Article"("normalizedHash");

-- AddForeignKey
ALTER TABLE "ArticleRevision" ADD CONSTRAINT "ArticleRevision_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArticleRevision" ADD CONSTRAINT "ArticleRevision_importRunId_fkey" FOREIGN KEY ("importRunId") REFERENCES "ImportRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArticleProvenance" ADD CONSTRAINT "ArticleProvenance_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArticleProvenance" ADD CONSTRAINT "ArticleProvenance_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportItem" ADD CONSTRAINT "ImportItem_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ImportRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
