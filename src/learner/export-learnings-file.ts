import { Document, isMap, isScalar, type Pair } from "yaml";
import { isSafetyRule, isSuppressed, SAFETY_RULES } from "./decide-suppression.ts";
import type { AcceptanceEntry, AcceptanceTable } from "./estimate-acceptance.ts";
import type { SuppressionSettings } from "./learner-config.ts";
import type { LearnerScope } from "./learner-event.ts";
import { BackendTaskKey, ImprovementType, LEARNINGS_FILE_PATH, RuleId } from "./learnings-file.ts";

export interface ExportOptions {
  /** Written into the header; omitted when absent. */
  exportedAt?: Date;
  /** The thresholds suppression uses, so that each rule's `suppress` is the decision in force. */
  suppression?: Partial<SuppressionSettings>;
}

const SECTIONS: ReadonlyArray<{ scope: LearnerScope; name: "rules" | "improvements" | "backends"; key: { safeParse(v: unknown): { success: boolean } } }> = [
  { scope: "rule", name: "rules", key: RuleId },
  { scope: "improvement", name: "improvements", key: ImprovementType },
  { scope: "backend", name: "backends", key: BackendTaskKey },
];

/**
 * What Moderator learned in one repository, as the text of `.github/moderator-learnings.yml`. Pure.
 * Only what a maintainer would want pinned is written as values: rules suppressed now (`suppress: true`) and the
 * overrides a maintainer already made (exactly the fields they set). Everything else (acceptance estimates of rules,
 * improvement types and backends) is informational: commented lines at the end, in the file's own syntax, so merging
 * the file freezes nothing that Moderator is still learning (uncomment a line to pin it). A comment above each pinned
 * entry gives the evidence behind it. parseLearningsFile accepts the result.
 */
export function exportLearningsFile(table: AcceptanceTable, repositoryId: number, opts: ExportOptions = {}): string {
  const entries = table.filter((e) => e.repositoryId === repositoryId);
  const body: Record<string, unknown> = { version: 1 };
  const comments = new Map<string, Map<string, string>>();
  const skipped: string[] = [];
  const informational: string[] = [];
  for (const section of SECTIONS) {
    const values: Record<string, Record<string, number | boolean>> = {};
    const notes = new Map<string, string>();
    const info: string[] = [];
    for (const entry of entries.filter((e) => e.scope === section.scope)) {
      if (!section.key.safeParse(entry.key).success) {
        skipped.push(JSON.stringify(entry.key));
        continue;
      }
      const pinned = pinnedValues(entry, opts.suppression);
      if (pinned) {
        values[entry.key] = pinned;
        notes.set(entry.key, describeEvidence(entry));
      } else {
        info.push(`   ${yamlKey(entry.key)}: { acceptance: ${round3(entry.mean)} }  # ${describeEvidence(entry)}`);
      }
    }
    if (Object.keys(values).length > 0) {
      body[section.name] = values;
      comments.set(section.name, notes);
    }
    if (info.length > 0) informational.push(` ${section.name}:`, ...info);
  }

  const doc = new Document(body);
  const header = [
    ` Moderator's learnings for this repository${opts.exportedAt ? `, exported ${opts.exportedAt.toISOString()}` : ", exported"} from maintainers' feedback.`,
    ` Edits override what was learned: while this file is at ${LEARNINGS_FILE_PATH} on the default branch,`,
    " every value in it replaces Moderator's estimate. Only the rules suppressed now and the overrides a maintainer",
    " already made are pinned; what Moderator keeps learning is listed at the end as comments (uncomment to pin).",
    " Remove an entry to let Moderator keep learning it; remove the file to go back to what it learned.",
    "   rules:        suppress: true hides the rule's findings, false always shows them; acceptance: 0 to 1",
    "   improvements: acceptance: 0 to 1; disabled: true never proposes that type",
    '   backends:     "<backend>:<taskType>" -> acceptance (how often its pull requests are merged): 0 to 1',
    ` Safety rules (${SAFETY_RULES.join(", ")}) are never suppressed.`,
    " Counts below are weighted and decayed (recent feedback counts more); only people with write access count.",
  ];
  if (skipped.length > 0) header.push(` Left out (not valid keys in this file): ${skipped.join(", ")}`);
  doc.commentBefore = header.join("\n");
  for (const [section, notes] of comments) {
    const map = doc.get(section);
    if (!isMap(map)) continue;
    for (const pair of map.items as Array<Pair<unknown, unknown>>) {
      const key = pair.key;
      if (isScalar(key)) {
        const note = notes.get(String(key.value));
        if (note) key.commentBefore = ` ${note}`;
      }
    }
  }
  if (informational.length > 0) {
    doc.comment = [" Informational: what Moderator learned and keeps learning (not pinned).", ...informational].join("\n");
  }
  return doc.toString({ lineWidth: 0 });
}

/** The values worth pinning for one entry: a maintainer's own override, or a suppression in force; else none. */
function pinnedValues(entry: AcceptanceEntry, suppression: Partial<SuppressionSettings> | undefined): Record<string, number | boolean> | undefined {
  const out: Record<string, number | boolean> = {};
  const o = entry.override;
  if (entry.scope === "rule" && o?.suppress !== undefined) out["suppress"] = o.suppress;
  if (o?.acceptance !== undefined) out["acceptance"] = o.acceptance;
  if (entry.scope === "improvement" && o?.disabled !== undefined) out["disabled"] = o.disabled;
  if (entry.scope === "rule" && out["suppress"] === undefined && isSuppressed(entry, suppression)) out["suppress"] = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A key as YAML writes it: plain when it can be, else double-quoted. */
function yamlKey(key: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*$/.test(key) ? key : JSON.stringify(key);
}

function describeEvidence(entry: AcceptanceEntry): string {
  const learned = entry.override?.learned ?? entry;
  const parts = [
    `${fmt(entry.accepts)} accepted, ${fmt(entry.rejects)} rejected`,
    `learned ${round3(learned.mean)} (range ${round3(learned.lower)} to ${round3(learned.upper)})`,
    `other repositories ${round3(entry.installationRate)}`,
  ];
  if (entry.override) parts.push("overridden before this export");
  if (entry.scope === "rule" && isSafetyRule(entry.key)) parts.push("safety rule");
  return parts.join("; ");
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toFixed(1);
}
