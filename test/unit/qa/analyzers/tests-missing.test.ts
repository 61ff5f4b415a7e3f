import { describe, expect, it } from "vitest";
import { testsMissing } from "../../../../src/qa/analyzers/tests-missing.ts";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { deletedFileDiff, hunkDiff, newFileDiff } from "../diff-text.ts";

const run = (diff: string) => testsMissing.analyze({ files: parseDiff(diff), fileSizes: {} });

describe("tests/missing", () => {
  it("reports one finding, without path or line, listing the source files changed without tests", () => {
    const findings = run(
      newFileDiff("src/feature.ts", ["export const f = () => 1;"]) +
        hunkDiff("lib/util.py", 3, [" a = 1", "+b = 2"]) +
        newFileDiff("README.md", ["# docs"]),
    );
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({ ruleId: "tests/missing", severity: "medium", source: "analyzer" });
    expect(f!.path).toBeUndefined();
    expect(f!.line).toBeUndefined();
    expect(f!.title).toBe("2 source files changed without tests");
    expect(f!.message).toContain("`src/feature.ts`");
    expect(f!.message).toContain("`lib/util.py`");
    expect(f!.message).not.toContain("README.md");
  });

  it("is satisfied by a changed test file in any common convention", () => {
    const source = newFileDiff("src/feature.ts", ["export const f = 1;"]);
    const tests = [
      "test/feature.ts",
      "tests/feature.py",
      "src/__tests__/feature.tsx",
      "spec/models/user_spec.rb",
      "pkg/feature_test.go",
      "src/feature.test.ts",
      "src/feature.spec.js",
      "app/test_feature.py",
      "src/test/java/com/acme/FeatureTest.java",
    ];
    for (const path of tests) expect(run(source + newFileDiff(path, ["x"])), path).toEqual([]);
  });

  it("counts inline Rust tests as tests", () => {
    expect(run(hunkDiff("src/lib.rs", 40, [" }", "+#[cfg(test)]", "+mod tests {}"]))).toEqual([]);
  });

  it("says nothing when no source code was added (docs, config, deletions, declaration files)", () => {
    expect(run(newFileDiff("docs/guide.md", ["hello"]))).toEqual([]);
    expect(run(deletedFileDiff("src/old.ts", ["export {}"]))).toEqual([]);
    expect(run(newFileDiff("types/global.d.ts", ["declare const x: number;"]))).toEqual([]);
    expect(run(newFileDiff("vitest.config.ts", ["export default {}"]))).toEqual([]);
    expect(run(hunkDiff("src/a.ts", 1, ["-const removed = 1;", " const kept = 2;"]))).toEqual([]);
    expect(run("")).toEqual([]);
  });

  it("has a fingerprint that does not depend on which files changed", () => {
    const a = run(newFileDiff("src/a.ts", ["export const a = 1;"]))[0]!;
    const b = run(newFileDiff("src/b.ts", ["export const b = 1;"]))[0]!;
    expect(a.fingerprint).toBe(b.fingerprint);
  });
});
