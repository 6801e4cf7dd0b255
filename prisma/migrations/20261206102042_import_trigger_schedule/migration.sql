-- AlterEnum
ALTER TYPE "ImportTrigger" ADD VALUE 'SCHEDULE';
