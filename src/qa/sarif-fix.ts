import { resolveSarifPath } from "./sarif-location.ts";
import type { SarifFix, SarifRegion, SarifReplacement, SarifRun } from "./sarif-schema.ts";

export interface SarifFixContext {
  run: SarifRun;
  repoRoots: readonly string[];
  /** The repo-relative path of the finding the fix belongs to. */
  path: string;
  /**
   * Semgrep writes the whole fixed line(s) into insertedContent while deletedRegion is only the match
   * (see test/fixtures/sarif/semgrep-autofix.sarif): its text replaces lines startLine..endLine as they are.
   */
  insertedIsWholeLines: boolean;
  /** Text of the file at the scanned version, when known: lets column-based fixes become whole-line ones. */
  getFileText?: ((path: string) => string | undefined) | undefined;
}

/** A fix as exact new text for whole lines line..endLine (what a GitHub ```suggestion block needs). */
export interface SarifFixPlan {
  line: number;
  endLine: number;
  replacement: string;
}

const MAX_REPLACEMENT_CHARS = 20_000;
const MAX_REPLACEMENT_LINES = 200;

/**
 * Turn a SARIF fix into a whole-line replacement, or say why it cannot be one. Without the file's text only
 * fixes that already replace whole lines qualify (no columns; or column 1 to column 1 of a later line with text
 * ending in a newline); with it, any set of non-overlapping replacements in the finding's file is spliced into
 * the lines it touches. Pure.
 */
export function planSarifFix(fix: SarifFix, ctx: SarifFixContext): { plan: SarifFixPlan } | { reason: string } {
  const changes = fix.artifactChanges ?? [];
  if (changes.length === 0) return { reason: "the fix has no artifactChanges" };
  const replacements: SarifReplacement[] = [];
  for (const change of changes) {
    const target = resolveSarifPath(change.artifactLocation, ctx.run, ctx.repoRoots);
    if (!target.ok) return { reason: `the fix's file cannot be placed: ${target.reason}` };
    if (target.path !== ctx.path) return { reason: `the fix also changes ${target.path}` };
    replacements.push(...change.replacements);
  }
  if (replacements.length === 0) return { reason: "the fix has no replacements" };
  const inserted = (i: number): string => replacements[i]!.insertedContent?.text ?? "";

  if (replacements.length === 1) {
    const region = replacements[0]!.deletedRegion;
    const start = positiveInt(region.startLine);
    if (start !== undefined && region.charOffset === undefined) {
      const end = positiveInt(region.endLine) ?? start;
      if (end < start) return { reason: `the fix's region ends (line ${end}) before it starts (line ${start})` };
      if (ctx.insertedIsWholeLines) return limit({ line: start, endLine: end, replacement: dropFinalNewline(inserted(0)) });
      if (region.startColumn === undefined && region.endColumn === undefined) {
        return limit({ line: start, endLine: end, replacement: dropFinalNewline(inserted(0)) });
      }
      const text = inserted(0);
      if ((region.startColumn ?? 1) <= 1 && region.endColumn === 1 && end > start && (text === "" || text.endsWith("\n"))) {
        return limit({ line: start, endLine: end - 1, replacement: dropFinalNewline(text) });
      }
    }
  }

  const fileText = ctx.getFileText?.(ctx.path);
  if (fileText === undefined) return { reason: "the fix replaces part of a line and the file's text is not available" };
  const lines = splitLines(fileText);
  const spans: { start: number; end: number; text: string }[] = [];
  for (const [i, r] of replacements.entries()) {
    const span = regionToOffsets(r.deletedRegion, lines, fileText.length, ctx.run.columnKind);
    if ("reason" in span) return span;
    spans.push({ ...span, text: inserted(i) });
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) return { reason: "the fix's replacements overlap" };
  }
  const firstLine = lineOfOffset(lines, spans[0]!.start);
  const lastLine = lineOfOffset(lines, spans.at(-1)!.end);
  const segStart = lines[firstLine - 1]!.start;
  const segEnd = lines[lastLine - 1]!.start + lines[lastLine - 1]!.text.length;
  let segment = fileText.slice(segStart, segEnd);
  for (const span of [...spans].reverse()) {
    segment = segment.slice(0, span.start - segStart) + span.text + segment.slice(span.end - segStart);
  }
  return limit({ line: firstLine, endLine: lastLine, replacement: segment });
}

function limit(plan: SarifFixPlan): { plan: SarifFixPlan } | { reason: string } {
  if (plan.replacement.length > MAX_REPLACEMENT_CHARS || plan.replacement.split("\n").length > MAX_REPLACEMENT_LINES) {
    return { reason: "the fix is too large to suggest inline" };
  }
  return { plan };
}

function positiveInt(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 1 ? value : undefined;
}

function dropFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

interface Line {
  start: number;
  /** Without its line terminator. */
  text: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) {
      lines.push({ start, text: text.slice(start) });
      return lines;
    }
    const end = nl > start && text[nl - 1] === "\r" ? nl - 1 : nl;
    lines.push({ start, text: text.slice(start, end) });
    start = nl + 1;
  }
}

function lineOfOffset(lines: Line[], offset: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (lines[mid]!.start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** 1-based column -> index into the line's UTF-16 text, honouring run.columnKind (default utf16CodeUnits). */
function columnIndex(line: string, column: number, columnKind: string | undefined): number | undefined {
  const col = Math.max(1, Math.floor(column));
  let index = col - 1;
  if (columnKind === "unicodeCodePoints") index = Array.from(line).slice(0, col - 1).join("").length;
  return index <= line.length ? index : undefined;
}

function regionToOffsets(region: SarifRegion, lines: Line[], textLength: number, columnKind: string | undefined): { start: number; end: number } | { reason: string } {
  if (region.startLine === undefined && region.charOffset !== undefined) {
    const start = region.charOffset;
    const end = start + (region.charLength ?? 0);
    if (!(Number.isInteger(start) && start >= 0 && Number.isInteger(end) && end >= start && end <= textLength)) {
      return { reason: `the fix's charOffset/charLength (${start}, ${region.charLength ?? 0}) do not fit the file` };
    }
    return { start, end };
  }
  const startLine = positiveInt(region.startLine);
  if (startLine === undefined || startLine > lines.length) return { reason: `the fix's startLine ${String(region.startLine)} is not a line of the file` };
  const endLine = positiveInt(region.endLine) ?? startLine;
  if (endLine < startLine || endLine > lines.length) return { reason: `the fix's endLine ${String(region.endLine)} is not a line of the file` };
  const first = lines[startLine - 1]!;
  const last = lines[endLine - 1]!;
  const startIndex = columnIndex(first.text, region.startColumn ?? 1, columnKind);
  const endIndex = region.endColumn === undefined ? last.text.length : columnIndex(last.text, region.endColumn, columnKind);
  if (startIndex === undefined || endIndex === undefined) return { reason: "the fix's columns are past the end of the line (was the file changed after the scan?)" };
  const start = first.start + startIndex;
  const end = last.start + endIndex;
  if (end < start) return { reason: "the fix's region ends before it starts" };
  return { start, end };
}
