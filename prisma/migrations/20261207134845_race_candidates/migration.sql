-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ExecutionKind" ADD VALUE 'race';
ALTER TYPE "ExecutionKind" ADD VALUE 'candidate';

-- AlterTable
ALTER TABLE "Execution" ADD COLUMN     "candidate" TEXT,
ADD COLUMN     "raceId" TEXT,
ADD COLUMN     "resultBundle" BYTEA;

-- CreateIndex
CREATE INDEX "Execution_raceId_idx" ON "Execution"("raceId");
