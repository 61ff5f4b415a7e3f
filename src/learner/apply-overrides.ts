import { compareEntries, type AcceptanceEntry, type AcceptanceOverride, type AcceptanceTable } from "./estimate-acceptance.ts";
import type { EstimateSettings } from "./learner-config.ts";
import type { LearnerScope } from "./learner-event.ts";
import type { LearningsFile } from "./learnings-file.ts";
import { lookupAcceptance } from "./lookup-acceptance.ts";

/**
 * The table with a repository's learnings file applied. Pure; the input table is not changed.
 *
 * Every entry the file names, in `repositoryId` only, gets `override` (what the file set, plus the estimate it
 * replaces under `learned`). An `acceptance` replaces mean, lower and upper (the maintainers' value is taken as
 * certain); `suppress` and `disabled` are read by suppressedRules and rankImprovements. An entry the file names but
 * the table lacks (no feedback yet) is added with zero evidence. Other repositories' entries are untouched.
 * Applying to a table that already had overrides replaces them. `estimate` must be the settings the table was
 * made with.
 */
export function applyOverrides(
  table: AcceptanceTable,
  file: LearningsFile,
  repositoryId: number,
  estimate: Partial<EstimateSettings> = {},
): AcceptanceTable {
  const wanted = new Map<string, { scope: LearnerScope; key: string; set: Omit<AcceptanceOverride, "learned"> }>();
  const add = (scope: LearnerScope, entries: Record<string, Omit<AcceptanceOverride, "learned">> | undefined) => {
    for (const [key, set] of Object.entries(entries ?? {})) wanted.set(`${scope}\u0000${key}`, { scope, key, set: definedOnly(set) });
  };
  add("rule", file.rules);
  add("improvement", file.improvements);
  add("backend", file.backends);

  const out: AcceptanceTable = [];
  for (const original of table) {
    const entry = original.repositoryId === repositoryId ? withoutOverride(original) : original;
    const id = `${entry.scope}\u0000${entry.key}`;
    const want = entry.repositoryId === repositoryId ? wanted.get(id) : undefined;
    if (!want) {
      out.push(entry);
      continue;
    }
    wanted.delete(id);
    out.push(overridden(entry, want.set));
  }
  for (const want of wanted.values()) {
    out.push(overridden(withoutOverride(lookupAcceptance(table, want.scope, repositoryId, want.key, estimate)), want.set));
  }
  return out.sort(compareEntries);
}

/** The entry as it was estimated, before any earlier override. */
function withoutOverride(entry: AcceptanceEntry): AcceptanceEntry {
  if (!entry.override) return entry;
  const { override, ...rest } = entry;
  return { ...rest, ...override.learned };
}

function overridden(entry: AcceptanceEntry, set: Omit<AcceptanceOverride, "learned">): AcceptanceEntry {
  const learned = { mean: entry.mean, lower: entry.lower, upper: entry.upper };
  const override: AcceptanceOverride = { ...set, learned };
  if (set.acceptance === undefined) return { ...entry, override };
  return { ...entry, mean: set.acceptance, lower: set.acceptance, upper: set.acceptance, override };
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
