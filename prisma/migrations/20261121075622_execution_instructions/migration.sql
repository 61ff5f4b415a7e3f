-- AlterTable
ALTER TABLE "Execution" ADD COLUMN     "instructions" TEXT;
