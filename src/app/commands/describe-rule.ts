import type { Analyzer } from "../../qa/analyzer.ts";
import { ANALYZERS } from "../../qa/run-analyzers.ts";

/** Rules that are not analyzers but have fixed ids. */
const FIXED_RULES: Readonly<Record<string, string>> = {
  "qa/command-failed": "One of the repository's QA commands (qa.commands in .github/moderator.yml) failed; the finding quotes the end of its output.",
  "qa/command-timeout": "One of the repository's QA commands (qa.commands in .github/moderator.yml) did not finish within its timeout.",
  "qa/analyzer-error": "A built-in analyzer crashed on this diff, so its findings are missing; this is a bug in Moderator.",
};

/**
 * The one-line description of a rule id: an analyzer's `doc`, a fixed QA rule, or what the id's family
 * (`sarif/<tool>/<rule>`, `llm/<category>`, `peer/<name>`) means. Undefined for an id Moderator does not
 * produce. Pure; `analyzers` defaults to the built-in ones.
 */
export function describeRule(ruleId: string, analyzers: readonly Analyzer[] = ANALYZERS): string | undefined {
  if (typeof ruleId !== "string" || ruleId.trim() === "") return undefined;
  const id = ruleId.trim();
  const analyzer = analyzers.find((a) => a.id === id);
  if (analyzer) return analyzer.doc;
  const fixed = FIXED_RULES[id];
  if (fixed !== undefined) return fixed;
  const sarif = /^sarif\/([^/]+)\/(.+)$/.exec(id);
  if (sarif) return `Reported by the SARIF scanner ${sarif[1]} (its rule ${sarif[2]}), one of the repository's qa.sarif scanners.`;
  const llm = /^llm\/(.+)$/.exec(id);
  if (llm) return `Raised by Moderator's LLM reviewer, which read the diff; category: ${llm[1]}.`;
  const peer = /^peer\/(.+)$/.exec(id);
  if (peer) return `Raised by the peer reviewer ${peer[1]}, another agent backend asked to review the change.`;
  return undefined;
}
