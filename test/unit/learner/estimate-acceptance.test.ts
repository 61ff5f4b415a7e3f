import { describe, expect, it } from "vitest";
import { betaQuantile } from "../../../src/learner/beta-quantile.ts";
import { estimateAcceptance, type AcceptanceEntry } from "../../../src/learner/estimate-acceptance.ts";
import { LearnerConfig } from "../../../src/learner/learner-config.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { lookupAcceptance } from "../../../src/learner/lookup-acceptance.ts";

const now = new Date("2025-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const ev = (outcome: LearnerEvent["outcome"], extra: Partial<LearnerEvent> = {}): LearnerEvent => ({
  scope: "rule",
  key: "debug/leftover",
  repositoryId: 1,
  outcome,
  at: now,
  ...extra,
});
const times = (n: number, e: LearnerEvent): LearnerEvent[] => Array.from({ length: n }, () => e);
const only = (table: AcceptanceEntry[], repositoryId = 1, key = "debug/leftover"): AcceptanceEntry => {
  const found = table.find((e) => e.repositoryId === repositoryId && e.key === key);
  if (!found) throw new Error(`no entry for ${repositoryId} ${key}`);
  return found;
};

describe("estimateAcceptance: decay", () => {
  it("counts an event one half-life old as half", () => {
    const table = estimateAcceptance([ev("accept", { at: daysAgo(90) }), ev("reject", { at: daysAgo(180) })], { now, halfLifeDays: 90 });
    const e = only(table);
    expect(e.accepts).toBeCloseTo(0.5, 12);
    expect(e.rejects).toBeCloseTo(0.25, 12);
    expect(e.evidence).toBeCloseTo(0.75, 12);
  });

  it("follows the half-life option and multiplies by the weight", () => {
    const e = only(estimateAcceptance([ev("accept", { at: daysAgo(10), weight: 1.5 })], { now, halfLifeDays: 10 }));
    expect(e.accepts).toBeCloseTo(0.75, 12);
  });

  it("counts an event dated after now as of now", () => {
    const e = only(estimateAcceptance([ev("reject", { at: new Date(now.getTime() + 5 * 86_400_000) })], { now }));
    expect(e.rejects).toBe(1);
  });
});

describe("estimateAcceptance: the posterior", () => {
  it("shrinks toward the other repositories' rate: Beta(s·p0 + a, s·(1 − p0) + r), p0 without this repository's own feedback", () => {
    // Repository 1: 3 accepts, 1 reject. Repository 2: 0 accepts, 4 rejects. Prior Beta(1, 1), s = 10.
    const events = [...times(3, ev("accept")), ev("reject"), ...times(4, ev("reject", { repositoryId: 2 }))];
    const table = estimateAcceptance(events, { now });
    const p1 = (1 + 0) / (2 + 4); // repository 2's feedback only
    const e1 = only(table, 1);
    expect(e1.installationRate).toBeCloseTo(p1, 12);
    expect(e1.alpha).toBeCloseTo(10 * p1 + 3, 12);
    expect(e1.beta).toBeCloseTo(10 * (1 - p1) + 1, 12);
    expect(e1.mean).toBeCloseTo((10 * p1 + 3) / (10 + 4), 12);
    expect(e1.lower).toBeCloseTo(betaQuantile(0.05, e1.alpha, e1.beta), 9);
    expect(e1.upper).toBeCloseTo(betaQuantile(0.95, e1.alpha, e1.beta), 9);
    const p2 = (1 + 3) / (2 + 4); // repository 1's feedback only
    const e2 = only(table, 2);
    expect(e2.installationRate).toBeCloseTo(p2, 12);
    expect(e2.mean).toBeCloseTo((10 * p2) / 14, 12);
    expect(e2.lower).toBeLessThan(e2.mean);
    expect(e2.upper).toBeGreaterThan(e2.mean);
  });

  it("gives a repository with no data the installation rate", () => {
    const events = [...times(6, ev("accept", { repositoryId: 2 })), ...times(2, ev("reject", { repositoryId: 3 }))];
    const table = estimateAcceptance(events, { now });
    expect(table.some((e) => e.repositoryId === 1)).toBe(false);
    const fresh = lookupAcceptance(table, "rule", 1, "debug/leftover");
    const p0 = (1 + 6) / (2 + 8);
    expect(fresh.evidence).toBe(0);
    expect(fresh.mean).toBeCloseTo(p0, 12);
    expect(fresh.installationRate).toBeCloseTo(p0, 12);
    expect(fresh.alpha).toBeCloseTo(10 * p0, 12);
  });

  it("gives a key nobody has feedback on the prior's mean", () => {
    const fresh = lookupAcceptance([], "improvement", 1, "docs", { prior: { alpha: 1, beta: 3 } });
    expect(fresh.mean).toBeCloseTo(0.25, 12);
    expect(fresh).toMatchObject({ scope: "improvement", key: "docs", repositoryId: 1, accepts: 0, rejects: 0 });
  });

  it("keeps scopes and keys apart and sorts by scope, repository and key", () => {
    const table = estimateAcceptance(
      [
        ev("accept", { scope: "backend", key: "codex:change" }),
        ev("reject", { key: "b/rule", repositoryId: 2 }),
        ev("reject", { key: "a/rule", repositoryId: 2 }),
        ev("accept", { scope: "improvement", key: "docs" }),
        ev("accept", { scope: "improvement", key: "b/rule" }),
        ev("reject", { key: "z/rule" }),
      ],
      { now },
    );
    expect(table.map((e) => `${e.scope} ${e.repositoryId} ${e.key}`)).toEqual([
      "rule 1 z/rule",
      "rule 2 a/rule",
      "rule 2 b/rule",
      "improvement 1 b/rule",
      "improvement 1 docs",
      "backend 1 codex:change",
    ]);
    // "b/rule" as an improvement type does not share evidence with the rule of that name (repository 2's reject):
    // no other repository has feedback on the improvement type, so it is shrunk toward the prior's mean.
    expect(only(table, 1, "b/rule").installationRate).toBeCloseTo(1 / 2, 12);
  });

  it("narrows the interval as evidence grows", () => {
    const few = only(estimateAcceptance(times(3, ev("reject")), { now }));
    const many = only(estimateAcceptance(times(60, ev("reject")), { now }));
    expect(many.upper - many.lower).toBeLessThan(few.upper - few.lower);
    expect(many.upper).toBeLessThan(few.upper);
  });

  it("honours credibleMass", () => {
    const e = only(estimateAcceptance([ev("accept"), ev("reject")], { now, credibleMass: 0.5 }));
    expect(e.lower).toBeCloseTo(betaQuantile(0.25, e.alpha, e.beta), 9);
    expect(e.upper).toBeCloseTo(betaQuantile(0.75, e.alpha, e.beta), 9);
  });

  it("has defaults equal to LearnerConfig's", () => {
    const config = LearnerConfig.parse({});
    expect(config).toMatchObject({ halfLifeDays: 90, prior: { alpha: 1, beta: 1 }, shrinkStrength: 10, credibleMass: 0.9, suppression: { maxUpper: 0.2, minEvidence: 3 } });
    const events = [ev("accept", { at: daysAgo(30) }), ev("reject")];
    expect(estimateAcceptance(events, { now })).toEqual(estimateAcceptance(events, { now, ...config }));
  });

  it("returns an empty table for no events", () => {
    expect(estimateAcceptance([], { now })).toEqual([]);
  });
});

describe("estimateAcceptance: bad input", () => {
  it("names the event and the field", () => {
    expect(() => estimateAcceptance([ev("accept"), ev("accept", { weight: -1 })], { now })).toThrow(
      "learner event #1 (rule debug/leftover): weight must be a finite number >= 0, got -1",
    );
    expect(() => estimateAcceptance([ev("accept", { at: new Date("nope") })], { now })).toThrow("learner event #0 (rule debug/leftover): at must be a valid Date");
    expect(() => estimateAcceptance([ev("maybe" as LearnerEvent["outcome"])], { now })).toThrow("outcome must be accept or reject, got maybe");
    expect(() => estimateAcceptance([ev("accept", { key: "" })], { now })).toThrow("learner event #0 (rule ): key must be a non-empty string");
    expect(() => estimateAcceptance([ev("accept", { repositoryId: 1.5 })], { now })).toThrow("repositoryId must be an integer, got 1.5");
  });

  it("names the option", () => {
    expect(() => estimateAcceptance([], { now, halfLifeDays: 0 })).toThrow(/^estimateAcceptance options: halfLifeDays: /);
    expect(() => estimateAcceptance([], { now, prior: { alpha: -1, beta: 1 } })).toThrow(/prior\.alpha: /);
    expect(() => estimateAcceptance([], { now: new Date(Number.NaN) })).toThrow("estimateAcceptance: `now` must be a valid Date");
  });
});
