import { classifyPath, type Language } from "../qa/classify-path.ts";

/**
 * Test-file naming conventions, shared by the test finder and the test-path suggester. Pure.
 *
 * A "stem" is the part of a file name that names the unit: `parse-diff` for `src/qa/parse-diff.ts`,
 * `test/parse-diff.test.ts`, `__tests__/parse-diff.ts`; `utils` for `utils_test.go`, `test_utils.py`;
 * `Foo` for `FooTest.java`. Stems are compared normalized (lower case, without `-`, `_` and `.`), so
 * `parse_diff`, `parse-diff` and `ParseDiff` are the same unit.
 */

/** Languages whose tests live in separate files we can look for by name. Rust keeps unit tests inline, C has no convention. */
export const TESTABLE_LANGUAGES: ReadonlySet<Language> = new Set<Language>(["javascript", "python", "go", "ruby", "java", "kotlin", "php", "csharp", "swift"]);

/** Names that say little about the unit: their folder names it instead (`src/qa/index.ts` is "qa"). */
export const GENERIC_STEMS: ReadonlySet<string> = new Set(["index", "main", "mod", "lib", "__init__", "__main__", "init", "app", "server", "cli"]);

/** Folder names that hold tests rather than name a unit. */
const TEST_DIR_NAMES = new Set(["test", "tests", "__tests__", "__test__", "spec", "specs", "testing", "unit", "integration", "e2e", "functional"]);

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function dirName(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "" : path.slice(0, at);
}

/** The file name without its last extension (`a.test.ts` -> `a.test`, `Makefile` -> `Makefile`). */
export function stripExtension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

export function normalizeStem(stem: string): string {
  return stem.toLowerCase().replace(/[-_.\s]+/g, "");
}

/** The unit a source file names: its base name without extension. */
export function sourceStem(path: string): string {
  return stripExtension(baseName(path));
}

/** The unit a test file names, with the test markers of every common convention removed. */
export function testStem(path: string): string {
  let stem = stripExtension(baseName(path));
  // `api.integration.test` -> `api`: markers can stack.
  for (let i = 0; i < 3; i++) {
    const next = stem.replace(/(?<=.)[._-](?:test|tests|spec|specs|integration|e2e|unit)$/i, "");
    if (next === stem) break;
    stem = next;
  }
  stem = stem.replace(/^test_/i, "");
  stem = stem.replace(/(?<=[a-z0-9])(?:Tests?|Spec|IT)$/, "");
  return stem;
}

/** Test folders and conventional names are not part of the unit's location: `test/unit/qa` -> `qa`. */
export function unitDirSegments(path: string): string[] {
  return dirName(path)
    .split("/")
    .filter((s) => s.length > 0 && !TEST_DIR_NAMES.has(s.toLowerCase()));
}

/** Whether `path` is a test file by the common conventions (classifyPath). */
export function isTestPath(path: string): boolean {
  return classifyPath(path).isTest;
}
