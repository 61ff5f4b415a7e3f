import { describe, expect, it } from "vitest";
import { judgeRace, type CandidateResult } from "../../../src/race/judge-race.ts";
import type { PeerRankingResult } from "../../../src/race/rank-with-peers.ts";

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
  it("the peers break a tie on score before the size of the change; a peer without a ranking counts for nothing, with its reason", () => {
    const ranked = (peer: string, order: string[], reasons: Record<string, string> = {}): PeerRankingResult => ({ peer, status: "ranked", order, reasons, durationMs: 1 });
    const broken: PeerRankingResult = { peer: "gemini", status: "unparseable", problem: 'its ranking names `zed`, which is not a candidate (the candidates are `a`, `b`)', durationMs: 1 };
    const v = judgeRace({ candidates: [c("a", { linesChanged: 5 }), c("b", { linesChanged: 50 })], peers: [ranked("claude", ["b", "a"], { b: "handles the empty input" }), broken] });
    expect(v.winner).toBe("b");
    expect(v.reasons[0]).toBe('`b` and `a` tie at 0.80; the peers prefer `b` (1 point against 0): `claude` ranks `b` higher ("handles the empty input").');
    expect(v.reasons).toContain("Peer `gemini` gave no ranking: its ranking names `zed`, which is not a candidate (the candidates are `a`, `b`).");
    expect(v.peers?.map((p) => p.peer)).toEqual(["claude", "gemini"]);
    // Never before the score: the better score wins whatever the peers say.
    expect(judgeRace({ candidates: [c("a", { score: 0.9 }), c("b")], peers: [ranked("claude", ["b", "a"])] }).winner).toBe("a");
    // Peers that disagree cancel out (Borda): the smaller change decides.
    const split = judgeRace({ candidates: [c("a", { linesChanged: 5 }), c("b", { linesChanged: 50 })], peers: [ranked("claude", ["b", "a"]), ranked("codex", ["a", "b"])] });
    expect(split.winner).toBe("a");
    expect(split.reasons[0]).toContain("`a` is the smaller change");
    // Only candidates in the judging count: a peer's place for one that is out does not move the others.
    const three = judgeRace({ candidates: [c("a"), c("b"), c("x", { status: "failed", hasResult: false, score: undefined })], peers: [ranked("claude", ["x", "b", "a"])] });
    expect(three.ranking).toEqual(["b", "a"]);
  });
});
