import type { Severity } from "./finding.ts";
import type { SarifResult, SarifRule } from "./sarif-schema.ts";

const LEVEL: Record<string, Severity> = { error: "high", warning: "medium", note: "low", none: "info" };
const PROBLEM_SEVERITY: Record<string, Severity> = { error: "high", warning: "medium", recommendation: "low" };
const PRECISION: Record<string, number> = { "very-high": 0.95, high: 0.9, medium: 0.7, low: 0.5 };
const TOOL_CONFIDENCE: Record<string, number> = { high: 0.9, medium: 0.7, low: 0.5 };
const DEFAULT_CONFIDENCE = 0.8;

/**
 * The Severity of a SARIF result, most specific source first:
 * 1. `security-severity` (CVSS-like 0-10, GitHub code scanning's scale) on the result or its rule:
 *    >= 9 critical, >= 7 high, >= 4 medium, > 0 low, 0 info;
 * 2. the result's `level`, else the rule's `defaultConfiguration.level`: error high, warning medium, note low, none info;
 * 3. the rule's `problem.severity` (CodeQL): error high, warning medium, recommendation low;
 * 4. `fallback` (SARIF's default level is warning: medium; secret scanners pass high).
 */
export function sarifSeverity(result: SarifResult, rule: SarifRule | undefined, fallback: Severity = "medium"): Severity {
  const security = securitySeverity(result.properties?.["security-severity"]) ?? securitySeverity(rule?.properties?.["security-severity"]);
  if (security !== undefined) return security;
  const level = (result.level ?? rule?.defaultConfiguration?.level)?.toLowerCase();
  if (level !== undefined && LEVEL[level]) return LEVEL[level];
  const problem = rule?.properties?.["problem.severity"];
  if (typeof problem === "string" && PROBLEM_SEVERITY[problem.toLowerCase()]) return PROBLEM_SEVERITY[problem.toLowerCase()]!;
  return fallback;
}

function securitySeverity(value: unknown): Severity | undefined {
  const score = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

/**
 * How sure the tool is, 0..1: the result's `rank` (0-100; -1 means unknown), a tool's own result-level
 * confidence (`confidence`, Bandit's `issue_confidence`: high/medium/low), the rule's `precision`
 * (CodeQL, Semgrep: very-high .95, high .9, medium .7, low .5), else 0.8.
 */
export function sarifConfidence(result: SarifResult, rule: SarifRule | undefined): number {
  if (typeof result.rank === "number" && result.rank >= 0 && result.rank <= 100) return Math.max(0.05, result.rank / 100);
  for (const key of ["confidence", "issue_confidence"]) {
    const value = result.properties?.[key];
    if (typeof value === "string" && TOOL_CONFIDENCE[value.toLowerCase()] !== undefined) return TOOL_CONFIDENCE[value.toLowerCase()]!;
    if (typeof value === "number" && value >= 0 && value <= 1) return value;
  }
  const precision = rule?.properties?.precision;
  if (typeof precision === "string" && PRECISION[precision.toLowerCase()] !== undefined) return PRECISION[precision.toLowerCase()]!;
  return DEFAULT_CONFIDENCE;
}
