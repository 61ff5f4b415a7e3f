import { isGeneratedFile } from "../qa/analyzers/files-generated-edited.ts";
import { classifyPath } from "../qa/classify-path.ts";
import { severityRank, type Finding, type Severity } from "../qa/finding.ts";
import { addedLines, type DiffFile } from "../qa/parse-diff.ts";
import { createImprovement } from "./create-improvement.ts";
import { detectApiChanges, type ApiChange } from "./detect-api-changes.ts";
import { findTestFile } from "./find-test-file.ts";
import { IMPROVEMENT_TITLE_MAX, type Improvement } from "./improvement.ts";
import { rankImprovements } from "./rank-improvements.ts";
import { suggestTestPath } from "./suggest-test-path.ts";
import { TESTABLE_LANGUAGES, baseName, sourceStem } from "./test-naming.ts";

export interface ProposeImprovementsInput {
  /** The run's diff, parsed. */
  files: DiffFile[];
  /** The run's QA findings (leave out dismissed ones). */
  findings: Finding[];
  /**
   * Every file of the repository at the new version (`git ls-files`), repo-relative. Without it, existing tests
   * cannot be seen, so tests are proposed only for source files the change adds.
   */
  repoFiles?: string[];
  /** First lines of changed files (as for the analyzers), to recognise generated files by their header. */
  fileHeads?: Record<string, string>;
}

/** At most this many improvements of each kind, the best ones. */
export const PROPOSAL_CAPS = { tests: 3, docs: 2, fix: 3 } as const;
/** A source file needs this many added lines of real code before a test file is worth a pull request. */
const MIN_CODE_LINES = 3;
/** Findings listed in one fix task at most (the agent is told how many more there are). */
const MAX_FIXES_LISTED = 20;
const MAX_REPLACEMENT_CHARS = 2000;

/** Lines that add no behaviour: blank, comments, imports, re-exports, lone closing brackets. */
const TRIVIAL_LINE =
  /^(?:$|\/\/|\/\*|\*|#(?!\w*\s*[=(])|"""|'''|import\b|from\s+\S+\s+import\b|package\b|using\b|use\s|require\(|export\s+(?:\*|type\s+\{[^}]*\}|\{[^}]*\})\s+from\b|[)\]}]+[;,)]*$)/;
/** Folders whose code is not where tests are owed. */
const UNTESTED_DIRS = new Set(["scripts", "script", "examples", "example", "samples", "docs", "doc", "migrations", "bench", "benchmarks", "fixtures", "__fixtures__", "__mocks__", "stories", "storybook"]);
const UNTESTED_FILES = /^(?:setup\.py|manage\.py|conftest\.py|__main__\.py|wsgi\.py|asgi\.py|.*\.config\.[^.]+|.*\.stories\.[^.]+|.*\.d\.[cm]?ts)$/i;

const SEVERITY_PRIORITY: Record<Severity, number> = { critical: 1, high: 1, medium: 2, low: 3, info: 4 };
const SEVERITY_WEIGHT: Record<Severity, number> = { critical: 1, high: 0.9, medium: 0.7, low: 0.5, info: 0.3 };

/**
 * Deterministic follow-up improvements for one run. Pure.
 * - **tests**: one per changed source file that gained code and has no test file by the repository's conventions
 *   (see findTestFile; a test in the diff that imports the file also counts), at most 3, new files first.
 * - **docs**: one per file whose public API changed (exported functions/classes added, re-signed or removed in
 *   JS/TS, Python or Go) when the change touched no README or docs, at most 2.
 * - **fix**: one per rule whose findings carry an exact `replacement`, covering all of that rule's findings, at most 3.
 * Ranked best first (rankImprovements); fingerprints never depend on line numbers.
 */
export function proposeImprovements(input: ProposeImprovementsInput): Improvement[] {
  const files = Array.isArray(input.files) ? input.files : [];
  const findings = Array.isArray(input.findings) ? input.findings : [];
  const repoFiles = Array.isArray(input.repoFiles) ? input.repoFiles.map(cleanPath).filter((p) => p.length > 0) : undefined;
  return rankImprovements([
    ...rankImprovements(proposeTests(files, repoFiles, input.fileHeads)).slice(0, PROPOSAL_CAPS.tests),
    ...rankImprovements(proposeDocs(files, repoFiles)).slice(0, PROPOSAL_CAPS.docs),
    ...rankImprovements(proposeFixes(findings)).slice(0, PROPOSAL_CAPS.fix),
  ]);
}

function proposeTests(files: DiffFile[], repoFiles: string[] | undefined, fileHeads: Record<string, string> | undefined): Improvement[] {
  const deleted = new Set(files.filter((f) => f.status === "deleted").map((f) => f.path));
  const live = files.filter((f) => f.status !== "deleted");
  const known = [...new Set([...(repoFiles ?? []), ...live.map((f) => f.path)])].filter((p) => !deleted.has(p)).sort();
  const tests = known.filter((p) => classifyPath(p).isTest);
  const sources = known.filter((p) => {
    const info = classifyPath(p);
    return info.isSource && !info.isTest;
  });
  const diffTests = live.filter((f) => classifyPath(f.path).isTest);
  const out: Improvement[] = [];
  for (const file of live) {
    const info = classifyPath(file.path);
    if (!info.isSource || info.isTest || file.binary || !TESTABLE_LANGUAGES.has(info.language)) continue;
    if (!isTestWorthyPath(file.path) || isGeneratedFile(file, fileHeads)) continue;
    // Without the repository's file list, an existing test of a modified file cannot be seen.
    if (repoFiles === undefined && file.status !== "added") continue;
    const code = addedLines(file).filter((l) => !TRIVIAL_LINE.test(l.text.trim()));
    if (code.length < MIN_CODE_LINES) continue;
    const covered =
      findTestFile(file.path, tests, sources) ??
      (file.oldPath ? findTestFile(file.oldPath, tests, sources) : undefined) ??
      diffTests.find((t) => importsUnit(t, file.path))?.path;
    if (covered !== undefined) continue;

    const suggested = suggestTestPath(file.path, repoFiles ?? known);
    const isNew = file.status === "added";
    const api = detectApiChanges(file).filter((c) => c.change !== "removed");
    const lines = `${code.length} line${code.length === 1 ? "" : "s"} of code`;
    const task = [
      `Write tests for \`${file.path}\`, which ${isNew ? "this change added" : "this change modified"} without tests.`,
      suggested
        ? `- Put them in \`${suggested}\` (where this repository keeps tests like it), using the test framework and helpers the repository already uses.`
        : "- Put them where this repository keeps its tests, named by its conventions, using the test framework the repository already uses.",
      api.length > 0
        ? `- Cover the public behaviour that changed: ${api.slice(0, 8).map((c) => `\`${c.name}\``).join(", ")}${api.length > 8 ? ", ..." : ""}; include edge cases and error paths.`
        : "- Cover the behaviour this change added or changed, including edge cases and error paths.",
      `- Do not change \`${file.path}\` unless a test exposes a real bug; if it does, fix it minimally and say so in your summary.`,
      "- Run the tests; they must pass. Change nothing unrelated.",
    ].join("\n");
    out.push(
      createImprovement({
        type: "tests",
        target: file.path,
        title: titleWithPath("Add tests for ", file.path),
        rationale: `\`${file.path}\` ${isNew ? "is new" : "changed"} (${lines} added) and no test file covers it by the repository's conventions, so a regression there would not fail CI.`,
        priority: isNew ? 2 : 3,
        impact: (isNew ? 0.5 : 0.35) + 0.3 * Math.min(1, code.length / 100),
        task,
        files: [file.path],
      }),
    );
  }
  return out;
}

function proposeDocs(files: DiffFile[], repoFiles: string[] | undefined): Improvement[] {
  if (files.some((f) => isDocPath(f.path))) return [];
  const docs = (repoFiles ?? [])
    .filter(isDocPath)
    .sort((a, b) => Number(!/^readme/i.test(baseName(a))) - Number(!/^readme/i.test(baseName(b))) || a.split("/").length - b.split("/").length || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5);
  const out: Improvement[] = [];
  for (const file of files) {
    const changes = detectApiChanges(file);
    if (changes.length === 0) continue;
    const breaking = changes.filter((c) => c.change !== "added");
    const names = changes.map((c) => c.name);
    const parts = [
      describe(changes, "added", "added"),
      describe(changes, "changed", "new signature for"),
      describe(changes, "removed", "removed"),
    ].filter((p) => p !== "");
    const list = changes.slice(0, 15).map((c) =>
      c.change === "changed" ? `- changed: \`${code(c.previous ?? "")}\` -> \`${code(c.signature)}\`` : `- ${c.change}: \`${code(c.signature)}\``,
    );
    if (changes.length > 15) list.push(`- ... and ${changes.length - 15} more`);
    const task = [
      `Update the documentation for the public API changes in \`${file.path}\`:`,
      ...list,
      docs.length > 0
        ? `Update where the repository documents this (${docs.map((d) => `\`${d}\``).join(", ")}); add a short section if nothing covers it yet.`
        : "The repository has no README or docs folder yet: add a short section to README.md.",
      "Describe what each item does, its parameters and an example that matches the new signature. Change no code.",
    ].join("\n");
    out.push(
      createImprovement({
        type: "docs",
        target: `${file.path}\u0000${[...new Set(names)].sort().join(",")}`,
        title: titleWithPath("Document the API changes in ", file.path),
        rationale: `The public API of \`${file.path}\` changed (${parts.join("; ")}) but the change touches no README or docs, so users would not learn about it.`,
        priority: breaking.length > 0 ? 3 : 4,
        impact: Math.min(0.6, 0.25 + 0.05 * changes.length + (breaking.length > 0 ? 0.1 : 0)),
        task,
        files: [file.path],
      }),
    );
  }
  return out;
}

function proposeFixes(findings: Finding[]): Improvement[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    if (typeof f.replacement !== "string" || !f.path || f.line === undefined) continue;
    byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  }
  const out: Improvement[] = [];
  for (const [ruleId, group] of byRule) {
    const unique = [...new Map(group.map((f) => [f.fingerprint, f])).values()].sort(
      (a, b) => (a.path! < b.path! ? -1 : a.path! > b.path! ? 1 : 0) || a.line! - b.line! || (a.fingerprint < b.fingerprint ? -1 : 1),
    );
    const worst = unique.reduce<Severity>((s, f) => (severityRank(f.severity) > severityRank(s) ? f.severity : s), "info");
    const confidence = unique.reduce((sum, f) => sum + f.confidence, 0) / unique.length;
    const n = unique.length;
    const items = unique.slice(0, MAX_FIXES_LISTED).map((f, i) => {
      const where = f.endLine && f.endLine !== f.line ? `lines ${f.line}-${f.endLine}` : `line ${f.line}`;
      const replacement = f.replacement!.length > MAX_REPLACEMENT_CHARS ? `${f.replacement!.slice(0, MAX_REPLACEMENT_CHARS)}\n[... cut ...]` : f.replacement!;
      const them = f.endLine && f.endLine !== f.line ? "those lines" : "that line";
      const head = `${i + 1}. \`${f.path}\` ${where}: ${oneLine(f.title)}`;
      if (replacement === "") return `${head}\n   Delete ${them}.`;
      return [head, `   Replace ${them} with:`, indent(fence(replacement), "   ")].join("\n");
    });
    if (n > MAX_FIXES_LISTED) items.push(`... and ${n - MAX_FIXES_LISTED} more findings of \`${ruleId}\`: fix them the same way.`);
    const task = [
      `Apply the fixes QA suggested for \`${ruleId}\` (${n} finding${n === 1 ? "" : "s"}).`,
      "Line numbers are from the pull request's head; find each place by its content if lines moved.",
      "",
      ...items,
      "",
      "Apply each fix exactly as given, and change nothing else.",
    ].join("\n");
    const paths = [...new Set(unique.map((f) => f.path!))];
    out.push(
      createImprovement({
        type: "fix",
        target: `${ruleId}\u0000${unique.map((f) => f.fingerprint).sort().join(",")}`,
        title: `Apply ${n === 1 ? "the suggested fix" : `${n} suggested fixes`} for ${ruleId}`,
        rationale: `QA found ${n} ${ruleId} finding${n === 1 ? "" : "s"} with an exact fix (${oneLine(unique[0]!.title)}${n > 1 ? ", ..." : ""}) in ${paths.length === 1 ? `\`${paths[0]}\`` : `${paths.length} files`}; applying ${n === 1 ? "it" : "them"} is mechanical.`,
        priority: SEVERITY_PRIORITY[worst],
        impact: Math.min(1, SEVERITY_WEIGHT[worst] * confidence),
        task,
        files: paths,
      }),
    );
  }
  return out;
}

/** README*, anything under docs/ (doc/, documentation/, website/), and reStructuredText/AsciiDoc/MDX pages. */
export function isDocPath(path: string): boolean {
  const lower = path.toLowerCase();
  const segments = lower.split("/");
  return (
    /^readme(?:\.[^/]*)?$/.test(segments.at(-1) ?? "") ||
    segments.slice(0, -1).some((s) => s === "docs" || s === "doc" || s === "documentation" || s === "website") ||
    /\.(?:rst|adoc|asciidoc|mdx)$/.test(lower)
  );
}

function isTestWorthyPath(path: string): boolean {
  const segments = path.split("/");
  if (segments.slice(0, -1).some((s) => UNTESTED_DIRS.has(s.toLowerCase()))) return false;
  return !UNTESTED_FILES.test(segments.at(-1) ?? "");
}

/** A test in the diff whose added import/require lines name the source file's module. */
function importsUnit(test: DiffFile, source: string): boolean {
  const stem = sourceStem(source);
  if (stem === "" || stem.toLowerCase() === "index" || stem === "__init__") return false;
  const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = new RegExp(String.raw`(?:^|[/.'"\s])${escaped}(?:\.\w+)?(?:['"\s;,]|$)`);
  return addedLines(test).some((l) => /\b(?:import|require|from)\b/.test(l.text) && names.test(l.text));
}

/** "added `a`, `b`" for the changes of one kind (at most 4 names), or "" when there is none. */
function describe(changes: ApiChange[], kind: ApiChange["change"], label: string): string {
  const names = changes.filter((c) => c.change === kind).map((c) => `\`${code(c.name)}\``);
  if (names.length === 0) return "";
  return `${label} ${names.slice(0, 4).join(", ")}${names.length > 4 ? ` and ${names.length - 4} more` : ""}`;
}

/** `prefix` + path, shortened from the left (keeping the file name) so the title fits in 100 characters. */
function titleWithPath(prefix: string, path: string): string {
  const room = IMPROVEMENT_TITLE_MAX - prefix.length;
  if (path.length <= room) return `${prefix}${path}`;
  const segments = path.split("/");
  let tail = segments.at(-1) ?? path;
  for (let i = segments.length - 2; i >= 0 && `…/${segments[i]}/${tail}`.length <= room; i--) tail = `${segments[i]}/${tail}`;
  return `${prefix}…/${tail}`;
}

function cleanPath(p: unknown): string {
  return typeof p === "string" ? p.trim().replace(/^\.\//, "") : "";
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Text for inline code: one line, backticks replaced. */
function code(text: string): string {
  return oneLine(text).replace(/`/g, "'");
}

function fence(text: string): string {
  let ticks = "```";
  while (text.includes(ticks)) ticks += "`";
  return `${ticks}\n${text}\n${ticks}`;
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => (l.length > 0 ? by + l : l))
    .join("\n");
}
