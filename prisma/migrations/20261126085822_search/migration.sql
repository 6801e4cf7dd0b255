-- AlterTable
ALTER TABLE "Achievement" ADD COLUMN     "searchVector" tsvector;

-- AlterTable
ALTER TABLE "Article" ADD COLUMN     "searchVector" tsvector;

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "searchVector" tsvector;

-- CreateIndex
CREATE INDEX "Achievement_searchVector_idx" ON "Achievement" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "Article_searchVector_idx" ON "Article" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "Organization_searchVector_idx" ON "Organization" USING GIN ("searchVector");
