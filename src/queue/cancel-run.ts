import type { JobState, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { formatZodIssues } from "../config/format-zod-issues.ts";
import { cancelRequestsKey } from "./cancel-channel.ts";
import { CancelMessage } from "./cancel-message.ts";

export { cancelChannel } from "./cancel-channel.ts";
export { CANCEL_REASON_PREFIX, formatCancelReason, parseCancelReason, type CancelReason } from "./cancel-reason.ts";

export interface RequestCancelDeps {
  /** A normal (not subscriber) connection to the queue's Redis. */
  redis: Redis;
  queue: Queue;
  /** `cancelChannel(queue.name)` unless the operator chose another. */
  channel: string;
  /** How long a request is remembered for a worker that missed the message (default 24 h). */
  requestTtlSeconds?: number;
  now?: () => number;
}

export interface CancelInput {
  jobId: string;
  /** Why, in words ("/moderator cancel", "superseded by a new trigger"). */
  reason: string;
  /** Who asked: a GitHub login, or "moderator". */
  by: string;
}

/**
 * - `removed`: the job had not started (waiting, delayed, prioritized); it is gone from the queue and will never
 *   run. Nothing else will record the run, so the caller marks its execution `cancelled`.
 * - `signalled`: a worker holds the job; the worker listening on `channel` aborts its AbortSignal with
 *   `moderator:cancel:<by>:<reason>` and the pipeline records the run `cancelled`.
 * - `not_found`: no such job, or it already finished (completed or failed): there is nothing left to stop.
 */
export type CancelResult = "removed" | "signalled" | "not_found";

const NOT_STARTED: ReadonlySet<JobState | "unknown"> = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);
const DEFAULT_REQUEST_TTL_SECONDS = 24 * 3600;

/**
 * Cancel a run's job from any process (web or worker). Race-safe: BullMQ removes a job only while no worker
 * holds its lock, so a job picked up between our look and the removal is signalled instead.
 * Throws (with the job id and what went wrong) on invalid input or a job that can be neither removed nor signalled.
 */
export async function requestCancel(deps: RequestCancelDeps, input: CancelInput): Promise<CancelResult> {
  const parsed = CancelMessage.omit({ at: true }).strict().safeParse(input);
  if (!parsed.success) throw new Error(`requestCancel: invalid input: ${formatZodIssues(parsed.error).join("; ")}`);
  const { jobId, reason, by } = parsed.data;
  const job = await deps.queue.getJob(jobId);
  if (!job) return "not_found";
  let state = await job.getState();
  if (NOT_STARTED.has(state)) {
    try {
      await job.remove();
      return "removed";
    } catch (err) {
      // A worker took it meanwhile (its lock makes removal fail): signal that worker instead.
      state = await deps.queue.getJobState(jobId);
      if (NOT_STARTED.has(state)) {
        throw new Error(`requestCancel: job ${jobId} is ${state} but could not be removed: ${(err as Error).message}`);
      }
    }
  }
  if (state !== "active") return "not_found";

  const now = (deps.now ?? Date.now)();
  const ttlSeconds = Math.max(1, Math.round(deps.requestTtlSeconds ?? DEFAULT_REQUEST_TTL_SECONDS));
  const message: CancelMessage = { jobId, reason, by, at: now };
  const key = cancelRequestsKey(deps.channel);
  await forgetOldRequests(deps.redis, key, now - ttlSeconds * 1000);
  // Remember first, then publish: a worker that picks the job up later (or missed the message) still finds it.
  const results = await deps.redis
    .multi()
    .hset(key, jobId, JSON.stringify(message))
    .expire(key, ttlSeconds)
    .publish(deps.channel, JSON.stringify({ jobId, reason, by }))
    .exec();
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (!results || failed) throw new Error(`requestCancel: could not publish the cancel request for job ${jobId}: ${failed?.message ?? "transaction aborted"}`);
  return "signalled";
}

/** Drop remembered requests older than `before` (and unreadable ones). */
async function forgetOldRequests(redis: Redis, key: string, before: number): Promise<void> {
  const all = await redis.hgetall(key);
  const stale = Object.entries(all)
    .filter(([, raw]) => {
      try {
        const at = (JSON.parse(raw) as { at?: unknown }).at;
        return typeof at !== "number" || at < before;
      } catch {
        return true;
      }
    })
    .map(([field]) => field);
  if (stale.length > 0) await redis.hdel(key, ...stale);
}
