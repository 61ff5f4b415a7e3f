import { replaceUnknownFlags, type LaunchPlan } from "./cli-launch-plan.ts";

/** A fix for a failed launch: the plan to relaunch with, what changed, and the line that showed the failure. */
export interface Recovery {
  rule: string;
  fix: string;
  reason: string;
  plan: LaunchPlan;
}

/**
 * A known start-up failure of a CLI and its fix. `apply` gets the failed launch's combined output
 * (stdout and stderr) and the plan it ran with; it returns the fixed plan, or undefined when the
 * failure is not this one or the fix does not apply to this plan. Pure.
 */
export interface RecoveryRule {
  id: string;
  apply(output: string, plan: LaunchPlan): Recovery | undefined;
}

/** The first rule that recognises the failure, if any. A rule that throws counts as no match. */
export function findRecovery(rules: readonly RecoveryRule[], output: string, plan: LaunchPlan): Recovery | undefined {
  for (const rule of rules) {
    try {
      const recovery = rule.apply(output, plan);
      if (recovery) return recovery;
    } catch {
      // A broken rule must not turn a failed run into a crash; the run is reported as it failed.
    }
  }
  return undefined;
}

/** The whole line of `output` around a match, trimmed and capped, for the recovery event's `reason`. */
export function lineAround(output: string, index: number): string {
  const start = output.lastIndexOf("\n", index) + 1;
  const end = output.indexOf("\n", index);
  const line = output.slice(start, end === -1 ? undefined : end).trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/**
 * "Unknown flag" from an older CLI version: `pattern` (global) finds the rejection, `flagsOf` turns a
 * match into the flag names (with their dashes). The flags are replaced by their fallback or dropped
 * when the adapter marked them optional; otherwise there is no recovery.
 */
export function unknownFlagRule(id: string, cli: string, pattern: RegExp, flagsOf: (match: RegExpMatchArray) => string[]): RecoveryRule {
  return {
    id,
    apply(output, plan) {
      const matches = [...output.matchAll(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`))];
      if (matches.length === 0) return undefined;
      const flags = matches.flatMap(flagsOf);
      const replaced = replaceUnknownFlags(plan, flags);
      if (!replaced) return undefined;
      return {
        rule: id,
        fix: `relaunched ${cli} without the flags this version does not know: ${replaced.changes.join(", ")}`,
        reason: lineAround(output, matches[0]!.index ?? 0),
        plan: replaced.plan,
      };
    },
  };
}
