import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../src/render/format-duration.ts";
import { renderPullRequestBody, renderPullRequestTitle } from "../../../src/render/render-pull-request.ts";
import { fence, renderTrackingComment } from "../../../src/render/render-tracking-comment.ts";
import { PhaseTracker } from "../../../src/pipeline/phase-tracker.ts";

describe("formatDuration", () => {
  it("formats seconds, minutes and hours", () => {
    expect(formatDuration(950)).toBe("0.9s");
    expect(formatDuration(61_000)).toBe("1m 1s");
    expect(formatDuration(3_700_000)).toBe("1h 1m");
    expect(formatDuration(-1)).toBe("?");
  });
});

describe("renderTrackingComment", () => {
  it("shows the phases as a checklist with durations, facts and links", () => {
    let t = 0;
    const tracker = new PhaseTracker(undefined, () => t);
    tracker.start("prepare");
    t = 1500;
    tracker.start("plan");
    t = 1600;
    tracker.start("execute");
    const body = renderTrackingComment({
      executionId: "e1",
      status: "executing",
      phases: tracker.view(),
      backend: "mine",
      prUrl: "https://h/pr/3",
      prNumber: 3,
      findingsBySeverity: { high: 1, low: 2 },
    });
    expect(body).toContain("### Moderator · 🔄 Working: the agent is running");
    expect(body).toContain("- [x] Prepare: clone and branch · 1.5s");
    expect(body).toContain("- [x] Plan · 0.1s");
    expect(body).toContain("- [ ] Run the agent ⏳");
    expect(body).toContain("- [ ] Publish: push, PR, review, check run\n");
    expect(body).toContain("**Findings:** 1 high, 2 low");
    expect(body).toContain("**Pull request:** [#3](https://h/pr/3)");
  });

  it("says which phase failed, why and what to do, with the output in a safe fence", () => {
    const body = renderTrackingComment({
      executionId: "e2",
      status: "failed",
      phases: [],
      error: { phase: "execute", message: "the agent exited with code 1", hint: "Clarify the issue.", outputTail: "boom ``` end" },
    });
    expect(body).toContain("**Failed in execute:** the agent exited with code 1");
    expect(body).toContain("**What to do:** Clarify the issue.");
    expect(body).toContain("````\nboom ``` end\n````");
  });

  it("fence grows past any backtick run in the content", () => {
    expect(fence("a ```` b")).toBe("`````\na ```` b\n`````");
  });
});

describe("renderPullRequest", () => {
  it("closes the issue and summarizes changes and QA", () => {
    const body = renderPullRequestBody({
      issueNumber: 5,
      issueTitle: "t",
      backend: "mine",
      agentSummary: "Did it.\nAll good.",
      files: [{ path: "a.ts", status: "modified" }, { path: "b.ts", status: "renamed", oldPath: "c.ts" }],
      findingsBySeverity: { medium: 1 },
      commands: [{ name: "npm test", exitCode: 1, timedOut: false, durationMs: 2000 }],
      conclusion: "success",
      executionId: "e3",
    });
    expect(body.startsWith("Closes #5\n")).toBe(true);
    expect(body).toContain("> Did it.\n> All good.");
    expect(body).toContain("- `b.ts` (renamed from `c.ts`)");
    expect(body).toContain("QA passed: 1 medium.");
    expect(body).toContain("| `npm test` | ❌ exit 1 | 2.0s |");
    expect(renderPullRequestTitle(5, "  Fix   it ")).toBe("Fix it (#5)");
  });

  it("names the agents whose work is in the change, and says when tasks ran at once", () => {
    const base = { issueNumber: 5, issueTitle: "t", backend: "routed", files: [], findingsBySeverity: {}, commands: [], conclusion: "success" as const, executionId: "e4" };
    const tasks = [
      { title: "one", status: "succeeded", backend: "alpha" },
      { title: "two", status: "failed", backend: "routed", error: "boom" },
      { title: "three", status: "succeeded", backend: "beta" },
    ];
    const parallel = renderPullRequestBody({ ...base, tasks, parallel: true });
    expect(parallel).toContain("Moderator ran the `alpha` and `beta` agents on #5");
    expect(parallel).toContain("Independent tasks ran at the same time");
    const sequential = renderPullRequestBody({ ...base, tasks: [{ title: "only", status: "succeeded", backend: "fallback" }] });
    expect(sequential).toContain("Moderator ran the `fallback` agent on #5");
    expect(sequential).not.toContain("Independent tasks");
    expect(renderPullRequestBody(base)).toContain("Moderator ran the `routed` agent on #5");
  });

  const qaView = { issueNumber: 5, issueTitle: "t", backend: "mine", files: [], commands: [], conclusion: "success" as const, executionId: "e3" };

  it("names the check runs a single run has: QA's, and the run's own", () => {
    const body = renderPullRequestBody({ ...qaView, findingsBySeverity: { medium: 1 }, runCheckRun: "Moderator" });
    expect(body).toContain("QA passed: 1 medium. Details are in the review and the **Moderator QA** check run. The **Moderator** check run records the run.");
  });

  it("a race's PR (no check run of its own) and a clean change (no review) say only what is there", () => {
    const body = renderPullRequestBody({ ...qaView, findingsBySeverity: {} });
    expect(body).toContain("QA passed: no findings. Details are in the **Moderator QA** check run.\n");
    expect(body).not.toContain("review");
    expect(body).not.toContain("**Moderator** check run");
  });
});
