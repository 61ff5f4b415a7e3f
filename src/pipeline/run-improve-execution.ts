import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { CodeHost } from "../codehost/code-host.ts";
import type { Execution, Repository } from "../generated/prisma/client.ts";
import type { Improvement } from "../improve/improvement.ts";
import { renderChecklistComment } from "../improve/run-improver.ts";
import { renderImprovementPr } from "../improve/render-improvement-pr.ts";
import { findPushBlockers } from "../qa/find-push-blockers.ts";
import { parseDiff } from "../qa/parse-diff.ts";
import { GUIDANCE_PATHS } from "./build-prompt.ts";
import { ModeratorError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { relativizePaths } from "../util/relativize-paths.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import { readBaseFiles } from "../workspace/restore-agent-config.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { classifyError } from "./classify-error.ts";
import { executeTasks } from "./execute-tasks.ts";
import { publishQa } from "./publish-qa.ts";
import type { PipelineDeps, RunContext, RunOutcome } from "./run-execution.ts";
import { agentRepository } from "./run-connection.ts";
import { runQaPhase } from "./run-qa-phase.ts";

/**
 * One improvement, as its own pull request: a branch `moderator/improve-<fingerprint>` based on the parent PR's
 * branch (stacked) while that PR is open, or on the default branch once it is merged; the backend implements the
 * improvement's task; QA runs and is published on the new PR like any other. A parent closed unmerged ends it.
 */
export async function runImproveExecution(execution: Execution & { repository: Repository }, deps: PipelineDeps, ctx: RunContext): Promise<RunOutcome> {
  const { store, log } = deps;
  const executionId = execution.id;
  const ref = { owner: execution.repository.owner, repo: execution.repository.name };
  const secrets: string[] = [];
  let codeHost: CodeHost | undefined;
  let workspace: Workspace | undefined;
  let scratchDir: string | undefined;
  const row = execution.improvementId ? await store.prisma.improvement.findUnique({ where: { id: execution.improvementId } }) : null;
  if (!row) {
    await store.finishExecution(executionId, "failed", { error: "the improvement this run implements no longer exists" });
    return { status: "skipped", reason: "improvement not found" };
  }
  const parent = row.executionId ? await store.getExecution(row.executionId) : null;
  try {
    await store.updateExecution(executionId, { attempts: ctx.attempt, status: "preparing", phase: "prepare", ...(execution.startedAt ? {} : { startedAt: new Date() }) });
    await store.prisma.improvement.update({ where: { id: row.id }, data: { status: "running" } });
    const conn = await deps.connect(execution);
    secrets.push(...conn.secrets);
    codeHost = conn.codeHost;
    const repoInfo = await conn.repository();
    const cfg = await conn.repoConfig(repoInfo.defaultBranch);
    if (!cfg.ok) throw new ModeratorError(`.github/moderator.yml is invalid: ${cfg.problems.join("; ")}`, { phase: "prepare" });
    const repoConfig = cfg.config;

    // Stacked on the parent while it is open; on the default branch once it is merged; not at all once it is closed.
    let base = repoInfo.defaultBranch;
    let stacked = false;
    if (row.parentPrNumber && parent?.branch) {
      const parentPr = await codeHost.getPullRequest(ref, row.parentPrNumber);
      if (parentPr.state === "closed" && !parentPr.merged) {
        await store.prisma.improvement.update({ where: { id: row.id }, data: { status: "closed" } });
        await store.finishExecution(executionId, "cancelled", { error: `the parent pull request #${row.parentPrNumber} was closed unmerged` });
        return { status: "cancelled" };
      }
      if (!parentPr.merged) {
        base = parentPr.headRef;
        stacked = true;
      }
    }
    const branch = `moderator/improve-${row.fingerprint.slice(0, 8)}`;
    workspace = await cloneWorkspace({ cloneUrl: repoInfo.cloneUrl, token: conn.gitToken, baseBranch: base, branch, rootDir: deps.workspaceDir, signal: ctx.signal });
    const ws = workspace;
    const scratch = await mkdtemp(path.join(deps.workspaceDir, `scratch-${executionId.slice(0, 8)}-`));
    scratchDir = scratch;
    const issue = await conn.issue(execution.issueNumber, execution.createdAt);
    const backendName = execution.backend ?? repoConfig.backend ?? deps.operator.defaultBackend ?? Object.keys(deps.operator.backends)[0];
    if (!backendName) throw new ModeratorError("no agent backend is configured", { phase: "prepare", infrastructure: true });
    log.setBindings({ backend: backendName });

    await store.updateExecution(executionId, { status: "executing", phase: "execute", branch, baseBranch: base, backend: backendName });
    const executed = await executeTasks({
      executionId,
      tasks: [{ index: 0, title: row.title, description: row.task || row.rationale, type: row.type === "docs" ? "docs" : row.type === "tests" ? "test" : row.type, dependsOn: [] }],
      workspace: ws,
      repository: agentRepository(ref, repoInfo),
      issueNumber: execution.issueNumber,
      issue,
      triggeredAt: execution.createdAt,
      guidance: await readBaseFiles(ws.dir, ws.baseSha, GUIDANCE_PATHS),
      backends: [backendName],
      allowFallback: false,
      createBackend: deps.createBackend,
      onTaskFailure: "stop",
      runner: deps.runner,
      scratchDir: scratch,
      signal: ctx.signal,
      store,
      secrets,
      log,
      now: Date.now,
    });
    // Nothing leaves the machine before the local commit is checked: a secret (or a finding at or above
    // decision.blockOn) stops the improvement with nothing pushed (improvements are optional: no retry, no question).
    const blockers = findPushBlockers({ files: parseDiff(await ws.diff()), fileSizes: {} }, repoConfig);
    if (blockers.length > 0) {
      const where = blockers.slice(0, 3).map((f) => `${f.title}${f.path ? ` (${f.path}${f.line !== undefined ? `:${f.line}` : ""})` : ""}`).join("; ");
      await store.appendEvent(executionId, { type: "push.blocked", phase: "execute", level: "warn", message: `not pushed: ${where}` });
      throw new ModeratorError(`Moderator did not push the improvement: ${where}`, { phase: "execute", hint: "Nothing was pushed; the improvement was dropped." });
    }
    await ws.push();
    await store.updateExecution(executionId, { resultSha: executed.lastSha, status: "qa", phase: "qa" });

    const diff = await ws.diff();
    const files = parseDiff(diff);
    const qa = await runQaPhase({
      executionId,
      workdir: ws.dir,
      scratchDir: scratch,
      diff,
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
        baseBranch: base,
      },
      signal: ctx.signal,
      secrets,
      store,
      log,
    });

    await store.updateExecution(executionId, { status: "publishing", phase: "publish" });
    const improvement: Improvement = { type: row.type as Improvement["type"], title: row.title, rationale: row.rationale, priority: row.priority, impact: row.impact, task: row.task, files: row.files, fingerprint: row.fingerprint };
    const rendered = renderImprovementPr({
      improvement,
      parentPrNumber: row.parentPrNumber ?? 0,
      stacked,
      issueNumber: execution.issueNumber,
      executionId,
      backend: backendName,
    });
    const head = await ws.headSha();
    const pr = await codeHost.ensurePullRequest(ref, { branch, base, title: rendered.title, body: redactSecrets(rendered.body, secrets), draft: repoConfig.draft });
    await store.updateExecution(executionId, { prNumber: pr.number, prUrl: pr.url, headSha: head });
    const published = await publishQa({ codeHost, ref, pullNumber: pr.number, headSha: head, files, qa, repoConfig, executionId, repositoryId: execution.repository.id, store });
    await store.prisma.improvement.update({ where: { id: row.id }, data: { status: "opened", prNumber: pr.number, branch } });
    if (parent) await renderChecklistComment({ store, codeHost }, { repositoryId: execution.repository.id, ref, issueNumber: parent.issueNumber, parentExecutionId: parent.id });
    await store.finishExecution(executionId, "completed", { summary: { prNumber: pr.number, conclusion: published.conclusion, improvement: row.fingerprint, stacked }, phase: null });
    await store.appendEvent(executionId, { type: "run.completed", message: `improvement PR #${pr.number} (${row.type})` });
    return { status: "completed", prNumber: pr.number, conclusion: published.conclusion };
  } catch (err) {
    const classified = classifyError(err, undefined);
    // Shown in the tracking comment and the check run: no secret, and no server folder (repository-relative instead).
    classified.message = relativizePaths(redactSecrets(classified.message, secrets), [
      ...(workspace ? [{ dir: workspace.dir, shownAs: "." }] : []),
      ...(scratchDir ? [{ dir: scratchDir, shownAs: "<scratch>" }] : []),
      { dir: deps.workspaceDir, shownAs: "<workspaces>" },
    ]);
    log.warn({ err }, "improvement attempt failed");
    const willRetry = classified.kind === "transient" && ctx.attempt < ctx.maxAttempts;
    await store.appendEvent(executionId, { type: willRetry ? "run.retrying" : "run.failed", level: "error", message: classified.message });
    if (willRetry) return { status: "failed", error: classified, willRetry };
    await store.prisma.improvement.update({ where: { id: row.id }, data: { status: "failed" } }).catch(() => undefined);
    await store.finishExecution(executionId, classified.kind === "cancelled" ? "cancelled" : "failed", { errorPhase: classified.phase ?? null, error: classified.message });
    if (codeHost && parent) await renderChecklistComment({ store, codeHost }, { repositoryId: execution.repository.id, ref, issueNumber: parent.issueNumber, parentExecutionId: parent.id }).catch(() => undefined);
    return classified.kind === "cancelled" ? { status: "cancelled" } : { status: "failed", error: classified, willRetry: false };
  } finally {
    await workspace?.dispose().catch(() => undefined);
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
