import type { Queue } from "bullmq";
import { deliveryJobId, type IntakeQueue } from "../queue/run-queue.ts";
import type { DeliveryStore } from "../store/delivery-store.ts";
import type { Logger } from "../util/logger.ts";

/** The repeatable housekeeping of deliveries, on the timers queue. */
export const SWEEP_DELIVERIES_JOB = { name: "sweep-deliveries", schedulerId: "moderator-sweep-deliveries", everyMs: 5 * 60_000 } as const;

export interface SweepDeliveriesDeps {
  deliveries: DeliveryStore;
  queue: IntakeQueue;
  log: Logger;
  /** A delivery not settled this long after its last change, with no job waiting or running, is queued again. */
  staleMs: number;
  keepPayloadDays: number;
  keepDays: number;
}

/**
 * Deliveries whose handling was lost (Redis flushed, a job removed by hand) are queued again, so a stored delivery
 * is always handled; settled ones lose their payload after `keepPayloadDays` and their row after `keepDays`.
 */
export async function sweepDeliveries(deps: SweepDeliveriesDeps): Promise<{ requeued: number; prunedPayloads: number; prunedRows: number }> {
  let requeued = 0;
  for (const row of await deps.deliveries.listStale(deps.staleMs, 200)) {
    if (await deps.queue.isDeliveryQueued(deliveryJobId(row.id, row.receivedCount))) continue;
    const reception = await deps.deliveries.reopen(row.id);
    await deps.queue.enqueueDelivery({ deliveryId: row.id }, deliveryJobId(row.id, reception));
    deps.log.warn({ deliveryId: row.id, status: row.status, since: row.updatedAt }, "a delivery's handling was lost: queued again");
    requeued++;
  }
  const pruned = await deps.deliveries.prune({ payloadDays: deps.keepPayloadDays, rowDays: deps.keepDays });
  return { requeued, prunedPayloads: pruned.payloads, prunedRows: pruned.rows };
}

/** Create or update the repeatable sweep (idempotent: every worker calls it at start). */
export async function scheduleDeliverySweep(timers: Queue): Promise<void> {
  await timers.upsertJobScheduler(
    SWEEP_DELIVERIES_JOB.schedulerId,
    { every: SWEEP_DELIVERIES_JOB.everyMs },
    { name: SWEEP_DELIVERIES_JOB.name, data: {}, opts: { attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { age: 7 * 24 * 3600 } } },
  );
}
