import { fitToBudget } from "../llm/fit-to-budget.ts";

export interface ConflictTaskInput {
  task: { index: number; title: string };
  /** The tasks already combined onto the run's branch since this task's base (1-based numbers, for the text). */
  combinedTasks: number[];
  /** What the run's branch changed since the task's base, and what the task changed (unified diffs). */
  ours: string;
  theirs: string;
  /** The conflicted files as they are now, with git's conflict markers. */
  conflicts: Array<{ path: string; content: string }>;
  /** Budget of each part, in characters (the prompt's own limit cuts the whole description again). */
  partChars?: number;
}

/** Lines git leaves in a file it could not merge. */
export const CONFLICT_MARKER = /^(?:<{7}|>{7})(?: |$)/m;

/**
 * The task given to the agent that resolves a conflict between a parallel task and the tasks combined before it:
 * both diffs and the conflicted files, each cut to a budget with a visible marker. Pure.
 */
export function renderConflictTask(input: ConflictTaskInput): { title: string; description: string } {
  const part = input.partChars ?? 2500;
  const cut = (text: string) => fitToBudget(text, part, "[... {cut} characters cut by Moderator ...]", { headRatio: 0.7 });
  const n = input.task.index + 1;
  const others = input.combinedTasks.length > 0 ? `task${input.combinedTasks.length > 1 ? "s" : ""} ${input.combinedTasks.join(", ")}` : "the tasks combined before it";
  const files = input.conflicts.map((c) => `#### ${c.path}\n\n\`\`\`\n${cut(c.content)}\n\`\`\``);
  return {
    title: `Resolve the merge conflict of task ${n}: ${input.task.title}`,
    description: [
      `Task ${n} ("${input.task.title}") ran in parallel with ${others}. Combining its change onto the branch conflicts in ${input.conflicts.map((c) => c.path).join(", ")}.`,
      "Edit the conflicted files so that they keep the intent of BOTH changes, and remove every conflict marker (<<<<<<<, =======, >>>>>>>). Change nothing else.",
      "",
      "### What the branch already has (the other tasks' change)",
      "",
      "```diff",
      cut(input.ours),
      "```",
      "",
      `### What task ${n} changed`,
      "",
      "```diff",
      cut(input.theirs),
      "```",
      "",
      "### The conflicted files now",
      "",
      ...files,
    ].join("\n"),
  };
}
