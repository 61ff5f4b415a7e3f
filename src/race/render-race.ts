import { formatDuration } from "../render/format-duration.ts";
import type { Severity } from "../qa/finding.ts";
import type { CandidateResult, RaceVerdict } from "./judge-race.ts";

const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "info"];
const MAX_DIFF_CHARS = 20_000;

/** A candidate as the PR body and the tracking comment show it. */
export interface CandidateView extends CandidateResult {
  /** Its diff against the base (the PR body shows it behind <details>). */
  diff?: string;
  /** For the tracking comment while the race runs: its status and phase. */
  phase?: string | null;
  liveStatus?: string;
  /** Its pushed branch, when the losers' branches are kept. */
  branch?: { name: string; url?: string };
}

/** The PR body's "Candidates" section. Pure. */
export function renderCandidatesSection(candidates: readonly CandidateView[], verdict: RaceVerdict, shown: string, notes: readonly string[] = []): string {
  const out: string[] = ["## Candidates", ""];
  out.push(`Moderator raced ${candidates.length} candidates on this issue; this pull request carries \`${shown}\`. Comment \`/moderator pick <candidate>\` on the issue to swap it.`);
  out.push("");
  out.push("| candidate | backend | score | findings | size | cost | time | |");
  out.push("|---|---|---|---|---|---|---|---|");
  const order = [...verdict.ranking, ...candidates.map((c) => c.name).filter((n) => !verdict.ranking.includes(n))];
  for (const name of order) {
    const c = candidates.find((x) => x.name === name);
    if (!c) continue;
    const mark = name === shown ? "🏆 shown" : c.branch ? branchLink(c.branch) : verdict.ranking.includes(name) ? "" : `❌ ${c.status}`;
    out.push(
      `| \`${c.name}\` | \`${c.backend}\` | ${c.score !== undefined ? c.score.toFixed(2) : "–"} | ${formatFindings(c.findingsBySeverity)} | ${c.linesChanged !== undefined ? `${c.linesChanged} lines, ${c.filesChanged ?? 0} files` : "–"} | ${c.costUsd !== undefined ? `$${c.costUsd.toFixed(4)}` : "–"} | ${c.durationMs !== undefined ? formatDuration(c.durationMs) : "–"} | ${mark} |`,
    );
  }
  out.push("");
  out.push("**Judge:**");
  for (const r of verdict.reasons) out.push(`- ${r}`);
  for (const n of notes) out.push(`- ${n}`);
  const ranked = (verdict.peers ?? []).filter((p) => p.status === "ranked");
  if (ranked.length > 0) {
    out.push("", "**Peers, side by side:**");
    for (const p of ranked) out.push(`- \`${p.peer}\`: ${(p.order ?? []).map((n) => `\`${n}\``).join(" > ")}${p.summary ? `. ${oneLine(p.summary)}` : ""}`);
  }
  for (const name of order) {
    const c = candidates.find((x) => x.name === name);
    if (!c) continue;
    const main = (c.reasons ?? []).slice(0, 3);
    const peerSays = ranked.filter((p) => p.reasons?.[c.name]).map((p) => `\`${p.peer}\` (peer, places it ${ordinal((p.order ?? []).indexOf(c.name) + 1)}): ${oneLine(p.reasons?.[c.name] ?? "")}`);
    if (main.length === 0 && !c.diff && peerSays.length === 0) continue;
    out.push("");
    out.push(`<details><summary><code>${c.name}</code> (${c.backend}): score ${c.score !== undefined ? c.score.toFixed(2) : "–"}${c.action ? `, ${c.action}` : ""}</summary>`);
    out.push("");
    for (const r of main) out.push(`- ${r.replace(/\s+/g, " ")}`);
    for (const r of peerSays) out.push(`- ${r}`);
    if (c.branch) out.push(`- Its commits are on branch ${branchLink(c.branch)}.`);
    if (c.diff) {
      const diff = c.diff.length > MAX_DIFF_CHARS ? `${c.diff.slice(0, MAX_DIFF_CHARS)}\n... (cut at ${MAX_DIFF_CHARS} characters)` : c.diff;
      out.push("");
      out.push("```diff");
      out.push(diff.replace(/```/g, "`\u200b``").trimEnd());
      out.push("```");
    }
    out.push("");
    out.push("</details>");
  }
  return out.join("\n");
}

/** The tracking comment of a race: each candidate's live phase, then the verdict. Pure. */
export function renderRaceComment(v: {
  executionId: string;
  status: string;
  candidates: readonly CandidateView[];
  verdict?: RaceVerdict;
  prNumber?: number;
  prUrl?: string;
  shown?: string;
  error?: string;
  maxCostUsd?: number;
}): string {
  const head =
    v.status === "completed" ? "✅ Race judged" : v.status === "failed" ? "❌ Race failed" : v.status === "cancelled" ? "⏹️ Race cancelled" : "🏁 Racing";
  const out: string[] = [`### Moderator · ${head}`, ""];
  out.push("| candidate | backend | state | score | cost |");
  out.push("|---|---|---|---|---|");
  for (const c of v.candidates) {
    const state = c.liveStatus && !["completed", "failed", "cancelled"].includes(c.liveStatus) ? `⏳ ${c.phase ?? c.liveStatus}` : c.status === "completed" ? (c.hasResult ? "✅ finished" : "➖ no change") : c.status === "failed" ? `❌ failed${c.error ? `: ${c.error.replace(/\s+/g, " ").slice(0, 120)}` : ""}` : "⏹️ cancelled";
    out.push(`| \`${c.name}\` | \`${c.backend}\` | ${state} | ${c.score !== undefined ? c.score.toFixed(2) : "–"} | ${c.costUsd !== undefined ? `$${c.costUsd.toFixed(4)}` : "–"} |`);
  }
  if (v.maxCostUsd !== undefined) out.push("", `**Cost cap:** $${v.maxCostUsd.toFixed(2)} for the whole race.`);
  if (v.verdict) {
    out.push("", "**Judge:**", ...v.verdict.reasons.map((r) => `- ${r}`));
  }
  if (v.prNumber !== undefined) out.push("", `**Pull request:** [#${v.prNumber}](${v.prUrl ?? ""}) from \`${v.shown ?? "?"}\`. \`/moderator pick <candidate>\` swaps it.`);
  if (v.error) out.push("", `**Error:** ${v.error}`);
  out.push("", `<sub>execution \`${v.executionId}\`</sub>`);
  return out.join("\n");
}

function formatFindings(counts: Partial<Record<Severity, number>> | undefined): string {
  if (!counts) return "–";
  const parts = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function ordinal(n: number): string {
  return n === 1 ? "1st" : n === 2 ? "2nd" : n === 3 ? "3rd" : `${n}th`;
}

function branchLink(b: { name: string; url?: string }): string {
  return b.url ? `[\`${b.name}\`](${b.url})` : `\`${b.name}\``;
}
