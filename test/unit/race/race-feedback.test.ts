import { describe, expect, it } from "vitest";
import { feedbackToEvents } from "../../../src/learner/learner-event.ts";

describe("races teach routing", () => {
  it("race_won accepts the backend on its task type at half weight, race_picked at full weight", () => {
    const at = new Date("2026-12-01T00:00:00Z");
    const row = { at, repositoryId: 1, actorCanWrite: true, backend: "codex", taskType: "change" };
    expect(feedbackToEvents([{ ...row, kind: "race_won" }, { ...row, kind: "race_picked", backend: "claude" }])).toEqual([
      { scope: "backend", key: "codex:change", outcome: "accept", repositoryId: 1, at, weight: 0.5 },
      { scope: "backend", key: "claude:change", outcome: "accept", repositoryId: 1, at, weight: 1 },
    ]);
  });
});
