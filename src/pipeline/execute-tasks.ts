import type { AgentTask, Backend } from "../backends/backend.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Store } from "../store/store.ts";
import { CancelledError, ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { restoreAgentConfig } from "../workspace/restore-agent-config.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { buildPrompt } from "./build-prompt.ts";
import { runAgent } from "./run-agent.ts";
import type { IssueContext } from "./run-connection.ts";

export interface PlannedTaskLike {
  index: number;
  title: string;
  description: string;
  type: string;
  dependsOn: number[];
}

export interface ExecuteTasksInput {
  executionId: string;
  tasks: PlannedTaskLike[];
  workspace: Workspace;
  repository: { owner: string; name: string; fullName: string; defaultBranch: string };
  issueNumber: number;
  issue: IssueContext;
  /** When the run was triggered: comments from then on are not shown to the agent. */
  triggeredAt: Date;
  guidance: Array<{ path: string; content: string }>;
  extraInstructions?: string;
  /** QA findings or a maintainer's words the agent must address (follow-up rounds). */
  feedback?: { summary?: string; findings?: Array<{ title: string; message: string; severity?: string; ruleId?: string; path?: string; line?: number; suggestion?: string }> };
  /** A follow-up round may end without a change (the agent found nothing to fix): not an error then. */
  allowNoChange?: boolean;
  /** Backends to use, in order: the routed one first, then the fallbacks (used when one crashes). */
  backends: string[];
  allowFallback: boolean;
  createBackend(name: string): Backend;
  onTaskFailure: "stop" | "continue";
  runner: ProcessRunner;
  scratchDir: string;
  signal: AbortSignal;
  store: Store;
  secrets: string[];
  log: Logger;
  now: () => number;
  /** Called each time an agent reports a cost (see runAgent). */
  onAgentCost?: () => void;
}

export interface TaskOutcome {
  index: number;
  title: string;
  status: "succeeded" | "failed" | "skipped";
  backend?: string;
  sha?: string | null;
  error?: string;
}

export interface ExecuteTasksResult {
  outcomes: TaskOutcome[];
  /** The last checkpoint (null when no task changed anything). */
  lastSha: string | null;
  agentSummary: string | undefined;
  /** Each hand-over of a task to the next backend (could not start, crashed), with why: for the tracking comment. */
  fallbacks: string[];
  backendsUsed: string[];
}

/**
 * Run the plan's tasks in order in one workspace. Each task: agent config files restored from the base
 * commit, the prompt built, the agent run, a checkpoint commit. A failed task is rolled back to the last
 * checkpoint; then the run stops (the error is thrown) or goes on, as the repository config says. A backend
 * that crashes (killed by a signal, or cannot start) hands the task to the next fallback when allowed.
 */
export async function executeTasks(input: ExecuteTasksInput): Promise<ExecuteTasksResult> {
  const { store, executionId, workspace: ws, log } = input;
  const outcomes: TaskOutcome[] = [];
  const failedOrSkipped = new Set<number>();
  const backendsUsed = new Set<string>();
  let lastGood = await ws.headSha();
  let lastSha: string | null = null;
  let agentSummary: string | undefined;
  const fallbacks: string[] = [];
  const taskIds = new Map<number, string>();
  for (const t of input.tasks) {
    const row = await store.createTask({
      executionId,
      index: (await store.countTasks(executionId)),
      title: t.title,
      description: t.description,
      type: t.type,
      dependsOn: t.dependsOn,
    });
    taskIds.set(t.index, row.id);
  }

  for (const t of input.tasks) {
    if (input.signal.aborted) throw new CancelledError(String(input.signal.reason ?? "cancelled"));
    const taskId = taskIds.get(t.index) as string;
    const blockedBy = t.dependsOn.filter((d) => failedOrSkipped.has(d));
    if (blockedBy.length > 0) {
      failedOrSkipped.add(t.index);
      const why = `skipped: depends on task ${blockedBy.map((d) => d + 1).join(", ")}, which did not succeed`;
      await store.updateTask(taskId, { status: "skipped", error: why });
      outcomes.push({ index: t.index, title: t.title, status: "skipped", error: why });
      continue;
    }
    const restored = await restoreAgentConfig(ws.dir, ws.baseSha);
    if (restored.length > 0) {
      await store.appendEvent(executionId, { type: "agent_config.restored", phase: "execute", level: "warn", message: `restored from the base commit: ${restored.join(", ")}` });
    }
    const prompt = buildPrompt({
      repository: input.repository.fullName,
      issue: { number: input.issueNumber, title: input.issue.title, body: input.issue.body, author: input.issue.author },
      comments: input.issue.comments,
      triggeredAt: input.triggeredAt,
      task: { title: t.title, description: t.description, type: t.type, index: t.index },
      plan: input.tasks.map((p) => ({ index: p.index, title: p.title, done: outcomes.some((o) => o.index === p.index && o.status === "succeeded") })),
      guidance: input.guidance,
      branch: ws.branch,
      baseBranch: ws.baseBranch,
      ...(input.extraInstructions ? { extraInstructions: input.extraInstructions } : {}),
      ...(input.feedback ? { feedback: input.feedback } : {}),
    });
    const agentTask: AgentTask = {
      repository: input.repository,
      issue: { number: input.issueNumber, title: input.issue.title, body: input.issue.body, author: input.issue.author },
      task: { index: t.index, title: t.title, description: t.description, type: t.type },
      prompt,
      branch: ws.branch,
      baseBranch: ws.baseBranch,
    };
    await store.updateTask(taskId, { status: "running", startedAt: new Date(input.now()) });

    const candidates = input.allowFallback ? input.backends : input.backends.slice(0, 1);
    let outcome: TaskOutcome | undefined;
    let lastFailure: { message: string; outputTail: string; timedOut: boolean; backend: string } | undefined;
    for (const [i, name] of candidates.entries()) {
      const backend = input.createBackend(name);
      let run;
      try {
        run = await runAgent({
          executionId,
          taskId,
          backend,
          task: agentTask,
          workdir: ws.dir,
          scratchDir: input.scratchDir,
          runner: input.runner,
          signal: input.signal,
          store,
          secrets: input.secrets,
          log,
          now: input.now,
          ...(input.onAgentCost ? { onCost: input.onAgentCost } : {}),
        });
      } catch (err) {
        // The backend could not start its agent: infrastructure. Try the next backend, if any.
        lastFailure = { message: (err as Error).message, outputTail: "", timedOut: false, backend: name };
        await ws.rollback(lastGood);
        if (i + 1 < candidates.length) {
          const message = `${name} could not start (${(err as Error).message}); the task went to ${candidates[i + 1]}`;
          fallbacks.push(message);
          await store.appendEvent(executionId, { type: "backend.fallback", phase: "execute", level: "warn", message });
          continue;
        }
        break;
      }
      backendsUsed.add(name);
      const { result } = run;
      if (result.status === "cancelled") throw new CancelledError("the run was cancelled while the agent was working");
      if (result.status === "succeeded") {
        if (run.summary) agentSummary = run.summary;
        const sha = await ws.checkpoint(`moderator: ${t.title} (#${input.issueNumber}${input.tasks.length > 1 ? `, task ${t.index + 1}/${input.tasks.length}` : ""})`);
        if (sha) {
          lastGood = sha;
          lastSha = sha;
        }
        await store.updateTask(taskId, { status: "succeeded", checkpointSha: sha, finishedAt: new Date(input.now()) });
        outcome = { index: t.index, title: t.title, status: "succeeded", backend: name, sha };
        break;
      }
      lastFailure = { message: run.error ?? `the agent ${result.status}`, outputTail: run.outputTail, timedOut: result.status === "timed_out", backend: name };
      await ws.rollback(lastGood);
      if (result.status === "crashed" && i + 1 < candidates.length) {
        const message = `${name} crashed (${lastFailure.message}); the task went to ${candidates[i + 1]}`;
        fallbacks.push(message);
        await store.appendEvent(executionId, { type: "backend.fallback", phase: "execute", level: "warn", message });
        continue;
      }
      break;
    }
    if (outcome) {
      outcomes.push(outcome);
      continue;
    }
    const failure = lastFailure ?? { message: "no backend could run the task", outputTail: "", timedOut: false, backend: candidates[0] ?? "?" };
    failedOrSkipped.add(t.index);
    await store.updateTask(taskId, { status: "failed", error: failure.message, finishedAt: new Date(input.now()) });
    outcomes.push({ index: t.index, title: t.title, status: "failed", backend: failure.backend, error: failure.message });
    log.info({ task: t.index, error: failure.message }, "task failed and was rolled back");
    if (input.onTaskFailure === "stop" || input.tasks.length === 1) {
      throw new ModeratorError(input.tasks.length > 1 ? `task ${t.index + 1} (${t.title}): ${failure.message}` : failure.message, {
        phase: "execute",
        hint: failure.timedOut
          ? `Split the issue into smaller ones, or ask the operator to raise timeoutSeconds for backend '${failure.backend}'.`
          : "Read the agent's output below; clarify the issue if the agent misunderstood it, then add the label again.",
        cause: { outputTail: failure.outputTail },
      });
    }
  }
  if (lastSha === null && !input.allowNoChange) {
    const failed = outcomes.filter((o) => o.status !== "succeeded");
    throw new ModeratorError(
      failed.length > 0 ? `no task produced a change (${failed.length} failed or skipped)` : "the agent finished without changing any file",
      { phase: "execute", hint: "Make the issue more specific about what should change, then add the label again." },
    );
  }
  return { outcomes, lastSha, agentSummary, backendsUsed: [...backendsUsed], fallbacks };
}
