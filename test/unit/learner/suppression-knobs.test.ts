import { describe, expect, it } from "vitest";
import { isSuppressed, suppressedRules } from "../../../src/learner/decide-suppression.ts";
import { estimateAcceptance } from "../../../src/learner/estimate-acceptance.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { lookupAcceptance } from "../../../src/learner/lookup-acceptance.ts";

const now = new Date("2025-06-01T00:00:00Z");
const day = 86_400_000;
/** Feedback on `rule` in `repositoryId`, oldest first, one a day ending today ("A" accept, "R" reject). */
function feedback(pattern: string, rule = "style/naming", repositoryId = 1): LearnerEvent[] {
  return [...pattern].map((c, i) => ({
    scope: "rule" as const,
    key: rule,
    repositoryId,
    outcome: c === "A" ? ("accept" as const) : ("reject" as const),
    at: new Date(now.getTime() - (pattern.length - 1 - i) * day),
  }));
}
const suppressed = (events: LearnerEvent[], repositoryId = 1) => suppressedRules(estimateAcceptance(events, { now }), repositoryId);

describe("learner.suppression.minEvidence means what it says (defaults: minEvidence 3, maxUpper 0.2)", () => {
  it("a maintainer who dismisses a rule 3 times in a row gets it suppressed; twice is not enough", () => {
    expect(suppressed(feedback("RRR"))).toEqual(new Set(["style/naming"]));
    expect(suppressed(feedback("RR"))).toEqual(new Set());
  });

  it("a rule the repository mostly accepts is not suppressed by a short run of dismissals", () => {
    expect(suppressed(feedback("AAAAAAAAAARRR"))).toEqual(new Set());
    expect(suppressed(feedback("ARARARRRR"))).toEqual(new Set());
  });

  it("mixed feedback is left to the statistics: mostly rejected with confidence is suppressed", () => {
    expect(suppressed(feedback("RRRRRRRRRRARRRRRRRRRRRARRRRRRRRRRRRR"))).toEqual(new Set(["style/naming"]));
    expect(suppressed(feedback("RARARARARA"))).toEqual(new Set());
  });

  it("another repository's dismissals decide nothing here, and a safety rule is never suppressed", () => {
    expect(suppressed(feedback("RRRR", "style/naming", 2), 1)).toEqual(new Set());
    expect(suppressed(feedback("RRRRRRRRRR", "secrets/hardcoded"))).toEqual(new Set());
  });

  it("a repository's own feedback does not count in the installation-wide rate it is shrunk toward", () => {
    const table = estimateAcceptance([...feedback("RRRRR", "io/unhandled", 1), ...feedback("AAAAA", "io/unhandled", 2)], { now });
    const one = table.find((e) => e.repositoryId === 1);
    const two = table.find((e) => e.repositoryId === 2);
    // Prior Beta(1, 1); decayed counts are a little under 5: the rate of the *other* repositories, prior included.
    expect(one?.installationRate).toBeGreaterThan(0.8);
    expect(two?.installationRate).toBeLessThan(0.2);
    // A repository without feedback is shrunk toward everyone's.
    expect(lookupAcceptance(table, "rule", 3, "io/unhandled").installationRate).toBeCloseTo(0.5, 2);
    expect(isSuppressed(one!)).toBe(true);
  });
});
