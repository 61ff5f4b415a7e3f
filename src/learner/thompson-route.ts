import type { Rng } from "./create-rng.ts";
import type { AcceptanceTable } from "./estimate-acceptance.ts";
import type { EstimateSettings } from "./learner-config.ts";
import { backendKey } from "./learner-event.ts";
import { lookupAcceptance } from "./lookup-acceptance.ts";
import { sampleBeta } from "./sample-beta.ts";

export { createRng, type Rng } from "./create-rng.ts";

export interface ThompsonInput {
  repositoryId: number;
  taskType: string;
  /** Candidate backends; each is sampled once, in this order (duplicates once). */
  backends: readonly string[];
  rng: Rng;
  /** The settings the table was estimated with (for backends this repository has no feedback on). */
  estimate?: Partial<EstimateSettings>;
}

/**
 * Thompson sampling for the ExecutionRouter. Pure given the rng: one draw per backend from the posterior
 * Beta(alpha, beta) of its merge rate on `taskType` in this repository (the installation rate or the prior when the
 * repository has no feedback on it); a backend whose acceptance the learnings file sets gets that value without a
 * draw; once one candidate has data, a candidate without any is drawn from the prior (it gets explored). With no
 * data on any candidate there are no scores, and the router keeps the configured order.
 * The same seed and table give the same scores. Use as `RouteBackendInput.scores`:
 * `scores: (name) => thompsonScores(...).get(name)`; the router picks the highest.
 */
export function thompsonScores(table: AcceptanceTable, input: ThompsonInput): Map<string, number> {
  const scores = new Map<string, number>();
  // Nothing known about any candidate (no feedback in any repository, no override): no scores, so the router keeps
  // the configured order instead of drawing from the flat prior (which would make every choice a coin toss).
  const known = (backend: string) => {
    const key = backendKey(backend, input.taskType);
    return table.some((e) => e.scope === "backend" && e.key === key && (e.evidence > 0 || e.override?.acceptance !== undefined));
  };
  if (!input.backends.some(known)) return scores;
  for (const backend of input.backends) {
    if (scores.has(backend)) continue;
    const entry = lookupAcceptance(table, "backend", input.repositoryId, backendKey(backend, input.taskType), input.estimate);
    const fixed = entry.override?.acceptance;
    scores.set(backend, fixed !== undefined ? fixed : sampleBeta(entry.alpha, entry.beta, input.rng));
  }
  return scores;
}
