import { describe, expect, it } from "vitest";
import { combineOrder, hasIndependentTasks, independentSets, tasksBlocked, tasksToDefer, tasksToStart, type TaskState } from "../../../src/pipeline/schedule-tasks.ts";
import { renderConflictTask, CONFLICT_MARKER } from "../../../src/pipeline/render-conflict-task.ts";

const plan = (...deps: number[][]) => deps.map((dependsOn, index) => ({ index, dependsOn }));
const states = (...s: TaskState[]) => new Map(s.map((v, i) => [i, v]));

describe("independentSets", () => {
  it("puts tasks without a dependency path between them in one set", () => {
    expect(independentSets(plan([], [], []))).toEqual([[0, 1, 2]]);
    expect(independentSets(plan([], [0], [1]))).toEqual([[0], [1], [2]]);
    // 0 and 1 at once; 2 needs both and 3 needs only 0: both are one past what they need.
    expect(independentSets(plan([], [], [0, 1], [0]))).toEqual([[0, 1], [2, 3]]);
  });

  it("tells whether running in parallel can help", () => {
    expect(hasIndependentTasks(plan([], [0], [1]))).toBe(false);
    expect(hasIndependentTasks(plan([]))).toBe(false);
    expect(hasIndependentTasks(plan([], [0], [0]))).toBe(true);
  });
});

describe("combineOrder", () => {
  it("is topological, ties by plan index", () => {
    expect(combineOrder(plan([], [], []))).toEqual([0, 1, 2]);
    expect(combineOrder([{ index: 0, dependsOn: [2] }, { index: 1, dependsOn: [] }, { index: 2, dependsOn: [1] }])).toEqual([1, 2, 0]);
    expect(combineOrder(plan([], [0], [], [2, 1]))).toEqual([0, 1, 2, 3]);
  });

  it("names the task of a bad dependency or a cycle", () => {
    expect(() => combineOrder(plan([], [5]))).toThrow("task 2 depends on task 6, which is not in the plan");
    expect(() => combineOrder(plan([0]))).toThrow("task 1 depends on itself");
    expect(() => combineOrder([{ index: 0, dependsOn: [1] }, { index: 1, dependsOn: [0] }])).toThrow("cycle (tasks 1, 2)");
  });
});

describe("tasksToStart", () => {
  it("starts ready tasks up to the limit, counting only running agents", () => {
    const p = plan([], [], [], []);
    expect(tasksToStart(p, states("pending", "pending", "pending", "pending"), 2)).toEqual([0, 1]);
    expect(tasksToStart(p, states("running", "running", "pending", "pending"), 2)).toEqual([]);
    // A finished task waits to be combined: its slot is free.
    expect(tasksToStart(p, states("finished", "running", "pending", "pending"), 2)).toEqual([2]);
    expect(tasksToStart(p, states("pending", "pending", "pending", "pending"), 1)).toEqual([0]);
  });

  it("starts a dependent task only once what it depends on is combined", () => {
    const p = plan([], [0], []);
    expect(tasksToStart(p, states("pending", "pending", "pending"), 3)).toEqual([0, 2]);
    expect(tasksToStart(p, states("finished", "pending", "running"), 3)).toEqual([]);
    expect(tasksToStart(p, states("combined", "pending", "running"), 3)).toEqual([1]);
  });

  it("rejects a limit below one", () => {
    expect(() => tasksToStart(plan([]), states("pending"), 0)).toThrow("at least 1, got 0");
  });
});

describe("blocked and deferred tasks", () => {
  it("skips what depends on a failed task, directly or not", () => {
    expect(tasksBlocked(plan([], [0], [1], []), states("failed", "pending", "pending", "pending"))).toEqual([
      { index: 1, blockedBy: [0] },
      { index: 2, blockedBy: [1] },
    ]);
  });

  it("defers what depends on a task that runs again after the others", () => {
    expect(tasksToDefer(plan([], [0], [1], []), states("deferred", "pending", "pending", "pending"))).toEqual([1, 2]);
  });
});

describe("renderConflictTask", () => {
  it("gives the resolver both diffs and the conflicted files, cut visibly", () => {
    const t = renderConflictTask({
      task: { index: 2, title: "Say hello in French" },
      combinedTasks: [2],
      ours: "-hello\n+hallo\n",
      theirs: "-hello\n+bonjour\n",
      conflicts: [{ path: "greeting.txt", content: "<<<<<<< HEAD\nhallo\n=======\nbonjour\n>>>>>>> x\n" + "y".repeat(5000) }],
      partChars: 400,
    });
    expect(t.title).toBe("Resolve the merge conflict of task 3: Say hello in French");
    expect(t.description).toContain("ran in parallel with task 2");
    expect(t.description).toContain("+hallo");
    expect(t.description).toContain("+bonjour");
    expect(t.description).toContain("#### greeting.txt");
    expect(t.description).toMatch(/characters cut by Moderator/);
    expect(CONFLICT_MARKER.test("a\n<<<<<<< HEAD\n")).toBe(true);
    expect(CONFLICT_MARKER.test("Title\n=======\n")).toBe(false);
  });
});
