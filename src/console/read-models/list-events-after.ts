import type { PrismaClient } from "../../generated/prisma/client.ts";

/** A run's events after `afterId` in append order (the live feed and its resumption from Last-Event-ID). */
export async function listEventsAfter(prisma: PrismaClient, executionId: string, afterId: bigint, limit = 500) {
  return prisma.executionEvent.findMany({ where: { executionId, id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit });
}
