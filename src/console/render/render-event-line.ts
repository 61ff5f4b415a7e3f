import { escapeHtml } from "./escape-html.ts";

/** One event of a run's log as a line of the live view (the same markup the script adds for live events). */
export function renderEventLine(e: { id: bigint | number | string; at: Date | string; phase: string | null; type: string; level: string; message: string }): string {
  const at = (typeof e.at === "string" ? e.at : e.at.toISOString()).slice(11, 19);
  return `<div class="${escapeHtml(e.level)}" data-id="${escapeHtml(String(e.id))}">${escapeHtml(at)} ${escapeHtml(e.phase ?? "-")} <b>${escapeHtml(e.type)}</b> ${escapeHtml(e.message)}</div>`;
}
