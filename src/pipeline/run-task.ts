import type { AgentTask } from "../backends/backend.ts";
import { CancelledError } from "../util/errors.ts";
import { restoreAgentConfig } from "../workspace/restore-agent-config.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { buildPrompt } from "./build-prompt.ts";
import type { ExecuteTasksInput, PlannedTaskLike, TaskFailure } from "./execute-tasks.ts";
import { runAgent } from "./run-agent.ts";

export interface RunTaskInput {
  task: PlannedTaskLike;
  taskId: string;
  /** Where the agent works: the run's clone, or a parallel task's own clone. */
  workspace: Workspace;
  /** The checkpoint a failed attempt rolls back to. */
  lastGood: string;
  /** Backends to try, in order (the next one when one cannot start or crashes). */
  backends: string[];
  /** Whether a task of the plan is done (shown to the agent in the prompt's plan). */
  done: (index: number) => boolean;
  /** The run's signal, or a parallel run's own (stopped when a sibling task stops the run). */
  signal?: AbortSignal;
  /** The agent's scratch folder (a parallel task has its own); default the run's. */
  scratchDir?: string;
}

export type RunTaskResult = {
  fallbacks: string[];
  backendsUsed: string[];
  summary: string | undefined;
} & ({ succeeded: true; backend: string; sha: string | null } | { succeeded: false; failure: TaskFailure });

/** What the agent gets for one task in one workspace: the task and its prompt (the issue, the plan, guidance). */
export function buildAgentTask(input: ExecuteTasksInput, ws: Workspace, task: AgentTask["task"], done: (index: number) => boolean): AgentTask {
  const issue = { number: input.issueNumber, title: input.issue.title, body: input.issue.body, author: input.issue.author };
  const prompt = buildPrompt({
    repository: input.repository.fullName,
    issue,
    comments: input.issue.comments,
    triggeredAt: input.triggeredAt,
    task,
    plan: input.tasks.map((p) => ({ index: p.index, title: p.title, done: done(p.index) })),
    guidance: input.guidance,
    branch: ws.branch,
    baseBranch: ws.baseBranch,
    ...(input.extraInstructions ? { extraInstructions: input.extraInstructions } : {}),
    ...(input.feedback ? { feedback: input.feedback } : {}),
  });
  return { repository: input.repository, issue, task, prompt, branch: ws.branch, baseBranch: ws.baseBranch };
}

/** The checkpoint commit's message of a task. */
export function checkpointMessage(input: ExecuteTasksInput, t: PlannedTaskLike): string {
  return `moderator: ${t.title} (#${input.issueNumber}${input.tasks.length > 1 ? `, task ${t.index + 1}/${input.tasks.length}` : ""})`;
}

/**
 * One task in one workspace: agent config files restored from the base commit, the prompt built, the agent run,
 * a checkpoint commit. A failed attempt is rolled back to `lastGood`; a backend that cannot start or crashes hands
 * the task to the next of `backends`. Throws only when the run is cancelled; the task's own failure is returned.
 */
export async function runTask(input: ExecuteTasksInput, run: RunTaskInput): Promise<RunTaskResult> {
  const { store, executionId } = input;
  const { task: t, taskId, workspace: ws } = run;
  const signal = run.signal ?? input.signal;
  const fallbacks: string[] = [];
  const backendsUsed: string[] = [];
  const restored = await restoreAgentConfig(ws.dir, ws.baseSha);
  if (restored.length > 0) {
    await store.appendEvent(executionId, { type: "agent_config.restored", phase: "execute", level: "warn", message: `restored from the base commit: ${restored.join(", ")}` });
  }
  const agentTask = buildAgentTask(input, ws, { title: t.title, description: t.description, type: t.type, index: t.index }, run.done);
  await store.updateTask(taskId, { status: "running", startedAt: new Date(input.now()) });

  const candidates = run.backends;
  let lastFailure: TaskFailure | undefined;
  let summary: string | undefined;
  for (const [i, name] of candidates.entries()) {
    const backend = input.createBackend(name);
    let ran;
    try {
      ran = await runAgent({
        executionId,
        taskId,
        backend,
        task: agentTask,
        workdir: ws.dir,
        scratchDir: run.scratchDir ?? input.scratchDir,
        runner: input.runner,
        signal,
        store,
        secrets: input.secrets,
        log: input.log,
        now: input.now,
        ...(input.onAgentCost ? { onCost: input.onAgentCost } : {}),
      });
    } catch (err) {
      // The backend could not start its agent: infrastructure. Try the next backend, if any.
      lastFailure = { message: (err as Error).message, outputTail: "", timedOut: false, backend: name };
      await ws.rollback(run.lastGood);
      if (i + 1 < candidates.length) {
        const message = `${name} could not start (${(err as Error).message}); the task went to ${candidates[i + 1]}`;
        fallbacks.push(message);
        await store.appendEvent(executionId, { type: "backend.fallback", phase: "execute", level: "warn", message });
        continue;
      }
      break;
    }
    backendsUsed.push(name);
    const { result } = ran;
    if (result.status === "cancelled") throw new CancelledError("the run was cancelled while the agent was working");
    if (result.status === "succeeded") {
      if (ran.summary) summary = ran.summary;
      const sha = await ws.checkpoint(checkpointMessage(input, t));
      return { succeeded: true, backend: name, sha, fallbacks, backendsUsed, summary };
    }
    lastFailure = { message: ran.error ?? `the agent ${result.status}`, outputTail: ran.outputTail, timedOut: result.status === "timed_out", backend: name };
    await ws.rollback(run.lastGood);
    if (result.status === "crashed" && i + 1 < candidates.length) {
      const message = `${name} crashed (${lastFailure.message}); the task went to ${candidates[i + 1]}`;
      fallbacks.push(message);
      await store.appendEvent(executionId, { type: "backend.fallback", phase: "execute", level: "warn", message });
      continue;
    }
    break;
  }
  const failure = lastFailure ?? { message: "no backend could run the task", outputTail: "", timedOut: false, backend: candidates[0] ?? "?" };
  return { succeeded: false, failure, fallbacks, backendsUsed, summary };
}
