-- AlterTable
ALTER TABLE "Execution" ADD COLUMN     "improvementId" TEXT;

-- AlterTable
ALTER TABLE "Improvement" ADD COLUMN     "files" TEXT[],
ADD COLUMN     "task" TEXT NOT NULL DEFAULT '';
