import { describe, expect, it } from "vitest";
import { applyOverrides } from "../../../src/learner/apply-overrides.ts";
import { estimateAcceptance } from "../../../src/learner/estimate-acceptance.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { rankImprovements } from "../../../src/learner/rank-improvements.ts";

const now = new Date("2025-06-01T00:00:00Z");
const events = (type: string, accept: number, reject: number, repositoryId = 1): LearnerEvent[] => [
  ...Array.from({ length: accept }, () => ({ scope: "improvement" as const, key: type, repositoryId, outcome: "accept" as const, at: now })),
  ...Array.from({ length: reject }, () => ({ scope: "improvement" as const, key: type, repositoryId, outcome: "reject" as const, at: now })),
];

describe("rankImprovements", () => {
  const table = estimateAcceptance([...events("docs", 9, 1), ...events("refactor", 1, 9), ...events("tests", 5, 5, 2)], { now });

  it("scores expected acceptance × impact, best first", () => {
    const ranked = rankImprovements(
      [
        { fingerprint: "r1", type: "refactor", impact: 0.9, priority: 0 },
        { fingerprint: "d1", type: "docs", impact: 0.5, priority: 0 },
        { fingerprint: "t1", type: "tests", impact: 0.6, priority: 0 },
      ],
      table,
      1,
    );
    expect(ranked.map((r) => r.fingerprint)).toEqual(["d1", "t1", "r1"]);
    const docs = table.find((e) => e.key === "docs");
    expect(ranked[0]?.expectedAcceptance).toBeCloseTo(docs?.mean ?? Number.NaN, 12);
    expect(ranked[0]?.score).toBeCloseTo((docs?.mean ?? Number.NaN) * 0.5, 12);
  });

  it("uses the installation rate for a type this repository has no feedback on, and the prior for an unknown type", () => {
    const ranked = rankImprovements(
      [
        { fingerprint: "t1", type: "tests", impact: 1, priority: 0 },
        { fingerprint: "n1", type: "never-seen", impact: 1, priority: 0 },
      ],
      table,
      1,
    );
    expect(ranked.find((r) => r.fingerprint === "t1")?.expectedAcceptance).toBeCloseTo((1 + 5) / (2 + 10), 12);
    expect(ranked.find((r) => r.fingerprint === "n1")?.expectedAcceptance).toBeCloseTo(0.5, 12);
  });

  it("breaks ties by higher priority, then keeps input order (stable)", () => {
    const ranked = rankImprovements(
      [
        { fingerprint: "a", type: "x", impact: 0.5, priority: 1 },
        { fingerprint: "b", type: "x", impact: 0.5, priority: 3 },
        { fingerprint: "c", type: "x", impact: 0.5, priority: 1 },
        { fingerprint: "d", type: "y", impact: 0.5, priority: 1 },
      ],
      [],
      1,
    );
    expect(ranked.map((r) => r.fingerprint)).toEqual(["b", "a", "c", "d"]);
  });

  it("keeps the candidates' own fields", () => {
    const [first] = rankImprovements([{ fingerprint: "a", type: "docs", impact: 0.2, priority: 0, title: "Document the API" }], table, 1);
    expect(first?.title).toBe("Document the API");
  });

  it("uses an overridden acceptance and leaves out disabled types", () => {
    const applied = applyOverrides(table, { version: 1, improvements: { refactor: { acceptance: 1 }, docs: { disabled: true } } }, 1);
    const ranked = rankImprovements(
      [
        { fingerprint: "d1", type: "docs", impact: 1, priority: 0 },
        { fingerprint: "r1", type: "refactor", impact: 0.4, priority: 0 },
      ],
      applied,
      1,
    );
    expect(ranked.map((r) => [r.fingerprint, r.expectedAcceptance, r.score])).toEqual([["r1", 1, 0.4]]);
  });

  it("rejects an impact outside [0, 1] naming the candidate", () => {
    expect(() => rankImprovements([{ fingerprint: "abc", type: "docs", impact: 1.5, priority: 0 }], table, 1)).toThrow(
      "improvement candidate #0 (docs abc): impact must be a number between 0 and 1, got 1.5",
    );
    expect(() => rankImprovements([{ fingerprint: "abc", type: "docs", impact: 0.5, priority: Number.NaN }], table, 1)).toThrow("priority must be a finite number, got NaN");
  });
});
