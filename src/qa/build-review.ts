import type { ReviewComment } from "../codehost/code-host.ts";
import { redactSecrets } from "../util/redact.ts";
import type { Finding, Severity } from "./finding.ts";
import { findingMarker } from "./finding-marker.ts";
import { fenceFor, inlineCode, truncate } from "./format.ts";
import type { DiffFile, Hunk } from "./parse-diff.ts";
import { SEVERITIES_DESC, SEVERITY_BADGE, SEVERITY_LABEL, sortFindings } from "./sort-findings.ts";

export { findingMarker, parseFindingMarkers } from "./finding-marker.ts";

export interface BuildReviewOptions {
  /** At most this many inline comments (the noise budget); the rest go to the body. */
  maxComments: number;
  /** Findings below this confidence (0..1) are not posted at all. */
  minConfidence: number;
}

export interface BuiltReview {
  body: string;
  comments: ReviewComment[];
  /** Findings posted as inline comments, in the order of `comments`. */
  inline: Finding[];
  /** Findings listed in the review body. */
  inBody: Finding[];
  /** Findings not posted: under minConfidence, or beyond the body's size limit. */
  dropped: Finding[];
}

/** GitHub refuses review and comment bodies over 65,536 characters; stay well below. */
const MAX_BODY_CHARS = 60_000;
const MAX_COMMENT_CHARS = 60_000;

/**
 * Turn findings into one PR review: the most important findings whose line is inside a diff hunk become
 * inline comments (with a ```suggestion block when the finding carries a safe replacement), everything else
 * is listed in the body. Every posted finding carries its hidden fingerprint marker. Pure.
 */
export function buildReview(findings: Finding[], files: DiffFile[], opts: BuildReviewOptions): BuiltReview {
  if (!Number.isInteger(opts.maxComments) || opts.maxComments < 0) {
    throw new Error(`buildReview: opts.maxComments must be a non-negative integer, got ${String(opts.maxComments)}`);
  }
  if (typeof opts.minConfidence !== "number" || !(opts.minConfidence >= 0 && opts.minConfidence <= 1)) {
    throw new Error(`buildReview: opts.minConfidence must be a number from 0 to 1, got ${String(opts.minConfidence)}`);
  }
  const sorted = sortFindings(findings);
  const dropped: Finding[] = [];
  const kept: Finding[] = [];
  for (const f of sorted) (f.confidence >= opts.minConfidence ? kept : dropped).push(f);
  const lowConfidence = dropped.length;

  const comments: ReviewComment[] = [];
  const inline: Finding[] = [];
  const inBody: Finding[] = [];
  for (const finding of kept) {
    const placement = inline.length < opts.maxComments ? placeInline(finding, files) : undefined;
    if (!placement) {
      inBody.push(finding);
      continue;
    }
    const comment: ReviewComment = {
      path: placement.path,
      line: placement.line,
      body: renderComment(finding, placement.suggest),
    };
    if (placement.startLine !== undefined) comment.startLine = placement.startLine;
    comments.push(comment);
    inline.push(finding);
  }

  const listed: Finding[] = [];
  const entries: string[] = [];
  let size = 0;
  for (const finding of inBody) {
    const entry = renderBodyEntry(finding);
    if (size + entry.length > MAX_BODY_CHARS - 2_000) {
      dropped.push(finding);
      continue;
    }
    size += entry.length;
    entries.push(entry);
    listed.push(finding);
  }
  const overflow = dropped.length - lowConfidence;
  const body = renderBody({ kept, inline, listed, entries, lowConfidence, overflow, minConfidence: opts.minConfidence });
  return { body: redactSecrets(body), comments, inline, inBody: listed, dropped };
}

interface Placement {
  path: string;
  /** GitHub's `line`: the LAST line of the commented range. */
  line: number;
  /** GitHub's `start_line`, for multi-line ranges. */
  startLine?: number;
  /** Whether a ```suggestion block may replace exactly this range. */
  suggest: boolean;
}

/** Where an inline comment for `finding` can go, or undefined when its line is not inside a hunk of the diff. */
function placeInline(finding: Finding, files: DiffFile[]): Placement | undefined {
  const { path, line } = finding;
  if (path === undefined || line === undefined) return undefined;
  const file = files.find((f) => f.path === path && f.status !== "deleted");
  if (!file) return undefined;
  const hunk = file.hunks.find((h) => rightLines(h).has(line));
  if (!hunk) return undefined;
  const end = finding.endLine;
  if (end !== undefined && end > line) {
    const lines = rightLines(hunk);
    let contiguous = true;
    for (let n = line; n <= end; n++) if (!lines.has(n)) contiguous = false;
    if (contiguous) return { path, line: end, startLine: line, suggest: finding.replacement !== undefined };
    // The range leaves the hunk: comment on its first line only, and never suggest a partial replacement.
    return { path, line, suggest: false };
  }
  return { path, line, suggest: finding.replacement !== undefined };
}

/** New-version line numbers shown in a hunk (added and context lines). */
function rightLines(hunk: Hunk): Set<number> {
  const out = new Set<number>();
  for (const l of hunk.lines) if (l.kind !== "del" && l.newLine !== undefined) out.add(l.newLine);
  return out;
}

function heading(finding: Finding): string {
  return `${SEVERITY_BADGE[finding.severity]} **${SEVERITY_LABEL[finding.severity]}** · **${oneLine(finding.title)}** · ${inlineCode(finding.ruleId)}`;
}

const oneLine = (text: string): string => truncate(text.replace(/\s*\r?\n\s*/g, " ").trim(), 200);

function renderComment(finding: Finding, suggest: boolean): string {
  const parts = [heading(finding), "", finding.message.trim()];
  if (finding.suggestion) parts.push("", `**Fix:** ${finding.suggestion.trim()}`);
  if (suggest && finding.replacement !== undefined) {
    const replacement = finding.replacement.replace(/\r?\n$/, "");
    const fence = fenceFor(replacement);
    parts.push("", `${fence}suggestion`, ...(replacement === "" ? [] : [replacement]), fence);
  }
  if (finding.confidence < 0.8) parts.push("", `<sub>Confidence ${Math.round(finding.confidence * 100)}%.</sub>`);
  parts.push("", findingMarker(finding.fingerprint));
  let body = parts.join("\n");
  if (body.length > MAX_COMMENT_CHARS) {
    const marker = findingMarker(finding.fingerprint);
    body = `${truncate(body, MAX_COMMENT_CHARS - marker.length - 2)}\n\n${marker}`;
  }
  return redactSecrets(body);
}

function location(finding: Finding): string {
  if (finding.path === undefined) return "";
  const range =
    finding.line === undefined
      ? ""
      : finding.endLine !== undefined && finding.endLine > finding.line
        ? `:${finding.line}-${finding.endLine}`
        : `:${finding.line}`;
  return ` · ${inlineCode(`${finding.path}${range}`)}`;
}

function renderBodyEntry(finding: Finding): string {
  const details = [finding.message.trim()];
  if (finding.suggestion) details.push("", `**Fix:** ${finding.suggestion.trim()}`);
  const indented = ["<details><summary>Details</summary>", "", ...details.join("\n").split("\n"), "", "</details>"]
    .map((l) => (l === "" ? "" : `  ${l}`))
    .join("\n");
  return `- ${heading(finding)}${location(finding)} ${findingMarker(finding.fingerprint)}\n${indented}\n`;
}

function countLine(findings: Finding[]): string {
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return SEVERITIES_DESC.filter((s) => counts.has(s))
    .map((s) => `${SEVERITY_BADGE[s]} ${counts.get(s)} ${s}`)
    .join(" · ");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function renderBody(args: {
  kept: Finding[];
  inline: Finding[];
  listed: Finding[];
  entries: string[];
  lowConfidence: number;
  overflow: number;
  minConfidence: number;
}): string {
  const { kept, inline, listed, entries, lowConfidence, overflow, minConfidence } = args;
  const threshold = `${Math.round(minConfidence * 100)}%`;
  if (kept.length === 0) {
    return lowConfidence === 0
      ? "✅ **Moderator QA:** no findings."
      : `✅ **Moderator QA:** no findings at or above ${threshold} confidence (${plural(lowConfidence, "lower-confidence finding")} not shown).`;
  }
  const where: string[] = [];
  if (inline.length > 0) where.push(`${inline.length} inline`);
  if (listed.length > 0) where.push(`${listed.length} listed below`);
  const lines = [
    "### Moderator QA",
    "",
    `**${plural(kept.length, "finding")}**: ${countLine(kept)} (${where.join(", ")}).`,
  ];
  if (entries.length > 0) lines.push("", ...entries);
  const notes: string[] = [];
  if (lowConfidence > 0) notes.push(`${plural(lowConfidence, "finding")} under ${threshold} confidence not shown`);
  if (overflow > 0) notes.push(`${plural(overflow, "more finding")} left out to keep this review readable (see the check run)`);
  if (notes.length > 0) lines.push("", `<sub>${notes.join("; ")}.</sub>`);
  return lines.join("\n").trimEnd();
}
