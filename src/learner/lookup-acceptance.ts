import { installationRateOf, posteriorEntry, type AcceptanceEntry, type AcceptanceTable } from "./estimate-acceptance.ts";
import { resolveEstimateSettings, type EstimateSettings } from "./learner-config.ts";
import type { LearnerScope } from "./learner-event.ts";

/**
 * The entry for (scope, repository, key), whether or not the table has one. Pure.
 * With no entry for this repository, it is what estimateAcceptance would give a repository without feedback:
 * zero evidence, mean = the installation rate (taken from another repository's entry for the key), or the
 * prior's mean when no repository has feedback on it. `estimate` must be the settings the table was made with.
 */
export function lookupAcceptance(
  table: AcceptanceTable,
  scope: LearnerScope,
  repositoryId: number,
  key: string,
  estimate: Partial<EstimateSettings> = {},
): AcceptanceEntry {
  let elsewhere: AcceptanceEntry | undefined;
  for (const entry of table) {
    if (entry.scope !== scope || entry.key !== key) continue;
    if (entry.repositoryId === repositoryId) return entry;
    elsewhere ??= entry;
  }
  const settings = resolveEstimateSettings(estimate, "lookupAcceptance options");
  const installationRate = elsewhere ? elsewhere.installationRate : installationRateOf(0, 0, settings);
  return posteriorEntry({ scope, repositoryId, key, accepts: 0, rejects: 0 }, installationRate, settings);
}
