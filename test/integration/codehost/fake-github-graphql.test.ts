// The fake GitHub's GraphQL endpoint and review-comment reactions, spoken to with plain fetch.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.ts";

const TOKEN = "ghs_fake_graphql";
let fake: FakeGitHub;
let pull: number;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
}
const graphql = (query: string, variables: Record<string, unknown> = {}) => call("POST", "/api/graphql", { query, variables });

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: "acme", name: "widgets", id: 1, defaultBranch: "main" });
  pull = fake.addPullRequest("acme", "widgets", { head: "feature", title: "t" }).number;
});

afterEach(async () => {
  await fake.close();
});

describe("fake GitHub GraphQL", () => {
  it("builds review threads from review comments, with literal arguments and cursors", async () => {
    const a = fake.addReviewComment("acme", "widgets", pull, { path: "a.ts", line: 1, body: "first" });
    fake.addReviewComment("acme", "widgets", pull, { body: "reply", inReplyTo: a.id, user: { login: "moderator[bot]", type: "Bot" } });
    const b = fake.addReviewComment("acme", "widgets", pull, { path: "b.ts", line: 7, body: "second" });
    const query = `{ repository(owner: "acme", name: "widgets") { pullRequest(number: ${pull}) {
      reviewThreads(first: 1) { pageInfo { hasNextPage endCursor } nodes { id isResolved comments(first: 10) { nodes { body author { __typename login } } } } } } } }`;
    const page1 = await graphql(query);
    expect(page1.status).toBe(200);
    const threads1 = page1.json.data.repository.pullRequest.reviewThreads;
    expect(threads1.pageInfo.hasNextPage).toBe(true);
    expect(threads1.nodes[0]).toMatchObject({
      id: fake.threadId(a.id),
      isResolved: false,
      comments: {
        nodes: [
          { body: "first", author: { __typename: "User", login: "octocat" } },
          { body: "reply", author: { __typename: "Bot", login: "moderator" } },
        ],
      },
    });
    const page2 = await graphql(query.replace("first: 1)", `first: 1, after: "${threads1.pageInfo.endCursor}")`));
    const threads2 = page2.json.data.repository.pullRequest.reviewThreads;
    expect(threads2.nodes.map((n: { id: string }) => n.id)).toEqual([fake.threadId(b.id)]);
    expect(threads2.pageInfo.hasNextPage).toBe(false);
  });

  it("resolves and unresolves through the mutations, and answers GitHub's errors", async () => {
    const a = fake.addReviewComment("acme", "widgets", pull, { path: "a.ts", line: 1, body: "x" });
    const resolve = "mutation($threadId: ID!) { resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } } }";
    const ok = await graphql(resolve, { threadId: fake.threadId(a.id) });
    expect(ok.json.data.resolveReviewThread.thread).toMatchObject({ id: fake.threadId(a.id), isResolved: true });
    expect(fake.repo("acme", "widgets").resolvedThreads.get(a.id)).toEqual({ resolvedBy: null });

    const undo = await graphql(`mutation { unresolveReviewThread(input: { threadId: "${fake.threadId(a.id)}" }) { thread { isResolved } } }`);
    expect(undo.json.data.unresolveReviewThread.thread.isResolved).toBe(false);

    fake.repo("acme", "widgets").threadResolutionForbidden = true;
    const forbidden = await graphql(resolve, { threadId: fake.threadId(a.id) });
    expect(forbidden.json).toEqual({
      data: { resolveReviewThread: null },
      errors: [{ type: "FORBIDDEN", path: ["resolveReviewThread"], message: "Resource not accessible by integration" }],
    });
    const missingFirst = await graphql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: ${pull}) { reviewThreads { nodes { id } } } } }`);
    expect(missingFirst.json.errors[0].message).toMatch(/You must provide a `first` or `last` value/);
    const noRepo = await graphql(`{ repository(owner: "acme", name: "nope") { pullRequest(number: 1) { reviewThreads(first: 5) { nodes { id } } } } }`);
    expect(noRepo.json.errors[0]).toMatchObject({ type: "NOT_FOUND", message: "Could not resolve to a Repository with the name 'acme/nope'." });
    expect(fake.unhandled()).toEqual([]);
  });

  it("lists an operation it does not emulate as unhandled", async () => {
    const res = await graphql("{ viewer { login } }");
    expect(res.status).toBe(200);
    expect(res.json.errors[0].message).toBe("fake GitHub: this GraphQL operation is not emulated");
    expect(fake.unhandled().map((r) => r.path)).toEqual(["/graphql"]);
  });

  it("checks the token on GraphQL like on REST", async () => {
    const res = await fetch(`${fake.url}/api/graphql`, { method: "POST", headers: { authorization: "token wrong" }, body: "{}" });
    expect(res.status).toBe(401);
  });
});

describe("fake GitHub review-comment reactions and replies", () => {
  it("adds the app's reaction once, lists everyone's, and filters by content", async () => {
    const c = fake.addReviewComment("acme", "widgets", pull, { path: "a.ts", line: 1, body: "x" });
    fake.addReviewCommentReaction("acme", "widgets", c.id, "-1", { login: "alice" });
    const created = await call("POST", `/api/v3/repos/acme/widgets/pulls/comments/${c.id}/reactions`, { content: "+1" });
    const again = await call("POST", `/api/v3/repos/acme/widgets/pulls/comments/${c.id}/reactions`, { content: "+1" });
    expect([created.status, again.status]).toEqual([201, 200]);
    expect(again.json.id).toBe(created.json.id);
    const all = await call("GET", `/api/v3/repos/acme/widgets/pulls/comments/${c.id}/reactions`);
    expect(all.json.map((r: { content: string; user: { login: string } }) => [r.content, r.user.login])).toEqual([
      ["-1", "alice"],
      ["+1", "moderator[bot]"],
    ]);
    const down = await call("GET", `/api/v3/repos/acme/widgets/pulls/comments/${c.id}/reactions?content=-1`);
    expect(down.json).toHaveLength(1);
    expect((await call("POST", `/api/v3/repos/acme/widgets/pulls/comments/${c.id}/reactions`, { content: "meh" })).status).toBe(422);
    expect((await call("GET", "/api/v3/repos/acme/widgets/pulls/comments/424242/reactions")).status).toBe(404);
  });

  it("attaches a reply to a reply to the thread's root, and 404s a comment of another pull request", async () => {
    const root = fake.addReviewComment("acme", "widgets", pull, { path: "a.ts", line: 3, body: "root" });
    const first = await call("POST", `/api/v3/repos/acme/widgets/pulls/${pull}/comments/${root.id}/replies`, { body: "one" });
    const second = await call("POST", `/api/v3/repos/acme/widgets/pulls/${pull}/comments/${first.json.id}/replies`, { body: "two" });
    expect([first.json.in_reply_to_id, second.json.in_reply_to_id]).toEqual([root.id, root.id]);
    expect(second.json).toMatchObject({ path: "a.ts", line: 3, user: { login: "moderator[bot]" } });
    const other = fake.addPullRequest("acme", "widgets", { head: "other", title: "o" }).number;
    expect((await call("POST", `/api/v3/repos/acme/widgets/pulls/${other}/comments/${root.id}/replies`, { body: "x" })).status).toBe(404);
    expect((await call("POST", `/api/v3/repos/acme/widgets/pulls/${pull}/comments/${root.id}/replies`, { body: "" })).status).toBe(422);
  });
});
