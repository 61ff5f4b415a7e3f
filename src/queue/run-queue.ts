import { Queue, type ConnectionOptions } from "bullmq";
import { z } from "zod";

/**
 * Job catalog. Four queues, one per kind of work, so nothing waits behind an agent:
 * - intake (many, short, I/O bound): `webhook` — handle one stored delivery;
 * - runs (few, long): `run` — one execution; `learnings-export`;
 * - timers: `breakpoint-timeout`, and the repeatable housekeeping jobs;
 * - outcomes: `collect-outcomes`.
 */
export const RUN_JOB = "run" as const;
export const RunJobData = z.object({ executionId: z.uuid() });
export type RunJobData = z.infer<typeof RunJobData>;
/** The end of a breakpoint nobody answered. */
export const BREAKPOINT_TIMEOUT_JOB = "breakpoint-timeout" as const;
export const BreakpointTimeoutData = z.object({ executionId: z.uuid(), askedAt: z.string() });
export type BreakpointTimeoutData = z.infer<typeof BreakpointTimeoutData>;

/** Handle one webhook delivery that intake stored. */
export const WEBHOOK_JOB = "webhook" as const;
export const WebhookJobData = z.object({ deliveryId: z.string().min(1).max(100) });
export type WebhookJobData = z.infer<typeof WebhookJobData>;

export interface QueueNames {
  intake: string;
  runs: string;
  timers: string;
  outcomes: string;
}

/** The queue names of one deployment (see Env.queuePrefix). */
export function deriveQueueNames(prefix: string): QueueNames {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new Error(`queue prefix ${JSON.stringify(prefix)}: letters, digits, '.', '_' and '-' only`);
  return { intake: `${prefix}-intake`, runs: `${prefix}-runs`, timers: `${prefix}-timers`, outcomes: `${prefix}-outcomes` };
}

export interface RunQueueOptions {
  connection: ConnectionOptions;
  names: QueueNames;
  attempts: number;
  backoffSeconds: number;
  /** Attempts for handling a webhook delivery (transient GitHub errors), with a short backoff. */
  intakeAttempts?: number;
  prefix?: string;
  /** Connection errors of the queues (Redis down); without it they are ignored here and seen in the callers' errors. */
  onError?: (err: Error, queue: string) => void;
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

/** What intake needs of the queues. */
export interface IntakeQueue {
  /** Queue the handling of a stored delivery; `jobId` makes it idempotent. */
  enqueueDelivery(data: WebhookJobData, jobId: string): Promise<void>;
  /** Is a handling of this delivery waiting or running? */
  isDeliveryQueued(jobId: string): Promise<boolean>;
}

export interface Queues extends RunQueue, IntakeQueue {
  /** The runs queue (cancellation removes waiting run jobs from it). */
  queue: Queue;
  queues: { intake: Queue; runs: Queue; timers: Queue; outcomes: Queue };
  names: QueueNames;
}

/**
 * Moderator's BullMQ queues. `jobId` makes enqueueing idempotent: adding the same id twice is a no-op while that
 * job exists. Transient failures are retried with exponential backoff; permanent ones throw UnrecoverableError in
 * the worker and are not retried.
 */
export function createQueues(opts: RunQueueOptions): Queues {
  const make = (name: string) => {
    const q = new Queue(name, { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
    q.on("error", (err) => opts.onError?.(err, name));
    return q;
  };
  const queues = { intake: make(opts.names.intake), runs: make(opts.names.runs), timers: make(opts.names.timers), outcomes: make(opts.names.outcomes) };
  const runOptions = (jobId: string) => ({
    jobId,
    attempts: opts.attempts,
    backoff: { type: "exponential", delay: Math.round(opts.backoffSeconds * 1000) },
    removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });
  return {
    queue: queues.runs,
    queues,
    names: opts.names,
    async enqueue(data, jobId) {
      await queues.runs.add(RUN_JOB, RunJobData.parse(data), runOptions(jobId));
    },
    async enqueueJob(name, data, jobId) {
      await queues.runs.add(name, data, runOptions(jobId));
    },
    async enqueueDelivery(data, jobId) {
      await queues.intake.add(WEBHOOK_JOB, WebhookJobData.parse(data), {
        jobId,
        attempts: opts.intakeAttempts ?? 5,
        backoff: { type: "exponential", delay: 1000 },
        removeOnComplete: { age: 24 * 3600, count: 5000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    async isDeliveryQueued(jobId) {
      const state = await queues.intake.getJobState(jobId);
      return state === "waiting" || state === "active" || state === "delayed" || state === "prioritized" || state === "waiting-children";
    },
    async scheduleBreakpointTimeout(data, delayMs) {
      const parsed = BreakpointTimeoutData.parse(data);
      await queues.timers.add(BREAKPOINT_TIMEOUT_JOB, parsed, {
        jobId: `timeout-${parsed.executionId}-${Date.parse(parsed.askedAt)}`,
        delay: Math.max(0, Math.round(delayMs)),
        attempts: 3,
        backoff: { type: "exponential", delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 30 * 24 * 3600 },
      });
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}

/** BullMQ forbids ':' in custom ids; derive a readable id from repository, issue and execution. */
export function runJobId(repositoryGithubId: number | bigint, issueNumber: number, executionId: string): string {
  return `run-${repositoryGithubId}-${issueNumber}-${executionId}`;
}

/** The intake job id of the n-th reception of a delivery (each handling of a redelivery is a job of its own). */
export function deliveryJobId(deliveryId: string, reception: number): string {
  return `delivery-${deliveryId}-${reception}`;
}
