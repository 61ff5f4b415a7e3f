import { describe, expect, it } from "vitest";
import { backendKey, feedbackToEvents, type FeedbackRow, type LearnerEvent } from "../../../src/learner/learner-event.ts";

const at = new Date("2025-03-01T12:00:00Z");
const row = (kind: string, extra: Partial<FeedbackRow> = {}): FeedbackRow => ({ kind, at, repositoryId: 7, actorCanWrite: true, ...extra });
const event = (scope: LearnerEvent["scope"], key: string, outcome: LearnerEvent["outcome"], weight?: number): LearnerEvent => ({
  scope,
  key,
  outcome,
  repositoryId: 7,
  at,
  ...(weight !== undefined ? { weight } : {}),
});

describe("feedbackToEvents", () => {
  const table: Array<{ name: string; row: FeedbackRow; expected: LearnerEvent[] }> = [
    { name: "dismissed rejects the rule", row: row("dismissed", { ruleId: "debug/leftover" }), expected: [event("rule", "debug/leftover", "reject")] },
    { name: "thumbs down on a finding rejects the rule", row: row("reaction_down", { ruleId: "io/unhandled" }), expected: [event("rule", "io/unhandled", "reject")] },
    {
      name: "thumbs down on an improvement rejects its type, not a rule",
      row: row("reaction_down", { ruleId: "io/unhandled", improvementType: "add-tests" }),
      expected: [event("improvement", "add-tests", "reject")],
    },
    { name: "thumbs up on a finding accepts the rule", row: row("reaction_up", { ruleId: "tests/missing" }), expected: [event("rule", "tests/missing", "accept")] },
    { name: "thumbs up on an improvement accepts its type", row: row("reaction_up", { improvementType: "docs" }), expected: [event("improvement", "docs", "accept")] },
    {
      name: "an applied suggestion accepts the rule with weight 1.5",
      row: row("suggestion_applied", { ruleId: "debug/leftover" }),
      expected: [event("rule", "debug/leftover", "accept", 1.5)],
    },
    {
      name: "a thread resolved by a person without a fix rejects the rule with weight 0.5",
      row: row("thread_resolved_by_human", { ruleId: "deps/undeclared" }),
      expected: [event("rule", "deps/undeclared", "reject", 0.5)],
    },
    {
      name: "merged accepts the improvement type and the backend on its task type",
      row: row("merged", { improvementType: "refactor", backend: "codex", taskType: "refactor" }),
      expected: [event("improvement", "refactor", "accept"), event("backend", "codex:refactor", "accept")],
    },
    { name: "merged run PR (no improvement) accepts only the backend", row: row("merged", { backend: "aider", taskType: "change" }), expected: [event("backend", "aider:change", "accept")] },
    {
      name: "closed unmerged rejects the improvement type and the backend",
      row: row("closed_unmerged", { improvementType: "docs", backend: "claude-code", taskType: "docs" }),
      expected: [event("improvement", "docs", "reject"), event("backend", "claude-code:docs", "reject")],
    },
    { name: "merged with a backend but no task type gives no backend event", row: row("merged", { backend: "aider" }), expected: [] },
    { name: "a row from someone without write access is ignored", row: row("dismissed", { ruleId: "debug/leftover", actorCanWrite: false }), expected: [] },
    { name: "an unknown kind is ignored", row: row("reaction_laugh", { ruleId: "debug/leftover" }), expected: [] },
    { name: "a rule kind without a rule id is ignored", row: row("dismissed"), expected: [] },
    { name: "an empty rule id is ignored", row: row("suggestion_applied", { ruleId: "" }), expected: [] },
  ];
  for (const c of table) {
    it(c.name, () => {
      expect(feedbackToEvents([c.row])).toEqual(c.expected);
    });
  }

  it("keeps the order of the rows and their repositories and times", () => {
    const later = new Date("2025-04-01T00:00:00Z");
    const events = feedbackToEvents([
      row("dismissed", { ruleId: "a/one" }),
      { kind: "reaction_up", at: later, repositoryId: 9, actorCanWrite: true, ruleId: "b/two" },
      row("reaction_up", { ruleId: "c/three", actorCanWrite: false }),
    ]);
    expect(events).toEqual([event("rule", "a/one", "reject"), { scope: "rule", key: "b/two", outcome: "accept", repositoryId: 9, at: later }]);
  });

  it("builds backend keys as <backend>:<taskType>", () => {
    expect(backendKey("claude-code", "test")).toBe("claude-code:test");
  });
});
