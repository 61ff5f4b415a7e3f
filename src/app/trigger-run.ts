import type { CodeHost } from "../codehost/code-host.ts";
import type { RepoConfigResult } from "../config/repo-config.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import type { CommandContext } from "./commands/command-context.ts";
import { postReply } from "./commands/post-reply.ts";
import { cancelActiveRun, waitUntilInactive, type CancelRun } from "./control-runs.ts";
import type { GitHubClient } from "./github-client.ts";
import { renderConfigError } from "./render-config-error.ts";
import { startRun, type StartRunInput } from "./start-run.ts";

export type TriggerOptions = Pick<StartRunInput, "trigger" | "kind" | "race" | "backend" | "instructions" | "continueFrom" | "followUp" | "approvedBody" | "triggeredAt">;

export interface TriggerDeps {
  store: Store;
  queue: RunQueue;
  cancelRun: CancelRun;
  createCodeHost: (octokit: GitHubClient) => CodeHost;
  log: Logger;
  /** How long a new trigger waits for the run it replaces to stop (default 30 s). */
  supersedeWaitMs?: number;
}

export interface TriggerInput {
  /** The webhook delivery that asked (its outcome is recorded); absent for the console. */
  deliveryId?: string;
  octokit: GitHubClient;
  repository: { id: number; name: string; owner: { login: string }; default_branch?: string | undefined };
  installationId: number;
  issue: { number: number; title: string };
  sender: string;
  cfg: RepoConfigResult;
  opts: TriggerOptions;
  /** Where to say that the previous run is still stopping (a command's comment). */
  replyCtx?: CommandContext;
}

/**
 * Start a run (or review) for a writer: a repository config problem gets one comment; a run still active on the
 * issue is cancelled first (one live run per thread), then the new one is queued. The `/moderator` commands, the
 * check-run buttons and the console's Retry all come through here.
 */
export async function triggerRun(deps: TriggerDeps, input: TriggerInput): Promise<{ outcome: string; executionId?: string }> {
  const { repository, issue, sender, cfg } = input;
  let opts = input.opts;
  const owner = repository.owner.login;
  const repo = repository.name;
  const codeHost = deps.createCodeHost(input.octokit);
  if (!cfg.ok) {
    await codeHost.ensureComment({ owner, repo }, issue.number, "config-error", renderConfigError(cfg.problems, repository.default_branch ?? "the default branch"));
    return { outcome: "invalid repository config" };
  }
  // First signal first: a writer's request is acknowledged before anything slow (database, cancelling a run).
  // Idempotent on GitHub (the same reaction twice is one), so a label re-added to an active run changes nothing.
  const reacted = await codeHost.addIssueReaction({ owner, repo }, issue.number, "eyes").then(
    () => true,
    (err: unknown) => {
      deps.log.warn({ err, deliveryId: input.deliveryId }, "could not add the 👀 reaction; the run goes on");
      return false;
    },
  );
  const repoRow = await deps.store.upsertRepository({ githubId: repository.id, owner, name: repo, installationId: input.installationId, ...(repository.default_branch ? { defaultBranch: repository.default_branch } : {}) });
  // A label is a state, not an action: re-adding it while a run is active changes nothing. Explicit requests
  // (a command, a button) replace the active run: one live run per thread.
  const active = opts.trigger === "label" ? null : await deps.store.findActiveExecution(repoRow.id, issue.number);
  if (active) {
    const result = await cancelActiveRun(
      { store: deps.store, queue: deps.queue, cancelRun: deps.cancelRun, codeHost, log: deps.log },
      { repositoryId: repoRow.id, repositoryGithubId: repository.id, issueNumber: issue.number, by: sender, why: "a new run was requested" },
    );
    if (result === "signalled" && !(await waitUntilInactive(deps.store, repoRow.id, issue.number, deps.supersedeWaitMs ?? 30_000))) {
      if (input.replyCtx) await postReply(input.replyCtx, "The previous run is still stopping; try again in a moment.");
      return { outcome: "already-active: the previous run is still stopping" };
    }
  }
  // A repository that races by default: a plain run (label or command, not a follow-up nor a review) is a race.
  if (cfg.config.race && (opts.kind === undefined || opts.kind === "run") && !opts.continueFrom && !opts.followUp) opts = { ...opts, kind: "race" };
  const result = await startRun(
    {
      installationId: input.installationId,
      repository: { githubId: repository.id, owner, name: repo, defaultBranch: repository.default_branch ?? "main" },
      issue,
      sender,
      ...(input.deliveryId ? { deliveryId: input.deliveryId } : {}),
      reacted,
      ...opts,
    },
    { store: deps.store, codeHost, queue: deps.queue, log: deps.log },
  );
  if (input.deliveryId) await deps.store.setDeliveryOutcome(input.deliveryId, result.outcome, result.executionId);
  return result;
}

/**
 * What `/moderator retry` (and the console's Retry) asks for: the same kind of run as `last`, with its
 * instructions (and a race's request), on `backend` when given, otherwise on the backend `last` ran on.
 */
export function retryOptions(
  last: { kind: string; backend: string | null; instructions: string | null; summary: unknown },
  backend?: string,
): Pick<TriggerOptions, "kind" | "race" | "backend" | "instructions"> {
  return {
    kind: last.kind === "review" ? "review" : last.kind === "race" ? "race" : "run",
    ...(last.kind === "race" ? { race: (last.summary as { race?: { request?: string | null } } | null)?.race?.request ?? "" } : {}),
    ...(backend ? { backend } : last.backend ? { backend: last.backend } : {}),
    ...(last.instructions ? { instructions: last.instructions } : {}),
  };
}
