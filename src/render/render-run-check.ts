import type { PhaseState } from "./render-tracking-comment.ts";
import { formatDuration } from "./format-duration.ts";

export interface RunCheckView {
  issueNumber: number;
  backend?: string;
  phases: Array<{ phase: string; state: PhaseState; durationMs?: number }>;
  current?: string;
  elapsedMs: number;
  prUrl?: string;
  prNumber?: number;
  qaConclusion?: string;
  decision?: { action: string; reasons: string[] };
  error?: { phase?: string; message: string; hint?: string };
}

const MARK: Record<PhaseState, string> = { pending: "⬜", running: "⏳", done: "✅", failed: "❌", skipped: "⏭️" };

/** Title and summary of the `Moderator` check run: the run's live progress, then its outcome. Pure. */
export function renderRunCheck(v: RunCheckView): { title: string; summary: string } {
  const title = v.error
    ? `Failed${v.error.phase ? ` in ${v.error.phase}` : ""}`
    : v.prNumber !== undefined && !v.current
      ? `Pull request #${v.prNumber} ready (QA ${v.qaConclusion ?? "?"})`
      : `Working on #${v.issueNumber}: ${v.current ?? "starting"} (${formatDuration(v.elapsedMs)})`;
  const lines: string[] = [];
  lines.push(`Moderator is resolving #${v.issueNumber}${v.backend ? ` with \`${v.backend}\`` : ""}. Elapsed: ${formatDuration(v.elapsedMs)}.`);
  lines.push("");
  lines.push("| Phase | State | Took |");
  lines.push("|---|---|---|");
  for (const p of v.phases) lines.push(`| ${p.phase} | ${MARK[p.state]} ${p.state} | ${p.durationMs !== undefined ? formatDuration(p.durationMs) : ""} |`);
  if (v.decision) {
    lines.push("");
    lines.push(`**Decision:** ${v.decision.action}${v.decision.reasons.length > 0 ? `: ${v.decision.reasons.join("; ")}` : ""}`);
  }
  if (v.prUrl) {
    lines.push("");
    lines.push(`**Pull request:** ${v.prUrl}${v.qaConclusion ? ` · QA: **${v.qaConclusion}** (see the Moderator QA check)` : ""}`);
  }
  if (v.error) {
    lines.push("");
    lines.push(`**Why:** ${v.error.message}`);
    if (v.error.hint) lines.push(`**What to do:** ${v.error.hint}`);
  }
  return { title: title.slice(0, 255), summary: lines.join("\n") };
}

/** The buttons the Moderator check run offers (GitHub: at most 3; label <= 20, description <= 40, identifier <= 20). */
export const RUN_CHECK_ACTIONS = {
  rerun: { label: "Re-run", description: "Run Moderator on the issue again", identifier: "rerun" },
  fix: { label: "Fix findings", description: "Ask the agent to fix the QA findings", identifier: "fix_findings" },
  dismiss: { label: "Dismiss findings", description: "Never raise these findings again here", identifier: "dismiss_findings" },
} as const;
