import type { Backend } from "../backends/backend.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Store } from "../store/store.ts";
import { CancelledError, ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { Workspace } from "../workspace/workspace.ts";
import { executeTasksInParallel } from "./execute-parallel-tasks.ts";
import { runTask } from "./run-task.ts";
import { hasIndependentTasks } from "./schedule-tasks.ts";
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
  /**
   * Run independent tasks at the same time (the repository's `planning.parallel`), each in its own clone from the
   * same base, at most `limit` at once; the k-th task started goes to `backends[k % backends.length]` (the routed
   * backend first), and a conflict when combining goes to one agent run of the routed backend (`backends[0]` of the
   * run). Task clones go below `rootDir`. Absent, or a plan without independent tasks: one task after the other.
   */
  parallel?: { limit: number; backends: string[]; rootDir: string };
  /** A line for the tracking comment's event log, shown while the run goes on (parallel tasks starting, conflicts). */
  report?: (line: string) => Promise<void>;
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
  /** Independent tasks ran at the same time. */
  parallel?: boolean;
}

/**
 * Run the plan's tasks in order in one workspace. Each task: agent config files restored from the base
 * commit, the prompt built, the agent run, a checkpoint commit. A failed task is rolled back to the last
 * checkpoint; then the run stops (the error is thrown) or goes on, as the repository config says. A backend
 * that crashes (killed by a signal, or cannot start) hands the task to the next fallback when allowed.
 */
export async function executeTasks(input: ExecuteTasksInput): Promise<ExecuteTasksResult> {
  const { store, executionId, workspace: ws } = input;
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

  if (input.parallel && input.tasks.length > 1 && hasIndependentTasks(input.tasks)) {
    return executeTasksInParallel(input, taskIds);
  }

  for (const t of input.tasks) {
    if (input.signal.aborted) throw new CancelledError(String(input.signal.reason ?? "cancelled"));
    const taskId = taskIds.get(t.index) as string;
    const blockedBy = t.dependsOn.filter((d) => failedOrSkipped.has(d));
    if (blockedBy.length > 0) {
      failedOrSkipped.add(t.index);
      outcomes.push(await skipTask(input, t, taskId, blockedBy));
      continue;
    }
    const ran = await runTask(input, {
      task: t,
      taskId,
      workspace: ws,
      lastGood,
      backends: input.allowFallback ? input.backends : input.backends.slice(0, 1),
      done: (i) => outcomes.some((o) => o.index === i && o.status === "succeeded"),
    });
    fallbacks.push(...ran.fallbacks);
    for (const b of ran.backendsUsed) backendsUsed.add(b);
    if (ran.summary) agentSummary = ran.summary;
    if (ran.succeeded) {
      if (ran.sha) {
        lastGood = ran.sha;
        lastSha = ran.sha;
      }
      await store.updateTask(taskId, { status: "succeeded", checkpointSha: ran.sha, finishedAt: new Date(input.now()) });
      outcomes.push({ index: t.index, title: t.title, status: "succeeded", backend: ran.backend, sha: ran.sha });
      continue;
    }
    failedOrSkipped.add(t.index);
    outcomes.push(await recordTaskFailure(input, t, taskId, ran.failure));
  }
  return finishExecution(input, { outcomes, lastSha, agentSummary, backendsUsed: [...backendsUsed], fallbacks });
}

export interface TaskFailure {
  message: string;
  outputTail: string;
  timedOut: boolean;
  backend: string;
}

/** A task that cannot run because a task it depends on did not succeed: its row and its outcome. */
export async function skipTask(input: ExecuteTasksInput, t: PlannedTaskLike, taskId: string, blockedBy: number[]): Promise<TaskOutcome> {
  const why = `skipped: depends on task ${blockedBy.map((d) => d + 1).join(", ")}, which did not succeed`;
  await input.store.updateTask(taskId, { status: "skipped", error: why });
  return { index: t.index, title: t.title, status: "skipped", error: why };
}

/** A task failed (and was rolled back): its row, its outcome; the run stops here when the config says so (or it was the only task). */
export async function recordTaskFailure(input: ExecuteTasksInput, t: PlannedTaskLike, taskId: string, failure: TaskFailure): Promise<TaskOutcome> {
  await input.store.updateTask(taskId, { status: "failed", error: failure.message, finishedAt: new Date(input.now()) });
  input.log.info({ task: t.index, error: failure.message }, "task failed and was rolled back");
  if (input.onTaskFailure === "stop" || input.tasks.length === 1) {
    throw new ModeratorError(input.tasks.length > 1 ? `task ${t.index + 1} (${t.title}): ${failure.message}` : failure.message, {
      phase: "execute",
      hint: failure.timedOut
        ? `Split the issue into smaller ones, or ask the operator to raise timeoutSeconds for backend '${failure.backend}'.`
        : "Read the agent's output below; clarify the issue if the agent misunderstood it, then add the label again.",
      cause: { outputTail: failure.outputTail },
    });
  }
  return { index: t.index, title: t.title, status: "failed", backend: failure.backend, error: failure.message };
}

/** The end of the execute step: an error when nothing changed (unless allowed), else the result. */
export function finishExecution(input: ExecuteTasksInput, result: ExecuteTasksResult): ExecuteTasksResult {
  if (result.lastSha === null && !input.allowNoChange) {
    const failed = result.outcomes.filter((o) => o.status !== "succeeded");
    throw new ModeratorError(
      failed.length > 0 ? `no task produced a change (${failed.length} failed or skipped)` : "the agent finished without changing any file",
      { phase: "execute", hint: "Make the issue more specific about what should change, then add the label again." },
    );
  }
  return result;
}
