import { describe, expect, it } from "vitest";
import { filesLargeOrBinary } from "../../../../src/qa/analyzers/files-large-or-binary.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { binaryDiff, deletedFileDiff, hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string, fileSizes: Record<string, number> = {}) =>
  filesLargeOrBinary.analyze({ files: parseDiff(diff), fileSizes });

describe("files/large-or-binary", () => {
  it("flags added and modified binary files (no line)", () => {
    const findings = run(binaryDiff("assets/logo.png", "added") + binaryDiff("data/model.bin", "modified"));
    expect(findings.map((f) => [f.path, f.title, f.severity, f.line])).toEqual([
      ["assets/logo.png", "Binary file added", "medium", undefined],
      ["data/model.bin", "Binary file changed", "medium", undefined],
    ]);
  });

  it("ignores deleted and purely renamed binary files", () => {
    const deleted = "diff --git a/x.png b/x.png\ndeleted file mode 100644\nindex 1..0\nBinary files a/x.png and /dev/null differ\n";
    const renamed = "diff --git a/a.png b/b.png\nsimilarity index 100%\nrename from a.png\nrename to b.png\n";
    expect(run(deleted + renamed)).toEqual([]);
  });

  it("flags files over 1 MiB from fileSizes, and not files at the limit", () => {
    const diff = newFileDiff("data/big.json", ["{}"]) + newFileDiff("data/edge.json", ["{}"]);
    const findings = run(diff, { "data/big.json": 3 * 1024 * 1024, "data/edge.json": 1024 * 1024 });
    expect(findings.map((f) => [f.path, f.title])).toEqual([["data/big.json", "Large file (3.0 MiB)"]]);
  });

  it("flags added lines over 5000 characters once per file, at the first such line", () => {
    const long = "a".repeat(5001);
    const findings = run(newFileDiff("dist/app.min.js", ["// header", long, long + "b"]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ path: "dist/app.min.js", line: 2, title: "Minified or generated content" });
    expect(findings[0]!.message).toContain("2 added lines");
    expect(findings[0]!.message).toContain("longest: 5002");
    expect(run(newFileDiff("src/ok.ts", ["a".repeat(5000)]))).toEqual([]);
  });

  it("ignores ordinary text changes and deletions", () => {
    expect(run(hunkDiff("src/a.ts", 1, [" a", "+b"]) + deletedFileDiff("big.txt", ["x".repeat(6000)]), { "src/a.ts": 100 })).toEqual([]);
  });
});

describe("files/large-or-binary: minified files", () => {
  // Minified-looking code: long lines, almost no whitespace (assembled, not copied from a package).
  const minifiedLine = (n: number): string =>
    Array.from({ length: n }, (_, i) => `function p${i}(t){this._x${i}=t;return this._+=\"M\"+(this._x${i}=+t)}`).join(";");
  it("reports a new .min.js even with lines under 5000 characters", () => {
    const findings = run(newFileDiff("public/d3-path.min.js", [minifiedLine(10), minifiedLine(10)]));
    expect(findings.map((f) => [f.path, f.line, f.title])).toEqual([["public/d3-path.min.js", 1, "Minified file"]]);
  });
  it("reports minified content without .min in the name by its long, whitespace-free lines", () => {
    const findings = run(newFileDiff("app/static/chunk.js", [minifiedLine(40)]));
    expect(findings.map((f) => [f.line, f.title])).toEqual([[1, "Minified file"]]);
    expect(findings[0]!.message).toMatch(/whitespace/);
  });
  it("leaves readable code with a few long comment lines alone", () => {
    const readable = Array.from({ length: 60 }, (_, i) => `  const value${i} = compute(input, ${i}); // step ${i}`);
    readable.splice(10, 0, `/** ${"A long documentation line that explains the layer in words. ".repeat(20)} */`);
    expect(run(newFileDiff("dist/layer.js", readable))).toEqual([]);
  });
  it("leaves a file whose long line is one string literal (fixture data, a canned response) alone", () => {
    const info = Array.from({ length: 120 }, (_, i) => `key_${i}:${i * 37}\\r\\n`).join("");
    const fixture = newFileDiff("test/fixtures/index.js", ["module.exports = {", `  info: '${info}',`, "  other: 1", "};"]);
    expect(run(fixture)).toEqual([]);
    // The same share of long lines in code is still minified.
    expect(run(newFileDiff("app/static/chunk.js", ["module.exports = {", minifiedLine(20), "};"])).map((f) => f.title)).toEqual(["Minified file"]);
  });
});
