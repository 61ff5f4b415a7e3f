import { DelayedError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Logger } from "../util/logger.ts";

export interface QueueWorkerOptions {
  /** What the worker is for, in its log lines ("intake", "timers", "outcomes"). */
  kind: string;
  queueName: string;
  connection: ConnectionOptions;
  prefix?: string;
  concurrency: number;
  /** A job whose worker stops renewing this lock is handed to another worker after it. */
  lockSeconds: number;
  processor: (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;
  log: Logger;
}

export interface QueueWorker {
  worker: Worker;
  close(): Promise<void>;
}

/** A BullMQ worker for one of the short-job queues (intake, timers, outcomes). Failures are logged, never thrown. */
export function startQueueWorker(opts: QueueWorkerOptions): QueueWorker {
  const worker = new Worker(opts.queueName, opts.processor, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    concurrency: opts.concurrency,
    lockDuration: Math.round(opts.lockSeconds * 1000),
    stalledInterval: Math.max(1000, Math.round((opts.lockSeconds * 1000) / 2)),
    maxStalledCount: 2,
  });
  worker.on("error", (err) => opts.log.error({ err, queue: opts.queueName }, `${opts.kind} worker error`));
  worker.on("failed", (job, err) => {
    if (err instanceof DelayedError || err.name === "DelayedError") return;
    opts.log.warn({ queue: opts.queueName, jobId: job?.id, job: job?.name, err: err.message, attemptsMade: job?.attemptsMade }, `${opts.kind} job failed`);
  });
  return { worker, close: () => worker.close() };
}
