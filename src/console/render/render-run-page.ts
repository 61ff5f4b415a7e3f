import { RUN_PHASES } from "../../pipeline/phase-tracker.ts";
import { formatDuration } from "../../render/format-duration.ts";
import type { RunView } from "../read-models/read-run.ts";
import { FINAL_STATUSES, MAX_ANSWER_CHARS, RETRYABLE_KINDS } from "../run-controls.ts";
import { escapeHtml } from "./escape-html.ts";
import { renderEventLine } from "./render-event-line.ts";

const ACTIVE = new Set(["queued", "preparing", "planning", "executing", "qa", "deciding", "publishing", "improving", "waiting_for_human"]);

/** A run: phases, plan, agent runs, findings, decision, improvements, feedback, its live event log, and controls. */
export function renderRunPage(view: RunView, opts: { canControl: boolean; csrf: string; githubWebUrl: string; backends: readonly string[]; nonce: string }): string {
  const e = view.execution;
  const repo = `${e.repository.owner}/${e.repository.name}`;
  const web = `${opts.githubWebUrl}/${repo}`;
  const links = [
    `<a href="${escapeHtml(`${web}/issues/${e.issueNumber}`)}">issue #${e.issueNumber}</a>`,
    e.prNumber ? `<a href="${escapeHtml(e.prUrl ?? `${web}/pull/${e.prNumber}`)}">PR #${e.prNumber}</a>` : "",
    e.checkRunUrl ? `<a href="${escapeHtml(e.checkRunUrl)}">check run</a>` : "",
    e.reviewUrl ? `<a href="${escapeHtml(e.reviewUrl)}">review</a>` : "",
  ].filter(Boolean);
  const timings = (e.phaseTimings ?? {}) as Record<string, { state?: string; durationMs?: number }>;
  const rank = (p: string) => (RUN_PHASES.indexOf(p as never) + 1 || 99);
  const phases = Object.entries(timings)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([p, t]) => `<tr><td>${escapeHtml(p)}</td><td>${escapeHtml(t.state ?? "")}</td><td>${typeof t.durationMs === "number" ? escapeHtml(formatDuration(t.durationMs)) : "—"}</td></tr>`)
    .join("");
  const tasks = e.tasks
    .map((t) => `<tr><td>${t.index}</td><td>${escapeHtml(t.title)}</td><td>${escapeHtml(t.type)}</td><td>${t.dependsOn.length ? t.dependsOn.join(", ") : "—"}</td><td>${escapeHtml(t.status)}</td><td><code>${escapeHtml(t.checkpointSha?.slice(0, 12) ?? "—")}</code></td></tr>`)
    .join("");
  const agents = e.agentRuns
    .map((a) => `<tr><td>${escapeHtml(a.backend)}</td><td>${a.task ? a.task.index : "—"}</td><td>${escapeHtml(a.status)}</td><td>${a.durationMs === null ? "—" : escapeHtml(formatDuration(a.durationMs))}</td><td>${a.costUsd ? `$${a.costUsd.toFixed(4)}` : "—"}</td><td>${a.inputTokens ?? 0} / ${a.outputTokens ?? 0}</td><td>${escapeHtml(a.error ?? "")}</td></tr>`)
    .join("");
  const findings = e.findings
    .map((f) => `<tr><td><span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span></td><td>${escapeHtml(f.ruleId)}</td><td>${escapeHtml(f.path ? `${f.path}${f.line ? `:${f.line}` : ""}` : "—")}</td><td>${escapeHtml(f.title || f.message)}</td><td>${escapeHtml(f.status)}${opts.canControl && f.status === "open" ? ` <form class="inline" method="post" action="/dashboard/runs/${escapeHtml(e.id)}/findings/${escapeHtml(f.id)}/dismiss"><input type="hidden" name="csrf" value="${escapeHtml(opts.csrf)}"><button class="dismiss">Dismiss</button></form>` : ""}</td></tr>`)
    .join("");
  const decision = e.decision as { action?: string; confidence?: number; reasons?: string[]; question?: string } | null;
  const decisionHtml = decision
    ? `<p><b>${escapeHtml(decision.action ?? "")}</b>${typeof decision.confidence === "number" ? ` · confidence ${decision.confidence.toFixed(2)}` : ""}</p><ul>${(decision.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>${decision.question ? `<p>Question: ${escapeHtml(decision.question)}</p>` : ""}`
    : `<p class="muted">No decision yet.</p>`;
  const improvements = e.improvements.map((i) => `<li>${escapeHtml(i.type)}: ${escapeHtml(i.title)} <span class="muted">(${escapeHtml(i.status)}${i.prNumber ? `, PR #${i.prNumber}` : ""})</span></li>`).join("");
  const feedback = e.feedback.map((f) => `<li>${escapeHtml(f.kind)} <span class="muted">by ${escapeHtml(f.actor ?? "?")}</span></li>`).join("");
  const active = ACTIVE.has(e.status);
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(opts.csrf)}">`;
  const action = (what: string) => `/dashboard/runs/${escapeHtml(e.id)}/${what}`;
  // While the run is active: answer its question (when it asks one) and cancel; the live script removes these when it ends.
  const answer = e.status === "waiting_for_human"
    ? `<form method="post" action="${action("answer")}" class="answer">${csrf}<input type="hidden" name="nonce" value="${escapeHtml(opts.nonce)}">
<p><b>Moderator asks:</b> ${escapeHtml(decision?.question ?? "(the question is on the issue)")}</p>
<textarea name="answer" id="answer" rows="4" maxlength="${MAX_ANSWER_CHARS}" required placeholder="Your answer: it is posted on the issue in your name and the run resumes with it"></textarea>
<p><button id="send-answer">Answer and resume</button></p></form>`
    : "";
  const controls = opts.canControl && active
    ? `<section id="controls"><h2>Controls</h2>${answer}<form method="post" action="${action("cancel")}">${csrf}<button class="danger" id="cancel">Cancel run</button></form></section>`
    : "";
  // Once it has ended: retry it, as `/moderator retry [--backend <name>]` would.
  const retry = opts.canControl && FINAL_STATUSES.has(e.status) && RETRYABLE_KINDS.has(e.kind)
    ? `<section id="retry-controls"><h2>Controls</h2><form method="post" action="${action("retry")}">${csrf}<label>Retry on <select name="backend" id="retry-backend"><option value="">${escapeHtml(e.backend ? `the same backend (${e.backend})` : "the configured backend")}</option>${opts.backends.filter((b) => b !== e.backend).map((b) => `<option value="${escapeHtml(b)}">${escapeHtml(b)}</option>`).join("")}</select></label> <button id="retry">Retry</button></form></section>`
    : "";
  const lastId = view.events.at(-1)?.id ?? 0n;
  const table = (head: string[], rows: string) => (rows ? `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>` : `<p class="muted">None.</p>`);
  return `<section><h2>${escapeHtml(repo)} #${e.issueNumber} ${escapeHtml(e.issueTitle)}</h2>
<p><span class="status ${escapeHtml(e.status)}" id="run-status">${escapeHtml(e.status)}</span> · ${escapeHtml(e.kind)} · ${escapeHtml(e.trigger)} by ${escapeHtml(e.triggeredBy)} · backend ${escapeHtml(e.backend ?? "—")} · ${links.join(" · ")}</p>
${e.error ? `<p class="muted">${escapeHtml(e.error)}</p>` : ""}${e.cancelledBy ? `<p>Cancelled by ${escapeHtml(e.cancelledBy)}</p>` : ""}</section>
${controls}${retry}
<section><h2>Phases</h2>${table(["Phase", "State", "Duration"], phases)}</section>
<section><h2>Plan</h2>${table(["#", "Task", "Type", "Depends on", "Status", "Checkpoint"], tasks)}</section>
<section><h2>Agent runs</h2>${table(["Backend", "Task", "Status", "Duration", "Cost", "Tokens in / out", "Error"], agents)}</section>
<section><h2>QA findings</h2>${table(["Severity", "Rule", "Where", "Finding", "Status"], findings)}</section>
<section><h2>Decision</h2>${decisionHtml}</section>
<section><h2>Improvements</h2>${improvements ? `<ul>${improvements}</ul>` : `<p class="muted">None.</p>`}</section>
<section><h2>Feedback</h2>${feedback ? `<ul>${feedback}</ul>` : `<p class="muted">None.</p>`}</section>
<section><h2>Events <span class="muted" id="live-state"></span></h2><div id="events" data-run="${escapeHtml(e.id)}" data-last-id="${escapeHtml(String(lastId))}">${view.events.map(renderEventLine).join("")}</div></section>`;
}
