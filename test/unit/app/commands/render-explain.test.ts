import { describe, expect, it } from "vitest";
import { renderDismissReply } from "../../../../src/app/commands/render-dismiss-reply.ts";
import { renderExplain, renderNotInFindingThread, renderRuleExplanation, type ExplainedFinding } from "../../../../src/render/render-explain.ts";

function finding(overrides: Partial<ExplainedFinding> = {}): ExplainedFinding {
  return {
    fingerprint: "fp1",
    ruleId: "debug/leftover",
    ruleDoc: "Leftover debugging statements.",
    severity: "medium",
    confidence: 0.85,
    source: "analyzer",
    title: "console.log left in",
    message: "`console.log(user)` was added to src/a.ts.",
    suggestion: "Remove it or use the logger.",
    path: "src/a.ts",
    line: 12,
    status: "open",
    runs: 2,
    firstSeen: new Date("2026-02-03T10:00:00Z"),
    ...overrides,
  };
}

describe("renderExplain", () => {
  it("says why: rule and doc, severity, confidence, source, where, history, message, fix and how to dismiss", () => {
    expect(renderExplain({ findings: [finding()], unknown: [] }).split("\n")).toEqual([
      "### Why Moderator raised this",
      "",
      "🟡 **Medium** · **console.log left in**",
      "",
      "- **Rule:** `debug/leftover`: Leftover debugging statements.",
      "- **Severity:** medium · **Confidence:** 85%",
      "- **Source:** `analyzer`: one of Moderator's built-in checks of the diff (rules, not AI)",
      "- **Where:** `src/a.ts` line 12",
      "- **Raised:** in 2 runs, first on 2026-02-03",
      "- **Status:** open",
      "",
      "**What it found:**",
      "",
      "`console.log(user)` was added to src/a.ts.",
      "",
      "**Suggested fix:** Remove it or use the logger.",
      "",
      "**Not useful?** A maintainer can reply `/moderator dismiss <reason>` in this thread: the thread is resolved and Moderator will not raise this finding again on this repository. The reason helps it learn.",
    ]);
  });

  it("handles a finding without doc, path or fix, an unknown source, and an already dismissed one", () => {
    const body = renderExplain({
      findings: [finding({ ruleDoc: undefined, ruleId: "custom/x", path: null, line: null, suggestion: null, source: "plugin", status: "dismissed", runs: 1 })],
      unknown: ["gone1"],
    });
    expect(body).toContain("- **Rule:** `custom/x`\n");
    expect(body).toContain("- **Source:** `plugin`");
    expect(body).toContain("- **Raised:** in 1 run,");
    expect(body).toContain("- **Status:** dismissed: Moderator will not raise it again on this repository");
    expect(body).not.toContain("Where:");
    expect(body).not.toContain("Suggested fix");
    expect(body).not.toContain("Not useful?");
    expect(body).toContain("Moderator has no stored record of finding `gone1` on this repository");
  });

  it("cuts a long message on a line and closes a code fence the cut left open", () => {
    const output = Array.from({ length: 400 }, (_, i) => `line ${i} of the failing test output`).join("\n");
    const body = renderExplain({ findings: [finding({ message: `It failed.\n\n\`\`\`text\n${output}\n\`\`\`` })], unknown: [] });
    const what = body.slice(body.indexOf("**What it found:**"));
    expect(what).toMatch(/of the failing test output\n```\n\n_\(cut: the full text is in the comment that opened this thread\)_/);
    expect(what.length).toBeLessThan(3_600);
  });
});

describe("renderRuleExplanation and renderNotInFindingThread", () => {
  it("explains a rule", () => {
    expect(renderRuleExplanation("tests/missing", "Source files gained code but no test.")).toBe(
      "### Moderator rule `tests/missing`\n\nSource files gained code but no test.",
    );
  });

  it("says where explain and dismiss work, and that a rule is unknown, quoted safely", () => {
    expect(renderNotInFindingThread("explain")).toMatch(/^`\/moderator explain` works in a reply to one of Moderator's finding comments/);
    expect(renderNotInFindingThread("dismiss")).toBe(
      "`/moderator dismiss [reason]` works in a reply to one of Moderator's finding comments on a pull request (in that review thread).",
    );
    expect(renderNotInFindingThread("explain", "nope`<!-- a -->")).toMatch(/^Moderator has no rule `nope'`\. `\/moderator explain`/);
  });
});

describe("renderDismissReply", () => {
  it("confirms, names the rule and the maintainer, and quotes the reason without pinging anyone", () => {
    expect(renderDismissReply({ ruleIds: ["debug/leftover"], reason: "intended, see @bob", actor: "maia", unknown: [] })).toBe(
      "Dismissed; Moderator will not raise this again on this repository (`debug/leftover`, dismissed by `maia`).\n\n> intended, see `@bob`",
    );
  });

  it("leaves out an empty reason and reports unknown fingerprints and a thread it could not resolve", () => {
    const body = renderDismissReply({ ruleIds: ["a/b", "a/b"], reason: "", actor: "maia", unknown: ["zz"], resolveError: "FORBIDDEN: no" });
    expect(body).toBe(
      "Dismissed; Moderator will not raise this again on this repository (`a/b`, dismissed by `maia`).\n\n" +
        "Moderator has no stored record of finding `zz` on this repository, so it could not dismiss it.\n\n" +
        "The dismissal is recorded, but this thread could not be resolved (FORBIDDEN: no); please resolve it by hand.",
    );
    expect(renderDismissReply({ ruleIds: [], reason: "x", actor: "m", unknown: ["zz"] })).toBe(
      "Moderator has no stored record of finding `zz` on this repository, so it could not dismiss it.",
    );
  });
});
