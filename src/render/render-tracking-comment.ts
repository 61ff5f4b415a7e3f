import type { Severity } from "../qa/finding.ts";
import type { Phase } from "../util/errors.ts";
import { formatDuration } from "./format-duration.ts";

export type PhaseState = "pending" | "running" | "done" | "failed" | "skipped";

export interface TrackingView {
  executionId: string;
  status: string;
  phases: Array<{ phase: Phase; state: PhaseState; durationMs?: number }>;
  backend?: string;
  filesChanged?: number;
  findingsBySeverity?: Partial<Record<Severity, number>>;
  prNumber?: number;
  prUrl?: string;
  checkRunUrl?: string;
  conclusion?: string;
  error?: { phase: Phase | undefined; message: string; hint?: string; outputTail?: string };
  retry?: { attempt: number; maxAttempts: number; reason: string };
  /** The reaper re-queued a run no job held any more (`count` of at most `max` recoveries). */
  recovery?: { count: number; max: number; reason: string };
  /** The DecisionEngine's verdict, shown once it is made. */
  decision?: { action: string; confidence: number; reasons: string[] };
  /** Things a maintainer should know about how the run went (a backend fallback and why), oldest first. */
  events?: string[];
  /** A question Moderator asked and waits on. */
  question?: string;
  totalMs?: number;
  /** What maintainers should know about how the run was set up (e.g. an issue edit left out). */
  notes?: string[];
  /** Connections the sandbox's egress proxy refused (agent and QA commands). */
  network?: { refused: number; hosts: string[] };
  /** Set when the sandbox does not isolate the network (no bubblewrap, or no network namespace). */
  sandboxWarning?: string;
}

const MAX_HOSTS_SHOWN = 8;

const PHASE_LABEL: Record<Phase, string> = {
  prepare: "Prepare: clone and branch",
  plan: "Plan",
  execute: "Run the agent",
  qa: "QA",
  decide: "Decide",
  publish: "Publish: push, PR, review, check run",
  improve: "Improve",
  record: "Record",
};

const STATUS_LINE: Record<string, string> = {
  queued: "⏳ Queued",
  preparing: "🔄 Working: preparing the workspace",
  planning: "🔄 Working: planning",
  executing: "🔄 Working: the agent is running",
  qa: "🔄 Working: checking the result",
  deciding: "🔄 Working: deciding",
  publishing: "🔄 Working: publishing",
  improving: "🔄 Working: looking for improvements",
  completed: "✅ Done",
  failed: "❌ Failed",
  cancelled: "⏹️ Cancelled",
  waiting_for_human: "🙋 Waiting for a maintainer",
};

const DECISION_LABEL: Record<string, string> = {
  proceed: "open the pull request",
  draft: "open the pull request as a draft",
  ask: "ask a maintainer first",
  retry: "retry with the QA findings",
  escalate: "stop and hand over",
};

const SEVERITY_ORDER: Severity[] = ["critical", "high", "medium", "low", "info"];

/** The one sticky comment on the issue. Pure; the hidden topic marker is added by the CodeHost. */
export function renderTrackingComment(v: TrackingView): string {
  const out: string[] = [];
  out.push(`### Moderator · ${STATUS_LINE[v.status] ?? v.status}`);
  out.push("");
  for (const p of v.phases) {
    const box = p.state === "done" || p.state === "skipped" ? "[x]" : "[ ]";
    const mark = p.state === "running" ? " ⏳" : p.state === "failed" ? " ❌" : p.state === "skipped" ? " (skipped)" : "";
    const took = p.durationMs !== undefined && p.state !== "pending" ? ` · ${formatDuration(p.durationMs)}` : "";
    out.push(`- ${box} ${PHASE_LABEL[p.phase]}${mark}${took}`);
  }
  for (const note of v.notes ?? []) {
    out.push("");
    out.push(`> ℹ️ ${oneLine(note)}`);
  }
  if (v.retry) {
    out.push("");
    out.push(`> ⚠️ Attempt ${v.retry.attempt} of ${v.retry.maxAttempts} hit a temporary problem (${oneLine(v.retry.reason)}); retrying.`);
  }
  if (v.recovery) {
    out.push("");
    out.push(`> ⚠️ This run stopped making progress: ${oneLine(v.recovery.reason)}. Moderator queued it again (recovery ${v.recovery.count} of ${v.recovery.max}); it resumes from what it saved.`);
  }
  if (v.error) {
    out.push("");
    const label = v.status === "cancelled" ? "Stopped" : "Failed";
    out.push(`**${label}${v.error.phase ? ` in ${v.error.phase}` : ""}:** ${oneLine(v.error.message)}`);
    if (v.error.hint) out.push(`**What to do:** ${oneLine(v.error.hint)}`);
    if (v.error.outputTail && v.error.outputTail.trim() !== "") {
      out.push("");
      out.push("<details><summary>Last output</summary>");
      out.push("");
      out.push(fence(v.error.outputTail.trimEnd()));
      out.push("");
      out.push("</details>");
    }
  }
  if (v.decision) {
    out.push("");
    out.push(`**Decision:** ${DECISION_LABEL[v.decision.action] ?? v.decision.action} (confidence ${Math.round(v.decision.confidence * 100)}%)`);
    for (const r of v.decision.reasons.slice(0, 5)) out.push(`- ${oneLine(r)}`);
  }
  if (v.events && v.events.length > 0) {
    out.push("");
    out.push("**Event log:**");
    for (const e of v.events.slice(-10)) out.push(`- ${oneLine(e)}`);
  }
  if (v.question) {
    out.push("");
    out.push(`**Question for a maintainer:** ${oneLine(v.question)}`);
    out.push("Reply in a comment on this issue; the run resumes with your answer.");
  }
  if (v.sandboxWarning) {
    out.push("");
    out.push(`> ⚠️ **The agent's network is not isolated on this worker.** ${oneLine(v.sandboxWarning)}`);
  }
  if (v.network && v.network.refused > 0) {
    const shown = v.network.hosts.slice(0, MAX_HOSTS_SHOWN).map((h) => `\`${h.replace(/`/g, "")}\``);
    const more = v.network.hosts.length > MAX_HOSTS_SHOWN ? ` and ${v.network.hosts.length - MAX_HOSTS_SHOWN} more` : "";
    out.push("");
    out.push(`🛡️ **${v.network.refused} connection${v.network.refused === 1 ? "" : "s"} refused** by the sandbox's allow-list: ${shown.join(", ")}${more} (\`moderator status ${v.executionId}\` lists them).`);
  }
  const facts: string[] = [];
  if (v.backend) facts.push(`**Backend:** \`${v.backend}\``);
  if (v.filesChanged !== undefined) facts.push(`**Files changed:** ${v.filesChanged}`);
  if (v.findingsBySeverity) {
    const parts = SEVERITY_ORDER.filter((s) => (v.findingsBySeverity?.[s] ?? 0) > 0).map((s) => `${v.findingsBySeverity?.[s]} ${s}`);
    facts.push(`**Findings:** ${parts.length > 0 ? parts.join(", ") : "none"}`);
  }
  if (v.totalMs !== undefined) facts.push(`**Total:** ${formatDuration(v.totalMs)}`);
  const links: string[] = [];
  if (v.prUrl) links.push(`**Pull request:** [#${v.prNumber ?? "?"}](${v.prUrl})`);
  if (v.checkRunUrl) links.push(`**Check run:** [Moderator QA${v.conclusion ? ` (${v.conclusion})` : ""}](${v.checkRunUrl})`);
  if (facts.length > 0 || links.length > 0) {
    out.push("");
    if (facts.length > 0) out.push(facts.join(" · "));
    if (links.length > 0) out.push(links.join(" · "));
  }
  out.push("");
  out.push(`<sub>Run \`${v.executionId}\`</sub>`);
  return out.join("\n");
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/** A code fence that cannot be closed by the content. */
export function fence(text: string, lang = ""): string {
  let ticks = "```";
  while (text.includes(ticks)) ticks += "`";
  return `${ticks}${lang}\n${text}\n${ticks}`;
}
