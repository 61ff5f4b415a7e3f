import type { Finding } from "../qa/finding.ts";

/** Small pure text helpers for the DecisionEngine's sentences. */

/** Whitespace collapsed to single spaces, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** `Title (path:line)`, `Title (path)` or `Title`, on one line. */
export function describeFinding(finding: Finding): string {
  const where = finding.path ? ` (${finding.path}${finding.line !== undefined ? `:${finding.line}` : ""})` : "";
  return `${oneLine(finding.title, 160)}${where}`;
}

/** Points (hundredths) as a confidence with two decimals: 65 -> "0.65". */
export function formatConfidence(points: number): string {
  return (points / 100).toFixed(2);
}

/** `1 file`, `3 files`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Up to `max` items joined with "; ", then "and N more". */
export function listSome(items: readonly string[], max: number): string {
  const shown = items.slice(0, max).join("; ");
  return items.length > max ? `${shown}; and ${items.length - max} more` : shown;
}
