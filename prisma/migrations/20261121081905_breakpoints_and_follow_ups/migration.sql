-- AlterTable
ALTER TABLE "Execution" ADD COLUMN     "continueFrom" TEXT,
ADD COLUMN     "decision" JSONB,
ADD COLUMN     "followUp" JSONB;
