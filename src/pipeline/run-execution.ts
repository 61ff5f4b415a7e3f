import { mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { TRACKING_TOPIC } from "../app/start-run.ts";
import type { Backend, BackendHealth } from "../backends/backend.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { buildCheckRunOutput } from "../qa/build-check-run.ts";
import { buildReview } from "../qa/build-review.ts";
import { collectManifests } from "../qa/collect-manifests.ts";
import { commandFindings, type CommandResult } from "../qa/command-findings.ts";
import type { Finding, Severity } from "../qa/finding.ts";
import { parseDiff } from "../qa/parse-diff.ts";
import { runAnalyzers } from "../qa/run-analyzers.ts";
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

    // 4. qa: analyzers over the diff + the repository's own commands in the sandbox.
    await enter("qa", "qa");
    const diffText = await ws.diff();
    const files = parseDiff(diffText);
    const fileSizes: Record<string, number> = {};
    for (const f of files) {
      if (f.status === "deleted") continue;
      const s = await stat(path.join(ws.dir, f.path)).catch(() => undefined);
      if (s?.isFile()) fileSizes[f.path] = s.size;
    }
    const manifests = await collectManifests(ws.dir, files.filter((f) => f.status !== "deleted").map((f) => f.path));
    const findings: Finding[] = runAnalyzers({ files, fileSizes, manifests }, { ignorePaths: repoConfig.ignorePaths });
    const commands: CommandResult[] = [];
    if (repoConfig.qa.commands.length > 0 && !deps.operator.allowRepoCommands) {
      await store.appendEvent(executionId, { type: "qa.commands_skipped", phase: "qa", level: "warn", message: "the operator does not allow repository commands" });
    } else {
      for (const c of repoConfig.qa.commands) {
        const timeoutMs = (c.timeoutSeconds ?? deps.operator.limits.qaCommandTimeoutSeconds) * 1000;
        const home = path.join(scratchDir, "qa-home");
        const r = await deps.runner.run({
          command: ["sh", "-c", c.run],
          cwd: ws.dir,
          env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", CI: "true" },
          timeoutMs,
          signal: ctx.signal,
          maxOutputBytes: 256 * 1024,
          writablePaths: [scratchDir],
        });
        if (r.cancelled) throw new CancelledError("the run was cancelled during QA");
        const output = redactSecrets(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ""}`, secrets);
        commands.push({ name: c.name, command: ["sh", "-c", c.run], exitCode: r.exitCode, timedOut: r.timedOut, output, durationMs: r.durationMs });
        await store.appendEvent(executionId, {
          type: "qa.command",
          phase: "qa",
          level: r.exitCode === 0 ? "info" : "warn",
          message: `${c.name}: ${r.timedOut ? "timed out" : `exit ${r.exitCode}`}`,
          data: { name: c.name, exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs },
        });
      }
      findings.push(...commandFindings(commands, secrets));
    }
    const review = buildReview(findings, files, { maxComments: repoConfig.qa.maxComments, minConfidence: repoConfig.qa.minConfidence });
    const inlineFps = new Map(review.inline.map((f) => [f.fingerprint, { inline: true }]));
    await store.saveFindings(executionId, repository.id, findings, inlineFps);
    const counts = countBySeverity(findings);
    const check = buildCheckRunOutput(findings, { failOn: repoConfig.qa.failOn, commands });
    const changed = await ws.changedFiles();
    view.filesChanged = changed.length;
    view.findingsBySeverity = counts;
    tracker.finish("qa");

    // 5. decide: the breakpoint engine comes later; today the repository's `draft` setting decides.
    await enter("decide", "deciding");
    const draft = repoConfig.draft;
    await store.appendEvent(executionId, { type: "decision", phase: "decide", message: draft ? "open as draft" : "proceed", data: { draft } });
    tracker.finish("decide");

    // 6. publish: PR (found or created), check run with annotations, one review.
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
        findingsBySeverity: counts,
        commands,
        conclusion: check.conclusion,
        executionId,
      }),
      draft,
    });
    view.prNumber = pr.number;
    view.prUrl = pr.url;
    await store.updateExecution(executionId, { prNumber: pr.number, prUrl: pr.url, headSha: head });
    const checkRun = await codeHost.upsertCheckRun(ref, {
      ...(checkRunId !== undefined && execution.headSha === head ? { id: checkRunId } : {}),
      name: CHECK_RUN_NAME,
      headSha: head,
      status: "completed",
      conclusion: check.conclusion,
      title: check.title,
      summary: check.summary,
      text: check.text,
      annotations: check.annotations,
      externalId: executionId,
    });
    checkRunId = checkRun.id;
    view.checkRunUrl = checkRun.url;
    view.conclusion = check.conclusion;
    await store.updateExecution(executionId, { checkRunId: BigInt(checkRun.id), checkRunUrl: checkRun.url });
    const fresh = await store.getExecution(executionId);
    const reviewDone = fresh?.reviewId !== null && fresh?.reviewId !== undefined && fresh.headSha === head;
    if (!reviewDone && (review.inline.length > 0 || review.inBody.length > 0)) {
      const posted = await codeHost.createReview(ref, pr.number, { commitSha: head, body: review.body, comments: review.comments });
      await store.updateExecution(executionId, { reviewId: BigInt(posted.id), reviewUrl: posted.url });
      await store.appendEvent(executionId, {
        type: "review.posted",
        phase: "publish",
        message: `${posted.inlineCount} inline, ${review.inBody.length + posted.movedToBody} in the body`,
        data: { reviewId: posted.id, inline: posted.inlineCount, movedToBody: posted.movedToBody },
      });
    }
    tracker.finish("publish");

    // 7. record.
    status = "completed";
    const summary = { prNumber: pr.number, conclusion: check.conclusion, findings: counts, filesChanged: changed.length, backend: route.name };
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

function countBySeverity(findings: Finding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}
