import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath, type Language } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import type { DiffFile, DiffLine, Hunk } from "../parse-diff.ts";
import { addedText, deletedText, forLines, lineSetMatching, linesMatching } from "../file-text.ts";
import { unionRegex } from "../union-regex.ts";

const RULE = "tests/weakened";

interface SkipPattern {
  label: string;
  regex: RegExp;
  why: string;
  confidence: number;
  /** A skip under a condition (platform, environment): not weakening when the test it guards is new. */
  conditional?: boolean;
  /** Only in files of these languages (`fit(` is a focused Jasmine test, and a model's fit() in Python). */
  languages?: Language[];
  /** The line without the skip (a ```suggestion), or "" to drop a line that only skips. */
  fix: (text: string) => string | undefined;
}

const dropLine = (text: string): string | undefined => (/^\s*$/.test(text) ? undefined : "");
const wholeCall = (text: string, regex: RegExp): boolean =>
  new RegExp(String.raw`^\s*(?:${regex.source})[^;]*\)\s*;?\s*$`).test(text);

const SKIPS: SkipPattern[] = [
  {
    label: ".only",
    languages: ["javascript", "ruby"],
    regex: /\b(?:it|test|describe|context|suite|specify)\.only\s*\(|(?<![\w.$])f(?:it|describe)\s*\(/,
    why: "focuses the run on this test: every other test in the file (often the whole suite) silently stops running",
    confidence: 0.9,
    fix: (t) => t.replace(/\.only(\s*\()/, "$1").replace(/(?<![\w.$])f(it|describe)(\s*\()/, "$1$2"),
  },
  {
    label: ".skip",
    languages: ["javascript", "ruby"],
    regex: /\b(?:it|test|describe|context|suite|specify)\.skip\s*\(/,
    why: "skips the test, so it no longer checks anything",
    confidence: 0.9,
    fix: (t) => t.replace(/\.skip(\s*\()/, "$1"),
  },
  {
    label: "x-prefixed test",
    languages: ["javascript", "ruby"],
    regex: /(?<![\w.$])x(?:it|describe|test|context|specify)\s*\(/,
    why: "skips the test, so it no longer checks anything",
    confidence: 0.9,
    fix: (t) => t.replace(/(?<![\w.$])x(it|describe|test|context|specify)(\s*\()/, "$1$2"),
  },
  {
    label: ".todo",
    languages: ["javascript", "ruby"],
    regex: /\b(?:it|test)\.todo\s*\(/,
    why: "turns the test into a placeholder that never runs",
    confidence: 0.7,
    fix: () => undefined,
  },
  {
    label: "@pytest.mark.skip",
    regex: /^\s*@pytest\.mark\.skip\b/,
    why: "skips the test, so it no longer checks anything",
    confidence: 0.9,
    fix: dropLine,
  },
  {
    label: "@pytest.mark.skipif",
    regex: /^\s*@pytest\.mark\.skipif\b/,
    why: "skips the test under a condition (check that the condition is not always true)",
    confidence: 0.5,
    conditional: true,
    fix: dropLine,
  },
  {
    label: "@pytest.mark.xfail",
    regex: /^\s*@pytest\.mark\.xfail\b/,
    why: "marks the test as expected to fail, so its failure no longer fails the build",
    confidence: 0.8,
    fix: dropLine,
  },
  {
    label: "@unittest.skip",
    regex: /^\s*@unittest\.(?:skip|skipIf|skipUnless|expectedFailure)\b/,
    why: "skips the test (or expects it to fail), so it no longer checks anything",
    confidence: 0.85,
    fix: dropLine,
  },
  {
    label: "pytest.skip()",
    regex: /\bpytest\.skip\s*\(|\bself\.skipTest\s*\(/,
    why: "skips the test at run time",
    confidence: 0.8,
    fix: (t) => (wholeCall(t, /pytest\.skip\s*\(|self\.skipTest\s*\(/) ? "" : undefined),
  },
  {
    label: "t.Skip()",
    regex: /\bt\.Skip(?:f|Now)?\s*\(/,
    why: "skips the test at run time",
    confidence: 0.85,
    fix: (t) => (wholeCall(t, /t\.Skip(?:f|Now)?\s*\(/) ? "" : undefined),
  },
  {
    label: "#[ignore]",
    regex: /^\s*#\[ignore(?:\s*=\s*"[^"]*")?\]\s*$/,
    why: "excludes the test from `cargo test`",
    confidence: 0.9,
    fix: () => "",
  },
  {
    label: "@Disabled",
    regex: /^\s*@(?:Disabled|Ignore)\b(?:\([^)]*\))?\s*$/,
    why: "disables the test (JUnit)",
    confidence: 0.9,
    fix: () => "",
  },
  {
    label: "skip/pending (RSpec)",
    regex: /^\s*(?:skip|pending)(?:\s*\(|\s+["']|\s*$)/,
    why: "skips the example",
    confidence: 0.7,
    fix: dropLine,
  },
];

/**
 * A skip or todo in a test file the change adds whole weakens nothing that ran before (a placeholder, a test the
 * author parks): listed under the review's threshold. A focus (.only) there still stops the rest of the suite.
 */
const ADDED_FILE_SKIP_CONFIDENCE = 0.3;

/**
 * All the skip patterns as one regex (they share their flags): a line it does not match is skipped without trying
 * each pattern. Undefined when the flags differ (then every pattern is tried).
 */
const ANY_SKIP = unionRegex(SKIPS.map((p) => p.regex));
/** ANY_SKIP for linesMatching (the skip patterns treat a line break as a line's end). */
const ANY_SKIP_LINES = ANY_SKIP && forLines(ANY_SKIP);

/** A conditional skip (short mode, platform, missing tool) on the line above is usually legitimate. */
const CONDITIONAL_GUARD = /\bif\b.*(?:testing\.Short\(\)|runtime\.GOOS|os\.Getenv|LookPath|sys\.platform|os\.name|shutil\.which|process\.platform|process\.env)/;

/** Assertion calls across the test frameworks we know (JS/TS, Python, Go, Java/Kotlin, Rust, Ruby, C#). */
const ASSERTION =
  /\bexpect\s*\(|\bassert(?:_\w+|[A-Z]\w*)?\s*[!(]|\bassert\.\w+\s*\(|\bassert\s+\S|\.should(?:\.|\s*\(|\b)|\bself\.assert\w*\s*\(|\bpytest\.raises\s*\(|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\b(?:require|assert)\.[A-Z]\w*\s*\(|\bAssert\.\w+\s*\(|\bAssertions\.\w+\s*\(|\bassertThat\s*\(|\bverify\s*\(|\b(?:is|deepEqual|strictEqual|equal|ok|throws|rejects)\s*\(|\bt\.(?:is|deepEqual|true|false|throws|like)\s*\(/;
/** Lines that only mention assertions: comments, imports. */
const NOT_CODE = /^\s*(?:\/\/|#(?!\[)|\/\*|\*|--|import\b|from\s+\S+\s+import\b|require\(|const\s+\{?\s*(?:expect|assert))/;

/** Assertions that can never fail: `assert True`, `expect(true).toBe(true)`, `assertTrue(true)`, `assert!(true)`. */
const TAUTOLOGY = new RegExp(
  [
    String.raw`^\s*assert\s+(?:True|1|not\s+(?:False|None|0))\s*(?:,.*)?$`,
    String.raw`\b(?:self\.)?assert(?:True|_true)\s*\(\s*(?:True|true|1)\s*[,)]`,
    String.raw`\b(?:self\.)?assert(?:False|_false)\s*\(\s*(?:False|false|0|None|null)\s*[,)]`,
    String.raw`\bexpect\s*\(\s*(true|false|1|0|null|undefined)\s*\)\s*\.\s*(?:toBe|toEqual|toStrictEqual)\s*\(\s*\1\s*\)`,
    String.raw`\bexpect\s*\(\s*(?:true|1)\s*\)\s*\.\s*toBeTruthy\s*\(\s*\)`,
    String.raw`\bassert(?:\.ok)?\s*\(\s*(?:true|1)\s*[,)]`,
    String.raw`\b(?:assert|require)\.True\s*\(\s*t\s*,\s*true\s*[,)]`,
    String.raw`\bassert!\s*\(\s*true\s*[,)]`,
    String.raw`\bassert(?:Equals?|_eq!?)\s*\(\s*([\w.]+|"[^"]*"|'[^']*')\s*,\s*\2\s*\)`,
  ].join("|"),
);

/** ASSERTION, TAUTOLOGY and LOOSE_MATCHER for linesMatching (they treat a line break as a line's end). */
const ASSERTION_LINES = forLines(ASSERTION);
const TAUTOLOGY_LINES = forLines(TAUTOLOGY);

/** An added catch/except clause whose body ignores the error. */
const JS_CATCH = /^(\s*)(?:\}\s*)?catch\s*(?:\([^)]*\))?\s*\{(.*)$/;
const PY_EXCEPT = /^(\s*)except\b[^:]*:\s*(.*)$/;
const IGNORED_BODY = /^\s*(?:$|\/\/.*|\/\*.*\*\/\s*|#.*|pass\s*(?:#.*)?|\.\.\.|\}\s*;?)$/;

/** Table-driven tests: one assertion line checks many cases. */
const TABLE_DRIVEN =
  /\b(?:it|test|describe)\.each\b|@pytest\.mark\.parametrize\b|@ParameterizedTest\b|@(?:Csv|Value|Method)Source\b|\bfor\s+(?:_|\w+)\s*,\s*(?:tc|tt|test|c)\s*:=\s*range\b|\bfor\s+\w+\s+in\s+(?:cases|test_cases|examples)\b|\btest_case\s*\(|#\[rstest\]|#\[case\(/;

/** Matchers that pin a value, and the looser ones they get swapped for. */
const STRICT_MATCHER =
  /\.(?:(?:toBe|toEqual|toStrictEqual|toMatchObject|toHaveLength|toContain|toContainEqual|toMatch|toHaveBeenCalledWith|toHaveBeenCalledTimes|toHaveBeenLastCalledWith|toHaveProperty|toMatchSnapshot|toMatchInlineSnapshot)\s*\(|toThrow(?:Error)?\s*\(\s*[^)\s])|\bassert(?:Equals?|StrictEqual|ListEqual|DictEqual|CountEqual|SetEqual|TupleEqual|Same|ArrayEquals|Raises(?:Regex)?|In|Is|IsInstance)\s*\(|\b(?:assert|require)\.(?:Equal|EqualValues|Exactly|Len|Contains|JSONEq|ElementsMatch|ErrorIs|ErrorContains|EqualError|Same)\s*\(|\bassert_eq!|\bassert\s+[^=!<>]+(?:==|!=|\bin\b|\bis\b)/;
const LOOSE_MATCHER =
  /\.(?:toBeTruthy|toBeFalsy|toBeDefined|toBeInstanceOf)\s*\(|\.not\.(?:toBeNull|toBeUndefined|toBeNaN)\s*\(|\.toThrow(?:Error)?\s*\(\s*\)|\.toHaveBeenCalled\s*\(\s*\)|\.toBeGreaterThan(?:OrEqual)?\s*\(\s*-?[01]\s*\)|expect\.anything\(\)|\bassert(?:True|False|IsNotNone|IsNone|Is?NotNull|NotNull|Truthy)\s*\(|\b(?:assert|require)\.(?:NotNil|NotEmpty|True|False|NoError|Error|Greater|Positive)\s*\(|\bassert!\s*\(|^\s*assert\s+(?:not\s+)?[\w.()\[\]'"]+\s*(?:,.*)?$|^\s*assert\s+[\w.()\[\]'"]+\s+is\s+not\s+None\b/;
const LOOSE_LINES = forLines(LOOSE_MATCHER);
/** Words that name the assertion machinery, not what is asserted. */
const ASSERT_WORDS =
  /^(?:expect|assert\w*|require|to[A-Z]\w*|to|not\w*|self|t|is|should|be|none|null|nil|true|false|eq|ne|equal\w*|anything|undefined|empty|error|greater\w*|positive|len|contains|exactly|same|raises|verify)$/i;

export const testsWeakened: Analyzer = {
  id: RULE,
  doc: "Tests weakened: assertions removed, tests skipped or focused (.skip, xit, .only, @pytest.mark.skip, t.Skip, #[ignore], @Disabled), expectations loosened (toBe -> toBeTruthy), test files deleted.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    const deletedSources = input.files.filter((f) => f.status === "deleted").map((f) => stem(f.path));
    const addedTests = input.files.filter((f) => f.status !== "deleted" && isTestSource(f.path)).map((f) => baseOf(f.path));
    for (const file of input.files) {
      if (file.binary) continue;
      const test = isTestSource(file.path);
      const rustInline = !test && file.path.endsWith(".rs") && file.hunks.some((h) => h.lines.some((l) => /#\[(?:cfg\(test\)|test|tokio::test)\]|\bmod tests\b/.test(l.text)));
      if (!test && !rustInline && !file.path.endsWith(".rs")) continue;
      if (file.status === "deleted") {
        if (test) findings.push(deletedTestFinding(file, deletedSources, addedTests));
        continue;
      }
      findings.push(...skipFindings(file, test || rustInline));
      if (test || rustInline) findings.push(...assertionFindings(file));
    }
    return findings;
  },
};

/** A test file by location or name that holds code (not a fixture, snapshot or data file). */
function isTestSource(path: string): boolean {
  const info = classifyPath(path);
  return info.isTest && info.isSource && !/(?:^|\/)(?:fixtures?|__snapshots__|testdata|__fixtures__|snapshots)\//.test(path);
}

const baseOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** The name of the code under test: foo.test.ts, test_foo.py, foo_test.go, FooTest.java, foo_spec.rb -> foo. */
function stem(path: string): string {
  return baseOf(path)
    .replace(/\.[^.]+$/, "")
    .replace(/\.(?:test|spec)$/i, "")
    .replace(/^test_|_test$|_spec$|Tests?$/g, "")
    .toLowerCase();
}

function deletedTestFinding(file: DiffFile, deletedSources: string[], addedTests: string[]): Finding {
  const own = stem(file.path);
  // Deleting the tests of code that is deleted too, or moving them to a new file, is not weakening.
  const codeGone = deletedSources.filter((s) => s === own).length > 1;
  const moved = addedTests.includes(baseOf(file.path));
  const removed = file.hunks.flatMap((h) => h.lines).filter((l) => l.kind === "del" && isAssertion(l.text)).length;
  return createFinding({
    ruleId: RULE,
    severity: "high",
    confidence: codeGone || moved ? 0.3 : 0.8,
    path: file.path,
    title: "Test file deleted",
    message:
      `This change deletes \`${file.path}\`${removed > 0 ? ` and its ${removed} assertion${removed === 1 ? "" : "s"}` : ""}` +
      `${codeGone ? ", together with the code it tests" : ", while the code it tests stays"}. Whatever it checked is no longer checked.`,
    suggestion: codeGone
      ? "If the feature is gone, this is expected; otherwise restore the tests."
      : "Restore the test file, or move its cases to where they now belong; fix the code rather than the tests if they fail.",
    trigger: "test-file-deleted",
  });
}

function skipFindings(file: DiffFile, testFile: boolean): Finding[] {
  const findings: Finding[] = [];
  const language = classifyPath(file.path).language;
  // Prefilter: one scan of the added text finds the lines any skip pattern matches; a file without one is done.
  const candidates = ANY_SKIP_LINES ? lineSetMatching(addedText(file), ANY_SKIP_LINES) : undefined;
  if (candidates?.size === 0) return findings;
  const deleted = new Map<string, number>();
  for (const h of file.hunks) {
    for (const l of h.lines) {
      if (l.kind !== "del") continue;
      const key = l.text.trim();
      deleted.set(key, (deleted.get(key) ?? 0) + 1);
    }
  }
  for (const hunk of file.hunks) {
    let previous = "";
    for (const line of hunk.lines) {
      if (line.kind === "del") continue;
      const above = previous;
      previous = line.text;
      if (line.kind !== "add" || line.newLine === undefined) continue;
      if (candidates !== undefined && !candidates.has(line)) continue;
      if (/^\s*(?:\/\/|\/\*|\*|#(?!\[))/.test(line.text)) continue;
      const pattern = SKIPS.find((p) => (!p.languages || p.languages.includes(language)) && p.regex.test(line.text));
      if (!pattern) continue;
      if (!testFile && pattern.label !== "#[ignore]") continue;
      const key = line.text.trim();
      const moved = deleted.get(key) ?? 0;
      if (moved > 0) {
        deleted.set(key, moved - 1);
        continue;
      }
      const guarded = CONDITIONAL_GUARD.test(above) || CONDITIONAL_GUARD.test(line.text);
      if ((pattern.conditional || /skipIf|skipUnless/.test(line.text)) && guardsNewTest(hunk, line)) continue;
      const replacement = pattern.fix(line.text);
      const focus = pattern.label === ".only";
      const confidence = guarded ? 0.35 : !focus && file.status === "added" ? ADDED_FILE_SKIP_CONFIDENCE : pattern.confidence;
      findings.push(
        createFinding({
          ruleId: RULE,
          severity: "high",
          confidence,
          path: file.path,
          line: line.newLine,
          title: focus ? "Focused test (.only) left in" : `Test skipped (${pattern.label})`,
          message: `\`${key.slice(0, 160).replaceAll("`", "'")}\` ${pattern.why}.`,
          suggestion: focus
            ? "Remove `.only` (or the `f` prefix) so the whole suite runs."
            : "Fix the code (or the test) so the test passes, instead of skipping it; if it must be skipped, say why and link an issue.",
          ...(replacement !== undefined && replacement !== line.text ? { replacement } : {}),
          trigger: `skip\u0000${key}`,
        }),
      );
    }
  }
  return findings;
}

/** Whether the decorator `line` sits on a test function that this change adds (the next definition is an added line). */
function guardsNewTest(hunk: Hunk, line: DiffLine): boolean {
  const lines = hunk.lines.filter((l) => l.kind !== "del");
  for (let k = lines.indexOf(line) + 1; k < lines.length; k++) {
    const next = lines[k]!;
    if (/^\s*@/.test(next.text) || next.text.trim() === "") continue;
    return next.kind === "add" && /^\s*(?:async\s+)?(?:def|class|func|fn|it|test)\b/.test(next.text);
  }
  return false;
}

function isAssertion(text: string): boolean {
  return !NOT_CODE.test(text) && ASSERTION.test(text) && !TAUTOLOGY.test(text);
}

interface Loosened {
  del: DiffLine;
  add: DiffLine & { newLine: number };
}

function assertionFindings(file: DiffFile): Finding[] {
  const findings: Finding[] = [];
  // Prefilters: one scan of the file's added (and deleted) text per pattern family finds the lines worth a look.
  const addedView = addedText(file);
  const assertions = lineSetMatching(addedView, ASSERTION_LINES);
  for (const line of lineSetMatching(deletedText(file), ASSERTION_LINES)) assertions.add(line);
  const isAssertionLine = (line: DiffLine): boolean => assertions.has(line) && isAssertion(line.text);
  const tautologies = lineSetMatching(addedView, TAUTOLOGY_LINES);
  const loosened: Loosened[] = [];
  if (linesMatching(addedView, LOOSE_LINES).length > 0) for (const hunk of file.hunks) loosened.push(...findLoosened(hunk));
  for (const pair of loosened) {
    const before = pair.del.text.trim();
    const after = pair.add.text.trim();
    findings.push(
      createFinding({
        ruleId: RULE,
        severity: "high",
        confidence: 0.8,
        path: file.path,
        line: pair.add.newLine,
        title: "Assertion loosened",
        message:
          `\`${before.slice(0, 120).replaceAll("`", "'")}\` became \`${after.slice(0, 120).replaceAll("`", "'")}\`: ` +
          "the test now accepts values it used to reject, so a wrong result can pass.",
        suggestion: "Keep the exact expectation and fix the code; if the expected value really changed, assert the new value exactly.",
        replacement: pair.del.text,
        trigger: `loosened\u0000${after}`,
      }),
    );
  }

  // Assertions that can never fail; each one stands in for the real assertion deleted just before it, if any.
  const replaced = new Set<DiffLine>();
  for (const hunk of file.hunks) {
    // The deleted lines above the current one not yet taken, nearest last (one pass: no search back per line).
    const open: DiffLine[] = [];
    hunk.lines.forEach((line) => {
      if (line.kind === "del") {
        open.push(line);
        return;
      }
      if (line.kind !== "add" || line.newLine === undefined || !tautologies.has(line)) return;
      if (NOT_CODE.test(line.text) || !TAUTOLOGY.test(line.text)) return;
      let original: DiffLine | undefined;
      while (original === undefined && open.length > 0) {
        const candidate = open.pop()!;
        if (isAssertionLine(candidate)) original = candidate;
      }
      if (original) replaced.add(original);
      findings.push(
        createFinding({
          ruleId: RULE,
          severity: "high",
          confidence: 0.85,
          path: file.path,
          line: line.newLine,
          title: "Assertion that cannot fail",
          message:
            `\`${line.text.trim().slice(0, 120).replaceAll("`", "'")}\` always passes` +
            (original ? `; it replaces \`${original.text.trim().slice(0, 120).replaceAll("`", "'")}\`.` : ".") +
            " The test no longer checks anything at this point.",
          suggestion: "Assert the actual result (restore the original assertion and fix the code if it fails).",
          ...(original ? { replacement: original.text } : {}),
          trigger: `tautology\u0000${line.text.trim()}`,
        }),
      );
    });
    findings.push(...swallowedFindings(file, hunk));
  }

  // Net removal of assertions across the file (moved or rewritten assertions cancel out).
  const deleted: Array<{ hunk: Hunk; index: number; line: DiffLine }> = [];
  let added = 0;
  for (const hunk of file.hunks) {
    hunk.lines.forEach((line, index) => {
      if (line.kind === "context" || !isAssertionLine(line) || replaced.has(line)) return;
      if (line.kind === "del") deleted.push({ hunk, index, line });
      else if (line.kind === "add") added++;
    });
  }
  const removed = deleted.length - added;
  // Assertions folded into a table-driven test (it.each, parametrize, a loop over cases) are fewer lines, not fewer checks.
  if (removed > 0) {
    const tabled = file.hunks.some((h) => h.lines.some((l) => l.kind === "add" && TABLE_DRIVEN.test(l.text)));
    const first = deleted[0]!;
    const anchor = nearestNewLine(first.hunk, first.index);
    const texts = deleted.map((d) => d.line.text.trim());
    findings.push(
      createFinding({
        ruleId: RULE,
        severity: "high",
        confidence: tabled ? 0.4 : added === 0 ? 0.75 : 0.6,
        path: file.path,
        ...(anchor !== undefined ? { line: anchor } : {}),
        title: `${removed} assertion${removed === 1 ? "" : "s"} removed`,
        message:
          `This change deletes ${deleted.length} assertion line${deleted.length === 1 ? "" : "s"} from \`${file.path}\` and adds ${added}, ` +
          `for example \`${texts[0]!.slice(0, 120).replaceAll("`", "'")}\`. The behaviour they checked is no longer checked.`,
        suggestion: "Restore the assertions (update the expected values if the behaviour changed on purpose) rather than deleting them.",
        trigger: `removed\u0000${texts.join("\n").slice(0, 2000)}`,
      }),
    );
  }
  return findings;
}

/**
 * An added catch/except clause with an empty (or comment-only) body after a try block that holds an assertion:
 * the assertion's failure is swallowed, so the test passes whatever happens.
 */
function swallowedFindings(file: DiffFile, hunk: Hunk): Finding[] {
  const lines = hunk.lines.filter((l) => l.kind !== "del");
  const findings: Finding[] = [];
  lines.forEach((line, index) => {
    // Both clauses hold their keyword: most lines hold neither.
    if (!line.text.includes("catch") && !line.text.includes("except")) return;
    const js = JS_CATCH.exec(line.text);
    const py = js ? undefined : PY_EXCEPT.exec(line.text);
    const match = js ?? py;
    if (!match) return;
    const indent = match[1]!.length;
    const rest = match[2]!.trim();
    // The body: the rest of the catch line, then the lines until the block closes (brace or dedent).
    const body: string[] = [];
    if (js) {
      if (rest.startsWith("}")) body.push("");
      else {
        if (rest !== "") body.push(rest);
        for (let k = index + 1; k < lines.length; k++) {
          const text = lines[k]!.text;
          if (/^\s*\}/.test(text) && indentOf(text) <= indent) break;
          body.push(text);
          if (k === lines.length - 1) return; // the block's end is outside the hunk: unknown body
        }
      }
    } else {
      if (rest !== "") body.push(rest);
      for (let k = index + 1; k < lines.length; k++) {
        const text = lines[k]!.text;
        if (text.trim() !== "" && indentOf(text) <= indent) break;
        body.push(text);
        if (k === lines.length - 1) return;
      }
    }
    if (!body.every((b) => IGNORED_BODY.test(b))) return;
    // The try block it closes: walk back to the `try` at the same indentation; it must hold an assertion.
    let tryIndex = -1;
    for (let k = index - 1; k >= 0; k--) {
      const text = lines[k]!.text;
      if (/^\s*try\b/.test(text) && indentOf(text) === indent) {
        tryIndex = k;
        break;
      }
      if (text.trim() !== "" && indentOf(text) < indent) break;
    }
    if (tryIndex < 0) return;
    const guarded = lines.slice(tryIndex + 1, index);
    if (!guarded.some((l) => ASSERTION.test(l.text) && !NOT_CODE.test(l.text))) return;
    const tryLine = lines[tryIndex]!;
    if (tryLine.kind !== "add" && line.kind !== "add") return;
    const at = (tryLine.kind === "add" ? tryLine : line).newLine!;
    findings.push(
      createFinding({
        ruleId: RULE,
        severity: "high",
        confidence: 0.8,
        path: file.path,
        line: at,
        title: "Assertion failure swallowed",
        message:
          `The try block at line ${tryLine.newLine} holds an assertion, and \`${line.text.trim().slice(0, 80).replaceAll("`", "'")}\` ` +
          "ignores the error it raises: the test passes whether or not the assertion holds.",
        suggestion: "Remove the try/catch around the assertion, or rethrow (or fail the test) in the handler.",
        trigger: `swallowed\u0000${guarded.map((l) => l.text.trim()).join("\n").slice(0, 1000)}`,
      }),
    );
  });
  return findings;
}

function indentOf(text: string): number {
  return text.length - text.trimStart().length;
}

/** Pairs of a deleted strict assertion and an added looser one about the same subject, in one hunk. */
function findLoosened(hunk: Hunk): Loosened[] {
  const dels = hunk.lines.filter((l) => l.kind === "del" && STRICT_MATCHER.test(l.text) && !NOT_CODE.test(l.text));
  const adds = hunk.lines.filter(
    (l): l is DiffLine & { newLine: number } =>
      l.kind === "add" && l.newLine !== undefined && LOOSE_MATCHER.test(l.text) && !STRICT_MATCHER.test(l.text) && !NOT_CODE.test(l.text),
  );
  const pairs: Loosened[] = [];
  const used = new Set<DiffLine>();
  for (const add of adds) {
    const subject = subjectWords(add.text);
    if (subject.length === 0) continue;
    const del = dels.find((d) => !used.has(d) && subject.every((w) => subjectWords(d.text).includes(w)));
    if (!del) continue;
    used.add(del);
    pairs.push({ del, add });
  }
  return pairs;
}

/** Identifiers an assertion is about: `expect(user.name).toBeTruthy()` -> user, name. */
function subjectWords(text: string): string[] {
  const code = text.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, " ");
  return [...new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? [])].filter((w) => !ASSERT_WORDS.test(w));
}

function nearestNewLine(hunk: Hunk, index: number): number | undefined {
  for (let k = index; k < hunk.lines.length; k++) if (hunk.lines[k]!.newLine !== undefined) return hunk.lines[k]!.newLine;
  for (let k = index; k >= 0; k--) if (hunk.lines[k]!.newLine !== undefined) return hunk.lines[k]!.newLine;
  return undefined;
}
