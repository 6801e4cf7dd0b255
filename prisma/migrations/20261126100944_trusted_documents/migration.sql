-- AlterTable
ALTER TABLE "Credential" ADD COLUMN     "trustedDocumentsOnly" BOOLEAN NOT NULL DEFAULT false;
