import { TRACKING_TOPIC } from "../app/start-run.ts";
import type { Execution, Repository } from "../generated/prisma/client.ts";
import { renderTrackingComment } from "../render/render-tracking-comment.ts";
import { PhaseTracker } from "./phase-tracker.ts";
import { NEEDS_HUMAN_LABEL, type PipelineDeps } from "./run-execution.ts";

/**
 * The time-out of a breakpoint: when the run still waits on the question asked at `askedAt`, it ends (failed,
 * "no answer"), the label goes, and the tracking comment says so. A run answered or cancelled meanwhile is left alone.
 */
export async function expireBreakpoint(
  executionId: string,
  askedAt: string,
  deps: Pick<PipelineDeps, "store" | "connect">,
  /** When the caller read the run before (the reaper's listing): the claim holds only if nothing wrote since. */
  seenUpdatedAt?: Date,
): Promise<"expired" | "stale"> {
  const execution = (await deps.store.getExecution(executionId)) as (Execution & { repository: Repository }) | null;
  const decision = (execution?.decision ?? {}) as { askedAt?: string; timeoutHours?: number };
  if (!execution || execution.status !== "waiting_for_human" || decision.askedAt !== askedAt) return "stale";
  const message = `no maintainer answered within ${decision.timeoutHours ?? "?"} hours`;
  // Claimed first: the time-out job and the reaper (or two reapers, each passing what it listed) may both come; one
  // ends the run.
  if (!(await deps.store.claimExecution(executionId, seenUpdatedAt ?? execution.updatedAt, { error: message }))) return "stale";
  // What maintainers see first, then the state.
  const conn = await deps.connect(execution);
  const ref = { owner: execution.repository.owner, repo: execution.repository.name };
  await conn.codeHost.removeLabel(ref, execution.issueNumber, NEEDS_HUMAN_LABEL);
  const body = renderTrackingComment({
    executionId,
    status: "failed",
    phases: new PhaseTracker(execution.phaseTimings).view(),
    error: { phase: "decide", message, hint: `The agent's work stays on branch ${execution.branch ?? "(none)"}. Comment \`/moderator run\` to start again.` },
  });
  await conn.codeHost.ensureComment(ref, execution.issueNumber, TRACKING_TOPIC, body, execution.trackingCommentId !== null ? Number(execution.trackingCommentId) : undefined);
  await deps.store.finishExecution(executionId, "failed", { errorPhase: "decide", error: message });
  await deps.store.appendEvent(executionId, { type: "run.expired", phase: "decide", level: "warn", message });
  return "expired";
}
