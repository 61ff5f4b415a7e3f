/** What the scheduler needs of a planned task. */
export interface SchedulableTask {
  index: number;
  dependsOn: number[];
}

/** Where a task of a parallel run stands. */
export type TaskState = "pending" | "running" | "finished" | "combined" | "failed" | "skipped" | "deferred";

/**
 * The order the tasks' commits are combined onto the run's branch: topological (a task after every task it
 * depends on), ties by plan index, so the branch reads like the plan. Pure. An unknown or self dependency and a
 * cycle are errors naming the task.
 */
export function combineOrder(tasks: readonly SchedulableTask[]): number[] {
  const byIndex = new Map(tasks.map((t) => [t.index, t]));
  if (byIndex.size !== tasks.length) throw new Error("the plan has two tasks with the same index");
  const waiting = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  for (const t of tasks) {
    const deps = [...new Set(t.dependsOn)];
    for (const d of deps) {
      if (d === t.index) throw new Error(`task ${t.index + 1} depends on itself`);
      if (!byIndex.has(d)) throw new Error(`task ${t.index + 1} depends on task ${d + 1}, which is not in the plan`);
      dependents.set(d, [...(dependents.get(d) ?? []), t.index]);
    }
    waiting.set(t.index, deps.length);
  }
  const ready = tasks.filter((t) => waiting.get(t.index) === 0).map((t) => t.index);
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const next = ready.shift() as number;
    order.push(next);
    for (const d of dependents.get(next) ?? []) {
      const left = (waiting.get(d) ?? 0) - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length !== tasks.length) {
    const stuck = tasks.filter((t) => !order.includes(t.index)).map((t) => t.index + 1);
    throw new Error(`the plan's dependencies form a cycle (tasks ${stuck.join(", ")})`);
  }
  return order;
}

/** Every task each task depends on, directly or through others. Pure. */
export function ancestorsOf(tasks: readonly SchedulableTask[]): Map<number, Set<number>> {
  const byIndex = new Map(tasks.map((t) => [t.index, t]));
  const out = new Map<number, Set<number>>();
  for (const i of combineOrder(tasks)) {
    const set = new Set<number>();
    for (const d of byIndex.get(i)?.dependsOn ?? []) {
      set.add(d);
      for (const a of out.get(d) ?? []) set.add(a);
    }
    out.set(i, set);
  }
  return out;
}

/**
 * The plan in sets of tasks that may run at the same time: a task's set is one past the deepest of the tasks it
 * depends on, so no two tasks of one set have a dependency path between them. Pure. A chain gives one task per
 * set; three independent tasks give one set of three.
 */
export function independentSets(tasks: readonly SchedulableTask[]): number[][] {
  const byIndex = new Map(tasks.map((t) => [t.index, t]));
  const depth = new Map<number, number>();
  for (const i of combineOrder(tasks)) {
    const deps = byIndex.get(i)?.dependsOn ?? [];
    depth.set(i, deps.length === 0 ? 0 : Math.max(...deps.map((d) => depth.get(d) ?? 0)) + 1);
  }
  const sets: number[][] = [];
  for (const [i, d] of depth) (sets[d] ??= []).push(i);
  return sets.map((s) => s.sort((a, b) => a - b));
}

/** Whether two tasks of the plan have no dependency path between them (so running in parallel can help). Pure. */
export function hasIndependentTasks(tasks: readonly SchedulableTask[]): boolean {
  return independentSets(tasks).some((s) => s.length > 1);
}

/**
 * The tasks to start now: pending ones whose dependencies are all combined onto the run's branch, in combine
 * order, as many as `limit` allows beside those running. Pure.
 */
export function tasksToStart(tasks: readonly SchedulableTask[], state: ReadonlyMap<number, TaskState>, limit: number): number[] {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`the parallel task limit must be a whole number of at least 1, got ${limit}`);
  const byIndex = new Map(tasks.map((t) => [t.index, t]));
  // A finished task waits to be combined: its agent no longer holds a slot.
  const running = [...state.values()].filter((s) => s === "running").length;
  const free = limit - running;
  if (free <= 0) return [];
  return combineOrder(tasks)
    .filter((i) => state.get(i) === "pending" && (byIndex.get(i)?.dependsOn ?? []).every((d) => state.get(d) === "combined"))
    .slice(0, free);
}

/** Pending tasks that can never start because a task they depend on (directly or not) failed or was skipped. Pure. */
export function tasksBlocked(tasks: readonly SchedulableTask[], state: ReadonlyMap<number, TaskState>): Array<{ index: number; blockedBy: number[] }> {
  const out: Array<{ index: number; blockedBy: number[] }> = [];
  const dead = new Set([...state].filter(([, s]) => s === "failed" || s === "skipped").map(([i]) => i));
  for (const i of combineOrder(tasks)) {
    if (state.get(i) !== "pending") continue;
    const t = tasks.find((x) => x.index === i) as SchedulableTask;
    const blockedBy = t.dependsOn.filter((d) => dead.has(d));
    if (blockedBy.length > 0) {
      out.push({ index: i, blockedBy });
      dead.add(i);
    }
  }
  return out;
}

/** Pending tasks that depend (directly or not) on a deferred task: they are deferred too. Pure. */
export function tasksToDefer(tasks: readonly SchedulableTask[], state: ReadonlyMap<number, TaskState>): number[] {
  const ancestors = ancestorsOf(tasks);
  const deferred = new Set([...state].filter(([, s]) => s === "deferred").map(([i]) => i));
  return combineOrder(tasks).filter((i) => state.get(i) === "pending" && [...(ancestors.get(i) ?? [])].some((a) => deferred.has(a)));
}
