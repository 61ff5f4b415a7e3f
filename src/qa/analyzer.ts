import type { DiffFile } from "./parse-diff.ts";
import type { Finding } from "./finding.ts";

/** What every analyzer sees: the parsed diff and, for added/modified files, the size in bytes of the new version. */
export interface AnalyzerInput {
  files: DiffFile[];
  fileSizes: Record<string, number>;
  /**
   * Optional full text of dependency manifests at the new version, keyed by repo-relative path
   * (package.json, requirements*.txt, pyproject.toml, setup.cfg, setup.py, Pipfile, go.mod).
   * When given, `deps/undeclared` checks imports against them precisely (high confidence);
   * without them it can only look at the manifests' added lines in the diff.
   */
  manifests?: Record<string, string>;
}

/** A pure QA rule: diff in, findings out. Never throws on odd input; never does I/O. */
export interface Analyzer {
  /** Rule id, part of the product (shown to users, stored, used in config): e.g. "secrets/hardcoded". */
  id: string;
  /** One line describing what the rule looks for. */
  doc: string;
  analyze(input: AnalyzerInput): Finding[];
}
