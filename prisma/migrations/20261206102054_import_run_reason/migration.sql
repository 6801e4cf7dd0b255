-- AlterTable
ALTER TABLE "ImportRun" ADD COLUMN     "queuedDocuments" JSONB,
ADD COLUMN     "reason" TEXT;
