import type { Job, Worker } from "bullmq";
import type { Metrics } from "./metrics/create-metrics.ts";

/** Observes how long each job a worker takes waited in its queue (from when it became due). */
export function observeJobWaits(worker: Worker, kind: string, metrics: Metrics): void {
  worker.on("active", (job: Job) => {
    const due = job.timestamp + (job.opts.delay ?? 0);
    metrics.jobStarted({ queue: kind, waitedMs: (job.processedOn ?? Date.now()) - due });
  });
}
