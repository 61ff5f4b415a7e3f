import type { Queue } from "bullmq";
import { z } from "zod";
import { collectOutcomesForOpenPrs, type CollectOutcomesSummary, type OutcomeCollectorDeps } from "./collect-outcomes-for-open-prs.ts";

/** Payload of the outcome collection job: optionally only some repositories. */
export const CollectOutcomesJobData = z
  .object({
    repositoryIds: z.array(z.number().int().positive()).min(1).max(10_000).optional(),
    lookbackDays: z.number().int().min(1).max(365).optional(),
    maxPullRequests: z.number().int().min(1).max(5000).optional(),
  })
  .strict();
export type CollectOutcomesJobData = z.infer<typeof CollectOutcomesJobData>;

/**
 * The job catalog entry of the repeatable outcome collection: its name, payload schema, how often it runs
 * (`everyMs`, 30 minutes unless the operator says otherwise) and the id of its BullMQ job scheduler (one
 * scheduler whatever the number of processes that upsert it).
 */
export const COLLECT_OUTCOMES_JOB = {
  name: "collect-outcomes",
  data: CollectOutcomesJobData,
  everyMs: 30 * 60 * 1000,
  schedulerId: "moderator-collect-outcomes",
  attempts: 1,
} as const;

/**
 * Creates or updates the repeatable collection on `queue` (BullMQ job scheduler, idempotent: every process can
 * call it at start-up). `everyMs: 0` (the operator disabled it) removes the scheduler instead.
 */
export async function scheduleOutcomeCollection(queue: Queue, opts: { everyMs?: number; data?: CollectOutcomesJobData } = {}): Promise<void> {
  const everyMs = opts.everyMs ?? COLLECT_OUTCOMES_JOB.everyMs;
  if (!Number.isFinite(everyMs) || everyMs < 0) throw new Error(`scheduleOutcomeCollection: everyMs must be a number of milliseconds >= 0, got ${String(everyMs)}`);
  if (everyMs === 0) {
    await queue.removeJobScheduler(COLLECT_OUTCOMES_JOB.schedulerId);
    return;
  }
  const data = CollectOutcomesJobData.parse(opts.data ?? {});
  await queue.upsertJobScheduler(
    COLLECT_OUTCOMES_JOB.schedulerId,
    { every: Math.round(everyMs) },
    {
      name: COLLECT_OUTCOMES_JOB.name,
      data,
      opts: {
        attempts: COLLECT_OUTCOMES_JOB.attempts,
        removeOnComplete: { count: 50 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    },
  );
}

/**
 * The worker's handler for a `collect-outcomes` job: validates the payload (a clear error naming each bad
 * field) and runs the collector. `defaults` are the operator's config, overridden by the job's payload.
 */
export async function processCollectOutcomesJob(
  deps: OutcomeCollectorDeps,
  data: unknown,
  defaults: { lookbackDays?: number; maxPullRequests?: number } = {},
): Promise<CollectOutcomesSummary> {
  const parsed = CollectOutcomesJobData.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${COLLECT_OUTCOMES_JOB.name} job: invalid data: ${problems}`);
  }
  const { repositoryIds } = parsed.data;
  const lookbackDays = parsed.data.lookbackDays ?? defaults.lookbackDays;
  const maxPullRequests = parsed.data.maxPullRequests ?? defaults.maxPullRequests;
  return collectOutcomesForOpenPrs(deps, {
    ...(repositoryIds === undefined ? {} : { repositoryIds }),
    ...(lookbackDays === undefined ? {} : { lookbackDays }),
    ...(maxPullRequests === undefined ? {} : { maxPullRequests }),
  });
}
