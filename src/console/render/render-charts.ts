import { escapeHtml } from "./escape-html.ts";

/** Colours of series, in order (colour-blind friendly enough, readable on white). */
export const SERIES_COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a", "#e16f24", "#1b7c83"];

const W = 760;
const H = 240;
const M = { left: 40, right: 24, top: 12, bottom: 34 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** Whole-number axis ticks from 0 to at least `max` (3 to 5 of them). */
function countTicks(max: number): number[] {
  const top = Math.max(1, max);
  const step = Math.max(1, Math.ceil(top / 4));
  const ticks: number[] = [];
  for (let v = 0; v <= top + step - 1 && ticks.length < 6; v += step) ticks.push(v);
  return ticks;
}

function svgOpen(label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}" font-family="system-ui,sans-serif" font-size="11">`;
}

function legend(items: Array<{ name: string; color: string }>): string {
  return `<p class="legend">${items.map((i) => `<span><i style="background:${i.color}"></i>${escapeHtml(i.name)}</span>`).join(" ")}</p>`;
}

/**
 * Stacked bars, one per category (x), one segment per series; inline SVG, no script. Each segment carries a
 * `<title>` (category, series, value) for hovering. Pure.
 */
export function renderStackedBars(opts: { label: string; categories: string[]; series: Array<{ name: string; color: string; values: number[] }> }): string {
  const n = opts.categories.length;
  const totals = opts.categories.map((_, i) => opts.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const ticks = countTicks(Math.max(0, ...totals));
  const top = ticks.at(-1)!;
  const y = (v: number) => M.top + PLOT_H - (v / top) * PLOT_H;
  const slot = PLOT_W / Math.max(1, n);
  const barW = Math.max(1, slot * 0.75);
  const out: string[] = [svgOpen(opts.label)];
  for (const t of ticks) out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#d8dee4"/><text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${t}</text>`);
  const every = Math.max(1, Math.ceil(n / 10));
  opts.categories.forEach((c, i) => {
    const x = M.left + i * slot + (slot - barW) / 2;
    let base = 0;
    for (const s of opts.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${c}: ${v} ${s.name}`)}</title></rect>`);
      base += v;
    }
    if (i % every === 0 || i === n - 1) out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${H - M.bottom + 14}" text-anchor="middle" fill="#57606a">${escapeHtml(c.slice(5))}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#57606a"/></svg>`);
  return out.join("") + legend(opts.series);
}

/**
 * Lines of values between 0 and 1 (shown as percentages) over categories (x); a null leaves a gap. Each point
 * carries a `<title>` for hovering. Pure.
 */
export function renderRateLines(opts: { label: string; categories: string[]; series: Array<{ name: string; values: Array<number | null> }> }): string {
  const n = opts.categories.length;
  const x = (i: number) => M.left + (n <= 1 ? PLOT_W / 2 : (i / (n - 1)) * PLOT_W);
  const y = (v: number) => M.top + PLOT_H - Math.min(1, Math.max(0, v)) * PLOT_H;
  const out: string[] = [svgOpen(opts.label)];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#d8dee4"/><text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${Math.round(t * 100)}%</text>`);
  const every = Math.max(1, Math.ceil(n / 8));
  opts.categories.forEach((c, i) => {
    if (i % every === 0 || i === n - 1) out.push(`<text x="${x(i).toFixed(1)}" y="${H - M.bottom + 14}" text-anchor="middle" fill="#57606a">${escapeHtml(c.slice(5))}</text>`);
  });
  const items = opts.series.map((s, k) => ({ name: s.name, color: SERIES_COLORS[k % SERIES_COLORS.length]! }));
  opts.series.forEach((s, k) => {
    const color = items[k]!.color;
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    s.values.forEach((v, i) => {
      if (v !== null) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${escapeHtml(`${s.name}, ${opts.categories[i]}: ${Math.round(v * 100)}%`)}</title></circle>`);
    });
  });
  out.push("</svg>");
  return out.join("") + legend(items);
}
