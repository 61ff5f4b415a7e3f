import { TRACKING_TOPIC } from "../app/start-run.ts";
import type { RepoRef } from "../codehost/code-host.ts";
import { RUN_CHECK_ACTIONS, renderRunCheck } from "../render/render-run-check.ts";
import { renderTrackingComment, type TrackingView } from "../render/render-tracking-comment.ts";
import type { ExecutionWithRepository, Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { PhaseTracker } from "./phase-tracker.ts";
import { CHECK_RUN_NAME, type PipelineDeps } from "./run-execution.ts";

/** The event that records one recovery (re-queue) of a stuck execution; its count bounds the recoveries. */
export const RECOVERY_EVENT = "run.requeued_by_reaper";

/** The job catalog entry of the repeatable reaper: its name and the id of its BullMQ job scheduler. */
export const REAP_STUCK_JOB = { name: "reap-stuck-executions", schedulerId: "moderator-reap-stuck-executions" } as const;

export interface ReaperDeps {
  store: Store;
  /** The code host of an execution's repository (the pipeline's own `connect`). */
  connect: PipelineDeps["connect"];
  /** Which executions a run job holds, and why the latest failed job of an execution failed (see inspectRunJobs). */
  inspectJobs(): Promise<{ held: Set<string>; failedReasons: Map<string, string> }>;
  /** Queues the execution again under `jobId` (idempotent for one id). */
  requeue(executionId: string, jobId: string): Promise<void>;
  /**
   * Ends a run that waits on a maintainer past its time-out, as its time-out job would (see expireBreakpoint). The
   * reaper calls it for an overdue question whose job was lost (Redis emptied, or removed); without it those wait on.
   */
  expireBreakpoint?(executionId: string, askedAt: string, seenUpdatedAt: Date): Promise<"expired" | "stale">;
  log: Logger;
  now?: () => number;
}

export interface ReaperOptions {
  /** Re-queues per execution before the reaper fails it instead. */
  maxRecoveries: number;
  /** An execution nobody wrote to for less than this is left alone (a job may be on its way to it). */
  graceMs: number;
}

export interface ReapSummary {
  checked: number;
  requeued: string[];
  failed: string[];
  /** Runs that waited on a maintainer past their time-out and were ended. */
  expired: string[];
}

/**
 * Finds executions that are not final while no job holds them (their job failed after stalling more than BullMQ's
 * maxStalledCount, was removed, or was never queued) and gives each an end maintainers can see: re-queued under a new
 * job (at most `maxRecoveries` times; the tracking comment says so) or failed with the reason (tracking comment and
 * the Moderator check run updated). Each action is claimed with the execution's `updatedAt`, so a worker that writes
 * to it in between (it was alive after all) or a second reaper wins and this one backs off.
 */
export async function reapStuckExecutions(deps: ReaperDeps, opts: ReaperOptions): Promise<ReapSummary> {
  const now = deps.now ?? Date.now;
  const before = await deps.inspectJobs();
  const candidates = await deps.store.listUnfinishedExecutions(new Date(now() - opts.graceMs));
  // A job moving between states while the queue is read can be missed once; read again and join both readings.
  const after = candidates.length > 0 ? await deps.inspectJobs() : before;
  const summary: ReapSummary = { checked: candidates.length, requeued: [], failed: [], expired: [] };
  for (const execution of candidates) {
    if (before.held.has(execution.id) || after.held.has(execution.id)) continue;
    // A race waits on its candidates, not on a job of its own: while one is unfinished (and reaped on its own if
    // stuck), the race is not stuck. Once all settled, no job means its judging was lost: re-queued below.
    if (execution.kind === "race" && (await deps.store.prisma.execution.count({ where: { raceId: execution.id, status: { notIn: ["completed", "failed", "cancelled"] } } })) > 0) continue;
    const why = describeLoss(after.failedReasons.get(execution.id) ?? before.failedReasons.get(execution.id), execution.status);
    try {
      const recoveries = await deps.store.countEvents(execution.id, RECOVERY_EVENT);
      if (recoveries < opts.maxRecoveries) {
        if (await requeue(deps, execution, why, recoveries + 1, opts.maxRecoveries)) summary.requeued.push(execution.id);
      } else if (await fail(deps, execution, why, recoveries, now)) {
        summary.failed.push(execution.id);
      }
    } catch (err) {
      deps.log.warn({ err, executionId: execution.id }, "could not reap a stuck run; the next pass tries again");
    }
  }
  if (deps.expireBreakpoint) await expireOverdueQuestions(deps, deps.expireBreakpoint, now() - opts.graceMs, summary);
  if (summary.requeued.length + summary.failed.length + summary.expired.length > 0) deps.log.warn({ ...summary }, "stuck runs reaped");
  return summary;
}

/**
 * Runs waiting on a maintainer whose time-out passed more than the grace period ago: their time-out job did not end
 * them (it was lost, or it is late because no worker ran), so the reaper does what it would have done.
 */
async function expireOverdueQuestions(deps: ReaperDeps, expire: NonNullable<ReaperDeps["expireBreakpoint"]>, cutoff: number, summary: ReapSummary): Promise<void> {
  for (const execution of await deps.store.listWaitingExecutions(new Date(cutoff))) {
    const { askedAt, timeoutHours } = (execution.decision ?? {}) as { askedAt?: unknown; timeoutHours?: unknown };
    if (typeof askedAt !== "string" || typeof timeoutHours !== "number") continue;
    const due = Date.parse(askedAt) + timeoutHours * 3600_000;
    if (!Number.isFinite(due) || due > cutoff) continue;
    try {
      if ((await expire(execution.id, askedAt, execution.updatedAt)) === "expired") summary.expired.push(execution.id);
    } catch (err) {
      deps.log.warn({ err, executionId: execution.id }, "could not end a run whose question timed out; the next pass tries again");
    }
  }
}

/** One line on why no job holds the execution any more. */
function describeLoss(failedReason: string | undefined, status: string): string {
  if (failedReason && /stalled more than allowable limit/i.test(failedReason)) {
    return "the workers running it stopped (killed or lost) too many times, and the queue gave up on its job";
  }
  if (failedReason) return `its job failed without recording an end (${failedReason.replace(/\s+/g, " ").slice(0, 200)})`;
  return status === "queued" ? "it was never queued, or its job was lost" : "no worker holds it any more (its job is gone)";
}

async function requeue(deps: ReaperDeps, execution: ExecutionWithRepository, why: string, recovery: number, max: number): Promise<boolean> {
  if (!(await deps.store.claimExecution(execution.id, execution.updatedAt, { status: "queued" }))) return false;
  const base = execution.jobId ?? `run-${execution.repository.githubId}-${execution.issueNumber}-${execution.id}`;
  const message = `${why}; re-queued (recovery ${recovery} of ${max})`;
  await deps.store.appendEvent(execution.id, { type: RECOVERY_EVENT, level: "warn", message, data: { recovery, maxRecoveries: max, previousStatus: execution.status } });
  await updateTrackingComment(deps, execution, {
    status: "queued",
    phases: new PhaseTracker(execution.phaseTimings).view(),
    recovery: { count: recovery, max, reason: why },
  });
  await deps.requeue(execution.id, `${base}-recover-${recovery}`);
  return true;
}

async function fail(deps: ReaperDeps, execution: ExecutionWithRepository, why: string, recoveries: number, now: () => number): Promise<boolean> {
  const tracker = new PhaseTracker(execution.phaseTimings, now);
  const phase = tracker.fail() ?? (execution.phase as ReturnType<PhaseTracker["fail"]>) ?? undefined;
  const message = recoveries > 0 ? `${why}, after ${recoveries} recover${recoveries === 1 ? "y" : "ies"}` : why;
  const hint = "Comment `/moderator run` (or add the label again) to start a new run; if this keeps happening, ask the operator to look at the workers.";
  // Claimed first (a second reaper backs off), then what maintainers see, then the final state: whoever watches the
  // state finds the comment and the check run final.
  const claimed = await deps.store.claimExecution(execution.id, execution.updatedAt, { phaseTimings: tracker.timings as object, errorPhase: phase ?? null, error: message });
  if (!claimed) return false;
  const error = { phase, message, hint };
  await updateTrackingComment(deps, execution, { status: "failed", phases: tracker.view(), error });
  const headSha = execution.headSha ?? execution.resultSha;
  if (headSha) {
    await withCodeHost(deps, execution, async (codeHost, ref) => {
      const rendered = renderRunCheck({
        issueNumber: execution.issueNumber,
        ...(execution.backend ? { backend: execution.backend } : {}),
        phases: tracker.view(),
        elapsedMs: now() - (execution.startedAt ?? execution.createdAt).getTime(),
        ...(execution.prUrl ? { prUrl: execution.prUrl } : {}),
        ...(execution.prNumber !== null ? { prNumber: execution.prNumber } : {}),
        error: { ...(phase ? { phase } : {}), message, hint },
      });
      await codeHost.upsertCheckRun(ref, {
        ...(execution.checkRunId !== null ? { id: Number(execution.checkRunId) } : {}),
        name: CHECK_RUN_NAME,
        headSha,
        status: "completed",
        conclusion: "failure",
        actions: [RUN_CHECK_ACTIONS.rerun],
        title: rendered.title,
        summary: rendered.summary,
        externalId: execution.id,
      });
    });
  }
  await deps.store.finishExecution(execution.id, "failed", { phase: null, errorPhase: phase ?? null, error: message });
  if (execution.kind === "improve" && execution.improvementId) {
    // Its improvement no longer counts as queued or running against the budgets.
    await deps.store.prisma.improvement.updateMany({ where: { id: execution.improvementId, status: { in: ["queued", "running"] } }, data: { status: "failed" } });
  }
  await deps.store.appendEvent(execution.id, { type: "run.failed", phase: phase ?? null, level: "error", message, data: { reaped: true, recoveries } });
  return true;
}

async function updateTrackingComment(
  deps: ReaperDeps,
  execution: ExecutionWithRepository,
  view: Pick<TrackingView, "status" | "phases" | "error" | "recovery">,
): Promise<void> {
  // Only an issue's run has a tracking comment (reviews and improvement runs post none: the improvement's issue
  // comment belongs to its parent run).
  if (execution.kind !== "run") return;
  await withCodeHost(deps, execution, async (codeHost, ref) => {
    const body = renderTrackingComment({
      executionId: execution.id,
      ...view,
      ...(execution.backend ? { backend: execution.backend } : {}),
      ...(execution.prUrl ? { prUrl: execution.prUrl, ...(execution.prNumber !== null ? { prNumber: execution.prNumber } : {}) } : {}),
      ...(execution.checkRunUrl ? { checkRunUrl: execution.checkRunUrl } : {}),
    });
    const c = await codeHost.ensureComment(ref, execution.issueNumber, TRACKING_TOPIC, body, execution.trackingCommentId !== null ? Number(execution.trackingCommentId) : undefined);
    if (execution.trackingCommentId === null || Number(execution.trackingCommentId) !== c.id) {
      await deps.store.updateExecution(execution.id, { trackingCommentId: BigInt(c.id) });
    }
  });
}

/** Runs `fn` with the repository's code host; a failure is logged (the state change already happened). */
async function withCodeHost(
  deps: ReaperDeps,
  execution: ExecutionWithRepository,
  fn: (codeHost: Awaited<ReturnType<PipelineDeps["connect"]>>["codeHost"], ref: RepoRef) => Promise<void>,
): Promise<void> {
  try {
    const conn = await deps.connect(execution);
    await fn(conn.codeHost, { owner: execution.repository.owner, repo: execution.repository.name });
  } catch (err) {
    deps.log.warn({ err, executionId: execution.id }, "could not update GitHub for a reaped run");
  }
}
