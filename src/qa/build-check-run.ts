import type { CheckRunAnnotation } from "../codehost/code-host.ts";
import { redactSecrets } from "../util/redact.ts";
import { Severity, severityRank, type Finding } from "./finding.ts";
import { findingMarker } from "./finding-marker.ts";
import { displayCommand, formatDuration, inlineCode, tableCell, truncate } from "./format.ts";
import { SEVERITIES_DESC, SEVERITY_BADGE, SEVERITY_LABEL, sortFindings } from "./sort-findings.ts";

export interface CommandRun {
  name: string;
  command: string[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
}

export interface BuildCheckRunOptions {
  /** The check fails when any finding is at least this severe. */
  failOn: Severity;
  /** The repo's QA commands that ran (tests, lint, ...). */
  commands: CommandRun[];
  /** Set when QA itself could not complete (infrastructure problem): concludes `neutral`, not `failure`. */
  qaError?: string;
}

export interface CheckRunOutput {
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  text: string;
  annotations: CheckRunAnnotation[];
}

/** GitHub's limits: 65,535 characters for summary and text, 64 KB for annotation message/raw_details, 255 for titles. */
const MAX_SUMMARY = 60_000;
const MAX_TEXT = 60_000;
const MAX_ANNOTATION_MESSAGE = 60_000;
const MAX_TITLE = 255;

const LEVEL: Record<Severity, CheckRunAnnotation["annotation_level"]> = {
  critical: "failure",
  high: "failure",
  medium: "warning",
  low: "notice",
  info: "notice",
};

/**
 * The check run for one QA pass: conclusion (failure when a finding reaches `failOn`, neutral when QA
 * could not complete, success otherwise), a summary with findings by severity and the commands run,
 * details for every finding, and one annotation per finding that has a path. Everything is redacted. Pure.
 */
export function buildCheckRunOutput(findings: Finding[], opts: BuildCheckRunOptions): CheckRunOutput {
  const failOn = Severity.safeParse(opts.failOn);
  if (!failOn.success) {
    throw new Error(
      `buildCheckRunOutput: opts.failOn must be one of ${Severity.options.join(", ")}, got ${JSON.stringify(opts.failOn)}`,
    );
  }
  const sorted = sortFindings(findings);
  const failing = sorted.filter((f) => severityRank(f.severity) >= severityRank(failOn.data));
  const qaError = opts.qaError?.trim() ? redactSecrets(opts.qaError.trim()) : undefined;
  const conclusion: CheckRunOutput["conclusion"] = failing.length > 0 ? "failure" : qaError ? "neutral" : "success";

  let title: string;
  if (failing.length > 0) {
    title = `${plural(failing.length, "finding")} at or above ${failOn.data}` + (sorted.length > failing.length ? ` (${sorted.length} in total)` : "");
  } else if (qaError) {
    title = `QA could not complete: ${oneLine(qaError)}`;
  } else if (sorted.length > 0) {
    title = `${plural(sorted.length, "finding")}, none at or above ${failOn.data}`;
  } else {
    title = "No findings";
  }

  return {
    conclusion,
    title: truncate(title, MAX_TITLE),
    summary: truncate(redactSecrets(renderSummary(sorted, opts.commands, failOn.data, conclusion, qaError)), MAX_SUMMARY),
    text: renderText(sorted),
    annotations: sorted.flatMap((f) => (f.path === undefined ? [] : [annotationFor(f)])),
  };
}

/** Split items into batches (GitHub accepts at most 50 annotations per request). */
export function chunk<T>(items: readonly T[], size = 50): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk: size must be a positive integer, got ${String(size)}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function annotationFor(finding: Finding): CheckRunAnnotation {
  const start = finding.line ?? 1;
  const end = finding.endLine !== undefined && finding.endLine >= start ? finding.endLine : start;
  const message = [finding.message.trim(), finding.suggestion ? `Fix: ${finding.suggestion.trim()}` : ""]
    .filter(Boolean)
    .join("\n\n");
  return {
    path: finding.path!,
    start_line: start,
    end_line: end,
    annotation_level: LEVEL[finding.severity],
    title: truncate(redactSecrets(`[${finding.ruleId}] ${oneLine(finding.title)}`), MAX_TITLE),
    message: truncate(redactSecrets(message), MAX_ANNOTATION_MESSAGE),
    raw_details: findingMarker(finding.fingerprint),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const oneLine = (text: string): string => text.replace(/\s*\r?\n\s*/g, " ").trim();

function commandResult(c: CommandRun): string {
  if (c.timedOut) return "⏱️ timed out";
  if (c.exitCode === 0) return "✅ passed";
  if (c.exitCode === null) return "❌ killed";
  return `❌ exit ${c.exitCode}`;
}

function renderSummary(
  findings: Finding[],
  commands: CommandRun[],
  failOn: Severity,
  conclusion: CheckRunOutput["conclusion"],
  qaError: string | undefined,
): string {
  const lines: string[] = [];
  const verdict =
    conclusion === "failure"
      ? `❌ **Failure**: at least one finding is \`${failOn}\` or worse.`
      : conclusion === "neutral"
        ? "⚠️ **Neutral**: QA could not complete, so this result says nothing about the change."
        : `✅ **Success**: no finding is \`${failOn}\` or worse.`;
  lines.push(verdict, "");
  if (qaError) lines.push(`> **QA error:** ${qaError.split("\n").join("\n> ")}`, "");

  lines.push("### Findings", "");
  if (findings.length === 0) {
    lines.push("No findings.", "");
  } else {
    lines.push("| Severity | Findings |", "|---|---:|");
    for (const s of SEVERITIES_DESC) {
      const n = findings.filter((f) => f.severity === s).length;
      if (n > 0) lines.push(`| ${SEVERITY_BADGE[s]} ${SEVERITY_LABEL[s]} | ${n} |`);
    }
    lines.push(`| **Total** | **${findings.length}** |`, "");
  }

  lines.push("### Commands", "");
  if (commands.length === 0) {
    lines.push("No QA commands ran.");
  } else {
    lines.push("| Command | Result | Duration |", "|---|---|---:|");
    for (const c of commands) {
      const name = `${inlineCode(tableCell(c.name))} (${inlineCode(tableCell(displayCommand(c.command)))})`;
      lines.push(`| ${name} | ${commandResult(c)} | ${formatDuration(c.durationMs)} |`);
    }
  }
  return lines.join("\n");
}

function renderText(findings: Finding[]): string {
  if (findings.length === 0) return "Moderator found nothing to report in this change.";
  const blocks: string[] = [];
  let size = 0;
  let omitted = 0;
  for (const f of findings) {
    const where =
      f.path === undefined ? "" : ` — ${inlineCode(f.line === undefined ? f.path : `${f.path}:${f.line}`)}`;
    const block = [
      `#### ${SEVERITY_BADGE[f.severity]} ${oneLine(f.title)}${where}`,
      "",
      `${inlineCode(f.ruleId)} · ${SEVERITY_LABEL[f.severity]} · confidence ${Math.round(f.confidence * 100)}%`,
      "",
      f.message.trim(),
      ...(f.suggestion ? ["", `**Fix:** ${f.suggestion.trim()}`] : []),
      "",
      findingMarker(f.fingerprint),
      "",
    ].join("\n");
    const safe = redactSecrets(block);
    if (size + safe.length > MAX_TEXT - 500) {
      omitted++;
      continue;
    }
    size += safe.length;
    blocks.push(safe);
  }
  if (omitted > 0) blocks.push(`_${plural(omitted, "more finding")} omitted: the check run text is limited to 65,535 characters._`);
  return blocks.join("\n").trimEnd();
}
