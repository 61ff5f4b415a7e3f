// The CodeHost methods the outcome collectors read through, on the GitHub host against the fake GitHub over
// real HTTP: comments, reactions (paged), commits and their files, who closed an issue, PR times.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodeHost } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.ts";
import { BOT, Octo, ref, TOKEN } from "./outcome-fixture.ts";

let fake: FakeGitHub;
let host: CodeHost;
let pull: number;

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  pull = fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/issue-1", title: "t", user: BOT }).number;
  host = createGitHubCodeHost(new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }));
});

afterEach(async () => {
  expect(fake.unhandled()).toEqual([]);
  await fake.close();
});

describe("comments and reactions", () => {
  it("lists issue comments and review comments with their authors, lines and threads", async () => {
    const mine = await host.ensureComment(ref, 1, "tracking", "On it.");
    fake.addIssueComment(ref.owner, ref.repo, 1, { body: "thanks", user: { login: "alice" } });
    const comments = await host.listIssueComments(ref, 1);
    expect(comments.map((c) => [c.id, c.author, c.body.includes("<!-- moderator:tracking -->")])).toEqual([
      [mine.id, { login: "moderator[bot]", bot: true }, true],
      [expect.any(Number), { login: "alice", bot: false }, false],
    ]);
    expect(comments[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    await host.createReview(ref, pull, { commitSha: "c".repeat(40), body: "", comments: [{ path: "src/a.ts", line: 4, startLine: 2, body: "root" }] });
    const root = fake.repo(ref.owner, ref.repo).reviewComments[0]!;
    fake.addReviewComment(ref.owner, ref.repo, pull, { body: "reply", inReplyTo: root.id, user: { login: "bob" } });
    root.outdated = true;
    expect(await host.listReviewComments(ref, pull)).toEqual([
      {
        id: root.id,
        body: "root",
        author: { login: "moderator[bot]", bot: true },
        path: "src/a.ts",
        line: null,
        startLine: null,
        originalLine: 4,
        originalStartLine: 2,
        originalCommitId: "c".repeat(40),
        inReplyToId: null,
        url: expect.stringContaining(`#discussion_r${root.id}`),
        createdAt: expect.any(String),
      },
      expect.objectContaining({ body: "reply", author: { login: "bob", bot: false }, inReplyToId: root.id }),
    ]);
  });

  it("pages through reactions on both kinds of comments, and answers 404 for a missing comment", async () => {
    const comment = fake.addIssueComment(ref.owner, ref.repo, 1, { body: "x", user: BOT });
    for (let i = 0; i < 130; i += 1) fake.addIssueCommentReaction(ref.owner, ref.repo, comment.id, i % 2 ? "+1" : "-1", { login: `user${i}` });
    const reactions = await host.listIssueCommentReactions(ref, comment.id);
    expect(reactions).toHaveLength(130);
    expect(reactions[1]).toEqual({ id: expect.any(Number), content: "+1", user: { login: "user1", bot: false }, createdAt: expect.any(String) });
    expect(fake.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")).toHaveLength(2);

    const review = fake.addReviewComment(ref.owner, ref.repo, pull, { path: "a.ts", line: 1, body: "r", user: BOT });
    fake.addReviewCommentReaction(ref.owner, ref.repo, review.id, "+1", { login: "x[bot]", type: "Bot" });
    expect(await host.listReviewCommentReactions(ref, review.id)).toEqual([{ id: expect.any(Number), content: "+1", user: { login: "x[bot]", bot: true }, createdAt: expect.any(String) }]);

    await expect(host.listIssueCommentReactions(ref, 999_999)).rejects.toMatchObject({ status: 404 });
    await expect(host.listReviewCommentReactions(ref, 999_999)).rejects.toMatchObject({ status: 404 });
  });
});

describe("commits", () => {
  it("lists a pull request's commits oldest first, and one commit's files with their patches", async () => {
    const first = fake.addPullRequestCommit(ref.owner, ref.repo, pull, { message: "one", author: null, files: [] });
    const patch = "@@ -1 +1 @@\n-a\n+b";
    const second = fake.addPullRequestCommit(ref.owner, ref.repo, pull, {
      message: "Apply suggestions from code review\n\nbody",
      author: { login: "alice" },
      date: "2024-05-01T10:00:00Z",
      files: [
        { filename: "src/a.ts", status: "modified", additions: 1, deletions: 1, changes: 2, patch },
        { filename: "logo.png", status: "added", additions: 0, deletions: 0, changes: 0 },
      ],
    });
    const commits = await host.listPullRequestCommits(ref, pull);
    expect(commits).toEqual([
      { sha: first.sha, message: "one", author: null, authorName: "someone", authorEmail: expect.any(String), committedAt: expect.any(String), parents: [expect.any(String)] },
      {
        sha: second.sha,
        message: "Apply suggestions from code review\n\nbody",
        author: { login: "alice", bot: false },
        authorName: "alice",
        authorEmail: expect.stringContaining("alice@users.noreply.github.com"),
        committedAt: "2024-05-01T10:00:00Z",
        parents: [first.sha],
      },
    ]);
    expect(await host.getCommitFiles(ref, second.sha)).toEqual([
      { path: "src/a.ts", status: "modified", additions: 1, deletions: 1, patch },
      { path: "logo.png", status: "added", additions: 0, deletions: 0 },
    ]);
    // The head moved with the commits.
    expect((await host.getPullRequest(ref, pull)).headSha).toBe(second.sha);
    await expect(host.getCommitFiles(ref, "not a sha")).rejects.toThrow(/is not a commit sha/);
    await expect(host.getCommitFiles(ref, "f".repeat(40))).rejects.toMatchObject({ status: 422 });
  });

  it("reads more than 100 files of one commit page by page", async () => {
    const files = Array.from({ length: 230 }, (_, i) => ({ filename: `f${i}.ts`, status: "added", additions: 1, deletions: 0, changes: 1, patch: "@@ -0,0 +1 @@\n+x" }));
    const commit = fake.addPullRequestCommit(ref.owner, ref.repo, pull, { message: "many", files });
    const read = await host.getCommitFiles(ref, commit.sha);
    expect(read).toHaveLength(230);
    expect(read[229]!.path).toBe("f229.ts");
  });
});

describe("getPullRequestClosing", () => {
  it("says when and by whom a pull request was closed or merged", async () => {
    const open = await host.getPullRequestClosing(ref, pull);
    expect(open).toEqual({ state: "open", merged: false, createdAt: expect.stringMatching(/^\d{4}-/), closedAt: null, mergedAt: null, mergedBy: null, closedBy: null });

    fake.closePullRequest(ref.owner, ref.repo, pull, { by: { login: "bob" } });
    expect(await host.getPullRequestClosing(ref, pull)).toMatchObject({ state: "closed", merged: false, closedAt: expect.any(String), mergedBy: null, closedBy: "bob" });
    expect(fake.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/issues/{issue_number}/events")).toHaveLength(1);

    // Reopened, then merged by alice: the merger is the one who closed it, without reading the events.
    fake.repo(ref.owner, ref.repo).pulls[0]!.state = "open";
    fake.closePullRequest(ref.owner, ref.repo, pull, { merged: true, by: { login: "alice" } });
    expect(await host.getPullRequestClosing(ref, pull)).toMatchObject({ state: "closed", merged: true, mergedAt: expect.any(String), mergedBy: "alice", closedBy: "alice" });
    expect(fake.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/issues/{issue_number}/events")).toHaveLength(1);

    // Closed through the API by the app: the app closed it.
    const other = fake.addPullRequest(ref.owner, ref.repo, { head: "other", title: "o" }).number;
    await (new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl })).request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner: ref.owner, repo: ref.repo, pull_number: other, state: "closed" });
    expect(await host.getPullRequestClosing(ref, other)).toMatchObject({ state: "closed", closedBy: "moderator[bot]" });
    await expect(host.getPullRequestClosing(ref, 9999)).rejects.toMatchObject({ status: 404 });
  });
});
