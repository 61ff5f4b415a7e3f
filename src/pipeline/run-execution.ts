import { mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { TRACKING_TOPIC } from "../app/start-run.ts";
import type { Backend, BackendHealth } from "../backends/backend.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { QA_CHECK_RUN_NAME } from "../codehost/check-run-names.ts";
import { Severity, severityRank, type Finding } from "../qa/finding.ts";
import { parseDiff } from "../qa/parse-diff.ts";
import { renderPullRequestBody, renderPullRequestTitle } from "../render/render-pull-request.ts";
import { renderTrackingComment, type TrackingView } from "../render/render-tracking-comment.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Execution, Repository } from "../generated/prisma/client.ts";
import type { Llm } from "../llm/llm.ts";
import type { Store } from "../store/store.ts";
import { ModeratorError, CancelledError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { redactSecrets } from "../util/redact.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import { readBaseFiles } from "../workspace/restore-agent-config.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { GUIDANCE_PATHS } from "./build-prompt.ts";
import { classifyError, type ClassifiedError } from "./classify-error.ts";
import { decomposeTask } from "./decompose-task.ts";
import { executeTasks, type TaskOutcome } from "./execute-tasks.ts";
import { PhaseTracker } from "./phase-tracker.ts";
import { publishQa } from "./publish-qa.ts";
import { runQaPhase } from "./run-qa-phase.ts";
import { runReviewExecution } from "./run-review-execution.ts";
import { routeBackend, type BackendRoute } from "./route-backend.ts";
import type { RunConnection } from "./run-connection.ts";

/** Name of the check run Moderator keeps on its PR's head commit. */
export const CHECK_RUN_NAME = "Moderator";
/** Abort reason used when the worker shuts down: the run is re-queued, not cancelled. */
export const SHUTDOWN_REASON = "moderator:shutdown";

export interface PipelineDeps {
  store: Store;
  operator: OperatorConfig;
  runner: ProcessRunner;
  /** Where the run's inputs come from and its outputs go (GitHub through the installation, or a local repository). */
  connect(execution: Execution & { repository: Repository }): Promise<RunConnection>;
  createBackend(name: string): Backend;
  /** Health of an operator backend (implementations cache it briefly). */
  backendHealth(name: string): Promise<BackendHealth>;
  /** The operator's LLM, for planning (and LLM review); absent = heuristics only. */
  llm?: Llm;
  workspaceDir: string;
  log: Logger;
  now?: () => number;
}

export interface RunContext {
  signal: AbortSignal;
  /** 1-based attempt of this job. */
  attempt: number;
  maxAttempts: number;
}

export type RunOutcome =
  | { status: "completed"; prNumber: number; conclusion: string }
  | { status: "failed"; error: ClassifiedError; willRetry: boolean }
  | { status: "cancelled" }
  | { status: "interrupted" }
  | { status: "skipped"; reason: string };

/**
 * One run, in numbered steps: prepare -> plan -> execute -> qa -> decide -> publish -> record.
 * Idempotent on re-delivery: a retried or re-picked job resumes from what was saved
 * (the pushed agent result, the PR, the check run, the review and the tracking comment are found, not duplicated).
 * Never throws for a run failure: the outcome says whether the queue should retry.
 */
export async function runExecution(executionId: string, deps: PipelineDeps, ctx: RunContext): Promise<RunOutcome> {
  const { store, log } = deps;
  const now = deps.now ?? Date.now;
  const execution = await store.getExecution(executionId);
  if (!execution) return { status: "skipped", reason: `execution ${executionId} not found` };
  if (execution.status === "completed" || execution.status === "failed" || execution.status === "cancelled") {
    return { status: "skipped", reason: `execution already ${execution.status}` };
  }
  if (execution.kind === "review") return runReviewExecution(execution, deps, ctx);
  const repository = execution.repository;
  const ref: RepoRef = { owner: repository.owner, repo: repository.name };
  const tracker = new PhaseTracker(execution.phaseTimings, now);
  const secrets: string[] = [];
  const view: Omit<TrackingView, "phases" | "status" | "executionId"> = {};
  if (execution.prUrl) Object.assign(view, { prUrl: execution.prUrl, prNumber: execution.prNumber ?? undefined });
  let status: string = execution.status;
  let trackingCommentId = execution.trackingCommentId !== null ? Number(execution.trackingCommentId) : undefined;
  let codeHost: CodeHost | undefined;
  let workspace: Workspace | undefined;
  let scratchDir: string | undefined;
  let checkRunId = execution.checkRunId !== null ? Number(execution.checkRunId) : undefined;
  let headSha: string | undefined;
  let taskOutcomes: TaskOutcome[] = [];

  const persist = async (patch: Record<string, unknown> = {}) => {
    await store.updateExecution(executionId, { phaseTimings: tracker.timings as object, phase: tracker.current ?? null, ...patch });
  };
  const updateComment = async (strict: boolean, extra: Partial<TrackingView> = {}) => {
    if (!codeHost) return;
    const body = renderTrackingComment({ executionId, status, phases: tracker.view(), ...view, ...extra });
    try {
      const c = await codeHost.ensureComment(ref, execution.issueNumber, TRACKING_TOPIC, body, trackingCommentId);
      if (c.id !== trackingCommentId) {
        trackingCommentId = c.id;
        await store.updateExecution(executionId, { trackingCommentId: BigInt(c.id) });
      }
    } catch (err) {
      if (strict) throw err;
      log.warn({ err, executionId }, "could not update the tracking comment");
    }
  };
  const enter = async (phase: Parameters<PhaseTracker["start"]>[0], newStatus: string) => {
    if (ctx.signal.aborted) throw new CancelledError(String(ctx.signal.reason ?? "cancelled"));
    tracker.start(phase);
    status = newStatus;
    await persist({ status: newStatus });
    await store.appendEvent(executionId, { type: "phase.started", phase, message: phase });
    await updateComment(false);
  };

  try {
    await store.updateExecution(executionId, { attempts: ctx.attempt, ...(execution.startedAt ? {} : { startedAt: new Date(now()) }) });
    if (execution.startedAt) {
      const abandoned = await store.closeAbandonedWork(executionId, "the worker stopped while this ran; the run was picked up again");
      if (abandoned > 0) {
        await store.appendEvent(executionId, { type: "run.recovered", level: "warn", message: `${abandoned} agent run(s) of an earlier attempt were left running by a stopped worker` });
      }
    }
    const conn = await deps.connect(execution);
    secrets.push(...conn.secrets);
    codeHost = conn.codeHost;

    // 1. prepare: repository facts, issue (comments before the trigger only), config, backend route, clone.
    await enter("prepare", "preparing");
    const repoInfo = await conn.repository();
    const issue = await conn.issue(execution.issueNumber, execution.createdAt);
    const cfg = await conn.repoConfig(repoInfo.defaultBranch);
    if (!cfg.ok) {
      throw new ModeratorError(`.github/moderator.yml is invalid: ${cfg.problems.join("; ")}`, {
        phase: "prepare",
        hint: "Fix .github/moderator.yml on the default branch, then trigger the run again.",
      });
    }
    const repoConfig = cfg.config;
    const route = await chooseRoute(execution.backend, repoConfig, deps);
    view.backend = route.name;
    await store.appendEvent(executionId, { type: "backend.routed", phase: "prepare", message: route.reason, data: { backend: route.name, fallbacks: route.fallbacks } });
    const branch = `moderator/issue-${execution.issueNumber}`;
    await store.updateExecution(executionId, { backend: route.name, branch, baseBranch: repoInfo.defaultBranch, issueTitle: issue.title });
    const ws = await cloneWorkspace({
      cloneUrl: repoInfo.cloneUrl,
      token: conn.gitToken,
      baseBranch: repoInfo.defaultBranch,
      branch,
      rootDir: deps.workspaceDir,
      signal: ctx.signal,
      ...(execution.resultSha ? { resumeSha: execution.resultSha } : {}),
    });
    workspace = ws;
    scratchDir = await mkdtemp(path.join(deps.workspaceDir, `scratch-${executionId.slice(0, 8)}-`));
    const resumed = execution.resultSha !== null && (await ws.headSha()) === execution.resultSha;
    tracker.finish("prepare");

    // 2. plan + 3. execute (skipped when this attempt resumes an agent result already pushed).
    let agentSummary: string | undefined;
    if (resumed) {
      tracker.skip("plan");
      tracker.skip("execute");
      await store.appendEvent(executionId, { type: "run.resumed", message: `resuming from ${execution.resultSha}` });
    } else {
      await enter("plan", "planning");
      const plan =
        repoConfig.planning === "single"
          ? { tasks: [{ index: 0, title: issue.title, description: issue.body, type: "change" as const, dependsOn: [] }], source: "heuristic" as const, notes: ["planning: single (repository config)"] }
          : await decomposeTask({
              issue: { number: execution.issueNumber, title: issue.title, body: issue.body, comments: issue.comments.map((c) => c.body) },
              ...(deps.llm ? { llm: deps.llm } : {}),
            });
      await store.appendEvent(executionId, {
        type: "plan",
        phase: "plan",
        message: `${plan.tasks.length} task(s), by ${plan.source}`,
        data: { source: plan.source, notes: plan.notes, tasks: plan.tasks.map((t) => ({ title: t.title, type: t.type, dependsOn: t.dependsOn })) },
      });
      tracker.finish("plan");

      await enter("execute", "executing");
      const guidance = await readBaseFiles(ws.dir, ws.baseSha, GUIDANCE_PATHS);
      const executed = await executeTasks({
        executionId,
        tasks: plan.tasks,
        workspace: ws,
        repository: { owner: ref.owner, name: ref.repo, fullName: repoInfo.fullName, defaultBranch: repoInfo.defaultBranch },
        issueNumber: execution.issueNumber,
        issue,
        triggeredAt: execution.createdAt,
        guidance,
        ...(execution.instructions ? { extraInstructions: execution.instructions } : {}),
        backends: [route.name, ...route.fallbacks],
        allowFallback: deps.operator.allowFallback,
        createBackend: deps.createBackend,
        onTaskFailure: repoConfig.onTaskFailure,
        runner: deps.runner,
        scratchDir,
        signal: ctx.signal,
        store,
        secrets,
        log,
        now,
      });
      agentSummary = executed.agentSummary;
      taskOutcomes = executed.outcomes;
      // Push the agent's result at once: a later attempt (retry, or another worker after a crash) resumes from it
      // instead of running (and paying for) the agent again.
      await ws.push();
      await store.updateExecution(executionId, { resultSha: executed.lastSha });
      tracker.finish("execute");
    }

    // 4. qa: analyzers, the repository's own commands and scanners, the LLM and peer reviewers.
    await enter("qa", "qa");
    const diffText = await ws.diff();
    const files = parseDiff(diffText);
    const qa = await runQaPhase({
      executionId,
      workdir: ws.dir,
      scratchDir,
      diff: diffText,
      files,
      repoConfig,
      operator: deps.operator,
      runner: deps.runner,
      llm: deps.llm,
      createBackend: deps.createBackend,
      context: {
        repository: { owner: ref.owner, name: ref.repo, fullName: repoInfo.fullName, defaultBranch: repoInfo.defaultBranch },
        issue: { number: execution.issueNumber, title: issue.title, body: issue.body, author: issue.author },
        branch,
        baseBranch: repoInfo.defaultBranch,
      },
      signal: ctx.signal,
      secrets,
      store,
      log,
    });
    const changed = await ws.changedFiles();
    view.filesChanged = changed.length;
    view.findingsBySeverity = countBySeverity(qa.findings.filter((f) => f.confidence >= repoConfig.qa.minConfidence));
    tracker.finish("qa");

    // 5. decide: the repository's `draft` setting and the peers' verdict (the full breakpoint engine comes later).
    await enter("decide", "deciding");
    const peer = qa.peerDecision;
    const draft = repoConfig.draft || peer?.action === "draft_and_ask" || peer?.action === "request_changes_and_ask_human";
    const reasons = [repoConfig.draft ? "the repository opens drafts" : undefined, ...(peer && peer.action !== "none" ? peer.reasons : [])].filter((r): r is string => !!r);
    await store.appendEvent(executionId, { type: "decision", phase: "decide", message: draft ? "open as draft" : "proceed", data: { draft, peerAction: peer?.action ?? null, reasons } });
    tracker.finish("decide");

    // 6. publish: PR (found or created), the QA check run and one review, the run's check run.
    await enter("publish", "publishing");
    const head = await ws.headSha();
    headSha = head;
    const pr = await codeHost.ensurePullRequest(ref, {
      branch,
      base: repoInfo.defaultBranch,
      title: renderPullRequestTitle(execution.issueNumber, issue.title),
      body: renderPullRequestBody({
        issueNumber: execution.issueNumber,
        issueTitle: issue.title,
        backend: route.name,
        ...(agentSummary ? { agentSummary: redactSecrets(agentSummary, secrets) } : {}),
        files: changed,
        findingsBySeverity: view.findingsBySeverity,
        commands: qa.commands,
        conclusion: qa.qaError ? "neutral" : countsReach(view.findingsBySeverity, repoConfig.qa.failOn) ? "failure" : "success",
        executionId,
        tasks: taskOutcomes,
        ...(peer && peer.action !== "none" ? { peerSummary: peer.summary } : {}),
        notes: qa.notes,
      }),
      draft,
    });
    view.prNumber = pr.number;
    view.prUrl = pr.url;
    await store.updateExecution(executionId, { prNumber: pr.number, prUrl: pr.url, headSha: head });
    const published = await publishQa({ codeHost, ref, pullNumber: pr.number, headSha: head, files, qa, repoConfig, executionId, repositoryId: repository.id, store });
    if (published.review) await store.updateExecution(executionId, { reviewId: BigInt(published.review.id), reviewUrl: published.review.url });
    if (peer?.action === "draft_and_ask" || peer?.action === "request_changes_and_ask_human") {
      await codeHost.ensureComment(ref, pr.number, "peer-verdict", renderPeerQuestion(peer.action, peer.summary, peer.reasons));
    }
    const runCheck = await codeHost.upsertCheckRun(ref, {
      ...(checkRunId !== undefined && execution.headSha === head ? { id: checkRunId } : {}),
      name: CHECK_RUN_NAME,
      headSha: head,
      status: "completed",
      conclusion: "success",
      title: `Pull request #${pr.number} is ready for review${draft ? " (draft)" : ""}`,
      summary: `Moderator ran \`${route.name}\` on #${execution.issueNumber}. QA: **${published.conclusion}** (see the ${QA_CHECK_RUN_NAME} check); ${published.posted} new finding(s) posted, ${published.keptQuiet} already posted, ${published.resolved} thread(s) resolved.`,
      externalId: executionId,
    });
    checkRunId = runCheck.id;
    view.checkRunUrl = published.checkRun.url;
    view.conclusion = published.conclusion;
    await store.updateExecution(executionId, { checkRunId: BigInt(runCheck.id), checkRunUrl: runCheck.url });
    tracker.finish("publish");
    const check = { conclusion: published.conclusion };

    // 7. record.
    status = "completed";
    const summary = { prNumber: pr.number, conclusion: check.conclusion, findings: view.findingsBySeverity, filesChanged: changed.length, backend: route.name, tasks: taskOutcomes.length };
    await persist({ summary });
    await store.finishExecution(executionId, "completed", { summary });
    await store.appendEvent(executionId, { type: "run.completed", message: `PR #${pr.number}, QA ${check.conclusion}` });
    await updateComment(true, { totalMs: tracker.totalMs() });
    return { status: "completed", prNumber: pr.number, conclusion: check.conclusion };
  } catch (err) {
    const failedPhase = tracker.current;
    const classified = classifyError(err, failedPhase);
    log.warn({ err, executionId, phase: failedPhase, attempt: ctx.attempt }, "run attempt failed");
    classified.message = redactSecrets(classified.message, secrets);
    const outputTail = (err as { cause?: { outputTail?: string } })?.cause?.outputTail;
    if (ctx.signal.aborted && ctx.signal.reason === SHUTDOWN_REASON) {
      // The worker is shutting down: keep the state, let another worker (or this one, restarted) resume.
      await persist();
      await store.appendEvent(executionId, { type: "run.interrupted", level: "warn", message: "worker shut down; the run will resume" });
      await updateComment(false, { retry: { attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, reason: "the worker was shut down" } });
      return { status: "interrupted" };
    }
    if (classified.kind === "cancelled") {
      tracker.fail();
      status = "cancelled";
      await persist();
      await store.finishExecution(executionId, "cancelled", { error: classified.message });
      await store.appendEvent(executionId, { type: "run.cancelled", level: "warn", message: classified.message });
      await updateComment(false);
      return { status: "cancelled" };
    }
    const willRetry = classified.kind === "transient" && ctx.attempt < ctx.maxAttempts;
    await store.appendEvent(executionId, {
      type: willRetry ? "run.retrying" : "run.failed",
      phase: classified.phase ?? null,
      level: "error",
      message: classified.message,
      data: { attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, transient: classified.kind === "transient" },
    });
    if (willRetry) {
      // Keep the phase "running" in the record: the next attempt starts from the top and resumes what it can.
      await persist();
      await updateComment(false, { retry: { attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, reason: classified.message } });
      return { status: "failed", error: classified, willRetry };
    }
    tracker.fail();
    status = "failed";
    await persist({ errorPhase: classified.phase ?? null, error: classified.message });
    await store.finishExecution(executionId, "failed", { errorPhase: classified.phase ?? null, error: classified.message });
    await updateComment(false, {
      error: {
        phase: classified.phase,
        message: classified.message,
        ...(classified.hint ? { hint: classified.hint } : {}),
        ...(outputTail ? { outputTail } : {}),
      },
    });
    if (codeHost && checkRunId !== undefined && headSha) {
      await codeHost
        .upsertCheckRun(ref, {
          id: checkRunId,
          name: CHECK_RUN_NAME,
          headSha,
          status: "completed",
          conclusion: classified.infrastructure ? "neutral" : "failure",
          title: `Moderator could not finish: ${classified.phase ?? "run"} failed`,
          summary: `${classified.message}\n\n${classified.hint ?? ""}`,
        })
        .catch((e: unknown) => log.warn({ err: e }, "could not complete the check run"));
    }
    return { status: "failed", error: classified, willRetry: false };
  } finally {
    await workspace?.dispose().catch((err: unknown) => log.warn({ err }, "could not delete the workspace"));
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Route the run to a backend: `/moderator run --backend`, then the repository's choice, then the operator's default. */
async function chooseRoute(requested: string | null, repoConfig: RepoConfig, deps: PipelineDeps): Promise<BackendRoute> {
  const names = Object.keys(deps.operator.backends);
  if (names.length === 0) {
    throw new ModeratorError("no agent backend is configured", {
      phase: "prepare",
      infrastructure: true,
      hint: "The operator must define a backend in moderator.config.yml (see README: Configuration).",
    });
  }
  const backends = await Promise.all(names.map(async (name) => ({ name, health: await deps.backendHealth(name) })));
  const route = routeBackend({
    ...(requested ? { requested } : {}),
    ...(repoConfig.backend ? { repoPreference: repoConfig.backend } : {}),
    ...(deps.operator.defaultBackend ? { operatorDefault: deps.operator.defaultBackend } : {}),
    backends,
    allowFallback: deps.operator.allowFallback,
  });
  if ("error" in route) {
    throw new ModeratorError(route.error, {
      phase: "prepare",
      infrastructure: true,
      hint: `The operator must install or fix the backend (see \`moderator backends\`), or choose another: ${names.join(", ")}.`,
    });
  }
  return route;
}

function countsReach(counts: Partial<Record<Severity, number>>, failOn: Severity): boolean {
  return Severity.options.some((s) => severityRank(s) >= severityRank(failOn) && (counts[s] ?? 0) > 0);
}

function renderPeerQuestion(action: string, summary: string, reasons: string[]): string {
  const head =
    action === "request_changes_and_ask_human"
      ? "### Moderator · 🙋 A reviewer found a blocker"
      : "### Moderator · 🙋 Reviewers have concerns";
  return [
    head,
    "",
    summary,
    "",
    ...reasons.map((r) => `- ${r}`),
    "",
    "This pull request was opened as a **draft**. @maintainers: please decide whether to go ahead; reply on the issue with what should change.",
  ].join("\n");
}

function countBySeverity(findings: Finding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}
