import type { AcceptanceEntry, AcceptanceTable } from "./estimate-acceptance.ts";
import { resolveSuppressionSettings, type SuppressionSettings } from "./learner-config.ts";

/** Rules that guard against real harm; they are never suppressed, whatever the feedback or the learnings file says. */
export const SAFETY_RULES: readonly string[] = ["secrets/hardcoded", "conflict/markers"];

export function isSafetyRule(ruleId: string): boolean {
  return SAFETY_RULES.includes(ruleId);
}

/**
 * Whether one rule entry is suppressed. Pure.
 * A safety rule never is. Then an explicit `suppress` from the learnings file decides. Otherwise the rule is
 * suppressed when either:
 * - **dismissed `minEvidence` times in a row:** at least `minEvidence` (weighted) rejections in this repository since
 *   its latest acceptance, and this repository's own (decayed) acceptance share is below `maxUpper`, so a rule it
 *   mostly wants is not dropped by a short run of dismissals; or
 * - **confidently unwanted** (mixed feedback): the upper bound of its acceptance (shrunk toward the other
 *   repositories' rate) is below `maxUpper` with at least `minEvidence` (decayed) pieces of feedback.
 */
export function isSuppressed(entry: AcceptanceEntry, opts: Partial<SuppressionSettings> = {}): boolean {
  if (entry.scope !== "rule" || isSafetyRule(entry.key)) return false;
  if (entry.override?.suppress !== undefined) return entry.override.suppress;
  const { maxUpper, minEvidence } = resolveSuppressionSettings(opts);
  const ownShare = entry.evidence > 0 ? entry.accepts / entry.evidence : 1;
  const inARow = minEvidence > 0 && (entry.rejectStreak ?? 0) >= minEvidence && ownShare < maxUpper;
  return inARow || (entry.upper < maxUpper && entry.evidence >= minEvidence);
}

/**
 * The rules whose findings are not posted in this repository (see isSuppressed). Pure. Pass a table that went
 * through applyOverrides for the learnings file's `suppress: true/false` to count.
 */
export function suppressedRules(table: AcceptanceTable, repositoryId: number, opts: Partial<SuppressionSettings> = {}): Set<string> {
  const settings = resolveSuppressionSettings(opts);
  const out = new Set<string>();
  for (const entry of table) {
    if (entry.scope === "rule" && entry.repositoryId === repositoryId && isSuppressed(entry, settings)) out.add(entry.key);
  }
  return out;
}
