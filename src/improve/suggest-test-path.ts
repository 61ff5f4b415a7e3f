import { classifyPath } from "../qa/classify-path.ts";
import { GENERIC_STEMS, baseName, dirName, normalizeStem, sourceStem, testStem } from "./test-naming.ts";

interface Layout {
  /** Folder segments of the source before the part both paths share... */
  from: string[];
  /** ...and what replaces them for the test. */
  to: string[];
  /** The test's file name with `{stem}` (and `{ext}` when the test shares the source's extension). */
  name: string;
}

/**
 * Where a new test for `source` should go, learned from the repository's own pairs of source and test files
 * (`src/qa/x.ts` + `test/unit/qa/x.test.ts` teaches `src/<...>/y.ts` -> `test/unit/<...>/y.test.ts`), else the
 * language's usual place. Undefined when nothing sensible can be said (the agent then follows the repository's
 * conventions itself). Pure; `repoFiles` are repo-relative paths (`git ls-files`).
 */
export function suggestTestPath(source: string, repoFiles: readonly string[]): string | undefined {
  const info = classifyPath(source);
  const stem = sourceStem(source);
  const ext = info.ext;
  const dir = dirName(source);
  const join = (...parts: string[]): string => parts.filter((p) => p.length > 0).join("/");
  if (info.language === "go") return join(dir, `${stem}_test.go`);

  const learned = learnLayout(source, repoFiles);
  if (learned) {
    const segments = dir === "" ? [] : dir.split("/");
    return join(...learned.to, ...segments.slice(learned.from.length), learned.name.replace("{stem}", stem).replace("{ext}", ext));
  }
  const top = new Set(repoFiles.map((f) => f.split("/")[0] ?? ""));
  switch (info.language) {
    case "javascript":
      return join(dir, `${stem}.test.${ext}`);
    case "python":
      return top.has("tests") ? join("tests", `test_${stem}.py`) : join(dir, `test_${stem}.py`);
    case "ruby":
      return top.has("spec") ? join("spec", `${stem}_spec.rb`) : join("test", `${stem}_test.rb`);
    case "java":
    case "kotlin":
      return dir.includes("src/main/") ? join(dir.replace("src/main/", "src/test/"), `${stem}Test.${ext}`) : join(dir, `${stem}Test.${ext}`);
    case "php":
      return join("tests", `${stem}Test.php`);
    default:
      return undefined;
  }
}

function learnLayout(source: string, repoFiles: readonly string[]): Layout | undefined {
  const info = classifyPath(source);
  const sources = new Map<string, string[]>();
  const tests: string[] = [];
  for (const file of repoFiles) {
    const fileInfo = classifyPath(file);
    if (fileInfo.language !== info.language || !fileInfo.isSource) continue;
    if (fileInfo.isTest) {
      tests.push(file);
      continue;
    }
    const stem = sourceStem(file);
    if (GENERIC_STEMS.has(stem.toLowerCase())) continue;
    const key = normalizeStem(stem);
    sources.set(key, [...(sources.get(key) ?? []), file]);
  }
  const votes = new Map<string, { layout: Layout; count: number }>();
  for (const test of tests) {
    const matches = sources.get(normalizeStem(testStem(test))) ?? [];
    if (matches.length !== 1) continue;
    const layout = layoutOf(matches[0]!, test);
    if (!layout) continue;
    const key = `${layout.from.join("/")}\u0000${layout.to.join("/")}\u0000${layout.name}`;
    const entry = votes.get(key);
    if (entry) entry.count++;
    else votes.set(key, { layout, count: 1 });
  }
  const sourceDir = dirName(source).split("/").filter((s) => s.length > 0);
  const applicable = [...votes.entries()]
    .filter(([, v]) => v.layout.from.every((seg, i) => sourceDir[i] === seg))
    .sort(([ka, a], [kb, b]) => b.count - a.count || b.layout.from.length - a.layout.from.length || (ka < kb ? -1 : ka > kb ? 1 : 0));
  return applicable[0]?.[1].layout;
}

/** How the repository placed `test` for `source`: the differing folder prefix, and the name pattern. */
function layoutOf(source: string, test: string): Layout | undefined {
  const stem = sourceStem(source);
  const testName = baseName(test);
  const at = testName.indexOf(stem);
  if (stem === "" || at < 0) return undefined;
  let name = `${testName.slice(0, at)}{stem}${testName.slice(at + stem.length)}`;
  const sourceExt = classifyPath(source).ext;
  if (sourceExt !== "" && name.endsWith(`.${sourceExt}`) && classifyPath(test).ext === sourceExt) name = `${name.slice(0, -sourceExt.length)}{ext}`;
  const s = dirName(source).split("/").filter((x) => x.length > 0);
  const t = dirName(test).split("/").filter((x) => x.length > 0);
  // A test folder right inside the source's folder (`x/__tests__/`) applies to every folder.
  if (t.length === s.length + 1 && s.every((seg, i) => t[i] === seg)) return { from: [], to: [], name: `${t.at(-1)!}/${name}` };
  let shared = 0;
  while (shared < s.length && shared < t.length && s[s.length - 1 - shared] === t[t.length - 1 - shared]) shared++;
  return { from: s.slice(0, s.length - shared), to: t.slice(0, t.length - shared), name };
}
