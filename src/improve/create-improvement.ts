import { fingerprint } from "../util/fingerprint.ts";
import { redactSecrets } from "../util/redact.ts";
import { IMPROVEMENT_TITLE_MAX, type Improvement, type ImprovementType } from "./improvement.ts";

export type ImprovementDraft = Omit<Improvement, "fingerprint"> & {
  /**
   * What the improvement is about, normalized by the caller (a path, a rule id and finding fingerprints, a sorted
   * file list and title...). Fingerprint = type + target; never a line number.
   */
  target: string;
};

/**
 * Build an Improvement: the title made one line and cut to 100 characters, priority and impact clamped into range,
 * files de-duplicated, every text passed through secret redaction, and the fingerprint from type + target. Pure.
 */
export function createImprovement(draft: ImprovementDraft): Improvement {
  return {
    type: draft.type,
    title: clipLine(redactSecrets(draft.title), IMPROVEMENT_TITLE_MAX) || `Improve ${draft.type}`,
    rationale: redactSecrets(draft.rationale.trim()) || "No rationale given.",
    priority: Math.min(5, Math.max(1, Math.round(Number.isFinite(draft.priority) ? draft.priority : 5))),
    impact: Math.min(1, Math.max(0, Number.isFinite(draft.impact) ? round2(draft.impact) : 0)),
    task: redactSecrets(draft.task.trim()) || draft.title,
    files: [...new Set(draft.files.filter((f) => f.length > 0))],
    fingerprint: improvementFingerprint(draft.type, draft.target),
  };
}

/** The stable id of an improvement: sha256 over "improvement", type and the normalized target (16 hex characters). */
export function improvementFingerprint(type: ImprovementType, target: string): string {
  return fingerprint("improvement", type, target);
}

/** Collapse whitespace to one line and cut to `max` characters (ending in "…" when cut, never splitting a surrogate pair). */
export function clipLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= max) return line;
  let end = max - 1;
  const code = line.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${line.slice(0, end).trimEnd()}…`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
