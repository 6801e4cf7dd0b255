-- Publishable embed keys (issue #12): they run only the embed cards' trusted documents.

-- AlterEnum
ALTER TYPE "CredentialKind" ADD VALUE 'EMBED';
