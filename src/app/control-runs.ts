import type { CodeHost } from "../codehost/code-host.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { FollowUp } from "../pipeline/follow-up.ts";
import { NEEDS_HUMAN_LABEL } from "../pipeline/needs-human-label.ts";
import { formatCancelReason } from "../queue/cancel-run.ts";
import { runJobId, type RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";

/** Ask the worker holding a job to abort it (or remove it from the queue when it has not started). */
export type CancelRun = (input: { jobId: string; reason: string; by: string }) => Promise<"removed" | "signalled" | "not_found">;

export interface ControlDeps {
  store: Store;
  queue: RunQueue;
  cancelRun: CancelRun;
  codeHost: CodeHost;
  log: Logger;
}

/**
 * Stop the active run of an issue: its agent's process group is killed through the job's AbortSignal (the worker
 * records it `cancelled`, with who); a run still queued is removed and recorded here. Returns what happened.
 */
export async function cancelActiveRun(
  deps: ControlDeps,
  input: { repositoryId: number; repositoryGithubId: number; issueNumber: number; by: string; why: string },
): Promise<"cancelled" | "signalled" | "none"> {
  const active = await deps.store.findActiveExecution(input.repositoryId, input.issueNumber);
  if (!active) return "none";
  if (active.kind === "race") {
    // A race: stop every candidate (each records its own cancellation), then the race itself.
    const candidates = await deps.store.prisma.execution.findMany({ where: { raceId: active.id, status: { notIn: ["completed", "failed", "cancelled"] } } });
    for (const c of candidates) {
      const r = await deps.cancelRun({ jobId: c.jobId ?? runJobId(input.repositoryGithubId, input.issueNumber, c.id), reason: formatCancelReason(input.by, input.why), by: input.by });
      if (r !== "signalled") await deps.store.finishExecution(c.id, "cancelled", { cancelledBy: input.by, error: `cancelled by ${input.by}: ${input.why}` });
    }
  }
  const jobId = active.jobId ?? runJobId(input.repositoryGithubId, input.issueNumber, active.id);
  const result = active.status === "waiting_for_human" ? "not_found" : await deps.cancelRun({ jobId, reason: formatCancelReason(input.by, input.why), by: input.by });
  await deps.store.appendEvent(active.id, { type: "run.cancel_requested", level: "warn", message: `${input.why} (by ${input.by})`, data: { result } });
  if (result === "signalled") return "signalled";
  // Nothing runs it any more (removed from the queue, waiting for an answer, or its job is gone): record it here.
  await deps.store.finishExecution(active.id, "cancelled", { cancelledBy: input.by, error: `cancelled by ${input.by}: ${input.why}` });
  if (active.status === "waiting_for_human") {
    const ref = await refOf(deps.store, active.repositoryId);
    if (ref) await deps.codeHost.removeLabel(ref, input.issueNumber, NEEDS_HUMAN_LABEL).catch((err: unknown) => deps.log.warn({ err }, "could not remove the label"));
  }
  return "cancelled";
}

/**
 * Wait (briefly) until the issue has no active run: after a cancel was signalled, the worker needs a moment to kill
 * the agent and record the cancellation. Returns false when the old run is still active after `timeoutMs`.
 */
export async function waitUntilInactive(store: Store, repositoryId: number, issueNumber: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await store.findActiveExecution(repositoryId, issueNumber))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A writer's reply to Moderator's question: the waiting run resumes with the answer in the agent's prompt, on top
 * of the branch it pushed. Returns false when the issue has no run waiting for an answer.
 */
export async function resumeWithAnswer(
  deps: ControlDeps,
  input: { repositoryId: number; repositoryGithubId: number; issueNumber: number; answer: string; by: string; commentId: number; via?: "console"; executionId?: string },
): Promise<boolean> {
  const active = await deps.store.findActiveExecution(input.repositoryId, input.issueNumber);
  if (!active || active.status !== "waiting_for_human") return false;
  // The console answers one run's question: not another run's that took its place.
  if (input.executionId !== undefined && active.id !== input.executionId) return false;
  const followUp: FollowUp = { answer: { text: input.answer.slice(0, 8000), by: input.by } };
  await deps.store.updateExecution(active.id, {
    status: "queued",
    followUp: followUp as Prisma.InputJsonObject,
    continueFrom: active.resultSha,
  });
  await deps.store.appendEvent(active.id, {
    type: "run.answered",
    message: `answered by ${input.by}${input.via ? ` (${input.via})` : ""}`,
    data: { commentId: input.commentId, ...(input.via ? { via: input.via } : {}) },
  });
  const ref = await refOf(deps.store, active.repositoryId);
  if (ref) await deps.codeHost.removeLabel(ref, input.issueNumber, NEEDS_HUMAN_LABEL).catch((err: unknown) => deps.log.warn({ err }, "could not remove the label"));
  await deps.queue.enqueue({ executionId: active.id }, `${runJobId(input.repositoryGithubId, input.issueNumber, active.id)}-answer-${input.commentId}`);
  return true;
}

async function refOf(store: Store, repositoryId: number): Promise<{ owner: string; repo: string } | undefined> {
  const repo = await store.prisma.repository.findUnique({ where: { id: repositoryId } });
  return repo ? { owner: repo.owner, repo: repo.name } : undefined;
}
