import { installationRateOf, posteriorEntry, type AcceptanceEntry, type AcceptanceTable } from "./estimate-acceptance.ts";
import { resolveEstimateSettings, type EstimateSettings } from "./learner-config.ts";
import type { LearnerScope } from "./learner-event.ts";

/**
 * The entry for (scope, repository, key), whether or not the table has one. Pure.
 * With no entry for this repository, it is what estimateAcceptance would give a repository without feedback:
 * zero evidence, mean = the installation rate (the decayed feedback of every repository's entry for the key, prior
 * included: the prior's mean when no repository has feedback on it). `estimate` must be the settings the table was made with.
 */
export function lookupAcceptance(
  table: AcceptanceTable,
  scope: LearnerScope,
  repositoryId: number,
  key: string,
  estimate: Partial<EstimateSettings> = {},
): AcceptanceEntry {
  let accepts = 0;
  let rejects = 0;
  for (const entry of table) {
    if (entry.scope !== scope || entry.key !== key) continue;
    if (entry.repositoryId === repositoryId) return entry;
    accepts += entry.accepts;
    rejects += entry.rejects;
  }
  const settings = resolveEstimateSettings(estimate, "lookupAcceptance options");
  // No feedback here: every repository's feedback is "the others'".
  const installationRate = installationRateOf(accepts, rejects, settings);
  return posteriorEntry({ scope, repositoryId, key, accepts: 0, rejects: 0 }, installationRate, settings);
}
