import type { CodeHost } from "../codehost/code-host.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { FollowUp } from "../pipeline/follow-up.ts";
import { PhaseTracker } from "../pipeline/phase-tracker.ts";
import { runJobId, type RunQueue } from "../queue/run-queue.ts";
import { renderTrackingComment } from "../render/render-tracking-comment.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";

/** Topic of the one sticky tracking comment per issue (hidden marker `<!-- moderator:tracking -->`). */
export const TRACKING_TOPIC = "tracking";

export interface StartRunInput {
  installationId: number;
  repository: { githubId: number; owner: string; name: string; defaultBranch: string };
  issue: { number: number; title: string };
  trigger: "label" | "comment" | "cli" | "check_run" | "review_comment" | "console";
  /** A run resolves the issue; a review runs QA alone on a pull request (issue.number is the PR's number). */
  kind?: "run" | "review" | "race";
  /** For kind `race`: the `--race` value (`claude,codex`, `3`); absent = the repository's `race:`. */
  race?: string;
  sender: string;
  deliveryId?: string;
  backend?: string;
  /** Free text of `/moderator run <text>`: a maintainer's instructions for the agent. */
  instructions?: string;
  /** A follow-up run (`/moderator fix`, Fix findings): continue the PR branch from this commit, addressing this. */
  continueFrom?: string;
  followUp?: FollowUp;
  /** The issue body as the writer saw it when they triggered the run (from the webhook payload). */
  approvedBody?: string;
  /** When the writer triggered the run. */
  triggeredAt?: Date;
  /** The 👀 reaction was already added (intake adds it first thing); otherwise startRun adds it. */
  reacted?: boolean;
}

/**
 * What the tracking comment says of who asked for a run when GitHub shows nothing of theirs: a command or a label
 * is on the issue for all to see, a press in the console is not.
 */
export function requestNotes(execution: { trigger: string; triggeredBy: string }): string[] {
  return execution.trigger === "console" ? [`Requested from the Moderator console by ${execution.triggeredBy}.`] : [];
}

export type StartRunOutcome =
  | { outcome: "queued"; executionId: string }
  | { outcome: "already-active"; executionId: string };

/**
 * Everything between "a writer asked for a run" and "the job is queued":
 * execution row (one active per issue, enforced by the database), 👀, tracking comment, job.
 */
export async function startRun(
  input: StartRunInput,
  deps: { store: Store; codeHost: CodeHost; queue: RunQueue; log: Logger },
): Promise<StartRunOutcome> {
  const { store, codeHost, queue, log } = deps;
  const ref = { owner: input.repository.owner, repo: input.repository.name };
  const repository = await store.upsertRepository({
    githubId: input.repository.githubId,
    owner: input.repository.owner,
    name: input.repository.name,
    installationId: input.installationId,
    defaultBranch: input.repository.defaultBranch,
  });
  const created = await store.createExecution({
    repositoryId: repository.id,
    issueNumber: input.issue.number,
    issueTitle: input.issue.title,
    trigger: input.trigger,
    triggeredBy: input.sender,
    ...(input.deliveryId ? { deliveryId: input.deliveryId } : {}),
    ...(input.backend ? { backend: input.backend } : {}),
    ...(input.instructions ? { instructions: input.instructions.slice(0, 4000) } : {}),
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.continueFrom ? { continueFrom: input.continueFrom } : {}),
    ...(input.followUp ? { followUp: input.followUp as Prisma.InputJsonObject } : {}),
    ...(input.approvedBody !== undefined ? { approvedBody: input.approvedBody.slice(0, 65_536) } : {}),
    ...(input.triggeredAt ? { triggeredAt: input.triggeredAt } : {}),
  });
  const execution = created.execution;
  if (!created.created) {
    log.info({ executionId: execution.id, issue: input.issue.number }, "a run is already active for this issue");
    return { outcome: "already-active", executionId: execution.id };
  }
  if (input.kind === "race") await store.updateExecution(execution.id, { summary: { race: { request: input.race ?? null } } });
  await store.appendEvent(execution.id, {
    type: "run.requested",
    message: `${input.trigger} by ${input.sender}`,
    data: { trigger: input.trigger, sender: input.sender, deliveryId: input.deliveryId ?? null },
  });

  if (!input.reacted) {
    try {
      await codeHost.addIssueReaction(ref, input.issue.number, "eyes");
    } catch (err) {
      log.warn({ err, executionId: execution.id }, "could not add the 👀 reaction");
    }
  }
  // A review says nothing until it has something to say (the review itself, or why it failed).
  if (input.kind !== "review") {
    try {
      const notes = requestNotes({ trigger: input.trigger, triggeredBy: input.sender });
      const body = renderTrackingComment({ executionId: execution.id, status: "queued", phases: new PhaseTracker(undefined).view(), ...(notes.length ? { notes } : {}) });
      const comment = await codeHost.ensureComment(ref, input.issue.number, TRACKING_TOPIC, body);
      await store.updateExecution(execution.id, { trackingCommentId: BigInt(comment.id) });
    } catch (err) {
      // The worker ensures the comment again when it starts; a failure here must not lose the run.
      log.warn({ err, executionId: execution.id }, "could not post the tracking comment; the worker will retry");
    }
  }

  const jobId = runJobId(input.repository.githubId, input.issue.number, execution.id);
  try {
    await queue.enqueue({ executionId: execution.id }, jobId);
  } catch (err) {
    await store.finishExecution(execution.id, "failed", {
      errorPhase: "prepare",
      error: `could not queue the run: ${(err as Error).message}`,
    });
    throw err;
  }
  await store.updateExecution(execution.id, { jobId });
  log.info({ executionId: execution.id, jobId, issue: input.issue.number }, "run queued");
  return { outcome: "queued", executionId: execution.id };
}
