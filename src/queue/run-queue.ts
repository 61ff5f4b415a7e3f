import { Queue, type ConnectionOptions } from "bullmq";
import { z } from "zod";

/** Job catalog: the one job Moderator queues today, with its payload schema. */
export const RUN_JOB = "run" as const;
export const RunJobData = z.object({ executionId: z.uuid() });
export type RunJobData = z.infer<typeof RunJobData>;
/** The end of a breakpoint nobody answered. */
export const BREAKPOINT_TIMEOUT_JOB = "breakpoint-timeout" as const;
export const BreakpointTimeoutData = z.object({ executionId: z.uuid(), askedAt: z.string() });
export type BreakpointTimeoutData = z.infer<typeof BreakpointTimeoutData>;

export interface RunQueueOptions {
  connection: ConnectionOptions;
  name: string;
  attempts: number;
  backoffSeconds: number;
  prefix?: string;
}

/** What the webhook side needs of the queue. */
export interface RunQueue {
  enqueue(data: RunJobData, jobId: string): Promise<void>;
  /** Any other job of the catalog (learnings export...), by name; the id makes it idempotent. */
  enqueueJob(name: string, data: Record<string, unknown>, jobId: string): Promise<void>;
  /** A delayed job that ends a breakpoint if nobody answered by then. */
  scheduleBreakpointTimeout(data: BreakpointTimeoutData, delayMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The BullMQ queue of runs. `jobId` makes enqueueing idempotent: adding the same id twice is a no-op
 * while that job exists. Transient failures are retried with exponential backoff; permanent ones throw
 * UnrecoverableError in the worker and are not retried.
 */
export function createRunQueue(opts: RunQueueOptions): RunQueue & { queue: Queue } {
  const queue = new Queue(opts.name, { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
  return {
    queue,
    async enqueue(data, jobId) {
      await queue.add(RUN_JOB, RunJobData.parse(data), {
        jobId,
        attempts: opts.attempts,
        backoff: { type: "exponential", delay: Math.round(opts.backoffSeconds * 1000) },
        removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
        removeOnFail: { age: 30 * 24 * 3600 },
      });
    },
    async enqueueJob(name, data, jobId) {
      await queue.add(name, data, {
        jobId,
        attempts: opts.attempts,
        backoff: { type: "exponential", delay: Math.round(opts.backoffSeconds * 1000) },
        removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
        removeOnFail: { age: 30 * 24 * 3600 },
      });
    },
    async scheduleBreakpointTimeout(data, delayMs) {
      const parsed = BreakpointTimeoutData.parse(data);
      await queue.add(BREAKPOINT_TIMEOUT_JOB, parsed, {
        jobId: `timeout-${parsed.executionId}-${Date.parse(parsed.askedAt)}`,
        delay: Math.max(0, Math.round(delayMs)),
        attempts: 3,
        backoff: { type: "exponential", delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 30 * 24 * 3600 },
      });
    },
    close: () => queue.close(),
  };
}

/** BullMQ forbids ':' in custom ids; derive a readable id from repository, issue and execution. */
export function runJobId(repositoryGithubId: number | bigint, issueNumber: number, executionId: string): string {
  return `run-${repositoryGithubId}-${issueNumber}-${executionId}`;
}
