import { z } from "zod";

/** What a follow-up improvement does. Ordered by how urgent the kind usually is (ties in ranking). */
export const ImprovementType = z.enum(["fix", "tests", "docs", "refactor"]);
export type ImprovementType = z.infer<typeof ImprovementType>;

/** Longest title an improvement may have (it becomes a checklist entry and a PR title). */
export const IMPROVEMENT_TITLE_MAX = 100;

/**
 * A follow-up change Moderator can propose after a run: a separate pull request, within the repository's budgets.
 * `fingerprint` is stable across runs (type + the normalized target, never a line number), so the same
 * improvement is never proposed twice and one whose PR was closed unmerged never comes back.
 */
export const Improvement = z.object({
  type: ImprovementType,
  /** One line, at most 100 characters. */
  title: z.string().min(1).max(IMPROVEMENT_TITLE_MAX),
  /** Why it is worth doing, for the maintainer (one or two sentences). */
  rationale: z.string().min(1),
  /** 1 = most urgent, 5 = nice to have. */
  priority: z.number().int().min(1).max(5),
  /** Expected value if accepted, 0..1. */
  impact: z.number().min(0).max(1),
  /** The agent's instructions: which files, what to do, what not to do. */
  task: z.string().min(1),
  /** Repo-relative paths the improvement concerns (the agent may touch more, e.g. a new test file). */
  files: z.array(z.string().min(1)),
  /** 16 hex characters (see improvementFingerprint). */
  fingerprint: z.string().regex(/^[A-Za-z0-9_.:]{1,128}$/),
});
export type Improvement = z.infer<typeof Improvement>;
