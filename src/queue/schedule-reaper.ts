import type { Queue } from "bullmq";
import { REAP_STUCK_JOB } from "../pipeline/reap-stuck-executions.ts";

/**
 * Creates or updates the repeatable reaper job on `queue` (a BullMQ job scheduler: one job per period whatever the
 * number of processes that upsert it). `everyMs: 0` removes it.
 */
export async function scheduleReaper(queue: Queue, everyMs: number): Promise<void> {
  if (!Number.isFinite(everyMs) || everyMs < 0) throw new Error(`scheduleReaper: everyMs must be a number of milliseconds >= 0, got ${String(everyMs)}`);
  if (everyMs === 0) {
    await queue.removeJobScheduler(REAP_STUCK_JOB.schedulerId);
    return;
  }
  await queue.upsertJobScheduler(
    REAP_STUCK_JOB.schedulerId,
    { every: Math.round(everyMs) },
    { name: REAP_STUCK_JOB.name, data: {}, opts: { attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { count: 100 } } },
  );
}
