import type { ImprovementBudgets } from "./improvement-budgets.ts";
import type { Improvement } from "./improvement.ts";

export interface ImprovementState {
  /** Follow-up improvement pull requests open now in this repository. */
  openImprovementPrs: number;
  /** Follow-up improvement pull requests created in the last hour in this repository. */
  createdLastHour: number;
  /** Improvements whose pull request was closed without merging: never proposed again. */
  closedUnmergedFingerprints: Set<string>;
  /** Improvements already proposed, whatever their status. */
  existingFingerprints: Set<string>;
  /** Improvements already started (a job or pull request exists); used when `stage` is "start". */
  startedFingerprints?: Set<string>;
}

export type SkipCode = "disabled" | "type" | "closed-unmerged" | "already-proposed" | "already-started" | "duplicate" | "max-open" | "per-hour" | "max-listed";

export interface SkippedImprovement {
  improvement: Improvement;
  /** One line for the maintainer. */
  reason: string;
  /** `max-open`, `per-hour` and `max-listed` are budgets: the improvement may be proposed again later. */
  code: SkipCode;
}

export interface SelectedImprovements {
  selected: Improvement[];
  skipped: SkippedImprovement[];
}

/**
 * Which of the ranked `candidates` go ahead. Pure.
 *
 * `stage` "propose" (default) is the end of a run. Candidates that are disabled by config, of a type the repository
 * did not enable, closed unmerged before, already proposed or duplicated are skipped for good. Then:
 * - with `approval`, the best `maxListed` are selected to be listed as checkboxes (nothing opens yet, so the
 *   pull-request limits wait for the ticks);
 * - without it, they start at once, so `maxOpen` (open follow-up PRs) and `perHour` (created in the last hour) apply.
 *
 * `stage` "start" is a maintainer ticking boxes: the candidates are the ticked, already proposed improvements, so
 * `existingFingerprints` is not checked but `startedFingerprints` is, and `maxOpen` and `perHour` apply.
 *
 * A fingerprint whose pull request was closed unmerged never goes ahead, at either stage.
 */
export function selectImprovements(
  candidates: readonly Improvement[],
  state: ImprovementState,
  budgets: ImprovementBudgets,
  stage: "propose" | "start" = "propose",
): SelectedImprovements {
  const selected: Improvement[] = [];
  const skipped: SkippedImprovement[] = [];
  const seen = new Set<string>();
  const types = new Set(budgets.types);
  const starting = stage === "start" || !budgets.approval;
  const open = nonNegative(state.openImprovementPrs);
  const lastHour = nonNegative(state.createdLastHour);
  const skip = (improvement: Improvement, code: SkipCode, reason: string): void => {
    skipped.push({ improvement, code, reason });
  };

  for (const item of candidates) {
    const fp = item.fingerprint;
    if (!budgets.enabled) {
      skip(item, "disabled", "improvements are turned off for this repository (improvements.enabled is false)");
    } else if (!types.has(item.type)) {
      skip(item, "type", `improvements of type "${item.type}" are not enabled (improvements.types: ${budgets.types.length > 0 ? budgets.types.join(", ") : "none"})`);
    } else if (state.closedUnmergedFingerprints.has(fp)) {
      skip(item, "closed-unmerged", "a pull request for this improvement was closed without merging, so it is never proposed again");
    } else if (seen.has(fp)) {
      skip(item, "duplicate", "the same improvement is already in this list");
    } else if (stage === "propose" && state.existingFingerprints.has(fp)) {
      skip(item, "already-proposed", "this improvement was already proposed");
    } else if (stage === "start" && state.startedFingerprints?.has(fp)) {
      skip(item, "already-started", "this improvement was already started");
    } else if (!starting && selected.length >= budgets.maxListed) {
      skip(item, "max-listed", `only the best ${budgets.maxListed} improvement${budgets.maxListed === 1 ? " is" : "s are"} listed (improvements.maxListed)`);
    } else if (starting && open + selected.length >= budgets.maxOpen) {
      skip(item, "max-open", `${open + selected.length} improvement pull request${open + selected.length === 1 ? " is" : "s are"} open, the limit is ${budgets.maxOpen} (improvements.maxOpen)`);
    } else if (starting && lastHour + selected.length >= budgets.perHour) {
      skip(item, "per-hour", `${lastHour + selected.length} improvement pull request${lastHour + selected.length === 1 ? " was" : "s were"} created in the last hour, the limit is ${budgets.perHour} (improvements.perHour)`);
    } else {
      selected.push(item);
    }
    seen.add(fp);
  }
  return { selected, skipped };
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
