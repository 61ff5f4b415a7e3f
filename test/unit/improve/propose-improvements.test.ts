import { describe, expect, it } from "vitest";
import { clipLine, createImprovement, improvementFingerprint } from "../../../src/improve/create-improvement.ts";
import { Improvement } from "../../../src/improve/improvement.ts";
import { isDocPath, proposeImprovements } from "../../../src/improve/propose-improvements.ts";
import { rankImprovements } from "../../../src/improve/rank-improvements.ts";
import { createFinding } from "../../../src/qa/create-finding.ts";
import type { Finding } from "../../../src/qa/finding.ts";

const finding = (ruleId: string, path: string | undefined, line: number | undefined, extra: Partial<Finding> = {}): Finding =>
  createFinding({
    ruleId,
    severity: "medium",
    confidence: 0.8,
    ...(path !== undefined ? { path } : {}),
    ...(line !== undefined ? { line } : {}),
    title: `${ruleId} at ${path ?? "?"}`,
    message: "m",
    trigger: `${ruleId}:${path}:${line}`,
    ...extra,
  });

describe("proposeImprovements: fixes", () => {
  it("groups findings with a replacement by rule; findings without one, or without a place, are left out", () => {
    const findings = [
      finding("tests/weakened", "src/a.test.ts", 10, { replacement: "expect(x).toBe(1);", severity: "high", confidence: 0.9 }),
      finding("tests/weakened", "src/b.test.ts", 3, { replacement: "expect(y).toBe(2);\nexpect(z).toBe(3);", endLine: 4 }),
      finding("debug/leftover", "src/c.ts", 7, { replacement: "", severity: "low" }),
      finding("secrets/hardcoded", "src/d.ts", 1),
      finding("llm/bug", undefined, undefined, { replacement: "x" }),
    ];
    const out = proposeImprovements({ files: [], findings });
    expect(out.map((i) => [i.type, i.title, i.priority, i.files])).toEqual([
      ["fix", "Apply 2 suggested fixes for tests/weakened", 1, ["src/a.test.ts", "src/b.test.ts"]],
      ["fix", "Apply the suggested fix for debug/leftover", 3, ["src/c.ts"]],
    ]);
    const [weakened] = out;
    expect(weakened!.impact).toBe(0.77);
    expect(weakened!.task).toContain("1. `src/a.test.ts` line 10: tests/weakened at src/a.test.ts\n   Replace that line with:\n   ```\n   expect(x).toBe(1);\n   ```");
    expect(weakened!.task).toContain("2. `src/b.test.ts` lines 3-4: tests/weakened at src/b.test.ts\n   Replace those lines with:\n   ```\n   expect(y).toBe(2);\n   expect(z).toBe(3);\n   ```");
    expect(out.every((i) => Improvement.safeParse(i).success)).toBe(true);
  });

  it("the fingerprint depends on the rule and the findings' fingerprints, not their order or lines", () => {
    const a = finding("debug/leftover", "src/c.ts", 7, { replacement: "" });
    const b = finding("debug/leftover", "src/e.ts", 2, { replacement: "" });
    const one = proposeImprovements({ files: [], findings: [a, b] })[0]!;
    const two = proposeImprovements({ files: [], findings: [{ ...b, line: 40 }, { ...a, line: 90 }, a] })[0]!;
    expect(two.fingerprint).toBe(one.fingerprint);
    expect(two.title).toBe("Apply 2 suggested fixes for debug/leftover");
    const three = proposeImprovements({ files: [], findings: [a] })[0]!;
    expect(three.fingerprint).not.toBe(one.fingerprint);
  });

  it("keeps the 3 most urgent rules", () => {
    const findings = ["r1", "r2", "r3", "r4"].map((r, i) => finding(r, "src/x.ts", i + 1, { replacement: "", severity: i === 3 ? "critical" : "low" }));
    const out = proposeImprovements({ files: [], findings });
    expect(out).toHaveLength(3);
    expect(out[0]!.title).toBe("Apply the suggested fix for r4");
    expect(out.slice(1).every((i) => /for r[123]$/.test(i.title))).toBe(true);
    expect(proposeImprovements({ files: [], findings: [...findings].reverse() })).toEqual(out);
  });

  it("survives malformed input", () => {
    expect(proposeImprovements({ files: undefined as unknown as [], findings: null as unknown as [] })).toEqual([]);
  });
});

describe("isDocPath", () => {
  it("README, docs folders and documentation formats", () => {
    for (const p of ["README.md", "readme", "pkg/README.rst", "docs/api.md", "website/docs/x.mdx", "guide.adoc"]) expect(isDocPath(p), p).toBe(true);
    for (const p of ["CHANGELOG.md", "src/docs.ts", "notes.txt"]) expect(isDocPath(p), p).toBe(false);
  });
});

describe("createImprovement and rankImprovements", () => {
  it("clips the title to 100 characters, clamps priority and impact, redacts secrets, fingerprints type + target", () => {
    const token = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");
    const imp = createImprovement({ type: "docs", target: "t", title: `a ${"b".repeat(200)}`, rationale: `uses ${token}`, priority: 9, impact: 3, task: "x", files: ["a", "a", ""] });
    expect(imp.title).toHaveLength(100);
    expect(imp.title.endsWith("…")).toBe(true);
    expect(imp.priority).toBe(5);
    expect(imp.impact).toBe(1);
    expect(imp.rationale).not.toContain(token);
    expect(imp.files).toEqual(["a"]);
    expect(imp.fingerprint).toBe(improvementFingerprint("docs", "t"));
    expect(improvementFingerprint("docs", "t")).not.toBe(improvementFingerprint("tests", "t"));
    expect(Improvement.safeParse(imp).success).toBe(true);
    expect(clipLine("a\n  b", 100)).toBe("a b");
  });

  it("ranks by priority, impact, type, then fingerprint", () => {
    const mk = (type: Improvement["type"], priority: number, impact: number, target: string) => createImprovement({ type, target, title: target, rationale: "r", priority, impact, task: "t", files: [] });
    const items = [mk("refactor", 3, 0.5, "a"), mk("tests", 3, 0.5, "b"), mk("docs", 1, 0.1, "c"), mk("fix", 3, 0.9, "d"), mk("tests", 3, 0.5, "e")];
    const ranked = rankImprovements(items).map((i) => i.title);
    expect(ranked.slice(0, 2)).toEqual(["c", "d"]);
    expect(ranked.slice(2, 4).sort()).toEqual(["b", "e"]);
    expect(ranked[4]).toBe("a");
    expect(rankImprovements([...items].reverse()).map((i) => i.title)).toEqual(ranked);
  });
});
