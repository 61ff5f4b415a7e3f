import type { LearnedRow, LearningView, RunOutcome } from "../read-models/read-learning.ts";
import { RUN_OUTCOMES } from "../read-models/read-learning.ts";
import { escapeHtml } from "./escape-html.ts";
import { renderRateLines, renderStackedBars } from "./render-charts.ts";

const OUTCOME_COLORS: Record<RunOutcome, string> = { completed: "#1a7f37", failed: "#cf222e", cancelled: "#8c959f", waiting: "#bf8700", active: "#0969da" };
const STATE_LABEL = { suppressed: "suppressed (not posted)", safety: "safety rule, never suppressed", kept: "posted" } as const;

const pct = (v: number) => `${Math.round(v * 100)}%`;
const count = (v: number) => (Math.round(v * 10) / 10).toFixed(1);

/** The Learning page's repository picker: the repositories the viewer can read. */
export function renderLearningIndex(repositories: string[]): string {
  if (repositories.length === 0) return `<section><p class="muted">No repositories you can read have Moderator installed.</p></section>`;
  return `<section><h2>What Moderator learned, by repository</h2><ul id="learning-repos">${repositories.map((r) => `<li><a href="/dashboard/learning/${escapeHtml(r)}">${escapeHtml(r)}</a></li>`).join("")}</ul></section>`;
}

/** One repository's Learning view: charts first (inline SVG), then the learner's tables. Pure. */
export function renderLearningPage(repository: string, view: LearningView, opts: { credibleMass: number; halfLifeDays: number; suppression: { maxUpper: number; minEvidence: number } }): string {
  const mass = Math.round(opts.credibleMass * 100);
  const learned = (r: LearnedRow) =>
    `<td>${count(r.accepts)}</td><td>${count(r.rejects)}</td><td>${pct(r.mean)}${r.overridden ? ` <span class="muted" title="set by .github/moderator-learnings.yml">(set)</span>` : ""}</td><td>${pct(r.lower)}–${pct(r.upper)}</td><td>${pct(r.installationRate)}</td>`;
  const head = (what: string, extra: string[]) =>
    `<thead><tr><th>${what}</th><th>Accepted</th><th>Rejected</th><th>Acceptance</th><th>${mass}% range</th><th>Other repositories</th>${extra.map((h) => `<th>${h}</th>`).join("")}</tr></thead>`;
  const rules = view.rules.length
    ? `<table id="learned-rules">${head("Rule", ["State"])}<tbody>${view.rules.map((r) => `<tr data-rule="${escapeHtml(r.key)}"><td><code>${escapeHtml(r.key)}</code></td>${learned(r)}<td class="state ${r.state}">${STATE_LABEL[r.state]}</td></tr>`).join("")}</tbody></table>`
    : `<p class="muted">No feedback on review findings here yet.</p>`;
  const improvements = view.improvements.length
    ? `<table id="learned-improvements">${head("Type", [])}<tbody>${view.improvements.map((r) => `<tr><td><code>${escapeHtml(r.key)}</code></td>${learned(r)}</tr>`).join("")}</tbody></table>`
    : `<p class="muted">No feedback on improvements here yet.</p>`;
  const routing = view.routing.length
    ? `<table id="routing">${"<thead><tr><th>Backend</th><th>Task type</th><th>Merge rate</th><th>" + mass + "% range</th><th>Evidence</th><th></th></tr></thead>"}<tbody>${view.routing
        .map((r) => `<tr data-backend="${escapeHtml(r.backend)}"><td>${escapeHtml(r.backend)}</td><td>${escapeHtml(r.taskType)}</td><td>${pct(r.mean)}</td><td>${pct(r.lower)}–${pct(r.upper)}</td><td>${count(r.evidence)}</td><td class="muted">${r.configured ? "" : "no longer configured"}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="muted">No backend is configured.</p>`;
  const days = view.runsPerDay;
  const runsChart = renderStackedBars({
    label: `Runs per day in ${repository}, by outcome`,
    categories: days.map((d) => d.day),
    series: RUN_OUTCOMES.map((o) => ({ name: o, color: OUTCOME_COLORS[o], values: days.map((d) => d.counts[o]) })),
  });
  const overTime = view.acceptanceOverTime;
  const rulesChart = overTime.series.length
    ? renderRateLines({ label: `Acceptance per rule in ${repository}, week by week`, categories: overTime.weekEnds, series: overTime.series.map((s) => ({ name: s.rule, values: s.points })) })
    : `<p class="muted">No rule has feedback here yet.</p>`;
  const total = days.reduce((sum, d) => sum + RUN_OUTCOMES.reduce((s, o) => s + d.counts[o], 0), 0);
  return `<section><h2>${escapeHtml(repository)}</h2>
${view.enabled ? "" : `<p class="notice">The learner is off (<code>learner.enabled: false</code>): feedback is recorded, but nothing is suppressed and routing keeps the configured order.</p>`}
${view.problems.length ? `<p class="notice">.github/moderator-learnings.yml is invalid and is ignored: ${escapeHtml(view.problems.join("; "))}</p>` : ""}
<p class="muted">Only feedback from people with write access counts; older feedback counts less (half-life ${opts.halfLifeDays} days). A rule is suppressed when maintainers dismissed it ${opts.suppression.minEvidence} times in a row, or when its acceptance's upper bound is below ${pct(opts.suppression.maxUpper)} with ${opts.suppression.minEvidence} pieces of feedback. Accepted and rejected are weighted counts; "(set)" marks a value set by <code>.github/moderator-learnings.yml</code>.</p></section>
<section><h2>Runs per day, last ${days.length} days <span class="muted">(${total} runs)</span></h2><div id="runs-per-day">${runsChart}</div></section>
<section><h2>Acceptance per rule, week by week</h2><div id="acceptance-over-time">${rulesChart}</div><p class="muted">The learned estimate at the end of each week, from the feedback given until then (before any override).</p></section>
<section><h2>Review rules</h2>${rules}</section>
<section><h2>Improvement types</h2>${improvements}</section>
<section><h2>Backend routing</h2><p class="muted">${view.routingSampled ? "The router draws each candidate's merge rate from its estimate (Thompson sampling) and takes the highest: the merge rate below is what the draws average to." : "No candidate backend has feedback yet: the router keeps the configured order."}</p>${routing}</section>`;
}
