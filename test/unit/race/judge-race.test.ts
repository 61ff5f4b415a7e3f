import { describe, expect, it } from "vitest";
import { judgeRace, type CandidateResult } from "../../../src/race/judge-race.ts";

const c = (name: string, o: Partial<CandidateResult> = {}): CandidateResult => ({ name, backend: name, status: "completed", hasResult: true, score: 0.8, linesChanged: 10, filesChanged: 1, ...o });

describe("judgeRace", () => {
  it("the best score wins; failed and changeless candidates are out with their reason", () => {
    const v = judgeRace({ candidates: [c("a", { score: 0.55 }), c("b", { score: 0.9 }), c("t", { status: "failed", hasResult: false, score: undefined, error: "timed out" }), c("n", { hasResult: false })] });
    expect(v.winner).toBe("b");
    expect(v.ranking).toEqual(["b", "a"]);
    expect(v.reasons[0]).toBe("`b` has the best score: 0.90 against 0.55 for `a`.");
    expect(v.reasons).toContain("`t` is out: failed (timed out).");
    expect(v.reasons).toContain("`n` is out: it left no change.");
  });
  it("a tie goes to the smaller change, then to the learner's prior, never the prior first", () => {
    expect(judgeRace({ candidates: [c("a", { linesChanged: 40 }), c("b", { linesChanged: 12 })], prior: (b) => (b === "a" ? 0.9 : 0.1) })).toMatchObject({
      winner: "b",
      reasons: ["`b` and `a` tie at 0.80; `b` is the smaller change (12 lines in 1 files against 40 in 1)."],
    });
    expect(judgeRace({ candidates: [c("a", { score: 0.7 }), c("b")], prior: (b) => (b === "a" ? 0.9 : 0.1) }).winner).toBe("b");
    const v = judgeRace({ candidates: [c("a"), c("b")], prior: (b) => (b === "b" ? 0.7 : 0.4) });
    expect(v.winner).toBe("b");
    expect(v.reasons[0]).toContain("the learner's merge rate for `b` (0.70) is higher than for `a` (0.40)");
  });
  it("no winner when nothing finished with a change", () => {
    expect(judgeRace({ candidates: [c("a", { status: "cancelled", hasResult: false })] })).toEqual({ ranking: [], reasons: ["No candidate finished with a change.", "`a` is out: cancelled."] });
  });
});
