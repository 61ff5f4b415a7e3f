import type { RepoConfig } from "../config/repo-config.ts";
import type { AnalyzerInput } from "./analyzer.ts";
import { severityRank, type Finding } from "./finding.ts";
import { createAnalyzers, runAnalyzers } from "./run-analyzers.ts";

const SECRETS_RULE = "secrets/hardcoded";

/**
 * What must stop a push: the built-in analyzers over the local commit's diff, keeping hard-coded secrets and
 * any finding at or above `decision.blockOn`, at or above `qa.minConfidence` (the repository's allow-list and
 * ignored paths apply). Pure and fast (no commands, no scanners, no LLM), so it runs before anything leaves
 * the box: a secret the agent wrote is never pushed, not even to a branch.
 */
export function findPushBlockers(input: AnalyzerInput, repoConfig: RepoConfig): Finding[] {
  const findings = runAnalyzers(input, { ignorePaths: repoConfig.ignorePaths, analyzers: createAnalyzers({ secrets: repoConfig.qa.secrets }) });
  const blockOn = severityRank(repoConfig.decision.blockOn);
  return findings.filter(
    (f) => f.confidence >= repoConfig.qa.minConfidence && (f.ruleId === SECRETS_RULE || severityRank(f.severity) >= blockOn),
  );
}
