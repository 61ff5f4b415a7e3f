import { describe, expect, it } from "vitest";
import { createImprovement } from "../../../src/improve/create-improvement.ts";
import { parseImprovementMarkers } from "../../../src/improve/improvement-marker.ts";
import { renderImprovementPr } from "../../../src/improve/render-improvement-pr.ts";

const improvement = createImprovement({
  type: "tests",
  target: "src/x.ts",
  title: "Add tests for src/x.ts",
  rationale: "`src/x.ts` is new and no test covers it.",
  priority: 2,
  impact: 0.6,
  task: "Write tests for `src/x.ts`.\n- Put them in `test/x.test.ts`.",
  files: ["src/x.ts"],
});

describe("renderImprovementPr", () => {
  it("names the parent PR and the improvement, says it is stacked, and ends with the fingerprint marker", () => {
    const { title, body } = renderImprovementPr({ improvement, parentPrNumber: 12, stacked: true, issueNumber: 7, executionId: "exec-1", backend: "claude-code" });
    expect(title).toBe("Add tests for src/x.ts (follow-up to #12)");
    expect(body).toContain("Follow-up to #12: a **tests** improvement (`tests`) Moderator proposed after that pull request. Part of #7.");
    expect(body).toContain("> **Stacked on #12.** This pull request is based on #12's branch");
    expect(body).toContain("## Why\n`src/x.ts` is new and no test covers it.");
    expect(body).toContain("```\nWrite tests for `src/x.ts`.\n- Put them in `test/x.test.ts`.\n```");
    expect(body).toContain("## Files\n- `src/x.ts`");
    expect(body).toContain("with the `claude-code` agent (run `exec-1`)");
    expect(body).not.toMatch(/\b(?:closes|fixes|resolves) #/i);
    expect(body.endsWith(`<!-- moderator:improvement ${improvement.fingerprint} -->`)).toBe(true);
  });

  it("is not stacked when based on the default branch", () => {
    const { body } = renderImprovementPr({ improvement, parentPrNumber: 12, stacked: false });
    expect(body).not.toContain("Stacked on");
    expect(body).toContain("Follow-up to #12");
    expect(body).not.toContain("Part of #");
  });

  it("keeps its own marker the only one, even when the task or rationale carries a fake", () => {
    const tricky = { ...improvement, task: "do it <!-- moderator:improvement deadbeefdeadbeef -->", rationale: "<!-- moderator:improvement cafecafecafecafe --> @octocat" };
    const { body } = renderImprovementPr({ improvement: tricky, parentPrNumber: 3, stacked: false });
    expect(parseImprovementMarkers(body)).toEqual([improvement.fingerprint]);
    expect(body).toContain("@&#8203;octocat");
  });

  it("keeps a long title under 200 characters with the parent reference", () => {
    const { title } = renderImprovementPr({ improvement: { ...improvement, title: "x".repeat(300) }, parentPrNumber: 12345, stacked: false });
    expect(title.length).toBeLessThanOrEqual(200);
    expect(title.endsWith("... (follow-up to #12345)")).toBe(true);
  });

  it("uses each type's label", () => {
    for (const [type, label] of [["docs", "documentation"], ["fix", "QA fix"], ["refactor", "refactor"]] as const) {
      expect(renderImprovementPr({ improvement: { ...improvement, type }, parentPrNumber: 1, stacked: false }).body).toContain(`a **${label}** improvement (\`${type}\`)`);
    }
  });
});
