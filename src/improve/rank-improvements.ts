import { ImprovementType, type Improvement } from "./improvement.ts";

/**
 * Order improvements best first: priority (1 first), then impact (highest first), then type (fix, tests, docs,
 * refactor), then fingerprint, so the order is total and the same on every run. Returns a new array. Pure.
 */
export function rankImprovements(items: readonly Improvement[]): Improvement[] {
  const typeRank = (t: Improvement["type"]): number => ImprovementType.options.indexOf(t);
  return [...items].sort(
    (a, b) =>
      a.priority - b.priority ||
      b.impact - a.impact ||
      typeRank(a.type) - typeRank(b.type) ||
      (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0),
  );
}
