import { describe, expect, it } from "vitest";
import type { Analyzer } from "../../../src/qa/analyzer.ts";
import { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { ANALYZERS, runAnalyzers } from "../../../src/qa/run-analyzers.ts";
import { binaryDiff, newFileDiff } from "./diff-text.ts";

const diff =
  newFileDiff("src/app.ts", ["debugger;", 'import chalk from "chalk";', "debugger;"]) +
  newFileDiff("vendor/lib.js", ["debugger;"]) +
  newFileDiff("vendor/keep.js", ["debugger;"]) +
  binaryDiff("assets/a.png", "added");
const input = { files: parseDiff(diff), fileSizes: {} };

describe("runAnalyzers", () => {
  it("lists the built-in analyzers with their product ids and one-line docs", () => {
    expect(ANALYZERS.map((a) => a.id)).toEqual([
      "secrets/hardcoded",
      "tests/missing",
      "deps/undeclared",
      "debug/leftover",
      "io/unhandled",
      "files/large-or-binary",
          "conflict/markers",
      "deps/lockfile-mismatch",
      "files/generated-edited",
      "tests/weakened",
    ]);
    for (const a of ANALYZERS) {
      expect(a.doc.length).toBeGreaterThan(10);
      expect(a.doc).not.toContain("\n");
    }
  });

  it("runs every analyzer, returns valid findings, and dedupes by fingerprint", () => {
    const findings = runAnalyzers(input);
    for (const f of findings) expect(Finding.safeParse(f).success).toBe(true);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
    // The two identical `debugger;` lines of src/app.ts are one finding.
    expect(findings.filter((f) => f.ruleId === "debug/leftover" && f.path === "src/app.ts")).toHaveLength(1);
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(
      new Set(["tests/missing", "deps/undeclared", "debug/leftover", "files/large-or-binary"]),
    );
  });

  it("runs only the selected analyzers, and rejects unknown ids with a clear error", () => {
    const findings = runAnalyzers(input, { only: ["files/large-or-binary"] });
    expect(findings.map((f) => f.ruleId)).toEqual(["files/large-or-binary"]);
    expect(() => runAnalyzers(input, { only: ["debug/leftover", "nope/rule"] })).toThrow(
      /unknown analyzer id in "only": nope\/rule\. Known ids: secrets\/hardcoded/,
    );
  });

  it("leaves ignored paths out before analyzers run, with ! re-including", () => {
    const findings = runAnalyzers(input, { only: ["debug/leftover"], ignorePaths: ["vendor/**", "!vendor/keep.js", "*.png"] });
    expect(findings.map((f) => f.path)).toEqual(["src/app.ts", "vendor/keep.js"]);
    const noTests = runAnalyzers(input, { only: ["tests/missing"], ignorePaths: ["src/", "vendor/"] });
    expect(noTests).toEqual([]);
  });

  it("turns an analyzer that throws into one info finding and keeps the others' findings", () => {
    const broken: Analyzer = {
      id: "test/broken",
      doc: "Always throws.",
      analyze() {
        throw new TypeError("boom");
      },
    };
    const findings = runAnalyzers(input, { analyzers: [broken, ...ANALYZERS] });
    const error = findings.find((f) => f.ruleId === "qa/analyzer-error");
    expect(error).toMatchObject({ severity: "info", title: "Analyzer test/broken failed" });
    expect(error!.message).toContain("TypeError: boom");
    expect(findings.some((f) => f.ruleId === "debug/leftover")).toBe(true);
  });

  it("keeps the most severe finding when two analyzers produce the same fingerprint", () => {
    const make = (severity: Finding["severity"]): Analyzer => ({
      id: `test/${severity}`,
      doc: "Fixed finding.",
      analyze: () => [
        { ruleId: "x", source: "analyzer", severity, confidence: 0.5, title: "t", message: "m", fingerprint: "0123456789abcdef" },
      ],
    });
    const findings = runAnalyzers(input, { analyzers: [make("low"), make("critical"), make("medium")] });
    expect(findings.map((f) => f.severity)).toEqual(["critical"]);
  });
});
