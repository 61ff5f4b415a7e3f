import { describe, expect, it } from "vitest";
import { renderStatusReply, type StatusRun } from "../../../../src/render/render-status-reply.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

function run(overrides: Partial<StatusRun> = {}): StatusRun {
  return {
    id: "exec-1",
    kind: "run",
    status: "executing",
    phase: "execute",
    backend: "claude-code",
    trigger: "label",
    triggeredBy: "maia",
    createdAt: new Date("2026-03-01T11:50:00Z"),
    startedAt: new Date("2026-03-01T11:51:00Z"),
    finishedAt: null,
    prNumber: null,
    prUrl: null,
    checkRunUrl: null,
    reviewUrl: null,
    errorPhase: null,
    error: null,
    ...overrides,
  };
}

describe("renderStatusReply", () => {
  it("says there is no run yet, and how to start one, on an issue and on a pull request", () => {
    expect(renderStatusReply({ run: null, isPullRequest: false, now: NOW })).toBe(
      "### Moderator · status\n\nNo Moderator run on this issue yet. A maintainer can start one with the trigger label or `/moderator run`.",
    );
    expect(renderStatusReply({ run: null, isPullRequest: true, now: NOW })).toContain(
      "No Moderator run on this pull request yet. A maintainer can ask for one with `/moderator review`.",
    );
  });

  it("shows a running run: status, phase, time running so far, backend, who started it", () => {
    const body = renderStatusReply({ run: run(), isPullRequest: false, now: NOW, earlierRuns: 2 });
    expect(body.split("\n")).toEqual([
      "### Moderator · 🔄 The agent is running",
      "",
      "Latest run on this issue: `exec-1` (2 earlier on this issue), started by the label from `maia` on 2026-03-01 11:50 UTC.",
      "",
      "- **Status:** `executing`",
      "- **Phase:** `execute`",
      "- **Running for:** 9m 0s",
      "- **Backend:** `claude-code`",
    ]);
  });

  it("shows a queued run's wait", () => {
    const body = renderStatusReply({ run: run({ status: "queued", phase: null, startedAt: null, backend: null }), isPullRequest: false, now: NOW });
    expect(body).toContain("### Moderator · ⏳ Queued");
    expect(body).toContain("- **Waiting for:** 10m 0s");
    expect(body).not.toContain("Phase");
    expect(body).not.toContain("Backend");
  });

  it("shows a finished run's duration, links and last error, redacted and on one line", () => {
    const body = renderStatusReply({
      run: run({
        kind: "review",
        trigger: "comment",
        status: "failed",
        phase: "qa",
        finishedAt: new Date("2026-03-01T11:53:30Z"),
        prNumber: 7,
        prUrl: "https://github.test/o/r/pull/7",
        checkRunUrl: "https://github.test/o/r/runs/9",
        reviewUrl: "https://github.test/o/r/pull/7#pullrequestreview-3",
        errorPhase: "qa",
        error: "npm test exited 1\nwith token ghp_abcdefghijklmnopqrstuvwxyz0123456789 for @someone",
      }),
      isPullRequest: true,
      now: NOW,
    });
    expect(body).toContain("### Moderator · ❌ Failed");
    expect(body).toContain("Latest review run on this pull request: `exec-1`, started by a command from `maia`");
    expect(body).toContain("- **Took:** 2m 30s");
    expect(body).toContain("- **Pull request:** [#7](https://github.test/o/r/pull/7)");
    expect(body).toContain("- **Check run:** [Moderator](https://github.test/o/r/runs/9)");
    expect(body).toContain("- **Review:** [QA review](https://github.test/o/r/pull/7#pullrequestreview-3)");
    const error = body.split("\n").find((l) => l.startsWith("- **Last error"));
    expect(error).toMatch(/^- \*\*Last error \(in qa\):\*\* npm test exited 1 with token .+ for `@someone`$/);
    expect(error).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
  });

  it("shows an unknown status as it is, safely", () => {
    expect(renderStatusReply({ run: run({ status: "odd<!-- x -->" }), isPullRequest: false, now: NOW })).toContain("### Moderator · odd\n");
  });
});
