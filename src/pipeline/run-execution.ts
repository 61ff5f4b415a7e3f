import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { requestNotes, TRACKING_TOPIC } from "../app/start-run.ts";
import { parseCancelReason } from "../queue/cancel-run.ts";
import type { Backend, BackendHealth } from "../backends/backend.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { Severity, severityRank, type Finding } from "../qa/finding.ts";
import { assessWithLlm } from "../qa/assess-with-llm.ts";
import { findPushBlockers } from "../qa/find-push-blockers.ts";
import { sortFindings } from "../qa/sort-findings.ts";
import { parseDiff, type DiffFile } from "../qa/parse-diff.ts";
import { renderPullRequestBody, renderPullRequestTitle } from "../render/render-pull-request.ts";
import { RUN_CHECK_ACTIONS, renderRunCheck } from "../render/render-run-check.ts";
import { renderTrackingComment, type TrackingView } from "../render/render-tracking-comment.ts";
import { summarizeConnections } from "./summarize-connections.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import { Prisma, type Repository } from "../generated/prisma/client.ts";
import type { Improvement } from "../improve/improvement.ts";
import { runImprover } from "../improve/run-improver.ts";
import { createRng } from "../learner/create-rng.ts";
import type { AcceptanceTable } from "../learner/estimate-acceptance.ts";
import { LEARNINGS_FILE_PATH } from "../learner/learnings-file.ts";
import { learnedSuppressions, loadAcceptanceTable } from "../learner/load-learnings.ts";
import { rankImprovements as rankByAcceptance } from "../learner/rank-improvements.ts";
import { thompsonScores } from "../learner/thompson-route.ts";
import type { Llm } from "../llm/llm.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import { ModeratorError, CancelledError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { createRunLogger } from "./create-run-logger.ts";
import { redactSecrets } from "../util/redact.ts";
import { relativizePaths } from "../util/relativize-paths.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import { readBaseFiles } from "../workspace/restore-agent-config.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { GUIDANCE_PATHS } from "./build-prompt.ts";
import { classifyError, type ClassifiedError } from "./classify-error.ts";
import { decomposeTask } from "./decompose-task.ts";
import { decideRun, type Decision } from "./decide-run.ts";
import { describeFinding, listSome } from "./decision-format.ts";
import { executeTasks, type PlannedTaskLike, type TaskOutcome } from "./execute-tasks.ts";
import { followUpTask, readFollowUp, renderFollowUpFeedback, toFeedbackFinding, type FollowUp } from "./follow-up.ts";
import { sanitizeUserText } from "../app/sanitize-user-text.ts";
import { chooseIssueBody } from "./choose-issue-body.ts";
import { PhaseTracker } from "./phase-tracker.ts";
import { publishQa } from "./publish-qa.ts";
import { runQaPhase, type QaPhaseResult } from "./run-qa-phase.ts";
import { runImproveExecution } from "./run-improve-execution.ts";
import { runReviewExecution } from "./run-review-execution.ts";
import { enforceRaceBudget, refreshRaceComment, runRaceExecution, settleCandidate, watchRaceBudget, type CandidateSummary } from "../race/run-race-execution.ts";
import type { CancelInput, CancelResult } from "../queue/cancel-run.ts";
import { routeBackend, type BackendRoute } from "./route-backend.ts";
import { agentRepository, type RunConnection } from "./run-connection.ts";

/** Name of the check run Moderator keeps on its PR's head commit. */
export const CHECK_RUN_NAME = "Moderator";
import { NEEDS_HUMAN_LABEL } from "./needs-human-label.ts";
export { NEEDS_HUMAN_LABEL };
/** Topic of the comment that asks the maintainer a question. */
export const QUESTION_TOPIC = "question";

/** Abort reason used when the worker shuts down: the run is re-queued, not cancelled. */
export const SHUTDOWN_REASON = "moderator:shutdown";

export interface PipelineDeps {
  store: Store;
  operator: OperatorConfig;
  runner: ProcessRunner;
  /** Where the run's inputs come from and its outputs go (GitHub through the installation, or a local repository). */
  connect(target: { repository: Repository }): Promise<RunConnection>;
  createBackend(name: string): Backend;
  /** Health of an operator backend (implementations cache it briefly). */
  backendHealth(name: string): Promise<BackendHealth>;
  /** The operator's LLM, for planning (and LLM review); absent = heuristics only. */
  llm?: Llm;
  /** The queue, for runs that start other runs (improvements). Absent in local runs. */
  queue?: RunQueue;
  /** Ends a breakpoint that gets no answer: a delayed job (absent in local runs: they never wait). */
  scheduleBreakpointTimeout?: (executionId: string, askedAt: string, delayMs: number) => Promise<void>;
  workspaceDir: string;
  log: Logger;
  now?: () => number;
  /** Stops another run's job wherever it runs (a race's cost cap stops its candidates). Absent in local runs. */
  cancelRun?: (input: CancelInput) => Promise<CancelResult>;
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
  | { status: "waiting" }
  | { status: "skipped"; reason: string }
  /** A race candidate reached its decision: its result waits for the race's judge (nothing was pushed). */
  | { status: "candidate"; score: number }
  /** No such execution in this database: another deployment's job (same Redis and queue names), or a lost row. */
  | { status: "missing"; reason: string };

/**
 * One run, in numbered steps: prepare -> plan -> execute -> qa -> decide -> publish -> record.
 * Idempotent on re-delivery: a retried or re-picked job resumes from what was saved
 * (the pushed agent result, the PR, the check run, the review and the tracking comment are found, not duplicated).
 * Never throws for a run failure: the outcome says whether the queue should retry.
 */
export async function runExecution(executionId: string, deps: PipelineDeps, ctx: RunContext): Promise<RunOutcome> {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const execution = await store.getExecution(executionId);
  if (!execution) {
    return {
      status: "missing",
      reason:
        `execution ${executionId} is not in this database: is another Moderator deployment using this Redis with the ` +
        "same queue names? Set a distinct MODERATOR_QUEUE (or App id) per deployment",
    };
  }
  // A race (start, judge, pick) decides itself what its state allows.
  if (execution.kind === "race") return runRaceExecution(execution, deps, ctx);
  if (execution.status === "completed" || execution.status === "failed" || execution.status === "cancelled") {
    return { status: "skipped", reason: `execution already ${execution.status}` };
  }
  // The run's logger, made once: every line of the run (its steps, review and improve runs) carries these.
  const log = createRunLogger(deps.log, execution);
  deps = { ...deps, log };
  log.info({ kind: execution.kind, attempt: ctx.attempt, trigger: execution.trigger }, "run started");
  if (execution.kind === "review") return runReviewExecution(execution, deps, ctx);
  if (execution.kind === "improve") return runImproveExecution(execution, deps, ctx);
  const repository = execution.repository;
  const ref: RepoRef = { owner: repository.owner, repo: repository.name };
  /** A race candidate: its own local branch, no push before the judge, its phases in the race's comment. */
  const raceId = execution.kind === "candidate" ? execution.raceId : null;
  if (execution.kind === "candidate" && !raceId) return { status: "skipped", reason: "a candidate without its race" };
  const tracker = new PhaseTracker(execution.phaseTimings, now);
  const secrets: string[] = [];
  const view: Omit<TrackingView, "phases" | "status" | "executionId"> = {};
  if (requestNotes(execution).length > 0) view.notes = requestNotes(execution);
  if (execution.prUrl) Object.assign(view, { prUrl: execution.prUrl, prNumber: execution.prNumber ?? undefined });
  if (deps.runner.networkWarning) view.sandboxWarning = deps.runner.networkWarning;
  const readConnections = async (): Promise<void> => {
    const summary = summarizeConnections(await store.listEvents(executionId));
    if (summary.refused > 0) view.network = summary;
  };
  let status: string = execution.status;
  let trackingCommentId = execution.trackingCommentId !== null ? Number(execution.trackingCommentId) : undefined;
  let codeHost: CodeHost | undefined;
  let workspace: Workspace | undefined;
  let scratchDir: string | undefined;
  // The `Moderator` check run lives on the first commit there is (the agent's pushed result) and shows progress.
  let runCheckSha: string | undefined = execution.resultSha ?? undefined;
  const runStartedAt = execution.startedAt?.getTime() ?? now();
  let taskOutcomes: TaskOutcome[] = [];
  let ranInParallel = false;

  const persist = async (patch: Record<string, unknown> = {}) => {
    await store.updateExecution(executionId, { phaseTimings: tracker.timings as object, phase: tracker.current ?? null, ...patch });
  };
  const updateComment = async (strict: boolean, extra: Partial<TrackingView> = {}) => {
    if (!codeHost) return;
    if (raceId) return refreshRaceComment(raceId, { store, codeHost, ref, log });
    const body = renderTrackingComment({ executionId, status, phases: tracker.view(), ...view, ...extra });
    try {
      const c = await codeHost.ensureComment(ref, execution.issueNumber, TRACKING_TOPIC, body, trackingCommentId);
      if (c.id !== trackingCommentId) {
        trackingCommentId = c.id;
        await store.updateExecution(executionId, { trackingCommentId: BigInt(c.id) });
      }
    } catch (err) {
      if (strict) throw err;
      log.warn({ err }, "could not update the tracking comment");
    }
  };
  const updateRunCheck = async (
    strict: boolean,
    end?: { conclusion: "success" | "failure" | "neutral" | "cancelled"; actions: Array<{ label: string; description: string; identifier: string }>; decision?: { action: string; reasons: string[] }; error?: { phase?: string; message: string; hint?: string } },
  ) => {
    if (!codeHost || !runCheckSha || raceId) return;
    const rendered = renderRunCheck({
      issueNumber: execution.issueNumber,
      ...(view.backend ? { backend: view.backend } : {}),
      phases: tracker.view(),
      ...(end ? {} : tracker.current ? { current: tracker.current } : {}),
      elapsedMs: now() - runStartedAt,
      ...(view.prUrl ? { prUrl: view.prUrl } : {}),
      ...(view.prNumber !== undefined ? { prNumber: view.prNumber } : {}),
      ...(view.conclusion ? { qaConclusion: view.conclusion } : {}),
      ...(end?.decision ? { decision: end.decision } : {}),
      ...(end?.error ? { error: end.error } : {}),
    });
    try {
      const check = await codeHost.upsertCheckRun(ref, {
        name: CHECK_RUN_NAME,
        headSha: runCheckSha,
        status: end ? "completed" : "in_progress",
        ...(end ? { conclusion: end.conclusion, actions: end.actions } : {}),
        title: rendered.title,
        summary: rendered.summary,
        externalId: executionId,
      });
      await store.updateExecution(executionId, { checkRunId: BigInt(check.id), checkRunUrl: check.url });
    } catch (err) {
      if (strict) throw err;
      log.warn({ err }, "could not update the Moderator check run");
    }
  };
  /** A breakpoint: ask on the issue, label it, and wait (the job ends; a writer's reply or the time-out resumes it). */
  const askMaintainer = async (d: Decision, timeoutHours: number): Promise<RunOutcome> => {
    if (!codeHost) throw new ModeratorError("no code host to ask on", { phase: "decide", infrastructure: true });
    const askedAt = new Date(now()).toISOString();
    const question = d.question ?? "The change is uncertain. How should Moderator go on?";
    view.question = question;
    await codeHost.addLabels(ref, execution.issueNumber, [NEEDS_HUMAN_LABEL]);
    await codeHost.ensureComment(ref, execution.issueNumber, QUESTION_TOPIC, renderQuestion(question, d.reasons, execution.triggeredBy, timeoutHours));
    // The state changes last: an answer is only taken once the question is out.
    status = "waiting_for_human";
    await persist({ status, decision: { action: d.action, confidence: d.confidence, reasons: d.reasons, question, askedAt, timeoutHours } });
    await store.appendEvent(executionId, { type: "run.waiting", phase: "decide", message: question, data: { askedAt, timeoutHours } });
    await deps.scheduleBreakpointTimeout?.(executionId, askedAt, timeoutHours * 3600 * 1000);
    await updateComment(true);
    await updateRunCheck(false);
    return { status: "waiting" };
  };
  const enter = async (phase: Parameters<PhaseTracker["start"]>[0], newStatus: string) => {
    if (ctx.signal.aborted) throw new CancelledError(String(ctx.signal.reason ?? "cancelled"));
    tracker.start(phase);
    status = newStatus;
    await persist({ status: newStatus });
    await store.appendEvent(executionId, { type: "phase.started", phase, message: phase });
    await updateComment(false);
    await updateRunCheck(false);
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
    const triggeredAt = execution.triggeredAt ?? execution.createdAt;
    const fetched = await conn.issue(execution.issueNumber, triggeredAt);
    // The agent works on the text the writer approved by triggering the run, unless a writer edited it since.
    const approved = execution.approvedBody === null ? null : sanitizeUserText(execution.approvedBody);
    const needsEdits = approved !== null && approved.trim() !== fetched.body.trim();
    const chosen = chooseIssueBody({
      approved,
      current: fetched.body,
      triggeredBy: execution.triggeredBy,
      edits: needsEdits && conn.bodyEditsSince ? await conn.bodyEditsSince(execution.issueNumber, triggeredAt) : undefined,
    });
    const issue = { ...fetched, body: chosen.body };
    if (chosen.note) {
      view.notes = [...(view.notes ?? []), chosen.note];
      await store.appendEvent(executionId, { type: "issue.edit_left_out", phase: "prepare", level: "warn", message: chosen.note });
    }
    const cfg = await conn.repoConfig(repoInfo.defaultBranch);
    if (!cfg.ok) {
      throw new ModeratorError(`.github/moderator.yml is invalid: ${cfg.problems.join("; ")}`, {
        phase: "prepare",
        hint: "Fix .github/moderator.yml on the default branch, then trigger the run again.",
      });
    }
    const repoConfig = cfg.config;
    const learnerConfig = deps.operator.learner;
    const routingTable = learnerConfig.enabled ? (await loadAcceptanceTable(store.prisma, { config: learnerConfig, now: new Date(now()) })).table : undefined;
    const route = await chooseRoute(execution.backend, repoConfig, deps, routingTable ? { table: routingTable, repositoryId: repository.id, seed: seedOf(executionId) } : undefined);
    view.backend = route.name;
    log.setBindings({ backend: route.name });
    // A fallback is explained in the tracking comment's event log (the preference first, then why it was not used).
    const preferred = execution.backend ?? (repoConfig.backends ? undefined : (repoConfig.backend ?? deps.operator.defaultBackend));
    if ((preferred && route.name !== preferred) || (!preferred && repoConfig.backends)) view.events = [...(view.events ?? []), route.reason];
    await store.appendEvent(executionId, { type: "backend.routed", phase: "prepare", message: route.reason, data: { backend: route.name, fallbacks: route.fallbacks } });
    const branch = raceId ? `moderator/issue-${execution.issueNumber}-${execution.candidate ?? executionId.slice(0, 8)}` : `moderator/issue-${execution.issueNumber}`;
    await store.updateExecution(executionId, { backend: route.name, branch, baseBranch: repoInfo.defaultBranch, issueTitle: issue.title });
    const ws = await cloneWorkspace({
      cloneUrl: repoInfo.cloneUrl,
      token: conn.gitToken,
      baseBranch: repoInfo.defaultBranch,
      branch,
      rootDir: deps.workspaceDir,
      signal: ctx.signal,
      ...(execution.resultSha || execution.continueFrom ? { resumeSha: (execution.resultSha ?? execution.continueFrom) as string } : {}),
    });
    workspace = ws;
    const scratch = await mkdtemp(path.join(deps.workspaceDir, `scratch-${executionId.slice(0, 8)}-`));
    scratchDir = scratch;
    const resumed = execution.resultSha !== null && (await ws.headSha()) === execution.resultSha;
    // What the learner knows about this repository, with the committed .github/moderator-learnings.yml applied.
    const learned = learnerConfig.enabled
      ? await loadAcceptanceTable(store.prisma, {
          config: learnerConfig,
          now: new Date(now()),
          repositoryId: repository.id,
          ...(await learningsFileText(ws)),
        })
      : undefined;
    if (learned && learned.problems.length > 0) {
      await store.appendEvent(executionId, { type: "learner.file_invalid", phase: "prepare", level: "warn", message: `${LEARNINGS_FILE_PATH} is invalid and was ignored: ${learned.problems.join("; ")}` });
    }
    tracker.finish("prepare");

    // 2. plan + 3. execute (skipped when this attempt resumes an agent result already pushed).
    const followUp = readFollowUp(execution.followUp);
    let agentSummary: string | undefined;
    const guidance = await readBaseFiles(ws.dir, ws.baseSha, GUIDANCE_PATHS);
    // Independent tasks at the same time, on the routed backend and the repository's other healthy `backends:` in turn.
    const parallel = repoConfig.planning.parallel && deps.operator.limits.parallelTasks > 1
      ? { limit: deps.operator.limits.parallelTasks, backends: await parallelBackends(route.name, repoConfig, deps), rootDir: deps.workspaceDir }
      : undefined;
    const showProgress = async (line: string) => {
      view.events = [...(view.events ?? []), line];
      await updateComment(false);
    };
    // A candidate's agents report their cost as they go: the race's cap may stop it (and the others) mid-run.
    const onAgentCost = raceId ? watchRaceBudget(raceId, deps) : undefined;
    const runTasks = async (tasks: PlannedTaskLike[], feedback: FollowUp | undefined, allowNoChange: boolean) => {
      const executed = await executeTasks({
        executionId,
        tasks,
        workspace: ws,
        repository: agentRepository(ref, repoInfo),
        issueNumber: execution.issueNumber,
        issue,
        triggeredAt,
        guidance,
        ...(execution.instructions ? { extraInstructions: execution.instructions } : {}),
        ...(feedback ? { feedback: renderFollowUpFeedback(feedback) } : {}),
        allowNoChange,
        backends: [route.name, ...route.fallbacks],
        allowFallback: deps.operator.allowFallback,
        createBackend: deps.createBackend,
        onTaskFailure: repoConfig.onTaskFailure,
        ...(parallel ? { parallel, report: showProgress } : {}),
        runner: deps.runner,
        scratchDir: scratch,
        signal: ctx.signal,
        store,
        secrets,
        log,
        now,
        ...(onAgentCost ? { onAgentCost } : {}),
      });
      if (executed.agentSummary) agentSummary = executed.agentSummary;
      await readConnections();
      if (executed.fallbacks.length > 0) view.events = [...(view.events ?? []), ...executed.fallbacks];
      taskOutcomes = [...taskOutcomes, ...executed.outcomes];
      if (executed.parallel) ranInParallel = true;
      return executed;
    };
    /** What in the local commit must not leave this machine: hard-coded secrets and findings at or above decision.blockOn. */
    const pushBlockers = async (): Promise<Finding[]> => findPushBlockers({ files: parseDiff(await ws.diff()), fileSizes: {} }, repoConfig);
    /**
     * Run the tasks, then check the local commit before anything is pushed. A change holding a secret (or a finding
     * at or above decision.blockOn) gets the agent's retry round to remove it; if it is still there, nothing is
     * pushed and the blockers are returned. A clean result is pushed at once: a later attempt (retry, or another
     * worker after a crash) resumes from it instead of running (and paying for) the agent again, and what it
     * resumes from has passed this check.
     */
    const executeAndPush = async (tasks: PlannedTaskLike[], feedback: FollowUp | undefined, allowNoChange: boolean): Promise<Finding[]> => {
      const executed = await runTasks(tasks, feedback, allowNoChange);
      if (!executed.lastSha) return [];
      let blockers = await pushBlockers();
      if (blockers.length > 0 && repoConfig.decision.maxRetries > 0) {
        await store.appendEvent(executionId, { type: "push.blocked", phase: "execute", level: "warn", message: `not pushed, the agent gets a round to fix: ${blockers.map(describeFinding).join("; ")}`, data: { findings: blockers.map(blockerRecord), retry: true } });
        const fix: FollowUp = { findings: sortFindings(blockers).map(toFeedbackFinding) };
        await runTasks([followUpTask(fix, issue.title)], fix, true);
        blockers = await pushBlockers();
      }
      if (blockers.length > 0) {
        await store.appendEvent(executionId, { type: "push.blocked", phase: "execute", level: "warn", message: `not pushed: ${blockers.map(describeFinding).join("; ")}`, data: { findings: blockers.map(blockerRecord), retry: false } });
        return blockers;
      }
      const head = await ws.headSha();
      if (raceId) {
        // Nothing unjudged leaves the box: the candidate's commits wait in the database for the race's judge.
        await store.updateExecution(executionId, { resultSha: head, resultBundle: new Uint8Array(await ws.bundle()) });
        return [];
      }
      await ws.push();
      await store.updateExecution(executionId, { resultSha: head, continueFrom: null, followUp: Prisma.DbNull });
      runCheckSha = head;
      return [];
    };
    /** The change holds what must not be pushed: ask the maintainer on the issue (file and line, never the value), or stop. */
    const stopBeforePush = async (blockers: Finding[]): Promise<RunOutcome> => {
      tracker.finish("execute");
      const sorted = sortFindings(blockers);
      const top = sorted[0]!;
      const secret = top.ruleId === "secrets/hardcoded";
      const where = listSome(sorted.map(describeFinding), 3);
      // A candidate never asks: it is out of the race, the others go on.
      if (raceId) throw new ModeratorError(`its change must not leave this machine: ${where}`, { phase: "execute" });
      const reasons = [
        `QA found ${sorted.length === 1 ? "a problem" : `${sorted.length} problems`} in the agent's local commit that must not leave this machine: ${where}.`,
        "Nothing was pushed and no pull request was opened.",
      ];
      if (!repoConfig.decision.ask.enabled) {
        throw new ModeratorError(`Moderator did not push the change: ${where}`, {
          phase: "execute",
          hint: "Nothing was pushed. Say in the issue how the value should be provided (an environment variable, a secret store) and trigger the run again.",
        });
      }
      const question = secret
        ? `The agent's change holds what looks like a hard-coded secret: ${describeFinding(top)}. Nothing was pushed. Where should the code read it from instead (an environment variable, a secret store)? If it is a harmless test value, say so and the line will be marked \`moderator:allow-secret\`.`
        : `QA found a ${top.severity}-severity problem in the agent's change before anything was pushed: ${describeFinding(top)}. What should change before the pull request is opened?`;
      const decision: Decision = { action: "ask", confidence: 0, reasons, question };
      await store.updateExecution(executionId, { decision: { action: decision.action, confidence: 0, reasons, question, round: 1 } });
      view.decision = { action: "ask", confidence: 0, reasons };
      return askMaintainer(decision, repoConfig.decision.ask.timeoutHours);
    };
    if (resumed && !followUp) {
      tracker.skip("plan");
      tracker.skip("execute");
      await store.appendEvent(executionId, { type: "run.resumed", message: `resuming from ${execution.resultSha}` });
    } else if (followUp) {
      // A follow-up (a maintainer's answer, `/moderator fix`, Fix findings): one task on top of the branch.
      await enter("plan", "planning");
      const task = followUpTask(followUp, issue.title);
      await store.appendEvent(executionId, { type: "plan", phase: "plan", message: `follow-up: ${task.title}`, data: { source: "follow-up", tasks: [{ title: task.title, type: task.type }] } });
      tracker.finish("plan");
      await enter("execute", "executing");
      const blocked = await executeAndPush([task], followUp, false);
      if (blocked.length > 0) return await stopBeforePush(blocked);
      tracker.finish("execute");
    } else {
      await enter("plan", "planning");
      const plan =
        repoConfig.planning.mode === "single"
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
      const blocked = await executeAndPush(plan.tasks, undefined, false);
      if (raceId) await enforceRaceBudget(raceId, deps, executionId).catch((err: unknown) => log.warn({ err, raceId }, "could not check the race's cost"));
      if (blocked.length > 0) return await stopBeforePush(blocked);
      tracker.finish("execute");
    }

    // 4. qa and 5. decide, in rounds: a `retry` decision sends the fixable findings back to the agent (bounded).
    let round = 1;
    let qa: QaPhaseResult;
    let files: DiffFile[];
    let changed: Awaited<ReturnType<Workspace["changedFiles"]>>;
    let decision: Decision;
    let lastDiff = "";
    for (;;) {
      await enter("qa", "qa");
      const diffText = await ws.diff();
      lastDiff = diffText;
      files = parseDiff(diffText);
      qa = await runQaPhase({
        executionId,
        workdir: ws.dir,
        scratchDir: scratch,
        diff: diffText,
        files,
        repoConfig,
        operator: deps.operator,
        runner: deps.runner,
        llm: deps.llm,
        createBackend: deps.createBackend,
        context: {
          repository: agentRepository(ref, repoInfo),
          issue: { number: execution.issueNumber, title: issue.title, body: issue.body, author: issue.author },
          branch,
          baseBranch: repoInfo.defaultBranch,
        },
        signal: ctx.signal,
        secrets,
        store,
        log,
      });
      changed = await ws.changedFiles();
      if (qa.connections.some((c) => !c.allowed)) await readConnections();
      const shown = qa.findings.filter((f) => f.confidence >= repoConfig.qa.minConfidence);
      view.filesChanged = changed.length;
      view.findingsBySeverity = countBySeverity(shown);
      tracker.finish("qa");

      await enter("decide", "deciding");
      const assessment = deps.llm ? await assessWithLlm(deps.llm, { issue: { title: issue.title, body: issue.body }, diff: diffText, findings: shown, signal: ctx.signal, knownSecrets: secrets }) : undefined;
      decision = decideRun({
        agent: {
          status: taskOutcomes.some((t) => t.status === "succeeded") ? "succeeded" : "failed",
          filesChanged: changed.length,
          linesChanged: countChangedLines(files),
          tasks: {
            total: taskOutcomes.length,
            succeeded: taskOutcomes.filter((t) => t.status === "succeeded").length,
            failed: taskOutcomes.filter((t) => t.status !== "succeeded").length,
          },
        },
        findings: shown,
        failOn: repoConfig.qa.failOn,
        qaIncomplete: qa.qaError !== undefined,
        ...(qa.peerDecision ? { peer: qa.peerDecision } : {}),
        ...(assessment && !("error" in assessment) ? { selfAssessment: assessment } : {}),
        attempt: round,
        config: repoConfig.decision,
        draftByConfig: repoConfig.draft,
      });
      const decisionRecord = { action: decision.action, confidence: decision.confidence, reasons: decision.reasons, ...(decision.question ? { question: decision.question } : {}), round };
      await store.updateExecution(executionId, { decision: decisionRecord });
      await store.appendEvent(executionId, { type: "decision", phase: "decide", message: `${decision.action} (confidence ${decision.confidence.toFixed(2)})`, data: decisionRecord });
      view.decision = { action: decision.action, confidence: decision.confidence, reasons: decision.reasons };
      tracker.finish("decide");
      if (decision.action !== "retry") break;
      // Retry: the agent gets the fixable findings and works on top of its own result.
      round++;
      await enter("execute", "executing");
      const blocked = await executeAndPush([followUpTask({ findings: (decision.feedback ?? []).map(toFeedbackFinding) }, issue.title)], { findings: (decision.feedback ?? []).map(toFeedbackFinding) }, true);
      if (blocked.length > 0) return await stopBeforePush(blocked);
      tracker.finish("execute");
    }

    if (raceId) {
      // The candidate's part ends with its decision: the race's judge compares it with the others.
      const linesChanged = countChangedLines(files);
      const result: CandidateSummary = {
        score: decision.confidence,
        action: decision.action,
        reasons: decision.reasons,
        findingsBySeverity: view.findingsBySeverity ?? {},
        filesChanged: changed.length,
        linesChanged,
        diff: redactSecrets(lastDiff, secrets).slice(0, 60_000),
        ...(agentSummary ? { agentSummary: redactSecrets(agentSummary, secrets).slice(0, 3000) } : {}),
        durationMs: now() - runStartedAt,
        // What the judge publishes for the PR's review and QA check run if this candidate is shown.
        qa: { findings: qa.findings, commands: qa.commands, qaError: qa.qaError ?? null, peerDecision: qa.peerDecision ?? null, notes: qa.notes },
      };
      const fresh = await store.getExecution(executionId);
      if (!fresh?.resultBundle) {
        throw new ModeratorError(`the agent left no change (${decision.reasons[0] ?? decision.action})`, { phase: "execute" });
      }
      status = "completed";
      await persist({ summary: result as unknown as Prisma.InputJsonObject });
      await store.finishExecution(executionId, "completed", { summary: result as unknown as Prisma.InputJsonObject });
      await store.appendEvent(executionId, { type: "candidate.finished", message: `score ${decision.confidence.toFixed(2)} (${decision.action})` });
      return { status: "candidate", score: decision.confidence };
    }
    if (decision.action === "escalate") {
      throw new ModeratorError(`Moderator stopped before opening a pull request: ${decision.reasons[0] ?? "confidence too low"}`, {
        phase: "decide",
        hint: `The agent's work is on branch ${branch}. ${decision.reasons.slice(1, 3).join(" ")} Clarify the issue and trigger the run again, or take it from the branch.`,
      });
    }
    if (decision.action === "ask") {
      return await askMaintainer(decision, repoConfig.decision.ask.timeoutHours);
    }
    const draft = decision.action === "draft";
    const reasons = decision.reasons;
    const peer = qa.peerDecision;

    // 6. publish: PR (found or created), the QA check run and one review, the run's check run.
    await enter("publish", "publishing");
    const head = await ws.headSha();
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
        ...(ranInParallel ? { parallel: true } : {}),
        ...(peer && peer.action !== "none" ? { peerSummary: peer.summary } : {}),
        notes: qa.notes,
        runCheckRun: CHECK_RUN_NAME,
      }),
      draft,
    });
    view.prNumber = pr.number;
    view.prUrl = pr.url;
    await store.updateExecution(executionId, { prNumber: pr.number, prUrl: pr.url, headSha: head });
    const suppressed = learned ? learnedSuppressions(learned.table, repository.id, learnerConfig) : new Set<string>();
    const published = await publishQa({ codeHost, ref, pullNumber: pr.number, headSha: head, files, qa, repoConfig, executionId, repositoryId: repository.id, store, suppressedRules: suppressed });
    if (published.review) await store.updateExecution(executionId, { reviewId: BigInt(published.review.id), reviewUrl: published.review.url });
    if (peer?.action === "draft_and_ask" || peer?.action === "request_changes_and_ask_human") {
      await codeHost.ensureComment(ref, pr.number, "peer-verdict", renderPeerQuestion(peer.action, peer.summary, peer.reasons));
    }
    view.checkRunUrl = published.checkRun.url;
    view.conclusion = published.conclusion;
    runCheckSha = head;
    tracker.finish("publish");
    await updateRunCheck(true, {
      conclusion: "success",
      actions: [RUN_CHECK_ACTIONS.rerun, ...(published.counts && Object.keys(published.counts).length > 0 ? [RUN_CHECK_ACTIONS.fix, RUN_CHECK_ACTIONS.dismiss] : [])],
      decision: { action: draft ? "draft" : "proceed", reasons },
    });


    if (followUp?.replyTo) {
      const done = taskOutcomes.filter((t) => t.status === "succeeded" && t.sha);
      const text = done.length > 0
        ? `Addressed in ${done.map((t) => t.sha?.slice(0, 7)).join(", ")}${agentSummary ? `: ${agentSummary.replace(/\s+/g, " ").slice(0, 600)}` : "."} QA: **${published.conclusion}**.`
        : "The agent looked at this and changed nothing.";
      await codeHost
        .replyToReviewComment(ref, followUp.replyTo.pullNumber, followUp.replyTo.commentId, redactSecrets(text, secrets))
        .catch((err: unknown) => log.warn({ err }, "could not reply in the review thread"));
    }

    // 7. improve: follow-up improvements, listed for approval or started within the repository's budgets.
    if (repoConfig.improvements.enabled && deps.queue && !followUp) {
      await enter("improve", "improving");
      const improved = await runImprover(
        { store, queue: deps.queue, codeHost, log },
        {
          repositoryId: repository.id,
          ref,
          issueNumber: execution.issueNumber,
          parentExecutionId: executionId,
          parentPrNumber: pr.number,
          backend: route.name,
          files,
          findings: qa.findings,
          ...(qa.repoFiles ? { repoFiles: qa.repoFiles } : {}),
          ...(qa.fileHeads ? { fileHeads: qa.fileHeads } : {}),
          diff: lastDiff,
          ...(deps.llm ? { llm: deps.llm } : {}),
          budgets: repoConfig.improvements,
          ...(learned ? { rank: (c: Improvement[]) => rankByAcceptance(c, learned.table, repository.id) } : {}),
          signal: ctx.signal,
        },
      ).catch(async (err: unknown) => {
        // Improvements are a bonus: their failure never fails the run that already opened its PR.
        log.warn({ err }, "could not propose improvements");
        await store.appendEvent(executionId, { type: "improve.failed", phase: "improve", level: "warn", message: (err as Error).message });
        return undefined;
      });
      if (improved) {
        await store.appendEvent(executionId, {
          type: "improve.proposed",
          phase: "improve",
          message: `${improved.proposed.length} proposed, ${improved.started.length} started, ${improved.skipped} skipped`,
          data: { proposed: improved.proposed.map((i) => ({ type: i.type, title: i.title, fingerprint: i.fingerprint })), started: improved.started, notes: improved.notes },
        });
      }
      tracker.finish("improve");
    }

    // 8. record.
    status = "completed";
    const summary = { prNumber: pr.number, conclusion: published.conclusion, findings: view.findingsBySeverity, filesChanged: changed.length, backend: route.name, tasks: taskOutcomes.length };
    await persist({ summary });
    // What maintainers see first, then the state: whoever watches the state finds the comment final.
    await updateComment(true, { totalMs: tracker.totalMs() });
    await store.finishExecution(executionId, "completed", { summary });
    await store.appendEvent(executionId, { type: "run.completed", message: `PR #${pr.number}, QA ${published.conclusion}` });
    return { status: "completed", prNumber: pr.number, conclusion: published.conclusion };
  } catch (err) {
    const failedPhase = tracker.current;
    const classified = classifyError(err, failedPhase);
    log.warn({ err, phase: failedPhase, attempt: ctx.attempt }, "run attempt failed");
    // Shown in the tracking comment and the check run: no secret, and no server folder (repository-relative instead).
    classified.message = relativizePaths(redactSecrets(classified.message, secrets), [
      ...(workspace ? [{ dir: workspace.dir, shownAs: "." }] : []),
      ...(scratchDir ? [{ dir: scratchDir, shownAs: "<scratch>" }] : []),
      { dir: deps.workspaceDir, shownAs: "<workspaces>" },
    ]);
    const outputTail = (err as { cause?: { outputTail?: string } })?.cause?.outputTail;
    if (ctx.signal.aborted && ctx.signal.reason === SHUTDOWN_REASON) {
      // The worker is shutting down: keep the state, let another worker (or this one, restarted) resume.
      await persist();
      await store.appendEvent(executionId, { type: "run.interrupted", level: "warn", message: "worker shut down; the run will resume" });
      await updateComment(false, { retry: { attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, reason: "the worker was shut down" } });
      return { status: "interrupted" };
    }
    if (classified.kind === "cancelled" || ctx.signal.aborted) {
      const by = ctx.signal.aborted ? parseCancelReason(String(ctx.signal.reason ?? ""))?.by : undefined;
      const message = by ? `cancelled by ${by}` : classified.message;
      tracker.fail();
      status = "cancelled";
      await persist();
      // The comment before the state: a run that replaces this one starts only once this one has finished,
      // so its "Queued" comment comes after this one's "Cancelled".
      await updateComment(false, { error: { phase: failedPhase, message, hint: "Comment `/moderator run` (or add the label again) to start a new run." } });
      await updateRunCheck(false, { conclusion: "cancelled", actions: [RUN_CHECK_ACTIONS.rerun], error: { message } });
      await store.finishExecution(executionId, "cancelled", { error: message, ...(by ? { cancelledBy: by } : {}) });
      await store.appendEvent(executionId, { type: "run.cancelled", level: "warn", message, data: { by: by ?? null } });
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
    await updateComment(false, {
      error: {
        phase: classified.phase,
        message: classified.message,
        ...(classified.hint ? { hint: classified.hint } : {}),
        ...(outputTail ? { outputTail } : {}),
      },
    });
    await updateRunCheck(false, {
      conclusion: classified.infrastructure ? "neutral" : "failure",
      actions: [RUN_CHECK_ACTIONS.rerun],
      error: { ...(classified.phase ? { phase: classified.phase } : {}), message: classified.message, ...(classified.hint ? { hint: classified.hint } : {}) },
    });
    await store.finishExecution(executionId, "failed", { errorPhase: classified.phase ?? null, error: classified.message });
    return { status: "failed", error: classified, willRetry: false };
  } finally {
    log.info({ status }, "run finished");
    await workspace?.dispose().catch((err: unknown) => log.warn({ err }, "could not delete the workspace"));
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
    if (raceId) await settleCandidate(executionId, { deps, ...(codeHost ? { codeHost } : {}), ref });
  }
}

/** Route the run to a backend: `/moderator run --backend`, then the repository's choice, then the operator's default. */
async function chooseRoute(
  requested: string | null,
  repoConfig: RepoConfig,
  deps: PipelineDeps,
  learner?: { table: AcceptanceTable; repositoryId: number; seed: number },
): Promise<BackendRoute> {
  const names = Object.keys(deps.operator.backends);
  if (names.length === 0) {
    throw new ModeratorError("no agent backend is configured", {
      phase: "prepare",
      infrastructure: true,
      hint: "The operator must define a backend in moderator.config.yml (see README: Configuration).",
    });
  }
  const backends = await Promise.all(names.map(async (name) => ({ name, health: await deps.backendHealth(name) })));
  // Thompson sampling on the learner's merge rates orders the candidates when the preferences leave a choice.
  const candidates = repoConfig.backends;
  const sampled = learner ? thompsonScores(learner.table, { repositoryId: learner.repositoryId, taskType: "change", backends: candidates ?? names, rng: createRng(learner.seed) }) : undefined;
  const route = routeBackend({
    ...(requested ? { requested } : {}),
    ...(sampled ? { taskType: "change", scores: (name: string) => sampled.get(name) } : {}),
    ...(repoConfig.backend ? { repoPreference: repoConfig.backend } : {}),
    ...(candidates ? { candidates } : {}),
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

/** The backends parallel tasks go to in turn: the routed one, then the repository's other `backends:` that are healthy. */
async function parallelBackends(routed: string, repoConfig: RepoConfig, deps: PipelineDeps): Promise<string[]> {
  const others = (repoConfig.backends ?? []).filter((name, i, all) => name !== routed && all.indexOf(name) === i && deps.operator.backends[name] !== undefined);
  const healthy = await Promise.all(others.map(async (name) => ((await deps.backendHealth(name)).ok ? name : undefined)));
  return [routed, ...healthy.filter((n): n is string => n !== undefined)];
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

function renderQuestion(question: string, reasons: string[], askedOf: string, timeoutHours: number): string {
  return [
    "### Moderator · 🙋 A question before going on",
    "",
    `@${askedOf} ${question}`,
    "",
    "Why Moderator is asking:",
    ...reasons.slice(0, 4).map((r) => `- ${r}`),
    "",
    `Reply in a comment on this issue (anyone with write access): the run resumes with your answer. Without an answer within ${timeoutHours} hours the run ends; \`/moderator cancel\` ends it now.`,
  ].join("\n");
}

/** A stable seed per run: routing decisions are reproducible for a given run. */
function seedOf(executionId: string): number {
  return Number.parseInt(executionId.replace(/-/g, "").slice(0, 8), 16) >>> 0;
}

async function learningsFileText(ws: Workspace): Promise<{ learningsFileText?: string }> {
  const [file] = await readBaseFiles(ws.dir, ws.baseSha, [LEARNINGS_FILE_PATH]);
  return file ? { learningsFileText: file.content } : {};
}

function countChangedLines(files: DiffFile[]): number {
  let n = 0;
  for (const f of files) for (const h of f.hunks) for (const l of h.lines) if (l.kind !== "context") n++;
  return n;
}

function countBySeverity(findings: Finding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

/** A push blocker as recorded in an event: where and what, never the value. */
function blockerRecord(f: Finding): { ruleId: string; severity: string; path: string | null; line: number | null; title: string } {
  return { ruleId: f.ruleId, severity: f.severity, path: f.path ?? null, line: f.line ?? null, title: f.title };
}
