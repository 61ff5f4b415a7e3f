-- AlterTable
ALTER TABLE "Execution" ADD COLUMN     "approvedBody" TEXT,
ADD COLUMN     "triggeredAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "error" TEXT,
ADD COLUMN     "handledAt" TIMESTAMP(3),
ADD COLUMN     "installationId" BIGINT,
ADD COLUMN     "orderKey" TEXT,
ADD COLUMN     "payload" JSONB,
ADD COLUMN     "receivedCount" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'received',
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_receivedAt_idx" ON "WebhookDelivery"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_orderKey_receivedAt_idx" ON "WebhookDelivery"("orderKey", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");

-- Deliveries recorded before durable intake were handled inline: keep them out of the "never finished" set.
UPDATE "WebhookDelivery" SET "status" = CASE WHEN "outcome" LIKE 'error:%' THEN 'failed' ELSE 'handled' END;
