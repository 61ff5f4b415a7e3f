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
 * suppressed when it is confidently unwanted: the upper bound of its acceptance is below `maxUpper` and it has
 * at least `minEvidence` (decayed) pieces of feedback.
 */
export function isSuppressed(entry: AcceptanceEntry, opts: Partial<SuppressionSettings> = {}): boolean {
  if (entry.scope !== "rule" || isSafetyRule(entry.key)) return false;
  if (entry.override?.suppress !== undefined) return entry.override.suppress;
  const { maxUpper, minEvidence } = resolveSuppressionSettings(opts);
  return entry.upper < maxUpper && entry.evidence >= minEvidence;
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
