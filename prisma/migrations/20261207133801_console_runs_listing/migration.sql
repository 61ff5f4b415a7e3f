-- CreateIndex
CREATE INDEX "Execution_createdAt_id_idx" ON "Execution"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Execution_repositoryId_createdAt_id_idx" ON "Execution"("repositoryId", "createdAt" DESC, "id" DESC);
