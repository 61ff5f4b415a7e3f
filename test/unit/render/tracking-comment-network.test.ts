import { describe, expect, it } from "vitest";
import { renderTrackingComment } from "../../../src/render/render-tracking-comment.ts";

describe("tracking comment: the agent's network", () => {
  it("says how many connections were refused, with the hosts, and warns loudly when the network is not isolated", () => {
    const body = renderTrackingComment({
      executionId: "run-1",
      status: "completed",
      phases: [],
      network: { refused: 12, hosts: ["127.0.0.1:6379", "169.254.169.254:80", "a:1", "b:1", "c:1", "d:1", "e:1", "f:1", "g:1", "h:1"] },
      sandboxWarning: "NETWORK NOT ISOLATED: bubblewrap cannot create a network namespace here",
    });
    expect(body).toContain("> ⚠️ **The agent's network is not isolated on this worker.** NETWORK NOT ISOLATED: bubblewrap cannot create a network namespace here");
    expect(body).toContain(
      "🛡️ **12 connections refused** by the sandbox's allow-list: `127.0.0.1:6379`, `169.254.169.254:80`, `a:1`, `b:1`, `c:1`, `d:1`, `e:1`, `f:1` and 2 more (`moderator status run-1` lists them).",
    );
  });
  it("says nothing when nothing was refused", () => {
    const body = renderTrackingComment({ executionId: "run-1", status: "completed", phases: [], network: { refused: 0, hosts: [] } });
    expect(body).not.toContain("refused");
  });
});
