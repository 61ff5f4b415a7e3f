import { z } from "zod";

/** Ordered from least to most severe; `severityRank` compares them. */
export const Severity = z.enum(["info", "low", "medium", "high", "critical"]);
export type Severity = z.infer<typeof Severity>;

export const severityRank = (s: Severity): number => Severity.options.indexOf(s);

/** Where a finding came from. */
export const FindingSource = z.enum(["analyzer", "command", "sarif", "llm", "peer"]);
export type FindingSource = z.infer<typeof FindingSource>;

/**
 * One QA finding. `line`/`endLine` are 1-based line numbers in the NEW version of `path`
 * (the PR head); a finding without a path (e.g. a failing test command) has neither.
 * `fingerprint` is stable across runs: it must not depend on line numbers, only on
 * rule, path and the normalized content that triggered the finding.
 */
export const Finding = z.object({
  ruleId: z.string(),
  source: FindingSource,
  severity: Severity,
  confidence: z.number().min(0).max(1),
  path: z.string().optional(),
  line: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
  title: z.string(),
  message: z.string(),
  /** Human-readable fix advice. */
  suggestion: z.string().optional(),
  /** Exact replacement text for lines line..endLine (for ```suggestion blocks), when safe. */
  replacement: z.string().optional(),
  fingerprint: z.string(),
});
export type Finding = z.infer<typeof Finding>;
