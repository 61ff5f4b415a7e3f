export type Language =
  | "javascript"
  | "python"
  | "go"
  | "rust"
  | "java"
  | "kotlin"
  | "ruby"
  | "php"
  | "csharp"
  | "swift"
  | "c"
  | "other";

export interface PathInfo {
  /** Lower-case extension without the dot ("" when none). */
  ext: string;
  language: Language;
  /** A test file by location or name (test/, tests/, __tests__/, spec/, *_test.*, *.test.*, *.spec.*, test_*.py, ...). */
  isTest: boolean;
  /** Program source by extension (see SOURCE_EXTENSIONS); declaration files (.d.ts) are not source. */
  isSource: boolean;
}

const LANGUAGE_BY_EXT: Record<string, Language> = {
  ts: "javascript",
  tsx: "javascript",
  mts: "javascript",
  cts: "javascript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  py: "python",
  go: "go",
  rs: "rust",
  java: "java",
  kt: "kotlin",
  rb: "ruby",
  php: "php",
  cs: "csharp",
  swift: "swift",
  c: "c",
  cc: "c",
  cpp: "c",
  h: "c",
};

const TEST_DIRS = new Set(["test", "tests", "__tests__", "spec", "specs", "__test__", "testing"]);

/** A single script that shows or measures the code, by its name: example.js, demo_cli.py, bench.js (not examples.ts). */
export const EXAMPLE_SCRIPT_NAME = /(?:^|\/)(?:example|demo|bench|benchmark)(?:[-_][^/]*)?\.[a-z]+$/i;

/** The language an interpreter line (`#!/usr/bin/env node`) names, for files without an extension. */
export function shebangLanguage(firstLine: string): Language | undefined {
  const m = /^#!\s*\S*?(?:\/env(?:\s+-\S+)*\s+|\/)(node|nodejs|deno|bun|python[\d.]*|ruby|php)\b/.exec(firstLine);
  if (!m) return undefined;
  const name = m[1]!;
  return name.startsWith("python") ? "python" : name === "ruby" ? "ruby" : name === "php" ? "php" : "javascript";
}

/** Paths already classified: every analyzer asks about every file of a diff. Bounded; cleared when full. */
const CACHE = new Map<string, Readonly<PathInfo>>();
const CACHE_SIZE = 20_000;

/** Classify a repo-relative path by extension and test conventions. Pure; no file access. Results are cached. */
export function classifyPath(path: string): PathInfo {
  const cached = CACHE.get(path);
  if (cached !== undefined) return cached;
  if (CACHE.size >= CACHE_SIZE) CACHE.clear();
  const info = Object.freeze(classifyUncached(path));
  CACHE.set(path, info);
  return info;
}

function classifyUncached(path: string): PathInfo {
  const segments = path.split("/").filter((s) => s.length > 0);
  const base = segments.at(-1) ?? "";
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
  const language = LANGUAGE_BY_EXT[ext] ?? "other";
  const dirs = segments.slice(0, -1).map((s) => s.toLowerCase());
  const lowerBase = base.toLowerCase();
  const isTest =
    dirs.some((d) => TEST_DIRS.has(d) || d.endsWith(".tests") || d.endsWith(".test")) ||
    /^[^.]+.*_test\.[^.]+$/.test(lowerBase) ||
    /\.(test|spec)\.[^.]+$/.test(lowerBase) ||
    /^test_.*\.py$/.test(lowerBase) ||
    // A package's single test script (test.js, test-node.js, tests.py) and name-test.js; code only (not test-plan.md).
    (language !== "other" && (/^tests?(?:[-_][^/]*)?\.[^.]+$/.test(lowerBase) || /[-_](?:test|spec)s?\.[^.]+$/.test(lowerBase))) ||
    lowerBase === "conftest.py" ||
    /_spec\.rb$/.test(lowerBase) ||
    /^[A-Z]\w*Tests?\.(java|kt|cs|swift)$/.test(base);
  const isSource = language !== "other" && !/\.d\.[cm]?ts$/.test(lowerBase);
  return { ext, language, isTest, isSource };
}
