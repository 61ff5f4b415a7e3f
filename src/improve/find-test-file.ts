import { classifyPath } from "../qa/classify-path.ts";
import { GENERIC_STEMS, dirName, normalizeStem, sourceStem, testStem, unitDirSegments } from "./test-naming.ts";

/** Folders that hold a project's code without naming a unit (`src/qa/x.ts` lives in "qa"). */
const CODE_ROOTS = new Set(["src", "lib", "source", "sources", "main", "java", "kotlin", "scala", "python", "pkg", "app"]);

/**
 * The test file that covers `source` by the repository's naming conventions, if any. Pure.
 *
 * A test covers a source when it is in the same language and names the same unit (see test-naming.ts):
 * `foo.test.ts`, `foo.spec.js`, `__tests__/foo.ts`, `test_foo.py`, `foo_test.py`, `foo_test.go` (same folder,
 * as Go requires), `foo_spec.rb`, `FooTest.java`, `FooTests.cs`. When several sources share the name, the test
 * must also sit in the same neighbourhood (the nearest folder that names a unit is the same: `src/qa/x.ts` and
 * `test/unit/qa/x.test.ts`). Generic names (`index.ts`, `__init__.py`) are matched by their folder's name too
 * (`test/qa.test.ts` covers `src/qa/index.ts`).
 *
 * `tests` are candidate test paths; `sources` are the repository's source paths (to tell whether a name is unique).
 */
export function findTestFile(source: string, tests: readonly string[], sources: readonly string[]): string | undefined {
  const info = classifyPath(source);
  const stem = normalizeStem(sourceStem(source));
  const generic = GENERIC_STEMS.has(sourceStem(source).toLowerCase());
  const folder = normalizeStem(unitFolder(source) ?? "");
  const sameName = sources.filter((s) => classifyPath(s).language === info.language && normalizeStem(sourceStem(s)) === stem);
  const unique = sameName.filter((s) => s !== source).length === 0;

  for (const test of [...tests].sort()) {
    if (test === source) continue;
    const testInfo = classifyPath(test);
    if (!testInfo.isTest || testInfo.language !== info.language) continue;
    if (info.language === "go" && dirName(test) !== dirName(source)) continue;
    const tStem = normalizeStem(testStem(test));
    if (tStem === "") continue;
    if (tStem === stem && (!generic && unique ? true : sameNeighbourhood(source, test))) return test;
    if (generic && folder !== "" && tStem === folder) return test;
  }
  return undefined;
}

/** The nearest folder of `path` that names a unit (not a code root, not a test folder), if any. */
function unitFolder(path: string): string | undefined {
  return unitDirSegments(path)
    .filter((s) => !CODE_ROOTS.has(s.toLowerCase()))
    .at(-1);
}

function sameNeighbourhood(source: string, test: string): boolean {
  const sourceDir = dirName(source);
  const testDir = dirName(test);
  if (testDir === sourceDir || dirName(testDir) === sourceDir) return true;
  const a = unitFolder(source);
  const b = unitFolder(test);
  if (a === undefined || b === undefined) return a === b;
  return normalizeStem(a) === normalizeStem(b);
}
