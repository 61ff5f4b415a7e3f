import { z } from "zod";
import { Severity } from "../qa/finding.ts";
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

/** .github/moderator.yml: what a REPOSITORY decides (within what the operator allows). */
export const RepoConfig = z.strictObject({
  /** Label that starts a run. */
  label: z.string().min(1).max(50).default("moderator"),
  /** One of the operator's backends; the operator's default when absent. */
  backend: z.string().min(1).optional(),
  /** Open Moderator's PRs as drafts. */
  draft: z.boolean().default(false),
  /** Paths (globs) QA ignores. */
  ignorePaths: z.array(z.string()).default([]),
  qa: z
    .strictObject({
      /** Shell commands run in the sandbox after the agent (tests, lint). A failure becomes a finding. */
      commands: z.array(QaCommand).default([]),
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
