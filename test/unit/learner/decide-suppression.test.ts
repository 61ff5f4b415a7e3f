import { describe, expect, it } from "vitest";
import { isSuppressed, SAFETY_RULES, suppressedRules } from "../../../src/learner/decide-suppression.ts";
import { estimateAcceptance, type AcceptanceEntry } from "../../../src/learner/estimate-acceptance.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";

const now = new Date("2025-06-01T00:00:00Z");
const rejects = (key: string, n: number, repositoryId = 1): LearnerEvent[] =>
  Array.from({ length: n }, () => ({ scope: "rule" as const, key, repositoryId, outcome: "reject" as const, at: now }));
const accepts = (key: string, n: number, repositoryId = 1): LearnerEvent[] =>
  Array.from({ length: n }, () => ({ scope: "rule" as const, key, repositoryId, outcome: "accept" as const, at: now }));

/** An entry with chosen numbers, for threshold edges. */
const entry = (over: Partial<AcceptanceEntry>): AcceptanceEntry => ({
  scope: "rule",
  repositoryId: 1,
  key: "debug/leftover",
  accepts: 0,
  rejects: 5,
  evidence: 5,
  mean: 0.05,
  lower: 0.01,
  upper: 0.1,
  installationRate: 0.1,
  rejectStreak: 0,
  alpha: 1,
  beta: 19,
  ...over,
});

describe("suppressedRules", () => {
  it("suppresses a rule that is confidently unwanted, and not one that is wanted or unknown", () => {
    const table = estimateAcceptance([...rejects("debug/leftover", 40), ...accepts("tests/missing", 30), ...rejects("io/unhandled", 1)], { now });
    expect([...suppressedRules(table, 1)]).toEqual(["debug/leftover"]);
  });

  it("needs the upper bound below maxUpper", () => {
    expect(isSuppressed(entry({ upper: 0.19 }))).toBe(true);
    expect(isSuppressed(entry({ upper: 0.2 }))).toBe(false);
    expect(isSuppressed(entry({ upper: 0.29 }), { maxUpper: 0.3 })).toBe(true);
  });

  it("needs at least minEvidence", () => {
    expect(isSuppressed(entry({ evidence: 3 }))).toBe(true);
    expect(isSuppressed(entry({ evidence: 2.99 }))).toBe(false);
    expect(isSuppressed(entry({ evidence: 2.99 }), { minEvidence: 2 })).toBe(true);
  });

  it("mixed feedback: shrinkage toward the other repositories' rate protects a rule they like", () => {
    // This repository: 20 rejections and 2 acceptances, the latest an acceptance (no run of dismissals).
    const day = 86_400_000;
    const mine: LearnerEvent[] = [..."RRRRRRRRRRARRRRRRRRRRA"].map((c, i) => ({ scope: "rule", key: "deps/undeclared", repositoryId: 1, outcome: c === "A" ? "accept" : "reject", at: new Date(now.getTime() - (22 - i) * day) }));
    const liked = estimateAcceptance([...accepts("deps/undeclared", 40, 2), ...mine], { now });
    expect(suppressedRules(liked, 1).has("deps/undeclared")).toBe(false);
    const disliked = estimateAcceptance([...rejects("deps/undeclared", 40, 2), ...mine], { now });
    expect(suppressedRules(disliked, 1).has("deps/undeclared")).toBe(true);
  });

  it("dismissed minEvidence times in a row: suppressed here whatever other repositories think", () => {
    const liked = estimateAcceptance([...accepts("deps/undeclared", 40, 2), ...rejects("deps/undeclared", 3, 1)], { now });
    expect(suppressedRules(liked, 1).has("deps/undeclared")).toBe(true);
    expect(suppressedRules(liked, 2).has("deps/undeclared")).toBe(false);
    expect(isSuppressed(entry({ upper: 0.9, rejectStreak: 3, accepts: 0, evidence: 3 }))).toBe(true);
    expect(isSuppressed(entry({ upper: 0.9, rejectStreak: 2.5, accepts: 0, evidence: 2.5 }))).toBe(false);
    expect(isSuppressed(entry({ upper: 0.9, rejectStreak: 3, accepts: 3, evidence: 6 }))).toBe(false);
  });

  it("never suppresses the safety rules, whatever the feedback or an override", () => {
    expect(SAFETY_RULES).toEqual(["secrets/hardcoded", "conflict/markers"]);
    const table = estimateAcceptance([...rejects("secrets/hardcoded", 100), ...rejects("conflict/markers", 100)], { now });
    expect(table.every((e) => e.upper < 0.2)).toBe(true);
    expect(suppressedRules(table, 1).size).toBe(0);
    expect(isSuppressed(entry({ key: "secrets/hardcoded", override: { suppress: true, learned: { mean: 0, lower: 0, upper: 0 } } }))).toBe(false);
  });

  it("lets an override decide both ways", () => {
    const learned = { mean: 0.5, lower: 0.3, upper: 0.7 };
    expect(isSuppressed(entry({ upper: 0.9, evidence: 0, override: { suppress: true, learned } }))).toBe(true);
    expect(isSuppressed(entry({ upper: 0.01, evidence: 50, override: { suppress: false, learned } }))).toBe(false);
  });

  it("only looks at the repository asked about and at rules", () => {
    const table = estimateAcceptance(
      [...rejects("debug/leftover", 40, 2), { scope: "improvement", key: "debug/leftover", repositoryId: 1, outcome: "reject", at: now }],
      { now },
    );
    expect(suppressedRules(table, 1).size).toBe(0);
    expect([...suppressedRules(table, 2)]).toEqual(["debug/leftover"]);
  });

  it("rejects bad thresholds with the option's name", () => {
    expect(() => suppressedRules([], 1, { maxUpper: 2 })).toThrow(/^suppression options: maxUpper: /);
    expect(() => suppressedRules([], 1, { minEvidence: -1 })).toThrow(/minEvidence: /);
  });
});
