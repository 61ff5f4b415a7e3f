import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import type { DiffFile } from "../parse-diff.ts";

const RULE = "conflict/markers";

/** git's markers: exactly seven characters, then a space and a label (or nothing) for <<<, >>> and |||. */
const OURS = /^<{7}(?:\s.*)?$/;
const BASE = /^\|{7}(?:\s.*)?$/;
const SEPARATOR = /^={7}\s*$/;
const THEIRS = /^>{7}(?:\s.*)?$/;
/** Test data folders: a conflicted file there is usually a fixture for a tool that handles conflicts. */
const FIXTURE_PATH = /(?:^|\/)(?:fixtures?|__fixtures__|testdata|test-data|test_data|snapshots|__snapshots__)\//i;
/** Prose formats where a lone marker-like line can be an example or an underline. */
const DOC_EXTENSIONS = /\.(?:md|markdown|rst|txt|adoc|asciidoc|org|diff|patch)$/i;
/** AsciiDoc, where `----` delimits a listing block (in Markdown it underlines a heading). */
const ASCIIDOC = /\.(?:adoc|asciidoc)$/i;

type MarkerKind = "ours" | "base" | "separator" | "theirs";

interface Marker {
  kind: MarkerKind;
  /** Index among the file's new-side lines. */
  index: number;
  line: number;
}

interface NewSideLine {
  text: string;
  line: number;
  added: boolean;
}

export const conflictMarkers: Analyzer = {
  id: RULE,
  doc: "Merge-conflict markers (<<<<<<<, =======, >>>>>>>) committed in added lines.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    for (const file of input.files) {
      if (file.status === "deleted" || file.binary) continue;
      findings.push(...analyzeFile(file));
    }
    return findings;
  },
};

function analyzeFile(file: DiffFile): Finding[] {
  // Prefilter: most files have no marker line; only those get their new side gathered.
  if (!hasMarkerLine(file)) return [];
  const lines = newSide(file);
  const markers: Marker[] = [];
  lines.forEach((l, index) => {
    if (!l.added) return;
    const kind = markerKind(l.text);
    if (kind) markers.push({ kind, index, line: l.line });
  });
  if (markers.length === 0) return [];

  const findings: Finding[] = [];
  const doc = DOC_EXTENSIONS.test(file.path);
  const fixture = FIXTURE_PATH.test(file.path);
  // In Markdown/AsciiDoc, markers inside a fenced code block are an example, not a conflict.
  const fenced = doc ? fencedIndexes(lines, ASCIIDOC.test(file.path)) : new Set<number>();
  let i = 0;
  while (i < markers.length) {
    const start = markers[i]!;
    if (fenced.has(start.index)) {
      i++;
      continue;
    }
    if (start.kind === "ours") {
      // A full group: <<<<<<< [||||||| base] ======= >>>>>>>, in order, in one run of the new file.
      // Scans forward from i (no copies): each scan stops at the next "ours", so the loop stays linear.
      const s = findFrom(markers, i + 1, (m) => m.kind === "separator" || m.kind === "ours");
      const separator = s >= 0 ? markers[s] : undefined;
      const e = separator?.kind === "separator" ? findFrom(markers, s + 1, (m) => m.kind === "theirs" || m.kind === "ours") : -1;
      const end = e >= 0 ? markers[e] : undefined;
      if (separator?.kind === "separator" && end?.kind === "theirs" && contiguous(lines, start.index, end.index)) {
        findings.push(groupFinding(file.path, lines, start, markers.slice(i, e + 1), end, fixture));
        i = e + 1;
        continue;
      }
      findings.push(loneFinding(file.path, lines, start, doc || fixture));
      i++;
      continue;
    }
    // A lone separator is too often a heading underline or a divider comment to report alone.
    if (start.kind === "theirs" || start.kind === "base") findings.push(loneFinding(file.path, lines, start, doc || fixture));
    i++;
  }
  return findings;
}

/** The index of the first marker at or after `from` that `test` accepts, or -1. */
function findFrom(markers: readonly Marker[], from: number, test: (m: Marker) => boolean): number {
  for (let k = from; k < markers.length; k++) if (test(markers[k]!)) return k;
  return -1;
}

/** The characters a marker line starts with: <, =, >, |. */
const MARKER_START = new Set([60, 61, 62, 124]);

/** Whether an added line of `file` is a marker (a first-character check before the patterns). */
function hasMarkerLine(file: DiffFile): boolean {
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) {
      if (l.kind === "add" && l.text.length >= 7 && MARKER_START.has(l.text.charCodeAt(0)) && markerKind(l.text) !== undefined) return true;
    }
  }
  return false;
}

function markerKind(text: string): MarkerKind | undefined {
  if (OURS.test(text)) return "ours";
  if (THEIRS.test(text)) return "theirs";
  if (SEPARATOR.test(text)) return "separator";
  if (BASE.test(text)) return "base";
  return undefined;
}

/** The file's new-version lines shown by the diff (added and context), in order, with line numbers. */
function newSide(file: DiffFile): NewSideLine[] {
  const out: NewSideLine[] = [];
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) {
      if (l.kind === "del" || l.newLine === undefined) continue;
      out.push({ text: l.text, line: l.newLine, added: l.kind === "add" });
    }
  }
  return out;
}

/**
 * Indexes of the lines inside ``` or ~~~ fences (or, in AsciiDoc, between `----` listing delimiters), as far
 * as the diff shows: the fence state restarts at every gap between hunks, where it is unknown.
 */
function fencedIndexes(lines: NewSideLine[], asciidoc: boolean): Set<number> {
  const inside = new Set<number>();
  let fence: string | undefined;
  lines.forEach((l, index) => {
    if (index > 0 && l.line !== lines[index - 1]!.line + 1) fence = undefined;
    const marker = (asciidoc ? /^\s*(```+|~~~+|-{4,}\s*$)/ : /^\s*(```+|~~~+)/).exec(l.text)?.[1];
    if (marker) {
      const kind = marker.trim().slice(0, 3);
      if (fence === undefined) fence = kind;
      else if (kind === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) inside.add(index);
  });
  return inside;
}

/** Whether lines[from..to] are consecutive lines of the new file (no gap between hunks). */
function contiguous(lines: NewSideLine[], from: number, to: number): boolean {
  for (let k = from + 1; k <= to; k++) if (lines[k]!.line !== lines[k - 1]!.line + 1) return false;
  return true;
}

function groupFinding(path: string, lines: NewSideLine[], start: Marker, group: Marker[], end: Marker, fixture: boolean): Finding {
  const separator = group.find((m) => m.kind === "separator")!;
  const base = group.find((m) => m.kind === "base");
  const ours = lines.slice(start.index + 1, (base ?? separator).index).map((l) => l.text);
  const theirs = lines.slice(separator.index + 1, end.index).map((l) => l.text);
  const label = (m: Marker): string => lines[m.index]!.text.slice(7).trim();
  const oursLabel = label(start) || "ours";
  const theirsLabel = label(end) || "theirs";
  const same = ours.join("\n") === theirs.join("\n");
  return createFinding({
    ruleId: RULE,
    severity: "critical",
    confidence: fixture ? 0.4 : 0.95,
    path,
    line: start.line,
    endLine: end.line,
    title: "Unresolved merge conflict",
    message:
      `Lines ${start.line}-${end.line} hold an unresolved merge conflict between \`${oursLabel}\` ` +
      `(${ours.length} line${ours.length === 1 ? "" : "s"}) and \`${theirsLabel}\` (${theirs.length} line${theirs.length === 1 ? "" : "s"}). ` +
      "The file will not compile or parse, and one side's change is probably lost.",
    suggestion: same
      ? "Both sides are identical: keep one copy and drop the markers (the suggestion below does that)."
      : "Resolve the conflict: merge both sides' intent by hand, remove the <<<<<<< ======= >>>>>>> lines, and re-run the tests.",
    ...(same ? { replacement: ours.join("\n") } : {}),
    trigger: [lines[start.index]!.text, ...ours, "=======", ...theirs, lines[end.index]!.text].join("\n").slice(0, 2000),
  });
}

function loneFinding(path: string, lines: NewSideLine[], marker: Marker, doc: boolean): Finding {
  const text = lines[marker.index]!.text;
  return createFinding({
    ruleId: RULE,
    severity: "critical",
    confidence: doc ? 0.4 : 0.8,
    path,
    line: marker.line,
    title: "Merge conflict marker",
    message:
      `\`${text.slice(0, 80).replaceAll("`", "'")}\` is a merge-conflict marker left in the file ` +
      "(the rest of the conflict may be outside the lines this change shows).",
    suggestion: "Resolve the conflict and remove every <<<<<<<, =======, ||||||| and >>>>>>> line.",
    trigger: `${marker.kind}\u0000${text}`,
  });
}
