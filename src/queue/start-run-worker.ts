import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import { runExecution, SHUTDOWN_REASON, type PipelineDeps } from "../pipeline/run-execution.ts";
import type { Logger } from "../util/logger.ts";
import { RUN_JOB, RunJobData } from "./run-queue.ts";

export interface RunWorkerOptions {
  /** Handles other job kinds by name (e.g. the repeatable outcome collection); returns undefined when not its job. */
  otherJobs?: (job: Job) => Promise<unknown> | undefined;
  connection: ConnectionOptions;
  queueName: string;
  prefix?: string;
  concurrency: number;
  /** Lock held while a job runs; a worker that dies stops renewing it and the job is handed on after this. */
  lockSeconds: number;
  /** On close(): how long current jobs may go on before they are aborted and re-queued. */
  shutdownGraceSeconds: number;
  pipeline: PipelineDeps;
  log: Logger;
}

export interface RunWorker {
  worker: Worker;
  /** Stop taking jobs; let current ones finish within the grace period, then abort and re-queue them. */
  close(): Promise<void>;
}

/**
 * The BullMQ worker for runs. Any number of these, on any number of machines, share one Redis and one
 * PostgreSQL. Transient failures are retried by BullMQ with backoff (the job throws a plain Error);
 * permanent ones throw UnrecoverableError; an interrupted run (shutdown) is moved back to the delayed set
 * without consuming an attempt.
 */
export function startRunWorker(opts: RunWorkerOptions): RunWorker {
  const { log } = opts;
  const processor = async (job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> => {
    const other = opts.otherJobs?.(job);
    if (other !== undefined) return other;
    if (job.name !== RUN_JOB) throw new UnrecoverableError(`unknown job '${job.name}'`);
    const data = RunJobData.safeParse(job.data);
    if (!data.success) throw new UnrecoverableError(`job ${job.id}: invalid data: ${data.error.issues.map((i) => i.message).join("; ")}`);
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const outcome = await runExecution(data.data.executionId, opts.pipeline, {
      signal: signal ?? new AbortController().signal,
      attempt,
      maxAttempts,
    });
    log.info({ jobId: job.id, executionId: data.data.executionId, attempt, outcome: outcome.status }, "run finished");
    switch (outcome.status) {
      case "completed":
        return { prNumber: outcome.prNumber, conclusion: outcome.conclusion };
      case "missing":
        // Never a silent skip: the run belongs to someone else, or its row is gone.
        log.error({ jobId: job.id, executionId: data.data.executionId, queue: job.queueName }, outcome.reason);
        throw new UnrecoverableError(outcome.reason);
      case "skipped":
      case "cancelled":
      case "waiting":
      case "candidate":
        return outcome;
      case "interrupted":
        if (token) {
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError("interrupted by shutdown; re-queued");
        }
        throw new Error("interrupted by shutdown");
      case "failed":
        if (outcome.willRetry) throw new Error(outcome.error.message);
        throw new UnrecoverableError(outcome.error.message);
    }
  };
  const worker = new Worker(opts.queueName, processor, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    concurrency: opts.concurrency,
    lockDuration: Math.round(opts.lockSeconds * 1000),
    stalledInterval: Math.max(1000, Math.round((opts.lockSeconds * 1000) / 2)),
    maxStalledCount: 2,
  });
  worker.on("error", (err) => log.error({ err }, "worker error"));
  worker.on("failed", (job, err) => {
    if (err instanceof DelayedError || err.name === "DelayedError") return;
    log.warn({ jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, "run job failed");
  });
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= (async () => {
        const timer = setTimeout(() => {
          log.warn({ graceSeconds: opts.shutdownGraceSeconds }, "grace period over: aborting current runs; they will resume elsewhere");
          worker.cancelAllJobs(SHUTDOWN_REASON);
        }, opts.shutdownGraceSeconds * 1000);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
