import { describe, expect, it } from "vitest";
import { conflictMarkers } from "../../../../src/qa/analyzers/conflict-markers.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string) => conflictMarkers.analyze({ files: parseDiff(diff), fileSizes: {} });

describe("conflict/markers", () => {
  it("flags a whole conflict group as one critical finding spanning its lines", () => {
    const findings = run(
      hunkDiff("src/server.ts", 10, [
        " export function port(): number {",
        "+<<<<<<< HEAD",
        "+  return Number(process.env.PORT ?? 3000);",
        "+=======",
        "+  return Number(process.env.PORT ?? 8080);",
        "+>>>>>>> feature/docker",
        " }",
      ]),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: "conflict/markers",
      severity: "critical",
      path: "src/server.ts",
      line: 11,
      endLine: 15,
      title: "Unresolved merge conflict",
    });
    expect(findings[0]!.confidence).toBeGreaterThanOrEqual(0.9);
    expect(findings[0]!.message).toContain("`HEAD`");
    expect(findings[0]!.message).toContain("`feature/docker`");
    expect(findings[0]!.replacement).toBeUndefined();
  });

  it("handles diff3 style (||||||| base) and offers a suggestion when both sides are identical", () => {
    const findings = run(
      newFileDiff("app/models.py", [
        "import os",
        "<<<<<<< ours",
        "TIMEOUT = 30",
        "||||||| base",
        "TIMEOUT = 10",
        "=======",
        "TIMEOUT = 30",
        ">>>>>>> theirs",
      ]),
    );
    expect(findings.map((f) => [f.line, f.endLine, f.replacement])).toEqual([[2, 8, "TIMEOUT = 30"]]);
  });

  it("reports each group separately in a file with two conflicts", () => {
    const group = (a: string, b: string) => ["<<<<<<< HEAD", a, "=======", b, ">>>>>>> main"];
    const findings = run(newFileDiff("go/main.go", ["package main", ...group("a := 1", "a := 2"), "", ...group("b := 1", "b := 3")]));
    expect(findings.map((f) => [f.line, f.endLine])).toEqual([
      [2, 6],
      [8, 12],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
  });

  it("flags a lone opening or closing marker (the rest of the conflict outside the diff)", () => {
    const findings = run(hunkDiff("src/App.java", 40, [" int x = 1;", "+>>>>>>> origin/main", " int y = 2;"]));
    expect(findings.map((f) => [f.line, f.title, f.confidence])).toEqual([[41, "Merge conflict marker", 0.8]]);
  });

  it("does not flag separators, heading underlines, longer runs, deleted markers or markers inside text", () => {
    const findings = run(
      newFileDiff("docs/guide.rst", ["Install", "=======", "", "Run ``make``."]) +
        newFileDiff("src/banner.ts", [
          'const line = "=======";',
          "// <<<<<<< is what git writes",
          "<<<<<<<< eight is not a marker",
          "  <<<<<<< indented",
        ]) +
        hunkDiff("src/fixed.ts", 3, [" a();", "-<<<<<<< HEAD", "-b();", "-=======", "-c();", "->>>>>>> topic", "+b();"]),
    );
    expect(findings).toEqual([]);
  });

  it("gives a lone marker in prose files a low confidence, and skips binary and deleted files", () => {
    const findings = run(newFileDiff("docs/merging.md", ["When git stops, you see:", "<<<<<<< HEAD"]));
    expect(findings.map((f) => f.confidence)).toEqual([0.4]);
    expect(run("diff --git a/x.bin b/x.bin\nindex 1..2 100644\nBinary files a/x.bin and b/x.bin differ\n")).toEqual([]);
  });

  it("ignores markers inside fenced code blocks of Markdown, and keeps fixtures quiet", () => {
    const fenced = newFileDiff("docs/git.md", ["# Conflicts", "", "```", "<<<<<<< HEAD", "a", "=======", "b", ">>>>>>> topic", "```"]);
    expect(run(fenced)).toEqual([]);
    const fixture = newFileDiff("test/fixtures/conflicted.txt", ["<<<<<<< HEAD", "a", "=======", "b", ">>>>>>> topic"]);
    expect(run(fixture).map((f) => f.confidence)).toEqual([0.4]);
    // The same group outside a fence is reported.
    const bare = newFileDiff("docs/notes.md", ["<<<<<<< HEAD", "a", "=======", "b", ">>>>>>> topic"]);
    expect(run(bare).map((f) => f.confidence)).toEqual([0.95]);
  });

  it("does not take a Markdown heading underline (----) for a listing fence: a conflict below it is reported", () => {
    const readme = hunkDiff("readme.md", 10, [
      " Npm",
      " ------------",
      " ",
      "+<<<<<<< HEAD",
      " ```bash",
      " npm install redis-info",
      " ```",
      "+=======",
      "+```bash",
      "+npm install --save redis-info",
      "+```",
      "+>>>>>>> docs/install",
    ]);
    expect(run(readme).map((f) => [f.line, f.endLine, f.title])).toEqual([[13, 21, "Unresolved merge conflict"]]);
    // In AsciiDoc, ---- delimits a listing block, and markers inside it are an example.
    const adoc = newFileDiff("docs/git.adoc", ["----", "<<<<<<< HEAD", "a", "=======", "b", ">>>>>>> topic", "----"]);
    expect(run(adoc)).toEqual([]);
  });
});
