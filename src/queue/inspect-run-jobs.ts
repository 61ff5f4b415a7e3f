import type { Queue } from "bullmq";
import { z } from "zod";
import { RUN_JOB } from "./run-queue.ts";

/** What the queue says about the executions its jobs carry. */
export interface RunJobsSnapshot {
  /** Executions a run job holds (not a breakpoint time-out: it stays delayed after an answer): waiting (or paused), delayed, prioritized, active or waiting for children. */
  held: Set<string>;
  /** For executions whose latest failed job is still kept: BullMQ's reason (e.g. "job stalled more than allowable limit"). */
  failedReasons: Map<string, string>;
}

const HOLDING_STATES = ["active", "wait", "delayed", "prioritized", "waiting-children"] as const;
const WithExecution = z.object({ executionId: z.string() });

/**
 * Reads which executions the jobs of `queues` hold. A job moves between states while this reads them, so callers
 * read twice around their own query and join both (see reapStuckExecutions). Failed jobs: the newest `maxFailed`.
 */
export async function inspectRunJobs(queues: readonly Queue[], opts: { maxFailed?: number } = {}): Promise<RunJobsSnapshot> {
  const held = new Set<string>();
  const failedReasons = new Map<string, string>();
  for (const queue of queues) {
    for (const job of await queue.getJobs([...HOLDING_STATES], 0, -1)) {
      if (job?.name !== RUN_JOB) continue;
      const data = WithExecution.safeParse(job.data);
      if (data.success) held.add(data.data.executionId);
    }
    for (const job of await queue.getJobs(["failed"], 0, (opts.maxFailed ?? 500) - 1, false)) {
      if (job?.name !== RUN_JOB) continue;
      const data = WithExecution.safeParse(job.data);
      if (data.success && job.failedReason && !failedReasons.has(data.data.executionId)) failedReasons.set(data.data.executionId, job.failedReason);
    }
  }
  return { held, failedReasons };
}
