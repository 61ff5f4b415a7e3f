import { describe, expect, it } from "vitest";
import { parseDiff } from "../../../../src/qa/parse-diff.ts";
import { ANALYZERS, createAnalyzers, runAnalyzers } from "../../../../src/qa/run-analyzers.ts";
import { SecretAllowlistConfig } from "../../../../src/qa/secret-allowlist.ts";
import { newFileDiff } from "../diff-text.ts";

const random = "Zx8Qw3Er5Ty7Ui9Op1AsDf2Gh4Jk6Lm";

describe("createAnalyzers and the registry", () => {
  it("registers the new rules after the backbone's, each with a one-line doc", () => {
    expect(ANALYZERS.map((a) => a.id).slice(-4)).toEqual([
      "conflict/markers",
      "deps/lockfile-mismatch",
      "files/generated-edited",
      "tests/weakened",
    ]);
    expect(new Set(ANALYZERS.map((a) => a.id)).size).toBe(ANALYZERS.length);
    for (const a of ANALYZERS) {
      expect(a.doc.length).toBeGreaterThan(10);
      expect(a.doc).not.toContain("\n");
    }
  });

  it("returns the built-in list unchanged without settings", () => {
    expect(createAnalyzers()).toBe(ANALYZERS);
  });

  it("swaps in the secrets rule configured with the repository's allow-list", () => {
    const input = { files: parseDiff(newFileDiff("src/a.test.ts", [`const apiKey = "${random}";`, "expect(1).toBe(1);"])), fileSizes: {} };
    const plain = runAnalyzers(input, { only: ["secrets/hardcoded"], analyzers: createAnalyzers() });
    expect(plain).toHaveLength(1);
    const analyzers = createAnalyzers({ secrets: SecretAllowlistConfig.parse({ values: [random] }) });
    expect(analyzers.map((a) => a.id)).toEqual(ANALYZERS.map((a) => a.id));
    expect(runAnalyzers(input, { only: ["secrets/hardcoded"], analyzers })).toEqual([]);
  });
});
