// The CodeHost methods added for quiet posting (threads, reviews, replies, pull request reads, check-run
// upsert by name), against the fake GitHub over real HTTP.
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QA_CHECK_RUN_NAME } from "../../../src/codehost/check-run-names.ts";
import type { CodeHost, RepoRef } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { findingMarker } from "../../../src/qa/finding-marker.ts";
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from "../../support/fake-github.ts";

const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const ref: RepoRef = { owner: "acme", repo: "widgets" };
const TOKEN = "ghs_threads_token";

let fake: FakeGitHub;
let host: CodeHost;
let pull: number;

const byRoute = (route: string): RecordedRequest[] => fake.requests.filter((r) => r.route === route);
const marker = (fp: string) => findingMarker(fp);

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  pull = fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/issue-1", title: "t" }).number;
  host = createGitHubCodeHost(new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }));
});

afterEach(async () => {
  expect(fake.unhandled()).toEqual([]);
  await fake.close();
});

describe("listReviewThreads", () => {
  it("pages through GraphQL and reads fingerprints only from the bot's comments", async () => {
    const comments = Array.from({ length: 130 }, (_, i) => ({ path: "src/a.ts", line: i + 1, side: "RIGHT", body: `finding ${i}\n\n${marker(`fp${i}`)}` }));
    const review = await host.createReview(ref, pull, { commitSha: "c".repeat(40), body: "", comments: comments.map((c) => ({ path: c.path, line: c.line, body: c.body })) });
    expect(review.inlineCount).toBe(130);
    const repo = fake.repo(ref.owner, ref.repo);
    const first = repo.reviewComments[0]!;
    fake.addReviewComment(ref.owner, ref.repo, pull, { body: `I disagree ${marker("quoted")}`, inReplyTo: first.id, user: { login: "mallory" } });
    const human = fake.addReviewComment(ref.owner, ref.repo, pull, { path: "src/b.ts", line: 3, body: `human ${marker("forged")}` });
    // A bot replying in someone else's thread with a marker does not make the thread Moderator's.
    fake.addReviewComment(ref.owner, ref.repo, pull, { body: `quoting ${marker("botquoted")}`, inReplyTo: human.id, user: { login: "other[bot]", type: "Bot" } });
    repo.reviewComments[1]!.outdated = true;
    fake.setThreadResolved(ref.owner, ref.repo, repo.reviewComments[2]!.id, true, { login: "alice" });

    const threads = await host.listReviewThreads(ref, pull);
    expect(threads).toHaveLength(131);
    expect(byRoute("POST /graphql").map((r) => [r.url, (r.body as { variables: { cursor: unknown } }).variables.cursor === null])).toEqual([
      ["/api/graphql", true],
      ["/api/graphql", false],
    ]);
    expect(threads[0]).toEqual({
      id: fake.threadId(first.id),
      isResolved: false,
      isOutdated: false,
      path: "src/a.ts",
      line: 1,
      resolvedBy: null,
      comments: [
        { id: first.id, body: `finding 0\n\n${marker("fp0")}`, author: { login: "moderator[bot]", bot: true }, path: "src/a.ts", line: 1 },
        { id: expect.any(Number), body: `I disagree ${marker("quoted")}`, author: { login: "mallory", bot: false }, path: "src/a.ts", line: 1 },
      ],
      fingerprints: ["fp0"],
    });
    expect(threads[1]).toMatchObject({ isOutdated: true, line: null, fingerprints: ["fp1"] });
    expect(threads[2]).toMatchObject({ isResolved: true, resolvedBy: "alice", fingerprints: ["fp2"] });
    expect(threads.find((t) => t.id === fake.threadId(human.id))).toMatchObject({ path: "src/b.ts", fingerprints: [] });
    expect(threads.flatMap((t) => t.fingerprints)).toEqual(Array.from({ length: 130 }, (_, i) => `fp${i}`));
  });

  it("says which pull request GitHub does not know", async () => {
    await expect(host.listReviewThreads(ref, 4040)).rejects.toThrow(
      /listReviewThreads\(acme\/widgets#4040\): GitHub's GraphQL API answered with errors: NOT_FOUND: Could not resolve to a PullRequest with the number of 4040\./,
    );
  });

  it("lets an HTTP error from the GraphQL endpoint keep its status (the retry policy reads it)", async () => {
    fake.failNext("POST", /^\/graphql$/, 502);
    await expect(host.listReviewThreads(ref, pull)).rejects.toMatchObject({ status: 502 });
  });

  it("explains that an Octokit without graphql cannot list threads", async () => {
    const restOnly = createGitHubCodeHost({ request: (route, params) => new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }).request(route, params) });
    await expect(restOnly.listReviewThreads(ref, pull)).rejects.toThrow(/this Octokit has no graphql method/);
    await expect(restOnly.resolveReviewThread("PRRT_1")).rejects.toThrow(/this Octokit has no graphql method/);
  });
});

describe("resolveReviewThread and replyToReviewComment", () => {
  it("resolves a thread, idempotently, and replies in it", async () => {
    await host.createReview(ref, pull, { commitSha: "c".repeat(40), body: "", comments: [{ path: "a.ts", line: 1, body: `x ${marker("fp")}` }] });
    const root = fake.repo(ref.owner, ref.repo).reviewComments[0]!;
    const threadId = fake.threadId(root.id);

    const reply = await host.replyToReviewComment(ref, pull, root.id, "Fixed in abc1234.");
    expect(reply.url).toBe(`${fake.url}/acme/widgets/pull/${pull}#discussion_r${reply.id}`);
    expect(byRoute("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies")[0]?.body).toEqual({ body: "Fixed in abc1234." });

    expect(await host.resolveReviewThread(threadId)).toEqual({ isResolved: true });
    expect(await host.resolveReviewThread(threadId)).toEqual({ isResolved: true });
    const [thread] = await host.listReviewThreads(ref, pull);
    expect(thread).toMatchObject({ id: threadId, isResolved: true, resolvedBy: null });
    expect(thread?.comments.map((c) => [c.body, c.author?.login])).toEqual([
      [`x ${marker("fp")}`, "moderator[bot]"],
      ["Fixed in abc1234.", "moderator[bot]"],
    ]);
  });

  it("says what is wrong with an unknown thread, an empty id, a bad comment id or an empty reply", async () => {
    await expect(host.resolveReviewThread("PRRT_404")).rejects.toThrow(
      /resolveReviewThread\("PRRT_404"\): GitHub's GraphQL API answered with errors: NOT_FOUND: Could not resolve to a node with the global id of 'PRRT_404'/,
    );
    await expect(host.resolveReviewThread(" ")).rejects.toThrow(/must be a GraphQL node id/);
    await expect(host.replyToReviewComment(ref, pull, 0, "x")).rejects.toThrow(/comment id must be a positive integer/);
    await expect(host.replyToReviewComment(ref, pull, 5, "  ")).rejects.toThrow(/the reply needs a body/);
    await expect(host.replyToReviewComment(ref, pull, 777_777, "x")).rejects.toMatchObject({ status: 404 });
  });
});

describe("listReviews", () => {
  it("lists every review, with fingerprints from the bot's bodies only", async () => {
    await host.createReview(ref, pull, { commitSha: "c".repeat(40), body: `Summary ${marker("body1")} ${marker("body2")}`, comments: [] });
    fake.addReviewComment(ref.owner, ref.repo, pull, { path: "a.ts", line: 1, body: "human" });
    const reviews = await host.listReviews(ref, pull);
    expect(reviews.map((r) => [r.author?.login, r.author?.bot, r.state, r.fingerprints])).toEqual([
      ["moderator[bot]", true, "COMMENTED", ["body1", "body2"]],
      ["octocat", false, "COMMENTED", []],
    ]);
    expect(reviews[0]?.commitId).toBe("c".repeat(40));
  });
});

describe("listPullRequestFiles", () => {
  it("maps GitHub's statuses and keeps the patch and the old path", async () => {
    fake.setPullFiles(ref.owner, ref.repo, pull, [
      { filename: "gone.ts", status: "removed", additions: 0, deletions: 2, changes: 2, patch: "@@ -1,2 +0,0 @@\n-a\n-b" },
      { filename: "new/name.ts", status: "renamed", additions: 0, deletions: 0, changes: 0 },
      { filename: "copy.ts", status: "copied", additions: 1, deletions: 0, changes: 1, patch: "@@ -0,0 +1 @@\n+x" },
      { filename: "huge.json", status: "modified", additions: 9000, deletions: 0, changes: 9000 },
    ]);
    const repo = fake.repo(ref.owner, ref.repo);
    (repo.pullFiles.get(pull)![1] as { previous_filename?: string }).previous_filename = "old/name.ts";
    expect(await host.listPullRequestFiles(ref, pull)).toEqual([
      { path: "gone.ts", status: "deleted", additions: 0, deletions: 2, patch: "@@ -1,2 +0,0 @@\n-a\n-b" },
      { path: "new/name.ts", previousPath: "old/name.ts", status: "renamed", additions: 0, deletions: 0 },
      { path: "copy.ts", status: "added", additions: 1, deletions: 0, patch: "@@ -0,0 +1 @@\n+x" },
      { path: "huge.json", status: "modified", additions: 9000, deletions: 0 },
    ]);
  });
});

describe("upsertCheckRun by name and head sha", () => {
  const sha = "d".repeat(40);
  const annotation = (i: number) => ({
    path: `src/f${i}.ts`,
    start_line: i,
    end_line: i,
    annotation_level: "warning" as const,
    title: `finding ${i}`,
    message: `message ${i}`,
  });
  const input = { name: QA_CHECK_RUN_NAME, headSha: sha, status: "completed" as const, conclusion: "failure" as const, title: "2 findings", summary: "s" };

  it("names the QA check run for the lead to use", () => {
    expect(QA_CHECK_RUN_NAME).toBe("Moderator QA");
  });

  it("updates the run it finds instead of adding a second one, without repeating annotations", async () => {
    const first = await host.upsertCheckRun(ref, { ...input, status: "in_progress", conclusion: undefined, title: "Running", summary: "QA runs" });
    const second = await host.upsertCheckRun(ref, { ...input, annotations: [annotation(1), annotation(2)] });
    const third = await host.upsertCheckRun(ref, { ...input, annotations: [annotation(1), annotation(2), annotation(3)] });
    expect(second.id).toBe(first.id);
    expect(third.id).toBe(first.id);

    const runs = fake.repo(ref.owner, ref.repo).checkRuns;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "Moderator QA", status: "completed", conclusion: "failure", output: { title: "2 findings" } });
    expect(runs[0]?.annotations.map((a) => a.title)).toEqual(["finding 1", "finding 2", "finding 3"]);
    const lists = byRoute("GET /repos/{owner}/{repo}/commits/{ref}/check-runs");
    expect(lists.map((r) => r.query)).toEqual([
      { check_name: "Moderator QA", filter: "latest", per_page: "100" },
      { check_name: "Moderator QA", filter: "latest", per_page: "100" },
      { check_name: "Moderator QA", filter: "latest", per_page: "100" },
    ]);
    expect(byRoute("POST /repos/{owner}/{repo}/check-runs")).toHaveLength(1);
    // A run with another name on the same commit is another run.
    const other = await host.upsertCheckRun(ref, { ...input, name: "Moderator" });
    expect(other.id).not.toBe(first.id);
    expect(runs).toHaveLength(2);
  });

  it("does not repeat annotations when updating by id either, and creates a run when the id is gone", async () => {
    const created = await host.upsertCheckRun(ref, { ...input, annotations: [annotation(1)] });
    await host.upsertCheckRun(ref, { ...input, id: created.id, annotations: [annotation(1)] });
    expect(fake.repo(ref.owner, ref.repo).checkRuns[0]?.annotations).toHaveLength(1);

    const recreated = await host.upsertCheckRun(ref, { ...input, id: 999_999, annotations: [annotation(1)] });
    expect(recreated.id).not.toBe(created.id);
    expect(fake.repo(ref.owner, ref.repo).checkRuns.map((r) => r.annotations.length)).toEqual([1, 1]);
  });

  it("creates its own run when the one it found may not be updated (another app's: 403)", async () => {
    const foreign = await host.upsertCheckRun(ref, { ...input, status: "queued", conclusion: undefined });
    fake.failNext("PATCH", /\/check-runs\/\d+$/, 403, 1, { message: "Resource not accessible by integration" });
    const ours = await host.upsertCheckRun(ref, input);
    expect(ours.id).not.toBe(foreign.id);
    expect(byRoute("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}").map((r) => r.status)).toEqual([403]);
  });

  it("lets a 403 on an update by id propagate: the caller named that run", async () => {
    const created = await host.upsertCheckRun(ref, { ...input, status: "queued", conclusion: undefined });
    fake.failNext("PATCH", /\/check-runs\/\d+$/, 403);
    await expect(host.upsertCheckRun(ref, { ...input, id: created.id })).rejects.toMatchObject({ status: 403 });
  });
});
