import { describe, expect, it } from "vitest";
import { triageDelivery, validateDelivery } from "../../../src/intake/webhook-events.ts";
import { issueCommentCreated, issueLabeled, pullRequestClosed, pullRequestCommentCreated } from "../../support/payloads.ts";

describe("validateDelivery (intake's door)", () => {
  it("hands on a handled event with its installation, repository and conversation key", () => {
    const v = validateDelivery("issues", issueLabeled({ number: 7, title: "x", sender: "maia" }));
    expect(v).toMatchObject({ kind: "handled", key: "issues.labeled", action: "labeled", repository: "octo-org/hello-world" });
    if (v.kind !== "handled") throw new Error("unreachable");
    expect(v.installationId).toBeGreaterThan(0);
    expect(v.orderKey).toMatch(/^\d+#7$/);
    const c = validateDelivery("issue_comment", issueCommentCreated({ number: 7, title: "x", body: "/moderator run", sender: "maia" }));
    expect(c).toMatchObject({ kind: "handled", key: "issue_comment.created" });
    if (c.kind === "handled" && v.kind === "handled") expect(c.orderKey).toBe(v.orderKey);
  });

  it("drops events and actions Moderator does not handle, without calling them malformed", () => {
    expect(validateDelivery("push", { ref: "refs/heads/main" })).toEqual({ kind: "unhandled", reason: "event 'push' is not handled" });
    expect(validateDelivery("issues", { ...issueLabeled({ number: 1, title: "x", sender: "m" }), action: "opened" })).toMatchObject({ kind: "unhandled" });
  });

  it("refuses a malformed payload with each problem and its path", () => {
    const payload = issueLabeled({ number: 7, title: "x", sender: "maia" });
    delete (payload["issue"] as Record<string, unknown>)["number"];
    delete payload["installation"];
    const v = validateDelivery("issues", payload);
    expect(v.kind).toBe("malformed");
    if (v.kind !== "malformed") throw new Error("unreachable");
    expect(v.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^installation: /), expect.stringMatching(/^issue\.number: /)]));
    expect(validateDelivery("issues", [1, 2])).toEqual({ kind: "malformed", problems: ["(payload): must be a JSON object"] });
    expect(validateDelivery("issues", { action: "x".repeat(200) })).toMatchObject({ kind: "malformed" });
  });

  it("reports a schema error of pull_request.closed instead of throwing it later", () => {
    const payload = pullRequestClosed({ number: 3, headRef: "moderator/issue-1", merged: true, sender: "maia" });
    (payload["pull_request"] as Record<string, unknown>)["created_at"] = 12;
    const v = validateDelivery("pull_request", payload);
    expect(v).toMatchObject({ kind: "malformed", problems: [expect.stringMatching(/^pull_request\.created_at: /)] });
  });
});

describe("triageDelivery: what the payload alone says", () => {
  const valid = (event: string, payload: Record<string, unknown>) => {
    const v = validateDelivery(event, payload);
    if (v.kind !== "handled") throw new Error(`not handled: ${JSON.stringify(v)}`);
    return triageDelivery(v.key, v.payload);
  };
  it("stores triggers and commands, and ignores bots", () => {
    expect(valid("issues", issueLabeled({ number: 1, title: "x", sender: "maia" }))).toEqual({ action: "store" });
    expect(valid("issues", issueLabeled({ number: 1, title: "x", sender: "renovate[bot]", senderType: "Bot" }))).toEqual({ action: "ignore", reason: "bot sender" });
    expect(valid("issue_comment", issueCommentCreated({ number: 1, title: "x", body: "Sure.\n/moderator run", sender: "maia" }))).toEqual({ action: "store" });
    expect(valid("issue_comment", issueCommentCreated({ number: 1, title: "x", body: "/moderator run", sender: "ci-bot", senderType: "Bot" }))).toMatchObject({ action: "ignore" });
  });

  it("keeps a plain comment only when a run may be waiting for it as an answer", () => {
    expect(valid("issue_comment", issueCommentCreated({ number: 4, title: "x", body: "Thanks!", sender: "maia" }))).toMatchObject({ action: "store-if-awaiting-answer", issueNumber: 4 });
    // A command in a code block is not a command.
    expect(valid("issue_comment", issueCommentCreated({ number: 4, title: "x", body: "```\n/moderator run\n```", sender: "maia" }))).toMatchObject({ action: "store-if-awaiting-answer" });
    expect(valid("issue_comment", pullRequestCommentCreated({ number: 4, title: "x", body: "Nice", sender: "maia" }))).toEqual({ action: "ignore", reason: "no command" });
  });
});
