import type { Analyzer, AnalyzerInput } from "./analyzer.ts";
import { conflictMarkers } from "./analyzers/conflict-markers.ts";
import { debugLeftover } from "./analyzers/debug-leftover.ts";
import { depsLockfileMismatch } from "./analyzers/deps-lockfile-mismatch.ts";
import { depsUndeclared } from "./analyzers/deps-undeclared.ts";
import { filesGeneratedEdited } from "./analyzers/files-generated-edited.ts";
import { filesLargeOrBinary } from "./analyzers/files-large-or-binary.ts";
import { ioUnhandled } from "./analyzers/io-unhandled.ts";
import { createSecretsHardcoded, secretsHardcoded } from "./analyzers/secrets-hardcoded.ts";
import { testsMissing } from "./analyzers/tests-missing.ts";
import { testsWeakened } from "./analyzers/tests-weakened.ts";
import { createFinding } from "./create-finding.ts";
import { severityRank, type Finding } from "./finding.ts";
import { matchGlob } from "./match-glob.ts";
import type { SecretAllowlistConfig } from "./secret-allowlist.ts";

/** Every built-in analyzer, in the order they run. Their ids are part of the product. */
export const ANALYZERS: readonly Analyzer[] = [
  secretsHardcoded,
  testsMissing,
  depsUndeclared,
  debugLeftover,
  ioUnhandled,
  filesLargeOrBinary,
  conflictMarkers,
  depsLockfileMismatch,
  filesGeneratedEdited,
  testsWeakened,
];

/** The repository's settings for the built-in analyzers (from .github/moderator.yml). */
export interface AnalyzersSettings {
  /** `qa.secrets`: values, patterns and paths the secrets rule allows. */
  secrets?: SecretAllowlistConfig;
}

/** The built-in analyzers configured for one repository (ANALYZERS when nothing is configured). */
export function createAnalyzers(settings: AnalyzersSettings = {}): readonly Analyzer[] {
  if (!settings.secrets) return ANALYZERS;
  const secrets = createSecretsHardcoded({ allowlist: settings.secrets });
  return ANALYZERS.map((a) => (a.id === secrets.id ? secrets : a));
}

export interface RunAnalyzersOptions {
  /** Run only these analyzer ids (all when absent). Unknown ids are an error. */
  only?: string[];
  /** Globs of paths to leave out entirely (see matchGlob); a pattern starting with "!" re-includes. */
  ignorePaths?: string[];
  /** Analyzers to run instead of ANALYZERS (tests, plugins). */
  analyzers?: readonly Analyzer[];
}

/**
 * Run the analyzers over a diff. Ignored paths are removed before any analyzer sees them; findings are
 * de-duplicated by fingerprint (keeping the most severe, then most confident). An analyzer that throws
 * does not lose the others' findings: it becomes one `qa/analyzer-error` info finding.
 */
export function runAnalyzers(input: AnalyzerInput, opts: RunAnalyzersOptions = {}): Finding[] {
  const all = opts.analyzers ?? ANALYZERS;
  let selected = all;
  if (opts.only !== undefined) {
    const known = new Set(all.map((a) => a.id));
    const unknown = opts.only.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(
        `runAnalyzers: unknown analyzer id${unknown.length === 1 ? "" : "s"} in "only": ${unknown.join(", ")}. ` +
          `Known ids: ${[...known].join(", ")}`,
      );
    }
    selected = all.filter((a) => opts.only!.includes(a.id));
  }
  const ignore = (opts.ignorePaths ?? []).filter((p) => typeof p === "string" && p.trim() !== "");
  const files = ignore.length === 0 ? input.files : input.files.filter((f) => !isIgnored(f, ignore));
  const filtered: AnalyzerInput = { ...input, files };

  const byFingerprint = new Map<string, Finding>();
  for (const analyzer of selected) {
    let found: Finding[];
    try {
      found = analyzer.analyze(filtered);
    } catch (error) {
      found = [
        createFinding({
          ruleId: "qa/analyzer-error",
          severity: "info",
          confidence: 1,
          title: `Analyzer ${analyzer.id} failed`,
          message: `The ${analyzer.id} analyzer threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}; its findings are missing from this run.`,
          suggestion: "This is a bug in Moderator: please report it with the diff that triggered it.",
          trigger: analyzer.id,
        }),
      ];
    }
    for (const finding of found) {
      const existing = byFingerprint.get(finding.fingerprint);
      if (!existing || isBetter(finding, existing)) byFingerprint.set(finding.fingerprint, finding);
    }
  }
  return [...byFingerprint.values()];
}

function isBetter(a: Finding, b: Finding): boolean {
  const bySeverity = severityRank(a.severity) - severityRank(b.severity);
  return bySeverity !== 0 ? bySeverity > 0 : a.confidence > b.confidence;
}

function isIgnored(file: { path: string; oldPath?: string }, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (matchGlob(file.path, pattern)) ignored = !negated;
  }
  return ignored;
}
