import { quoteUserText } from "../app/commands/quote-user-text.ts";
import type { Severity } from "../qa/finding.ts";
import { inlineCode } from "../qa/format.ts";
import { SEVERITY_BADGE, SEVERITY_LABEL } from "../qa/sort-findings.ts";

/** One finding as `/moderator explain` shows it: the newest stored row of its fingerprint, plus history. */
export interface ExplainedFinding {
  fingerprint: string;
  ruleId: string;
  /** The rule's one-line doc (describeRule); undefined for a rule Moderator cannot describe. */
  ruleDoc?: string;
  severity: Severity;
  confidence: number;
  source: string;
  title: string;
  message: string;
  suggestion: string | null;
  path: string | null;
  line: number | null;
  /** The stored status: open, dismissed, fixed or suppressed. */
  status: string;
  /** How many runs raised it on this repository, and when it was first raised. */
  runs: number;
  firstSeen: Date;
}

export interface ExplainInput {
  findings: ExplainedFinding[];
  /** Fingerprints marked in the thread that Moderator has no stored finding for. */
  unknown: string[];
}

/** Longest part of a finding's message the explanation repeats (command output can be long). */
const MAX_MESSAGE_CHARS = 3_000;

const SOURCE: Record<string, string> = {
  analyzer: "`analyzer`: one of Moderator's built-in checks of the diff (rules, not AI)",
  command: "`command`: one of the repository's own QA commands (`qa.commands` in .github/moderator.yml)",
  sarif: "`sarif`: a SARIF scanner the repository runs (`qa.sarif` in .github/moderator.yml)",
  llm: "`llm`: Moderator's LLM reviewer, which read the diff",
  peer: "`peer`: another agent backend asked to review the change",
};

const STATUS: Record<string, string> = {
  open: "open",
  dismissed: "dismissed: Moderator will not raise it again on this repository",
  fixed: "fixed in a later run",
  suppressed: "suppressed by the repository's configuration",
};

/** The reply to `/moderator explain` in a finding's review thread: why each marked finding was raised. Pure. */
export function renderExplain(input: ExplainInput): string {
  const out: string[] = [];
  out.push("### Why Moderator raised this");
  for (const f of input.findings) {
    out.push("");
    const badge = SEVERITY_BADGE[f.severity] ?? "";
    const label = SEVERITY_LABEL[f.severity] ?? f.severity;
    out.push(`${badge} **${label}** · **${oneLine(f.title, 200)}**`);
    out.push("");
    out.push(`- **Rule:** ${inlineCode(f.ruleId)}${f.ruleDoc ? `: ${oneLine(f.ruleDoc, 500)}` : ""}`);
    out.push(`- **Severity:** ${f.severity} · **Confidence:** ${Math.round(f.confidence * 100)}%`);
    out.push(`- **Source:** ${SOURCE[f.source] ?? inlineCode(f.source)}`);
    if (f.path) out.push(`- **Where:** ${inlineCode(f.path)}${f.line !== null ? ` line ${f.line}` : ""}`);
    const runs = f.runs === 1 ? "in 1 run" : `in ${f.runs} runs`;
    out.push(`- **Raised:** ${runs}, first on ${f.firstSeen.toISOString().slice(0, 10)}`);
    out.push(`- **Status:** ${STATUS[f.status] ?? inlineCode(f.status)}`);
    out.push("");
    out.push("**What it found:**");
    out.push("");
    out.push(cutMessage(f.message));
    if (f.suggestion && f.suggestion.trim() !== "") {
      out.push("");
      out.push(`**Suggested fix:** ${f.suggestion.trim()}`);
    }
  }
  for (const fp of input.unknown) {
    out.push("");
    out.push(`Moderator has no stored record of finding ${inlineCode(fp)} on this repository, so it cannot say more about it.`);
  }
  if (input.findings.some((f) => f.status !== "dismissed")) {
    out.push("");
    out.push(
      "**Not useful?** A maintainer can reply `/moderator dismiss <reason>` in this thread: the thread is resolved " +
        "and Moderator will not raise this finding again on this repository. The reason helps it learn.",
    );
  }
  return out.join("\n");
}

/** The reply to `/moderator explain <rule-id>` outside a finding's thread: what the rule looks for. Pure. */
export function renderRuleExplanation(ruleId: string, doc: string): string {
  return `### Moderator rule ${inlineCode(ruleId)}\n\n${oneLine(doc, 1_000)}`;
}

/** The reply to `explain` or `dismiss` written where there is no finding to act on. Pure. */
export function renderNotInFindingThread(command: "explain" | "dismiss", ruleId?: string): string {
  const unknown =
    ruleId === undefined || ruleId.trim() === ""
      ? ""
      : `Moderator has no rule ${inlineCode(quoteUserText(ruleId, { max: 100, inCode: true }))}. `;
  const what =
    command === "explain"
      ? "`/moderator explain` works in a reply to one of Moderator's finding comments on a pull request (in that review thread); " +
        "`/moderator explain <rule-id>` works anywhere and says what a rule looks for."
      : "`/moderator dismiss [reason]` works in a reply to one of Moderator's finding comments on a pull request (in that review thread).";
  return `${unknown}${what}`;
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** The message, cut at MAX_MESSAGE_CHARS on a line boundary, with a code fence left open by the cut closed. */
function cutMessage(message: string): string {
  const text = message.replace(/\r\n?/g, "\n").trim();
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  const head = text.slice(0, MAX_MESSAGE_CHARS);
  const lines = head.slice(0, Math.max(head.lastIndexOf("\n"), 0) || head.length).split("\n");
  let open: string | null = null;
  for (const line of lines) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (!m) continue;
    const marker = m[1] as string;
    if (open === null) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length) open = null;
  }
  const closing = open === null ? "" : `\n${open}`;
  return `${lines.join("\n")}${closing}\n\n_(cut: the full text is in the comment that opened this thread)_`;
}
