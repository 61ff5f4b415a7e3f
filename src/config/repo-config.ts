import { z } from "zod";
import { Severity } from "../qa/finding.ts";
import { SecretAllowlistConfig } from "../qa/secret-allowlist.ts";
import { ImprovementBudgets } from "../improve/improvement-budgets.ts";
import { DecisionConfig } from "./decision-config.ts";
import { formatZodIssues } from "./format-zod-issues.ts";
import { parseYamlDocument } from "./parse-yaml-document.ts";

/** Path of the repository's own configuration, read from the default branch. */
export const REPO_CONFIG_PATH = ".github/moderator.yml";

const QaCommand = z.union([
  z.string().min(1).transform((run) => ({ name: run, run, timeoutSeconds: undefined as number | undefined })),
  z.strictObject({
    name: z.string().min(1).optional(),
    run: z.string().min(1),
    timeoutSeconds: z.number().int().positive().max(6 * 3600).optional(),
  }).transform((c) => ({ name: c.name ?? c.run, run: c.run, timeoutSeconds: c.timeoutSeconds })),
]);

const SarifScanner = z.strictObject({
  name: z.string().min(1),
  /** Shell command run in the sandbox; its stdout is SARIF 2.1, or it writes the file named by `output`. */
  run: z.string().min(1),
  output: z.string().min(1).optional(),
  timeoutSeconds: z.number().int().positive().max(6 * 3600).optional(),
  /** Keep only results on lines the change added or touched (default), or on any line of a changed file. */
  onlyChangedLines: z.boolean().default(true),
});

const PlanningMode = z.enum(["auto", "single"]);

/** .github/moderator.yml: what a REPOSITORY decides (within what the operator allows). */
export const RepoConfig = z.strictObject({
  /** Label that starts a run. */
  label: z.string().min(1).max(50).default("moderator"),
  /** One of the operator's backends; the operator's default when absent. */
  backend: z.string().min(1).optional(),
  /**
   * Candidate backends (of the operator's): the learner chooses among them by merge rate (Thompson sampling), even
   * when `backend` or the operator default is set; those only order them while there is no learner data.
   */
  backends: z.array(z.string().min(1)).min(1).max(20).optional(),
  /**
   * Run every issue as a race (`/moderator run --race` overrides): these backends, or `attempts` of the chosen one;
   * the operator's `limits.maxRaceAttempts` bounds the number of candidates. `maxCostUsd` caps the race's total cost.
   * `keepBranches` pushes the losers' branches (when the operator allows it).
   */
  race: z
    .strictObject({
      backends: z.array(z.string().min(1)).min(1).max(20).optional(),
      attempts: z.number().int().min(1).max(20).optional(),
      maxCostUsd: z.number().positive().max(10_000).optional(),
      /**
       * After the judge, push each losing candidate's commits as `moderator/issue-<n>-<candidate>` (linked from the
       * PR's Candidates section) instead of keeping only its diff there. Only when the operator allows it
       * (`limits.allowRaceBranches`); the branches are deleted again when this is turned off or a pick shows them.
       */
      keepBranches: z.boolean().optional(),
    })
    .optional(),
  /** Open Moderator's PRs as drafts. */
  draft: z.boolean().default(false),
  /** Paths (globs) QA ignores. */
  ignorePaths: z.array(z.string()).default([]),
  /** When one task of a multi-task plan fails: roll it back and stop the run, or roll it back and go on. */
  onTaskFailure: z.enum(["stop", "continue"]).default("stop"),
  /**
   * `mode`: split the issue into tasks with the operator's LLM (when one is configured), or always run it as one task.
   * `parallel`: run tasks with no dependency path between them at the same time, each in its own clone, on the
   * `backends:` in turn (at most the operator's `limits.parallelTasks` at once), then combine them in dependency order.
   * `planning: single` (or `auto`) is short for `planning: { mode: single }`.
   */
  planning: z
    .union([
      PlanningMode.transform((mode) => ({ mode, parallel: false })),
      z.strictObject({ mode: PlanningMode.default("auto"), parallel: z.boolean().default(false) }),
    ])
    .default({ mode: "auto", parallel: false }),
  /** Follow-up improvement PRs after a run: types, budgets, and whether a writer must tick each one first. */
  improvements: ImprovementBudgets.prefault({}),
  /** The DecisionEngine's thresholds: proceed, draft, ask a maintainer, retry with QA feedback, or escalate. */
  decision: DecisionConfig.prefault({}),
  qa: z
    .strictObject({
      /** Shell commands run first (install dependencies); a failure means QA could not run (check run `neutral`). */
      setup: z.array(QaCommand).default([]),
      /** Shell commands run in the sandbox after the agent (tests, lint). A failure becomes a finding. */
      commands: z.array(QaCommand).default([]),
      /** Scanners whose output is SARIF 2.1 (semgrep, eslint's SARIF formatter, bandit, ...). */
      sarif: z.array(SarifScanner).default([]),
      /** Known-safe values, patterns and paths for `secrets/hardcoded` (test fixtures, examples). */
      secrets: SecretAllowlistConfig.prefault({}),
      /** Review by the operator's LLM; findings the model scores under `minScore` (0-10) are dropped. */
      llmReview: z
        .strictObject({ enabled: z.boolean().default(false), minScore: z.number().min(0).max(10).default(7), maxFindings: z.number().int().min(0).max(50).default(5) })
        .prefault({}),
      /** Other operator backends that review the diff; their verdicts decide draft / ask-a-human. */
      peers: z.array(z.string().min(1)).default([]),
      /** Severity at or above which the check run concludes `failure`. */
      failOn: Severity.default("high"),
      /** At most this many inline review comments; the rest go into the review body. */
      maxComments: z.number().int().min(0).max(100).default(10),
      /** Findings below this confidence are not posted. */
      minConfidence: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
});
export type RepoConfig = z.infer<typeof RepoConfig>;

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; problems: string[]; rawLabel?: string };

/** Parse the text of .github/moderator.yml (undefined = no file = defaults). Never throws. */
export function parseRepoConfig(text: string | undefined): RepoConfigResult {
  if (text === undefined) return { ok: true, config: RepoConfig.parse({}) };
  const doc = parseYamlDocument(text);
  if (!doc.ok) return { ok: false, problems: doc.problems };
  const parsed = RepoConfig.safeParse(doc.value);
  if (parsed.success) return { ok: true, config: parsed.data };
  const raw = doc.value as { label?: unknown } | null;
  const rawLabel = raw && typeof raw === "object" && typeof raw.label === "string" ? raw.label : undefined;
  return { ok: false, problems: formatZodIssues(parsed.error), ...(rawLabel ? { rawLabel } : {}) };
}
