import type { AcceptanceTable } from "./estimate-acceptance.ts";
import type { EstimateSettings } from "./learner-config.ts";
import { lookupAcceptance } from "./lookup-acceptance.ts";

export interface ImprovementCandidate {
  fingerprint: string;
  type: string;
  /** How much the improvement matters, 0 to 1. */
  impact: number;
  /** Higher first among equal scores. */
  priority: number;
}

export type RankedImprovement<T extends ImprovementCandidate> = T & { expectedAcceptance: number; score: number };

const TIE = 1e-12;

/**
 * Improvement candidates, best first. Pure.
 * expectedAcceptance is the posterior mean for (improvement, type) in this repository: the file's `acceptance`
 * when overridden, the installation rate when the repository has no feedback on the type, the prior's mean when
 * nobody has. score = expectedAcceptance × impact. Equal scores (within 1e-12) go by higher priority, then input
 * order. Types the learnings file marks `disabled` are left out. Throws an Error naming the candidate when its
 * impact is not within [0, 1] or its priority is not a finite number.
 */
export function rankImprovements<T extends ImprovementCandidate>(
  candidates: readonly T[],
  table: AcceptanceTable,
  repositoryId: number,
  estimate: Partial<EstimateSettings> = {},
): Array<RankedImprovement<T>> {
  const scored: Array<{ item: RankedImprovement<T>; index: number }> = [];
  candidates.forEach((candidate, index) => {
    const where = `improvement candidate #${index} (${candidate.type} ${candidate.fingerprint})`;
    if (!(Number.isFinite(candidate.impact) && candidate.impact >= 0 && candidate.impact <= 1)) {
      throw new Error(`${where}: impact must be a number between 0 and 1, got ${candidate.impact}`);
    }
    if (!Number.isFinite(candidate.priority)) throw new Error(`${where}: priority must be a finite number, got ${candidate.priority}`);
    const entry = lookupAcceptance(table, "improvement", repositoryId, candidate.type, estimate);
    if (entry.override?.disabled === true) return;
    const expectedAcceptance = entry.mean;
    scored.push({ item: { ...candidate, expectedAcceptance, score: expectedAcceptance * candidate.impact }, index });
  });
  scored.sort((x, y) => {
    if (Math.abs(x.item.score - y.item.score) > TIE) return y.item.score - x.item.score;
    return y.item.priority - x.item.priority || x.index - y.index;
  });
  return scored.map((s) => s.item);
}
