import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { toPullRequestClosedInput } from "../../../src/outcomes/to-pull-request-closed-input.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
const closedExample = (): Record<string, any> =>
  structuredClone(examples.find((x) => x.name === "pull_request")!.examples.find((e) => e["action"] === "closed")!);

describe("toPullRequestClosedInput", () => {
  it("maps GitHub's pull_request.closed example (closed, not merged)", () => {
    expect(toPullRequestClosedInput(closedExample(), 7)).toEqual({
      repositoryId: 7,
      ref: { owner: "Codertocat", repo: "Hello-World" },
      prNumber: 2,
      merged: false,
      mergedAt: null,
      createdAt: "2019-05-15T15:20:33Z",
      closedAt: "2019-05-15T15:21:18Z",
      closedBy: "Codertocat",
      headRef: "changes",
    });
  });

  it("names the merger for a merge", () => {
    const p = closedExample();
    Object.assign(p["pull_request"], { merged: true, merged_at: "2019-05-15T17:21:18Z", merged_by: { login: "maia" } });
    expect(toPullRequestClosedInput(p, 7)).toMatchObject({ merged: true, mergedAt: "2019-05-15T17:21:18Z", closedBy: "maia" });
  });

  it("says which fields are wrong", () => {
    const p = closedExample();
    delete p["pull_request"]["created_at"];
    p["sender"] = {};
    expect(() => toPullRequestClosedInput(p, 7)).toThrow(/pull_request\.created_at: .*sender\.login/);
    expect(() => toPullRequestClosedInput({ ...closedExample(), action: "opened" }, 7)).toThrow(/action/);
  });
});
