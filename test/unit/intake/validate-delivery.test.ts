import { describe, expect, it } from "vitest";
import { validateDelivery } from "../../../src/intake/webhook-events.ts";
import { issueCommentCreated, issueLabeled, pullRequestClosed } from "../../support/payloads.ts";

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
