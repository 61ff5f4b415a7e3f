import type { Finding } from "../qa/finding.ts";

/** Findings less confident than this are never sent back to the agent: a retry on a guess wastes a run. */
export const FIXABLE_MIN_CONFIDENCE = 0.5;

/** Rules whose findings the agent can fix from the finding alone. */
const FIXABLE_RULES: ReadonlySet<string> = new Set([
  // A repository command (tests, lint, build) failed: the finding quotes the output tail.
  "qa/command-failed",
  // console.log / debugger / print left in.
  "debug/leftover",
  // <<<<<<< ======= >>>>>>> left in a file.
  "conflict/markers",
]);

/**
 * Whether the agent can be asked to fix `finding` itself (a QA retry): failing commands, debug leftovers,
 * conflict markers, and findings that carry an exact replacement from a linter (SARIF) or from tests/weakened
 * (the test as it was before it was skipped or loosened). Never below FIXABLE_MIN_CONFIDENCE. Pure.
 */
export function isFixableFinding(finding: Finding): boolean {
  if (!(finding.confidence >= FIXABLE_MIN_CONFIDENCE)) return false;
  if (FIXABLE_RULES.has(finding.ruleId)) return true;
  return finding.replacement !== undefined && (finding.source === "sarif" || finding.ruleId === "tests/weakened");
}
