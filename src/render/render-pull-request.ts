import { QA_CHECK_RUN_NAME } from "../codehost/check-run-names.ts";
import type { Severity } from "../qa/finding.ts";
import { formatDuration } from "./format-duration.ts";

export interface PullRequestView {
  issueNumber: number;
  issueTitle: string;
  backend: string;
  /** The agent's own closing message, if it gave one (untrusted text: shown quoted). */
  agentSummary?: string;
  files: Array<{ path: string; status: string; oldPath?: string }>;
  findingsBySeverity: Partial<Record<Severity, number>>;
  commands: Array<{ name: string; exitCode: number | null; timedOut: boolean; durationMs: number }>;
  conclusion: "success" | "failure" | "neutral";
  executionId: string;
  /** The plan's tasks with their outcome (listed when there is more than one). */
  tasks?: Array<{ title: string; status: string; backend?: string; error?: string }>;
  /** Independent tasks ran at the same time (the repository's `planning.parallel`). */
  parallel?: boolean;
  /** The peer reviewers' verdict, when they raised something. */
  peerSummary?: string;
  /** What QA could not do, one line each. */
  notes?: string[];
  /**
   * The check run that records the run itself (a single run's `Moderator`); absent when there is none (a race's PR:
   * its candidates ran without one).
   */
  runCheckRun?: string;
}

const SEVERITY_ORDER: Severity[] = ["critical", "high", "medium", "low", "info"];
const MAX_FILES_LISTED = 50;

function listNames(names: string[]): string {
  const q = names.map((n) => `\`${n}\``);
  return q.length <= 1 ? q.join("") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

export function renderPullRequestTitle(issueNumber: number, issueTitle: string): string {
  const t = issueTitle.replace(/\s+/g, " ").trim();
  const title = `${t.length > 0 ? t : `Issue #${issueNumber}`} (#${issueNumber})`;
  return title.length > 200 ? `${title.slice(0, 197)}...` : title;
}

/** PR description: `Closes #n`, what changed, what QA found. Pure. */
export function renderPullRequestBody(v: PullRequestView): string {
  const out: string[] = [];
  out.push(`Closes #${v.issueNumber}`);
  out.push("");
  out.push("## Summary");
  // The agents whose work is in the change (a task handed to a fallback names the one that did it).
  const doneBy = [...new Set((v.tasks ?? []).flatMap((t) => (t.status === "succeeded" && t.backend ? [t.backend] : [])))];
  const agents = doneBy.length > 0 ? doneBy : [v.backend];
  out.push(`Moderator ran the ${listNames(agents)} agent${agents.length > 1 ? "s" : ""} on #${v.issueNumber} and changed ${v.files.length} file${v.files.length === 1 ? "" : "s"}.`);
  if (v.agentSummary && v.agentSummary.trim() !== "") {
    out.push("");
    out.push("The agent's summary:");
    out.push("");
    for (const line of v.agentSummary.trim().slice(0, 3000).split("\n")) out.push(`> ${line}`);
  }
  if (v.tasks && v.tasks.length > 1) {
    out.push("");
    out.push("## Tasks");
    if (v.parallel) out.push("Independent tasks ran at the same time, each in its own clone, and were combined onto this branch in dependency order (one commit each).", "");
    for (const [i, t] of v.tasks.entries()) {
      const mark = t.status === "succeeded" ? "✅" : t.status === "skipped" ? "⏭️" : "❌";
      out.push(`${i + 1}. ${mark} ${t.title}${t.backend ? ` (\`${t.backend}\`)` : ""}${t.error ? `: ${t.error.replace(/\s+/g, " ").slice(0, 200)}` : ""}`);
    }
  }
  out.push("");
  out.push("## Changes");
  for (const f of v.files.slice(0, MAX_FILES_LISTED)) {
    out.push(`- \`${f.path}\` (${f.status}${f.oldPath ? ` from \`${f.oldPath}\`` : ""})`);
  }
  if (v.files.length > MAX_FILES_LISTED) out.push(`- ... and ${v.files.length - MAX_FILES_LISTED} more`);
  out.push("");
  out.push("## QA");
  const counts = SEVERITY_ORDER.filter((s) => (v.findingsBySeverity[s] ?? 0) > 0).map((s) => `${v.findingsBySeverity[s]} ${s}`);
  const verdict = v.conclusion === "success" ? "passed" : v.conclusion === "failure" ? "needs attention" : "could not complete";
  // Only what is there: a review is posted only when there are findings to show; the QA check run always.
  const where = `${counts.length > 0 ? "the review and " : ""}the **${QA_CHECK_RUN_NAME}** check run`;
  out.push(`QA ${verdict}: ${counts.length > 0 ? counts.join(", ") : "no findings"}. Details are in ${where}.${v.runCheckRun ? ` The **${v.runCheckRun}** check run records the run.` : ""}`);
  if (v.commands.length > 0) {
    out.push("");
    out.push("| Command | Result | Took |");
    out.push("|---|---|---|");
    for (const c of v.commands) {
      const result = c.timedOut ? "⏱️ timed out" : c.exitCode === 0 ? "✅ passed" : `❌ exit ${c.exitCode ?? "?"}`;
      out.push(`| \`${c.name.replace(/\|/g, "\\|")}\` | ${result} | ${formatDuration(c.durationMs)} |`);
    }
  }
  if (v.peerSummary) {
    out.push("");
    out.push(`**Peer review:** ${v.peerSummary}`);
  }
  for (const n of v.notes ?? []) out.push(`- ${n}`);
  out.push("");
  out.push(`<sub>Opened by Moderator (run \`${v.executionId}\`). Review it as you would any contribution.</sub>`);
  return out.join("\n");
}
