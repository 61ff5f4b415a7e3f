import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Finding } from "../../../src/qa/finding.ts";
import { parseSarif } from "../../../src/qa/parse-sarif.ts";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/sarif/${name}`, import.meta.url), "utf8"));
const fixtureText = (name: string): string => readFileSync(new URL(`../../fixtures/sarif/${name}`, import.meta.url), "utf8");

/** What a test asserts of a finding: everything but the fingerprint (checked separately for stability). */
const view = (f: Finding) => {
  const { fingerprint: _fingerprint, ...rest } = f;
  return rest;
};

/** A minimal run around `results`, in the shape every tool prints. */
const log = (results: unknown[], driver: Record<string, unknown> = { name: "Tool" }, extra: Record<string, unknown> = {}) => ({
  version: "2.1.0",
  runs: [{ tool: { driver }, results, ...extra }],
});
const result = (extra: Record<string, unknown> = {}) => ({
  ruleId: "r1",
  message: { text: "Something is wrong." },
  locations: [{ physicalLocation: { artifactLocation: { uri: "src/a.ts" }, region: { startLine: 3 } } }],
  ...extra,
});

describe("parseSarif on real tool output", () => {
  it("semgrep --sarif with autofix: whole-line replacements from Semgrep's fixed lines", () => {
    const { findings, problems } = parseSarif(fixture("semgrep-autofix.sarif"));
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/semgrep-oss/rules.autofix.use-dict-get",
        source: "sarif",
        severity: "high",
        confidence: 0.95,
        path: "targets/autofix/autofix.py",
        line: 5,
        title: "Use `.get()` method to avoid a KeyNotFound error",
        message: "Use `.get()` method to avoid a KeyNotFound error",
        suggestion: "Use `.get()` method to avoid a KeyNotFound error\n Autofix: Semgrep rule suggested fix",
        replacement: "  inputs.get(x) = 1",
      },
      {
        ruleId: "sarif/semgrep-oss/rules.autofix.use-dict-get",
        source: "sarif",
        severity: "high",
        confidence: 0.95,
        path: "targets/autofix/autofix.py",
        line: 6,
        title: "Use `.get()` method to avoid a KeyNotFound error",
        message: "Use `.get()` method to avoid a KeyNotFound error",
        suggestion: "Use `.get()` method to avoid a KeyNotFound error\n Autofix: Semgrep rule suggested fix",
        replacement: "  if inputs.get((x + 1)) == True:",
      },
    ]);
    for (const f of findings) expect(Finding.safeParse(f).success).toBe(true);
  });

  it("semgrep: a `# nosemgrep` (suppressed) result is skipped, the other kept; the tool option names the namespace", () => {
    const { findings, problems } = parseSarif(fixture("semgrep-nosemgrep.sarif"), { tool: "semgrep" });
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/semgrep/rules.regex.detected-aws-account-id",
        source: "sarif",
        severity: "high",
        confidence: 0.95,
        path: "targets/basic/regex-nosemgrep.txt",
        line: 3,
        title: "AWS Account ID detected",
        message: "AWS Account ID detected",
      },
    ]);
  });

  it("eslint -f @microsoft/eslint-formatter-sarif: file:// URIs made relative to the repo root", () => {
    const { findings, problems } = parseSarif(fixture("eslint.sarif"), { repoRoot: "/Users/stefan/Documents/Projects/repositories/eslint-test-examples/" });
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/eslint/no-unused-vars",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "with-config-file.js",
        line: 11,
        title: "Disallow unused variables",
        message: "'regex' is assigned a value but never used.\n\n[Rule documentation](https://eslint.org/docs/latest/rules/no-unused-vars)",
      },
      {
        ruleId: "sarif/eslint/unicorn/better-regex",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "with-config-file.js",
        line: 11,
        title: "Improve regexes by making them shorter, consistent, and safer.",
        message:
          "/[0-9]/ can be optimized to /\\d/.\n\n[Rule documentation](https://github.com/sindresorhus/eslint-plugin-unicorn/blob/v53.0.0/docs/rules/better-regex.md)",
      },
      {
        ruleId: "sarif/eslint/no-unused-vars",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "with-config-file.js",
        line: 13,
        title: "Disallow unused variables",
        message: "'regex2' is assigned a value but never used.\n\n[Rule documentation](https://eslint.org/docs/latest/rules/no-unused-vars)",
      },
      {
        ruleId: "sarif/eslint/no-redeclare",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "with-config-file.js",
        line: 15,
        title: "Disallow variable redeclaration",
        message: "'o' is already defined.\n\n[Rule documentation](https://eslint.org/docs/latest/rules/no-redeclare)",
      },
    ]);
  });

  it("eslint without the repo root: findings kept without a file, one problem saying why", () => {
    const { findings, problems } = parseSarif(fixture("eslint.sarif"));
    expect(findings).toHaveLength(4);
    expect(findings.every((f) => f.path === undefined && f.line === undefined)).toBe(true);
    expect(problems).toEqual([
      'runs[0]: 4 results could not be placed in the repository (kept without a file): "/Users/stefan/Documents/Projects/repositories/eslint-test-examples/with-config-file.js" is an absolute path and no repository root was given to make it relative',
    ]);
  });

  it("bandit -f sarif: no level means SARIF's default warning (medium), issue_confidence HIGH is 0.9", () => {
    const { findings, problems } = parseSarif(fixture("bandit.sarif"));
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/bandit/B307",
        source: "sarif",
        severity: "medium",
        confidence: 0.9,
        path: "src/todoList.py",
        line: 48,
        title: "Use of possibly insecure function - consider using safer ast.literal_eval.",
        message:
          "Use of possibly insecure function - consider using safer ast.literal_eval.\n\n[Rule documentation](https://bandit.readthedocs.io/en/1.9.3/blacklists/blacklist_calls.html#b307-eval)",
      },
    ]);
  });

  it("CodeQL: rules found by id (ruleIndex points past the trimmed rules), [text](n) links flattened, note level is low", () => {
    const { findings, problems } = parseSarif(fixture("codeql.sarif"));
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/codeql/py/polluting-import",
        source: "sarif",
        severity: "low",
        confidence: 0.95,
        path: "server/__main__.py",
        line: 6,
        title: "'import *' may pollute namespace",
        message: "Import pollutes the enclosing namespace, as the imported module server.models does not define '__all__'.",
      },
      {
        ruleId: "sarif/codeql/py/polluting-import",
        source: "sarif",
        severity: "low",
        confidence: 0.95,
        path: "server/__main__.py",
        line: 7,
        title: "'import *' may pollute namespace",
        message: "Import pollutes the enclosing namespace, as the imported module server.routes does not define '__all__'.",
      },
      {
        ruleId: "sarif/codeql/py/unused-import",
        source: "sarif",
        severity: "low",
        confidence: 0.95,
        path: "server/routes.py",
        line: 2,
        title: "Unused import",
        message: "Import of 'make_response' is not used.",
      },
      {
        ruleId: "sarif/codeql/py/unused-local-variable",
        source: "sarif",
        severity: "low",
        confidence: 0.95,
        path: "server/routes.py",
        line: 12,
        title: "Unused local variable",
        message: "Variable read is not used.",
      },
    ]);
  });

  it("gitleaks: secrets are high by default, regex descriptions are not titles, commit-bound fingerprints are ignored so one secret in two commits is one finding", () => {
    const { findings, problems } = parseSarif(fixture("gitleaks.sarif"));
    expect(problems).toEqual([]);
    expect(findings.map(view)).toEqual([
      {
        ruleId: "sarif/gitleaks/aws-access-token",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "bucket_s3.py",
        line: 10,
        title: "gitleaks: aws-access-token",
        message: "aws-access-token has detected secret for file bucket_s3.py at commit 8cf4cd73a2e2f5e599735b2d9e3abfbb5a4e70ed.",
      },
      {
        ruleId: "sarif/gitleaks/hardcoded-db-password",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "postgres_model.js",
        line: 4,
        title: "Hardcoded database password",
        message: "hardcoded-db-password has detected secret for file postgres_model.js at commit 930e5971a7d199ad998c2d1f678646f42cd88d2d.",
      },
      {
        ruleId: "sarif/gitleaks/tu-api-key",
        source: "sarif",
        severity: "high",
        confidence: 0.8,
        path: "text.txt",
        line: 1,
        title: "Internal TU API Key",
        message: "tu-api-key has detected secret for file text.txt at commit 8371388c5f5358524081474638311388d80c8ee8.",
      },
    ]);
  });

  it("accepts the raw text as well as parsed JSON, with the same fingerprints", () => {
    expect(parseSarif(fixtureText("codeql.sarif"))).toEqual(parseSarif(fixture("codeql.sarif")));
  });
});

describe("parseSarif fingerprints", () => {
  it("do not depend on the line: the same result moved keeps its fingerprint", () => {
    const at = (line: number) => parseSarif(log([result({ locations: [{ physicalLocation: { artifactLocation: { uri: "a.py" }, region: { startLine: line, snippet: { text: "eval(x)" } } } }] })]));
    expect(at(3).findings[0]!.fingerprint).toBe(at(30).findings[0]!.fingerprint);
  });

  it("use stable partialFingerprints when present, and differ when they differ", () => {
    const withHash = (hash: string) =>
      parseSarif(log([result({ partialFingerprints: { primaryLocationLineHash: hash }, locations: [{ physicalLocation: { artifactLocation: { uri: "a.py" }, region: { startLine: 1, snippet: { text: "same" } } } }] })]));
    expect(withHash("aaa:1").findings[0]!.fingerprint).not.toBe(withHash("bbb:1").findings[0]!.fingerprint);
    expect(withHash("aaa:1").findings[0]!.fingerprint).toBe(withHash("aaa:1").findings[0]!.fingerprint);
  });

  it("the same text flagged on two lines is two findings with their own fingerprints; the same line twice is one", () => {
    const at = (line: number) => result({ locations: [{ physicalLocation: { artifactLocation: { uri: "a.js" }, region: { startLine: line, snippet: { text: "data[config]();" } } } }] });
    const { findings } = parseSarif(log([at(3), at(9), at(3), at(12)]));
    expect(findings.map((f) => f.line)).toEqual([3, 9, 12]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(3);
    expect(parseSarif(log([at(40), at(50)])).findings[0]!.fingerprint).toBe(findings[0]!.fingerprint);
  });

  it("ignore Semgrep's 'requires login' placeholder (the same for every result) and fall back to the snippet", () => {
    const make = (snippet: string) =>
      result({ fingerprints: { "matchBasedId/v1": "requires login" }, locations: [{ physicalLocation: { artifactLocation: { uri: "a.js" }, region: { startLine: 1, snippet: { text: snippet } } } }] });
    const { findings } = parseSarif(log([make("data[config]()"), make("instance[method]()")]));
    expect(findings).toHaveLength(2);
  });
});

describe("parseSarif severity and confidence", () => {
  const severityOf = (res: Record<string, unknown>, rule?: Record<string, unknown>, driverName = "Tool") =>
    parseSarif(log([result(res)], { name: driverName, rules: rule ? [{ id: "r1", ...rule }] : [] })).findings[0]!.severity;

  it.each([
    ["9.8", "critical"],
    ["9.0", "critical"],
    ["8.8", "high"],
    ["7.0", "high"],
    ["6.1", "medium"],
    ["4.0", "medium"],
    ["3.9", "low"],
    ["0.0", "info"],
  ] as const)("rule security-severity %s -> %s, over level and problem.severity", (score, expected) => {
    expect(severityOf({ level: "note" }, { properties: { "security-severity": score, "problem.severity": "warning" } })).toBe(expected);
  });

  it.each([
    ["error", "high"],
    ["warning", "medium"],
    ["note", "low"],
    ["none", "info"],
  ] as const)("result level %s -> %s (over the rule's default level)", (level, expected) => {
    expect(severityOf({ level }, { defaultConfiguration: { level: "error" } })).toBe(expected);
  });

  it("the rule's default level applies when the result has none; then CodeQL's problem.severity; then medium", () => {
    expect(severityOf({}, { defaultConfiguration: { level: "error" } })).toBe("high");
    expect(severityOf({}, { properties: { "problem.severity": "recommendation" } })).toBe("low");
    expect(severityOf({}, { properties: { "problem.severity": "error" } })).toBe("high");
    expect(severityOf({})).toBe("medium");
    expect(severityOf({}, undefined, "trufflehog")).toBe("high");
  });

  it("an out-of-range security-severity is ignored", () => {
    expect(severityOf({ level: "note" }, { properties: { "security-severity": "42" } })).toBe("low");
    expect(severityOf({ level: "note", properties: { "security-severity": "high" } })).toBe("low");
  });

  it("confidence: rank, then tool confidence, then rule precision, then 0.8", () => {
    const confidenceOf = (res: Record<string, unknown>, rule?: Record<string, unknown>) =>
      parseSarif(log([result(res)], { name: "Tool", rules: rule ? [{ id: "r1", ...rule }] : [] })).findings[0]!.confidence;
    expect(confidenceOf({ rank: 35 })).toBe(0.35);
    expect(confidenceOf({ rank: -1 }, { properties: { precision: "low" } })).toBe(0.5);
    expect(confidenceOf({ properties: { issue_confidence: "LOW" } }, { properties: { precision: "very-high" } })).toBe(0.5);
    expect(confidenceOf({}, { properties: { precision: "medium" } })).toBe(0.7);
    expect(confidenceOf({})).toBe(0.8);
  });
});

describe("parseSarif messages, titles and kinds", () => {
  it("fills a messageStrings template with its arguments", () => {
    const { findings } = parseSarif(
      log([result({ message: { id: "default", arguments: ["count", "12"] } })], {
        name: "Tool",
        rules: [{ id: "r1", shortDescription: { text: "Too many parameters" }, messageStrings: { default: { text: "Function '{0}' has {1} parameters." } } }],
      }),
    );
    expect(findings[0]).toMatchObject({ title: "Too many parameters", message: "Function 'count' has 12 parameters." });
  });

  it("skips pass / notApplicable results and baseline-absent ones; keeps a rejected suppression", () => {
    const { findings } = parseSarif(
      log([
        result({ kind: "pass" }),
        result({ kind: "notApplicable" }),
        result({ baselineState: "absent" }),
        result({ suppressions: [{ kind: "external", status: "underReview" }] }),
        result({ suppressions: [{ kind: "inSource", status: "rejected" }], message: { text: "still here" } }),
      ]),
    );
    expect(findings.map((f) => f.message)).toEqual(["still here"]);
  });

  it("a result without a location is kept without a file", () => {
    const { findings, problems } = parseSarif(log([{ ruleId: "config/missing", message: { text: "No config file." } }]));
    expect(problems).toEqual([]);
    expect(findings[0]).toMatchObject({ ruleId: "sarif/tool/config/missing", title: "No config file." });
    expect(findings[0]!.path).toBeUndefined();
  });

  it("reports tool errors from invocations as problems", () => {
    const { problems } = parseSarif(
      log([], { name: "Semgrep OSS" }, {
        invocations: [{ executionSuccessful: false, toolExecutionNotifications: [{ level: "error", message: { text: "Syntax error at line x.yml:257" } }, { level: "note", message: { text: "fine" } }] }],
      }),
    );
    expect(problems).toEqual([
      "runs[0]: Semgrep OSS reports that its run did not complete successfully",
      "runs[0]: Semgrep OSS reported an error: Syntax error at line x.yml:257",
    ]);
  });
});

describe("parseSarif locations", () => {
  const pathOf = (location: Record<string, unknown>, opts: Parameters<typeof parseSarif>[1] = {}, extra: Record<string, unknown> = {}) => {
    const parsed = parseSarif(log([result({ locations: [{ physicalLocation: { artifactLocation: location, region: { startLine: 1 } } }] })], { name: "T" }, extra), opts);
    return { path: parsed.findings[0]?.path, problems: parsed.problems };
  };

  it.each([
    [{ uri: "src/a%20b.ts" }, "src/a b.ts"],
    [{ uri: "./src/a.ts" }, "src/a.ts"],
    [{ uri: "src\\win\\a.ts" }, "src/win/a.ts"],
    [{ uri: "src/a.ts", uriBaseId: "%SRCROOT%" }, "src/a.ts"],
    [{ uri: "src/a.ts", uriBaseId: "SRCROOT" }, "src/a.ts"],
    [{ uri: "file:///repo/src/a.ts" }, "src/a.ts"],
    [{ uri: "file://localhost/repo/src/%C3%A9.ts" }, "src/é.ts"],
    [{ uri: "/repo/src/a.ts" }, "src/a.ts"],
  ])("%j -> %s", (location, expected) => {
    expect(pathOf(location, { repoRoot: "/repo" })).toEqual({ path: expected, problems: [] });
  });

  it("resolves uriBaseId through originalUriBaseIds, and artifact indexes", () => {
    expect(pathOf({ uri: "lib/x.py", uriBaseId: "ROOT" }, { repoRoot: "/work/clone" }, { originalUriBaseIds: { ROOT: { uri: "file:///work/clone/" } } }).path).toBe("lib/x.py");
    expect(pathOf({ index: 1 }, {}, { artifacts: [{ location: { uri: "a.py" } }, { location: { uri: "b/c.py", uriBaseId: "%SRCROOT%" } }] }).path).toBe("b/c.py");
  });

  it("refuses paths outside the repository, other schemes and escapes, saying why", () => {
    expect(pathOf({ uri: "file:///etc/passwd" }, { repoRoot: "/repo" }).problems[0]).toContain('"/etc/passwd" is outside the repository (/repo)');
    expect(pathOf({ uri: "../outside.ts" }).problems[0]).toContain('"../outside.ts" points outside the repository');
    expect(pathOf({ uri: "https://example.com/a.ts" }).problems[0]).toContain("is not a file location (scheme https)");
    expect(pathOf({ index: 7 }).problems[0]).toContain("artifact index 7 is not in run.artifacts");
  });

  it("accepts several roots (the clone path and its real path)", () => {
    expect(pathOf({ uri: "file:///private/tmp/x/a.ts" }, { repoRoot: ["/tmp/x", "/private/tmp/x"] }).path).toBe("a.ts");
  });
});

describe("parseSarif fixes", () => {
  const withFix = (fix: Record<string, unknown>, opts: Parameters<typeof parseSarif>[1] = {}, region: Record<string, unknown> = { startLine: 2 }) =>
    parseSarif(log([result({ locations: [{ physicalLocation: { artifactLocation: { uri: "a.js" }, region } }], fixes: [fix] })], { name: "Linter" }), opts).findings[0]!;
  const change = (replacements: unknown[], uri = "a.js") => ({ description: { text: "Use const." }, artifactChanges: [{ artifactLocation: { uri }, replacements }] });
  const source = "line one\nlet x = 1;\nline three\nline four\n";
  const getFileText = (p: string) => (p === "a.js" ? source : undefined);

  it("a region without columns replaces whole lines", () => {
    expect(withFix(change([{ deletedRegion: { startLine: 2 }, insertedContent: { text: "const x = 1;\n" } }]))).toMatchObject({
      line: 2,
      suggestion: "Use const.",
      replacement: "const x = 1;",
    });
  });

  it("column 1 to column 1 of a later line deletes or replaces those lines", () => {
    const f = withFix(change([{ deletedRegion: { startLine: 2, startColumn: 1, endLine: 4, endColumn: 1 } }]), {}, { startLine: 2, endLine: 3 });
    expect(f).toMatchObject({ line: 2, endLine: 3, replacement: "" });
  });

  it("a column-based fix becomes a whole-line replacement when the file's text is known", () => {
    const fix = change([{ deletedRegion: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 4 }, insertedContent: { text: "const" } }]);
    expect(withFix(fix, { getFileText })).toMatchObject({ line: 2, replacement: "const x = 1;" });
    const without = withFix(fix);
    expect(without.replacement).toBeUndefined();
    expect(without.suggestion).toBe("Use const.");
  });

  it("several replacements and charOffset regions are spliced into the lines they touch", () => {
    const fix = change([
      { deletedRegion: { startLine: 2, startColumn: 5, endColumn: 6 }, insertedContent: { text: "y" } },
      { deletedRegion: { charOffset: source.indexOf("1;"), charLength: 1 }, insertedContent: { text: "2" } },
    ]);
    expect(withFix(fix, { getFileText })).toMatchObject({ line: 2, replacement: "let y = 2;" });
  });

  it("no replacement for a fix in another file, overlapping replacements, or columns past the line end", () => {
    expect(withFix(change([{ deletedRegion: { startLine: 2 } }], "b.js"), { getFileText }).replacement).toBeUndefined();
    const overlapping = change([
      { deletedRegion: { startLine: 2, startColumn: 1, endColumn: 5 }, insertedContent: { text: "a" } },
      { deletedRegion: { startLine: 2, startColumn: 3, endColumn: 7 }, insertedContent: { text: "b" } },
    ]);
    expect(withFix(overlapping, { getFileText }).replacement).toBeUndefined();
    expect(withFix(change([{ deletedRegion: { startLine: 2, startColumn: 80, endColumn: 90 } }]), { getFileText }).replacement).toBeUndefined();
  });

  it("a fix on lines away from the result is not suggested inline", () => {
    const f = withFix(change([{ deletedRegion: { startLine: 4 }, insertedContent: { text: "x" } }]), {}, { startLine: 1 });
    expect(f.line).toBe(1);
    expect(f.replacement).toBeUndefined();
  });
});

describe("parseSarif on malformed input", () => {
  it.each([
    ["not JSON text", "{ this is not json", "the output is not valid JSON"],
    ["null", null, "not a SARIF log: (root):"],
    ["an array", [1, 2], "not a SARIF log: (root):"],
    ["no runs", { version: "2.1.0" }, "not a SARIF log: runs:"],
    ["runs not an array", { version: "2.1.0", runs: {} }, "not a SARIF log: runs:"],
  ])("%s -> no findings and a problem", (_label, input, problem) => {
    const parsed = parseSarif(input);
    expect(parsed.findings).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toContain(problem);
  });

  it("a run without a tool, a result without a message, and a non-object result cost only themselves", () => {
    const parsed = parseSarif({
      version: "2.1.0",
      runs: [{ results: [] }, { tool: { driver: { name: "T" } }, results: [{ ruleId: "x" }, "junk", result()] }],
    });
    expect(parsed.findings).toHaveLength(1);
    expect(parsed.problems).toEqual([
      "runs[0]: not a SARIF run: tool: Invalid input: expected object, received undefined",
      "runs[1].results[0]: ignored: message: Invalid input: expected object, received undefined",
      "runs[1].results[1]: ignored: (root): Invalid input: expected object, received string",
    ]);
  });

  it("odd numbers are tolerated: line 0 means no line, an end before the start is dropped", () => {
    const parsed = parseSarif(log([
      result({ locations: [{ physicalLocation: { artifactLocation: { uri: "a.py" }, region: { startLine: 0, startColumn: 0 } } }] }),
      result({ message: { text: "second" }, locations: [{ physicalLocation: { artifactLocation: { uri: "a.py" }, region: { startLine: 9, endLine: 2 } } }] }),
    ]));
    expect(parsed.findings.map((f) => [f.path, f.line, f.endLine])).toEqual([
      ["a.py", undefined, undefined],
      ["a.py", 9, undefined],
    ]);
  });

  it("another SARIF version is read with a problem; too many results are cut with a problem", () => {
    const many = Array.from({ length: 5 }, (_, i) => result({ message: { text: `m${i}` } }));
    const parsed = parseSarif({ ...log(many), version: "2.0.0" }, { maxResults: 3 });
    expect(parsed.findings).toHaveLength(3);
    expect(parsed.problems).toEqual(['SARIF version "2.0.0" is not 2.1.0; read as 2.1.0', "runs[0]: 5 results; only the first 3 were read"]);
  });

  it("secrets in the tool's text are redacted", () => {
    const token = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");
    const { findings } = parseSarif(log([result({ message: { text: `token ${token} leaked` } })]));
    expect(findings[0]!.message).toBe("token ghp_**** leaked");
  });
});
