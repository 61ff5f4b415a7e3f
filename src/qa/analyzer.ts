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
  /**
   * Optional list of every file path in the repository at the new version (`git ls-files`), repo-relative.
   * When given, `deps/lockfile-mismatch` can tell that a lockfile exists although the diff does not touch it;
   * without it, that direction of the check is skipped.
   */
  repoFiles?: string[];
  /**
   * Optional first lines (up to FILE_HEAD_LINES) of each added or modified text file at the new version, keyed
   * by repo-relative path. `files/generated-edited` (and `tests/missing`) read generated-file headers
   * ("Code generated ... DO NOT EDIT", "@generated") from them when the diff does not show the top of the file.
   */
  fileHeads?: Record<string, string>;
}

/** How many leading lines of a file `fileHeads` should carry. */
export const FILE_HEAD_LINES = 15;

/** A pure QA rule: diff in, findings out. Never throws on odd input; never does I/O. */
export interface Analyzer {
  /** Rule id, part of the product (shown to users, stored, used in config): e.g. "secrets/hardcoded". */
  id: string;
  /** One line describing what the rule looks for. */
  doc: string;
  analyze(input: AnalyzerInput): Finding[];
}
