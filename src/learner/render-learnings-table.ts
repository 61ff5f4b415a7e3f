import { applyOverrides } from "./apply-overrides.ts";
import { isSafetyRule, isSuppressed } from "./decide-suppression.ts";
import type { AcceptanceEntry, AcceptanceTable } from "./estimate-acceptance.ts";
import type { EstimateSettings, SuppressionSettings } from "./learner-config.ts";
import type { LearnerScope } from "./learner-event.ts";
import { LEARNINGS_FILE_PATH, type LearningsFile } from "./learnings-file.ts";

export interface RenderLearningsOptions {
  /** The thresholds suppression uses. */
  suppression?: Partial<SuppressionSettings>;
  /** The settings the table was estimated with: the half-life and interval go into the explanation. */
  estimate?: Partial<EstimateSettings>;
}

const SECTIONS: ReadonlyArray<{ scope: LearnerScope; title: string; what: string }> = [
  { scope: "rule", title: "Review rules", what: "Rule" },
  { scope: "improvement", title: "Improvement types", what: "Type" },
  { scope: "backend", title: "Backends", what: "Backend · task type" },
];

/**
 * What Moderator learned in one repository, as Markdown (for `/moderator learnings`, the dashboard, an issue). Pure.
 * One table per scope (review rules, improvement types, backends) with the weighted, decayed accepts and rejects,
 * the acceptance estimate and its credible range, the installation-wide rate, and marks: 🔇 suppressed, ✏️ set by
 * the learnings file (with the learned value beside it), 🛡️ safety rule, ⛔ disabled. `overrides` is the parsed
 * learnings file, applied here; a table that already went through applyOverrides shows its marks too.
 */
export function renderLearningsTable(
  table: AcceptanceTable,
  repositoryId: number,
  overrides?: LearningsFile,
  opts: RenderLearningsOptions = {},
): string {
  const applied = overrides ? applyOverrides(table, overrides, repositoryId, opts.estimate) : table;
  const entries = applied.filter((e) => e.repositoryId === repositoryId);
  const mass = Math.round((opts.estimate?.credibleMass ?? 0.9) * 100);
  const out: string[] = ["### Moderator · What it learned in this repository", ""];
  if (entries.length === 0) {
    out.push("Nothing learned yet: no maintainer has reacted to Moderator's findings, improvements or pull requests here.");
    return out.join("\n");
  }
  out.push(
    `Only feedback from people with write access counts, and older feedback counts less (half-life ${opts.estimate?.halfLifeDays ?? 90} days). ` +
      `👍 and 👎 are weighted counts; acceptance is the estimate with its ${mass}% credible range, pulled toward the rate across the other repositories while evidence is thin.`,
  );
  for (const section of SECTIONS) {
    const rows = entries.filter((e) => e.scope === section.scope);
    if (rows.length === 0) continue;
    out.push("", `#### ${section.title}`, "");
    out.push(`| ${section.what} | 👍 | 👎 | Acceptance | ${mass}% range | Other repositories | |`);
    out.push("|---|---:|---:|---:|---|---:|---|");
    for (const e of rows) {
      out.push(`| ${code(section.scope === "backend" ? e.key.replace(":", " · ") : e.key)} | ${count(e.accepts)} | ${count(e.rejects)} | ${acceptance(e)} | ${range(e)} | ${pct(e.installationRate)} | ${marks(e, opts.suppression)} |`);
    }
  }
  out.push("", `<sub>✏️ values come from \`${LEARNINGS_FILE_PATH}\` and override what was learned. 🔇 findings of a suppressed rule are not posted.</sub>`);
  return out.join("\n");
}

function acceptance(e: AcceptanceEntry): string {
  if (e.override?.acceptance === undefined) return pct(e.mean);
  return `${pct(e.mean)} ✏️ (learned ${pct(e.override.learned.mean)})`;
}

function range(e: AcceptanceEntry): string {
  if (e.override?.acceptance === undefined) return `${pct(e.lower)}–${pct(e.upper)}`;
  return `learned ${pct(e.override.learned.lower)}–${pct(e.override.learned.upper)}`;
}

function marks(e: AcceptanceEntry, suppression: Partial<SuppressionSettings> | undefined): string {
  const out: string[] = [];
  if (e.scope === "rule") {
    if (isSafetyRule(e.key)) out.push("🛡️ safety rule, never suppressed");
    else if (isSuppressed(e, suppression)) out.push(e.override?.suppress === true ? "🔇 suppressed ✏️" : "🔇 suppressed");
    else if (e.override?.suppress === false) out.push("never suppressed ✏️");
  }
  if (e.override?.disabled === true) out.push("⛔ disabled ✏️");
  else if (e.override?.disabled === false) out.push("enabled ✏️");
  return out.join(" · ");
}

function pct(v: number): string {
  return `${Math.round(v * 100)}%`;
}

function count(v: number): string {
  return (Math.round(v * 10) / 10).toFixed(1);
}

/** A code span that cannot be broken by the key: backticks and pipes are replaced, whitespace collapsed. */
function code(key: string): string {
  return `\`${key.replace(/[`|]/g, "'").replace(/\s+/g, " ")}\``;
}
