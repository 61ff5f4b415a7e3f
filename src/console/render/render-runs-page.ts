import { formatDuration } from "../../render/format-duration.ts";
import type { RunsPage, RunsQuery } from "../read-models/list-runs.ts";
import { RUN_STATUSES } from "../read-models/list-runs.ts";
import { escapeHtml } from "./escape-html.ts";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];

/** The runs table with its filters and the link to the next page. */
export function renderRunsPage(page: RunsPage, query: RunsQuery, opts: { repositories: string[]; backends: string[] }): string {
  const option = (value: string, selected: string | undefined, label = value) => `<option value="${escapeHtml(value)}"${value === selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
  const filters = `<form class="filters" method="get" action="/dashboard">
<select name="repository"><option value="">all repositories</option>${opts.repositories.map((r) => option(r, query.repository)).join("")}</select>
<select name="status"><option value="">any status</option>${RUN_STATUSES.map((s) => option(s, query.status)).join("")}</select>
<select name="backend"><option value="">any backend</option>${opts.backends.map((b) => option(b, query.backend)).join("")}</select>
<button>Filter</button></form>`;
  const rows = page.rows
    .map((r) => {
      const findings = SEVERITIES.filter((s) => r.findings[s]).map((s) => `<span class="sev ${s}">${r.findings[s]} ${s}</span>`).join("");
      const pr = r.prNumber ? ` → <a href="${escapeHtml(r.prUrl ?? "#")}">PR #${r.prNumber}</a>` : "";
      return `<tr data-run="${escapeHtml(r.id)}"><td>${escapeHtml(r.repository)}</td>
<td><a href="/dashboard/runs/${escapeHtml(r.id)}">#${r.issueNumber} ${escapeHtml(r.issueTitle)}</a>${pr}${r.kind === "run" ? "" : ` <span class="muted">(${escapeHtml(r.kind)})</span>`}</td>
<td>${escapeHtml(r.trigger)} <span class="muted">by ${escapeHtml(r.triggeredBy)}</span></td><td>${escapeHtml(r.backend ?? "—")}</td>
<td><span class="status ${escapeHtml(r.status)}">${escapeHtml(r.status)}</span></td><td>${escapeHtml(r.phase ?? "—")}</td>
<td>${r.durationMs === null ? "—" : escapeHtml(formatDuration(r.durationMs))}</td><td>${r.costUsd > 0 ? `$${r.costUsd.toFixed(2)}` : "—"}</td>
<td>${findings || "—"}</td><td>${escapeHtml(r.decision ?? "—")}</td></tr>`;
    })
    .join("\n");
  const params = new URLSearchParams();
  for (const k of ["repository", "status", "backend"] as const) if (query[k]) params.set(k, query[k]);
  if (page.next) params.set("before", page.next);
  const next = page.next ? `<p><a id="older" href="/dashboard?${escapeHtml(params.toString())}">Older runs →</a></p>` : "";
  const table = page.rows.length === 0
    ? `<p class="muted">No runs${query.repository || query.status || query.backend ? " match these filters" : " in the repositories you can see"}.</p>`
    : `<table id="runs"><thead><tr><th>Repository</th><th>Issue / PR</th><th>Trigger</th><th>Backend</th><th>Status</th><th>Phase</th><th>Duration</th><th>Cost</th><th>Findings</th><th>Decision</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `${filters}${table}${next}`;
}
