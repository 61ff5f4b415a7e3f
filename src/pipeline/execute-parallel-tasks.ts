import { lstat, mkdtemp, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CancelledError } from "../util/errors.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import { restoreAgentConfig } from "../workspace/restore-agent-config.ts";
import type { MergeBundleResult, Workspace } from "../workspace/workspace.ts";
import { finishExecution, recordTaskFailure, skipTask, type ExecuteTasksInput, type ExecuteTasksResult, type PlannedTaskLike, type TaskOutcome } from "./execute-tasks.ts";
import { CONFLICT_MARKER, renderConflictTask } from "./render-conflict-task.ts";
import { runAgent } from "./run-agent.ts";
import { buildAgentTask, checkpointMessage, runTask, type RunTaskResult } from "./run-task.ts";
import { combineOrder, independentSets, tasksBlocked, tasksToDefer, tasksToStart, type TaskState } from "./schedule-tasks.ts";

/** Bytes of a conflicted file read (for the resolver's prompt and the marker check). */
const MAX_CONFLICT_FILE_BYTES = 256 * 1024;

interface Finished {
  index: number;
  ran: RunTaskResult;
  clone: Workspace;
  backend: string;
}

const list = (ns: number[]) => (ns.length <= 1 ? ns.join("") : `${ns.slice(0, -1).join(", ")} and ${ns[ns.length - 1]}`);

/**
 * The plan's independent tasks at the same time: each task starts once every task it depends on is combined onto
 * the run's branch, in its own clone of that branch (so tasks started together share their base), on the next
 * backend of `parallel.backends`, at most `parallel.limit` at once. Finished tasks are combined onto the run's
 * clone in `combineOrder` (a squash merge, one checkpoint commit per task). A conflict goes to one agent run of the
 * routed backend in the run's clone, with both diffs and the conflicted files; when it fails, the merge is undone
 * and the task runs again after the others, in order, on top of the combined branch (its dependents with it).
 * A failed task is rolled back in its own clone (the branch never sees it); its dependents are skipped, or the run
 * stops (the siblings are stopped first) as `onTaskFailure` says.
 */
export async function executeTasksInParallel(input: ExecuteTasksInput, taskIds: Map<number, string>): Promise<ExecuteTasksResult> {
  const { store, executionId, workspace: ws, log } = input;
  const par = input.parallel as NonNullable<ExecuteTasksInput["parallel"]>;
  const tasks = input.tasks;
  const byIndex = new Map(tasks.map((t) => [t.index, t]));
  const order = combineOrder(tasks);
  const state = new Map<number, TaskState>(tasks.map((t) => [t.index, "pending"]));
  const outcomes = new Map<number, TaskOutcome>();
  const backendsUsed = new Set<string>();
  const fallbacks: string[] = [];
  let agentSummary: string | undefined;
  let lastSha: string | null = null;
  const running = new Map<number, Promise<Finished>>();
  const finished = new Map<number, Finished>();
  const clones: Workspace[] = [];
  let started = 0;
  // Stops the siblings when one task stops the run; follows the run's own signal (cancel, shutdown).
  const stop = new AbortController();
  const follow = () => stop.abort(input.signal.reason);
  if (input.signal.aborted) follow();
  input.signal.addEventListener("abort", follow, { once: true });
  const report = async (line: string) => {
    await input.report?.(line).catch((err: unknown) => log.warn({ err }, "could not show the tasks' progress"));
  };
  const taskId = (i: number) => taskIds.get(i) as string;
  const done = (i: number) => state.get(i) === "combined";
  const title = (i: number) => (byIndex.get(i) as PlannedTaskLike).title;

  const sets = independentSets(tasks);
  const widest = Math.max(...sets.map((s) => s.length));
  const intro = `tasks ${sets.map((s) => (s.length > 1 ? `${list(s.map((i) => i + 1))} in parallel` : `${(s[0] as number) + 1}`)).join(", then ")} (at most ${Math.min(par.limit, widest)} at once, on ${par.backends.join(", ")})`;
  await store.appendEvent(executionId, { type: "tasks.parallel", phase: "execute", message: intro, data: { sets, limit: par.limit, backends: par.backends, combineOrder: order } });
  await report(intro);

  /** How many tasks were combined when each task was combined, and when each task took its base. */
  const combinedAt = new Map<number, number>();
  const startedAtCombine = new Map<number, number>();
  const combined = async (i: number, sha: string | null, backend: string) => {
    state.set(i, "combined");
    combinedAt.set(i, combinedAt.size);
    if (sha) lastSha = sha;
    await store.updateTask(taskId(i), { status: "succeeded", checkpointSha: sha, finishedAt: new Date(input.now()) });
    outcomes.set(i, { index: i, title: title(i), status: "succeeded", backend, sha });
  };

  /** Start tasks together: one clone each of the branch as it is now (their shared base), then their agents. */
  const startAll = async (indices: number[]) => {
    if (indices.length === 0) return;
    // Read (and sanitize) the run's clone before the task clones read from it; nothing combines meanwhile.
    const base = await ws.headSha();
    const made = await Promise.all(
      indices.map(async (i) => {
        const clone = await cloneWorkspace({
          cloneUrl: pathToFileURL(ws.dir).href,
          token: "",
          baseBranch: ws.branch,
          branch: `${ws.branch}-task-${i + 1}`,
          rootDir: par.rootDir,
          signal: stop.signal,
        });
        clones.push(clone);
        // Each agent its own scratch folder: the task file, HOME and caches of parallel agents never mix.
        return { i, clone, scratchDir: await mkdtemp(path.join(input.scratchDir, `task-${i + 1}-`)) };
      }),
    );
    for (const { i, clone, scratchDir } of made) {
      const backend = par.backends[started % par.backends.length] as string;
      started++;
      const backends = [backend, ...(input.allowFallback ? input.backends.filter((b) => b !== backend) : [])];
      startedAtCombine.set(i, combinedAt.size);
      state.set(i, "running");
      await store.appendEvent(executionId, { type: "task.started", phase: "execute", message: `task ${i + 1} started on ${backend}`, data: { task: i, backend, base, parallel: true } });
      const t = byIndex.get(i) as PlannedTaskLike;
      const promise = runTask(input, { task: t, taskId: taskId(i), workspace: clone, lastGood: clone.baseSha, backends, done, signal: stop.signal, scratchDir }).then((ran) => ({ index: i, ran, clone, backend }));
      // Settled through Promise.race below; a rejection seen only by allSettled must not count as unhandled.
      promise.catch(() => undefined);
      running.set(i, promise);
    }
  };

  const settle = async (f: Finished) => {
    fallbacks.push(...f.ran.fallbacks);
    for (const b of f.ran.backendsUsed) backendsUsed.add(b);
    if (f.ran.succeeded) {
      state.set(f.index, "finished");
      finished.set(f.index, f);
      await store.appendEvent(executionId, { type: "task.finished", phase: "execute", message: `task ${f.index + 1} finished on ${f.ran.backend}`, data: { task: f.index, backend: f.ran.backend, sha: f.ran.sha } });
      return;
    }
    state.set(f.index, "failed");
    await f.clone.dispose().catch(() => undefined);
    await store.appendEvent(executionId, { type: "task.failed", phase: "execute", level: "warn", message: `task ${f.index + 1} failed on ${f.ran.failure.backend}: ${f.ran.failure.message}`, data: { task: f.index } });
    outcomes.set(f.index, await recordTaskFailure(input, byIndex.get(f.index) as PlannedTaskLike, taskId(f.index), f.ran.failure));
  };

  /** The conflicted files as they are now (regular files only, bounded). */
  const readConflicts = async (paths: string[]) => {
    const out: Array<{ path: string; content: string | undefined }> = [];
    for (const p of paths) {
      const full = path.join(ws.dir, p);
      const st = await lstat(full).catch(() => undefined);
      if (!st) out.push({ path: p, content: "" });
      else if (!st.isFile()) out.push({ path: p, content: undefined });
      else out.push({ path: p, content: (await readFile(full)).subarray(0, MAX_CONFLICT_FILE_BYTES).toString("utf8") });
    }
    return out;
  };

  /** One agent run of the routed backend resolves the conflict in the run's clone; true when no marker is left. */
  const resolve = async (i: number, merged: MergeBundleResult): Promise<{ ok: boolean; backend: string; why?: string }> => {
    const backendName = input.backends[0] as string;
    const t = byIndex.get(i) as PlannedTaskLike;
    const before = await readConflicts(merged.conflicts);
    // The tasks combined after this one took its base are the ones it conflicts with.
    const since = startedAtCombine.get(i) ?? 0;
    const combinedSince = [...combinedAt].filter(([, n]) => n >= since).map(([j]) => j);
    const conflictTask = renderConflictTask({
      task: { index: i, title: t.title },
      combinedTasks: combinedSince.map((j) => j + 1),
      ours: merged.ours,
      theirs: merged.theirs,
      conflicts: before.map((c) => ({ path: c.path, content: c.content ?? "(not a regular file)" })),
    });
    await restoreAgentConfig(ws.dir, ws.baseSha);
    const agentTask = buildAgentTask(input, ws, { index: i, title: conflictTask.title, description: conflictTask.description, type: "change" }, done);
    let ran;
    try {
      ran = await runAgent({
        executionId,
        taskId: taskId(i),
        backend: input.createBackend(backendName),
        task: agentTask,
        workdir: ws.dir,
        scratchDir: await mkdtemp(path.join(input.scratchDir, `resolve-${i + 1}-`)),
        runner: input.runner,
        signal: stop.signal,
        store,
        secrets: input.secrets,
        log,
        now: input.now,
        ...(input.onAgentCost ? { onCost: input.onAgentCost } : {}),
      });
    } catch (err) {
      return { ok: false, backend: backendName, why: `${backendName} could not start (${(err as Error).message})` };
    }
    backendsUsed.add(backendName);
    if (ran.result.status === "cancelled") throw new CancelledError("the run was cancelled while the agent was working");
    if (ran.result.status !== "succeeded") return { ok: false, backend: backendName, why: ran.error ?? `the agent ${ran.result.status}` };
    const after = await readConflicts(merged.conflicts);
    const left = after.filter((c) => c.content === undefined || CONFLICT_MARKER.test(c.content)).map((c) => c.path);
    if (left.length > 0) return { ok: false, backend: backendName, why: `conflict markers are left in ${left.join(", ")}` };
    return { ok: true, backend: backendName };
  };

  const combine = async (i: number) => {
    const f = finished.get(i) as Finished;
    finished.delete(i);
    if (!f.ran.succeeded) return;
    const backend = f.ran.backend;
    if (f.ran.summary) agentSummary = f.ran.summary;
    try {
      if (!f.ran.sha) {
        await combined(i, null, backend);
        return;
      }
      const merged = await ws.mergeBundle(await f.clone.bundle());
      if (merged.conflicts.length === 0) {
        const sha = await ws.checkpoint(checkpointMessage(input, byIndex.get(i) as PlannedTaskLike));
        await combined(i, sha, backend);
        await store.appendEvent(executionId, { type: "task.combined", phase: "execute", message: `task ${i + 1} combined onto ${ws.branch}`, data: { task: i, sha } });
        return;
      }
      const files = merged.conflicts.join(", ");
      const resolver = input.backends[0] as string;
      await store.appendEvent(executionId, { type: "task.conflict", phase: "execute", level: "warn", message: `task ${i + 1} conflicts with the tasks combined before it in ${files}; ${resolver} resolves it`, data: { task: i, files: merged.conflicts } });
      await report(`task ${i + 1} conflicted in ${files}: ${resolver} resolves it`);
      const resolved = await resolve(i, merged);
      if (resolved.ok) {
        const sha = await ws.checkpoint(checkpointMessage(input, byIndex.get(i) as PlannedTaskLike));
        await combined(i, sha, backend);
        await store.appendEvent(executionId, { type: "task.resolved", phase: "execute", message: `${resolved.backend} resolved the conflict of task ${i + 1}`, data: { task: i, sha, backend: resolved.backend } });
        await report(`${resolved.backend} resolved the conflict of task ${i + 1}`);
        return;
      }
      await ws.rollback(merged.head);
      state.set(i, "deferred");
      const message = `the conflict of task ${i + 1} was not resolved (${resolved.why}); task ${i + 1} runs again after the others`;
      await store.appendEvent(executionId, { type: "task.rerun", phase: "execute", level: "warn", message, data: { task: i, files: merged.conflicts } });
      await report(message);
    } finally {
      await f.clone.dispose().catch(() => undefined);
    }
  };

  try {
    let pos = 0;
    for (;;) {
      for (const b of tasksBlocked(tasks, state)) {
        state.set(b.index, "skipped");
        outcomes.set(b.index, await skipTask(input, byIndex.get(b.index) as PlannedTaskLike, taskId(b.index), b.blockedBy));
      }
      for (const d of tasksToDefer(tasks, state)) state.set(d, "deferred");
      while (pos < order.length) {
        const i = order[pos] as number;
        const s = state.get(i);
        if (s === "finished") await combine(i);
        else if (s === "pending" || s === "running") break;
        pos++;
      }
      if (input.signal.aborted) throw new CancelledError(String(input.signal.reason ?? "cancelled"));
      await startAll(tasksToStart(tasks, state, par.limit));
      if (running.size === 0) break;
      const next = await Promise.race(running.values());
      running.delete(next.index);
      await settle(next);
    }
    // Tasks whose conflict was not resolved (and what depends on them): again, in order, on the combined branch.
    for (const i of order) {
      if (state.get(i) !== "deferred") continue;
      const t = byIndex.get(i) as PlannedTaskLike;
      const blockedBy = t.dependsOn.filter((d) => state.get(d) === "failed" || state.get(d) === "skipped");
      if (blockedBy.length > 0) {
        state.set(i, "skipped");
        outcomes.set(i, await skipTask(input, t, taskId(i), blockedBy));
        continue;
      }
      const backends = input.allowFallback ? input.backends : input.backends.slice(0, 1);
      await store.appendEvent(executionId, { type: "task.started", phase: "execute", message: `task ${i + 1} started again on ${backends[0]}, after the others`, data: { task: i, backend: backends[0] ?? null, base: await ws.headSha(), parallel: false } });
      const ran = await runTask(input, { task: t, taskId: taskId(i), workspace: ws, lastGood: await ws.headSha(), backends, done, signal: stop.signal });
      fallbacks.push(...ran.fallbacks);
      for (const b of ran.backendsUsed) backendsUsed.add(b);
      if (ran.succeeded) {
        if (ran.summary) agentSummary = ran.summary;
        await combined(i, ran.sha, ran.backend);
        await store.appendEvent(executionId, { type: "task.combined", phase: "execute", message: `task ${i + 1} combined onto ${ws.branch}`, data: { task: i, sha: ran.sha } });
      } else {
        state.set(i, "failed");
        outcomes.set(i, await recordTaskFailure(input, t, taskId(i), ran.failure));
      }
    }
  } catch (err) {
    // One task stopped the run (or it was cancelled): stop the others and wait for them before the clones go.
    stop.abort(input.signal.aborted ? input.signal.reason : "a task stopped the run");
    await Promise.allSettled(running.values());
    throw err;
  } finally {
    input.signal.removeEventListener("abort", follow);
    await Promise.all(clones.map((c) => c.dispose().catch(() => undefined)));
  }
  const result: ExecuteTasksResult = {
    outcomes: tasks.map((t) => outcomes.get(t.index)).filter((o): o is TaskOutcome => o !== undefined),
    lastSha,
    agentSummary,
    backendsUsed: [...backendsUsed],
    fallbacks,
    parallel: true,
  };
  return finishExecution(input, result);
}
