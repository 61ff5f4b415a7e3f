import { z } from "zod";
import { parseYamlDocument } from "../config/parse-yaml-document.ts";
import { isSafetyRule } from "./decide-suppression.ts";

/** Where a repository keeps its reviewed learnings, read from the default branch. */
export const LEARNINGS_FILE_PATH = ".github/moderator-learnings.yml";

const Acceptance = z.number().min(0, "acceptance must be between 0 and 1").max(1, "acceptance must be between 0 and 1");
/** Keys of `rules` (rule ids, like debug/leftover). */
export const RuleId = z.string().regex(/^\S(?:.*\S)?$/, "a rule id is not empty and has no line breaks or surrounding spaces");
/** Keys of `improvements`. */
export const ImprovementType = z.string().regex(/^\S(?:.*\S)?$/, "an improvement type is not empty and has no line breaks or surrounding spaces");
/** Keys of `backends`. */
export const BackendTaskKey = z.string().regex(/^[^\s:]+:[^\s:]+$/, 'a backend entry is "<backend>:<taskType>", like claude-code:change');

/**
 * `.github/moderator-learnings.yml`: what maintainers decided about what Moderator learned in this repository.
 * Every value set here overrides the estimate for that entry while the file exists; an entry left out is learned.
 */
export const LearningsFile = z
  .strictObject({
    version: z.literal(1, "version must be 1"),
    rules: z.record(RuleId, z.strictObject({ suppress: z.boolean().optional(), acceptance: Acceptance.optional() })).optional(),
    improvements: z.record(ImprovementType, z.strictObject({ acceptance: Acceptance.optional(), disabled: z.boolean().optional() })).optional(),
    backends: z.record(BackendTaskKey, z.strictObject({ acceptance: Acceptance.optional() })).optional(),
  })
  .superRefine((file, ctx) => {
    for (const [ruleId, rule] of Object.entries(file.rules ?? {})) {
      if (rule.suppress === true && isSafetyRule(ruleId)) {
        ctx.addIssue({ code: "custom", path: ["rules", ruleId, "suppress"], message: `${ruleId} is a safety rule and cannot be suppressed` });
      }
    }
  });
export type LearningsFile = z.infer<typeof LearningsFile>;

export type LearningsFileResult = { ok: true; file: LearningsFile } | { ok: false; problems: string[] };

/**
 * Parse the text of the learnings file. Never throws. Problems are one line each: a YAML syntax error with its
 * line and column, or a schema problem with its path (`rules.debug/leftover.acceptance: acceptance must be
 * between 0 and 1`).
 */
export function parseLearningsFile(text: string): LearningsFileResult {
  const doc = parseYamlDocument(text);
  if (!doc.ok) return { ok: false, problems: doc.problems };
  const parsed = LearningsFile.safeParse(doc.value);
  if (parsed.success) return { ok: true, file: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

/** "<path>: <message>"; a bad record key gives the key's own problem instead of zod's "Invalid key in record". */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  if (issue.code === "invalid_key") {
    const inner = issue.issues.map((i) => i.message).join("; ");
    return `${where}: ${inner || issue.message}`;
  }
  if (issue.code === "invalid_type" && issue.path.length === 2 && (issue.path[0] === "rules" || issue.path[0] === "improvements" || issue.path[0] === "backends")) {
    return `${where}: ${issue.message} (each entry is a mapping of settings, like "acceptance: 0.5")`;
  }
  return `${where}: ${issue.message}`;
}
