import { describe, expect, it } from "vitest";
import { describeRule } from "../../../../src/app/commands/describe-rule.ts";
import { ANALYZERS } from "../../../../src/qa/run-analyzers.ts";

describe("describeRule", () => {
  it("gives every built-in analyzer's own doc", () => {
    for (const a of ANALYZERS) expect(describeRule(a.id)).toBe(a.doc);
    expect(describeRule(" secrets/hardcoded ")).toBe(ANALYZERS.find((a) => a.id === "secrets/hardcoded")?.doc);
  });

  it("describes the fixed QA rules and the sarif, llm and peer families", () => {
    expect(describeRule("qa/command-failed")).toMatch(/QA commands .* failed/);
    expect(describeRule("qa/command-timeout")).toMatch(/did not finish within its timeout/);
    expect(describeRule("qa/analyzer-error")).toMatch(/bug in Moderator/);
    expect(describeRule("sarif/semgrep/js.eval-detected")).toBe(
      "Reported by the SARIF scanner semgrep (its rule js.eval-detected), one of the repository's qa.sarif scanners.",
    );
    expect(describeRule("llm/correctness")).toMatch(/LLM reviewer.*category: correctness/);
    expect(describeRule("peer/codex")).toMatch(/peer reviewer codex/);
  });

  it("knows nothing of other ids, empty ids, or analyzers it is not given", () => {
    expect(describeRule("no-such/rule")).toBeUndefined();
    expect(describeRule("")).toBeUndefined();
    expect(describeRule("debug/leftover", [])).toBeUndefined();
    expect(describeRule("x/y", [{ id: "x/y", doc: "Custom.", analyze: () => [] }])).toBe("Custom.");
  });
});
