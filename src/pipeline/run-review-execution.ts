import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { QA_CHECK_RUN_NAME } from "../codehost/check-run-names.ts";
import type { CodeHost, PullRequestFile } from "../codehost/code-host.ts";
import { parsePullRequestFiles } from "../codehost/parse-pull-request-files.ts";
import type { Execution, Repository } from "../generated/prisma/client.ts";
import { renderTrackingComment } from "../render/render-tracking-comment.ts";
import { ModeratorError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { relativizePaths } from "../util/relativize-paths.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { classifyError } from "./classify-error.ts";
import { publishQa } from "./publish-qa.ts";
import type { PipelineDeps, RunContext, RunOutcome } from "./run-execution.ts";
import { agentRepository } from "./run-connection.ts";
import type { ExecutionPatch } from "../store/store.ts";
import { PhaseTracker } from "./phase-tracker.ts";
import { runQaPhase } from "./run-qa-phase.ts";

/** Topic of the comment a failed `/moderator review` leaves on the pull request. */
const REVIEW_ERROR_TOPIC = "review-error";

/**
 * `/moderator review` on any pull request: QA alone, like a standalone review bot. The repository config is
 * read from the default branch (a pull request cannot change what runs on it). A pull request from the same
 * repository is cloned at its head so the repository's commands and scanners can run in the sandbox; one from a
 * fork is reviewed from its diff (analyzers, LLM), and the check run says what did not run. Posts the
 * `Moderator QA` check run and at most one review with only new findings; says nothing else unless it fails.
 */
export async function runReviewExecution(
  execution: Execution & { repository: Repository },
  deps: PipelineDeps,
  ctx: RunContext,
): Promise<RunOutcome> {
  const { store, log } = deps;
  const executionId = execution.id;
  const ref = { owner: execution.repository.owner, repo: execution.repository.name };
  const secrets: string[] = [];
  let codeHost: CodeHost | undefined;
  let workspace: Workspace | undefined;
  let scratchDir: string | undefined;
  let headSha: string | undefined;
  // Phases as other runs record them (Execution.phaseTimings, what `moderator status` lists): prepare, qa, publish.
  const tracker = new PhaseTracker(undefined, deps.now ?? Date.now);
  const enter = async (phase: "prepare" | "qa" | "publish", status: "preparing" | "qa" | "publishing", patch: ExecutionPatch = {}) => {
    tracker.start(phase);
    await store.updateExecution(executionId, { status, phase, phaseTimings: tracker.timings as object, ...patch });
  };
  try {
    await enter("prepare", "preparing", { attempts: ctx.attempt, ...(execution.startedAt ? {} : { startedAt: new Date() }) });
    const conn = await deps.connect(execution);
    secrets.push(...conn.secrets);
    codeHost = conn.codeHost;
    const repoInfo = await conn.repository();
    const pr = await codeHost.getPullRequest(ref, execution.issueNumber);
    headSha = pr.headSha;
    if (pr.state !== "open") throw new ModeratorError(`pull request #${pr.number} is ${pr.merged ? "merged" : "closed"}`, { phase: "prepare", hint: "Reviews run on open pull requests." });
    const cfg = await conn.repoConfig(repoInfo.defaultBranch);
    if (!cfg.ok) {
      throw new ModeratorError(`.github/moderator.yml is invalid: ${cfg.problems.join("; ")}`, {
        phase: "prepare",
        hint: "Fix .github/moderator.yml on the default branch, then ask for the review again.",
      });
    }
    const repoConfig = cfg.config;
    const prFiles: PullRequestFile[] = await codeHost.listPullRequestFiles(ref, pr.number);
    const files = parsePullRequestFiles(prFiles);
    const diff = prFiles.map((f) => `diff --git a/${f.previousPath ?? f.path} b/${f.path}\n--- a/${f.previousPath ?? f.path}\n+++ b/${f.path}\n${f.patch ?? ""}`).join("\n");
    scratchDir = await mkdtemp(path.join(deps.workspaceDir, `scratch-${executionId.slice(0, 8)}-`));
    const sameRepo = pr.headRepo !== null && pr.headRepo.toLowerCase() === `${ref.owner}/${ref.repo}`.toLowerCase();
    if (sameRepo) {
      workspace = await cloneWorkspace({
        cloneUrl: repoInfo.cloneUrl,
        token: conn.gitToken,
        baseBranch: pr.headRef,
        branch: `moderator/review-${pr.number}`,
        rootDir: deps.workspaceDir,
        signal: ctx.signal,
      });
      const cloned = await workspace.headSha();
      if (cloned !== pr.headSha) {
        await store.appendEvent(executionId, { type: "review.head_moved", phase: "prepare", level: "warn", message: `the branch moved on to ${cloned} while the review started; reviewing ${pr.headSha}'s diff on it` });
      }
    }

    await enter("qa", "qa", { headSha: pr.headSha, prNumber: pr.number, prUrl: pr.url });
    const qa = await runQaPhase({
      executionId,
      workdir: workspace?.dir ?? null,
      scratchDir,
      diff,
      files,
      repoConfig,
      operator: deps.operator,
      runner: deps.runner,
      llm: deps.llm,
      createBackend: deps.createBackend,
      context: {
        repository: agentRepository(ref, repoInfo),
        issue: { number: pr.number, title: pr.title, body: pr.body, author: pr.author?.login ?? "unknown" },
        branch: pr.headRef,
        baseBranch: pr.baseRef,
      },
      signal: ctx.signal,
      secrets,
      store,
      log,
    });

    await enter("publish", "publishing");
    const published = await publishQa({ codeHost, ref, pullNumber: pr.number, headSha: pr.headSha, files, qa, repoConfig, executionId, repositoryId: execution.repository.id, store });
    await store.updateExecution(executionId, {
      checkRunId: BigInt(published.checkRun.id),
      checkRunUrl: published.checkRun.url,
      ...(published.review ? { reviewId: BigInt(published.review.id), reviewUrl: published.review.url } : {}),
    });
    const summary = { prNumber: pr.number, conclusion: published.conclusion, findings: published.counts, posted: published.posted, resolved: published.resolved };
    tracker.finish("publish");
    await store.finishExecution(executionId, "completed", { summary, phase: null, phaseTimings: tracker.timings as object });
    await store.appendEvent(executionId, { type: "run.completed", message: `review of PR #${pr.number}: QA ${published.conclusion}` });
    return { status: "completed", prNumber: pr.number, conclusion: published.conclusion };
  } catch (err) {
    const classified = classifyError(err, undefined);
    // Shown in the tracking comment and the check run: no secret, and no server folder (repository-relative instead).
    classified.message = relativizePaths(redactSecrets(classified.message, secrets), [
      ...(workspace ? [{ dir: workspace.dir, shownAs: "." }] : []),
      ...(scratchDir ? [{ dir: scratchDir, shownAs: "<scratch>" }] : []),
      { dir: deps.workspaceDir, shownAs: "<workspaces>" },
    ]);
    log.warn({ err }, "review attempt failed");
    if (classified.kind === "cancelled") {
      await store.finishExecution(executionId, "cancelled", { error: classified.message });
      return { status: "cancelled" };
    }
    const willRetry = classified.kind === "transient" && ctx.attempt < ctx.maxAttempts;
    await store.appendEvent(executionId, { type: willRetry ? "run.retrying" : "run.failed", level: "error", message: classified.message });
    if (willRetry) return { status: "failed", error: classified, willRetry };
    tracker.fail();
    await store.finishExecution(executionId, "failed", { errorPhase: classified.phase ?? null, error: classified.message, phaseTimings: tracker.timings as object });
    if (codeHost) {
      const body = renderTrackingComment({
        executionId,
        status: "failed",
        phases: [],
        error: { phase: classified.phase, message: `the review could not be done: ${classified.message}`, ...(classified.hint ? { hint: classified.hint } : {}) },
      });
      await codeHost.ensureComment(ref, execution.issueNumber, REVIEW_ERROR_TOPIC, body).catch((e: unknown) => log.warn({ err: e }, "could not report the failed review"));
      if (headSha) {
        await codeHost
          .upsertCheckRun(ref, { name: QA_CHECK_RUN_NAME, headSha, status: "completed", conclusion: "neutral", title: "QA could not run", summary: `${classified.message}\n\n${classified.hint ?? ""}` })
          .catch((e: unknown) => log.warn({ err: e }, "could not complete the check run"));
      }
    }
    return { status: "failed", error: classified, willRetry: false };
  } finally {
    await workspace?.dispose().catch(() => undefined);
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
