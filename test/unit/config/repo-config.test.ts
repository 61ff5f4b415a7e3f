import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../../src/config/repo-config.ts";

describe("parseRepoConfig", () => {
  it("gives defaults when the file is missing or empty", () => {
    for (const text of [undefined, "", "# only a comment\n"]) {
      const r = parseRepoConfig(text);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.config.label).toBe("moderator");
        expect(r.config.qa).toEqual({
          setup: [],
          commands: [],
          sarif: [],
          secrets: { values: [], patterns: [], paths: [] },
          llmReview: { enabled: false, minScore: 7, maxFindings: 5 },
          peers: [],
          failOn: "high",
          maxComments: 10,
          minConfidence: 0.5,
        });
        expect(r.config.onTaskFailure).toBe("stop");
        expect(r.config.decision).toMatchObject({ proceedAt: 0.75, draftAt: 0.5, askAt: 0.3, maxRetries: 1, blockOn: "critical" });
        expect(r.config.draft).toBe(false);
      }
    }
  });

  it("reads planning as a mode or as { mode, parallel }", () => {
    const planning = (text: string | undefined) => {
      const r = parseRepoConfig(text);
      if (!r.ok) throw new Error(r.problems.join("; "));
      return r.config.planning;
    };
    expect(planning(undefined)).toEqual({ mode: "auto", parallel: false });
    expect(planning("planning: single\n")).toEqual({ mode: "single", parallel: false });
    expect(planning("planning: { parallel: true }\n")).toEqual({ mode: "auto", parallel: true });
    const bad = parseRepoConfig("planning: { parallel: yes please }\n");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join("\n")).toContain("planning");
  });

  it("accepts commands as strings or objects", () => {
    const r = parseRepoConfig("qa:\n  commands:\n    - npm test\n    - { name: lint, run: npm run lint, timeoutSeconds: 60 }\n  failOn: medium\n");
    expect(r.ok && r.config.qa.commands).toEqual([
      { name: "npm test", run: "npm test", timeoutSeconds: undefined },
      { name: "lint", run: "npm run lint", timeoutSeconds: 60 },
    ]);
    expect(r.ok && r.config.qa.failOn).toBe("medium");
  });

  it("quotes each problem with its path, and keeps the raw label for the reply", () => {
    const r = parseRepoConfig("label: fix-me\nqa:\n  failOn: severe\n  maxComments: -1\nunknownKey: 1\n");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rawLabel).toBe("fix-me");
      expect(r.problems.some((p) => p.startsWith("qa.failOn:"))).toBe(true);
      expect(r.problems.some((p) => p.startsWith("qa.maxComments:"))).toBe(true);
      expect(r.problems.some((p) => p.includes("unknownKey"))).toBe(true);
    }
  });

  it("reports YAML syntax errors with line and column", () => {
    const r = parseRepoConfig("label: [unclosed\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatch(/^line \d+, column \d+: /);
  });

  it("rejects a document that is not a mapping", () => {
    const r = parseRepoConfig("- a\n- b\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatch(/^\(root\): /);
  });
});
