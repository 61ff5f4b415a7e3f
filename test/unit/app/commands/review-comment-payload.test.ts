import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ReviewCommentPayload } from "../../../../src/app/review-comment-payload.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const created = examples.find((e) => e.name === "pull_request_review_comment")!.examples.filter((e) => e["action"] === "created");

describe("ReviewCommentPayload", () => {
  it("accepts GitHub's own pull_request_review_comment.created examples sent to an app", () => {
    const withInstallation = created.filter((e) => e["installation"] !== undefined);
    expect(withInstallation.length).toBeGreaterThan(0);
    for (const example of withInstallation) {
      const parsed = ReviewCommentPayload.parse(example);
      expect(parsed.comment).toMatchObject({ id: 284312630, path: "README.md", line: 265, original_line: 265 });
      expect(parsed.comment.in_reply_to_id).toBeUndefined();
      expect(parsed.pull_request).toMatchObject({ number: 2, head: { ref: "changes" } });
      expect(parsed.sender.login).toBe("Codertocat");
    }
  });

  it("keeps a reply's in_reply_to_id and allows an outdated comment's null line", () => {
    const example = structuredClone(created.find((e) => e["installation"] !== undefined)!);
    Object.assign(example["comment"] as object, { in_reply_to_id: 11, line: null });
    const parsed = ReviewCommentPayload.parse(example);
    expect(parsed.comment.in_reply_to_id).toBe(11);
    expect(parsed.comment.line).toBeNull();
  });

  it("says which fields are missing or wrong", () => {
    const example = structuredClone(created.find((e) => e["installation"] === undefined)!);
    (example["comment"] as Record<string, unknown>)["id"] = "x";
    const result = ReviewCommentPayload.safeParse({ ...example, action: "edited" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["action", "comment.id", "installation"]));
  });
});
