import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodeHost, RepoRef, ReviewComment } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from "../../support/fake-github.ts";

const Octo = ProbotOctokit.defaults((o: any) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...o.throttle, enabled: false },
}));

const ref: RepoRef = { owner: "acme", repo: "widgets" };
const TOKEN = "ghs_test_token";

let fake: FakeGitHub;
let host: CodeHost;

const byRoute = (route: string): RecordedRequest[] => fake.requests.filter((r) => r.route === route);
const ROUTES = {
  listComments: "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
  getComment: "GET /repos/{owner}/{repo}/issues/comments/{comment_id}",
  createComment: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
  patchComment: "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
  listPulls: "GET /repos/{owner}/{repo}/pulls",
  createPull: "POST /repos/{owner}/{repo}/pulls",
  patchPull: "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
  pullFiles: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
  createReview: "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  createCheck: "POST /repos/{owner}/{repo}/check-runs",
  patchCheck: "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
} as const;

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  const octokit = new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl });
  host = createGitHubCodeHost(octokit);
});

afterEach(async () => {
  expect(fake.unhandled()).toEqual([]);
  await fake.close();
});

describe("addIssueReaction", () => {
  it("adds the reaction once, however often it is called", async () => {
    await host.addIssueReaction(ref, 7, "eyes");
    await host.addIssueReaction(ref, 7, "eyes");
    const reactions = fake.repo(ref.owner, ref.repo).reactions;
    expect(reactions).toHaveLength(1);
    expect(reactions[0]).toMatchObject({ issueNumber: 7, content: "eyes", user: { type: "Bot" } });
    expect(fake.requests.map((r) => r.status)).toEqual([201, 200]);
  });
});

describe("ensureComment", () => {
  it("creates the comment with its hidden marker, edits it when the body changes, and leaves it alone otherwise", async () => {
    const first = await host.ensureComment(ref, 1, "tracking", "Working on it");
    expect(first).toMatchObject({ created: true, updated: false });
    expect(first.url).toBe(`${fake.url}/acme/widgets/issues/1#issuecomment-${first.id}`);
    const stored = fake.repo(ref.owner, ref.repo).issueComments;
    expect(stored).toHaveLength(1);
    expect(stored[0]?.body).toBe("Working on it\n\n<!-- moderator:tracking -->");

    const second = await host.ensureComment(ref, 1, "tracking", "Done");
    expect(second).toEqual({ id: first.id, url: first.url, created: false, updated: true });
    expect(byRoute(ROUTES.patchComment)).toHaveLength(1);
    expect(stored[0]?.body).toBe("Done\n\n<!-- moderator:tracking -->");

    const before = fake.requests.length;
    const third = await host.ensureComment(ref, 1, "tracking", "Done");
    expect(third).toEqual({ id: first.id, url: first.url, created: false, updated: false });
    const during = fake.requests.slice(before);
    expect(during.map((r) => r.method)).toEqual(["GET"]);
    expect(byRoute(ROUTES.patchComment)).toHaveLength(1);
    expect(byRoute(ROUTES.createComment)).toHaveLength(1);
    expect(stored).toHaveLength(1);
  });

  it("uses the remembered comment id without listing, and falls back to a search when it is gone", async () => {
    const { id } = await host.ensureComment(ref, 3, "tracking", "v1");
    const listsBefore = byRoute(ROUTES.listComments).length;

    const viaId = await host.ensureComment(ref, 3, "tracking", "v2", id);
    expect(viaId).toMatchObject({ id, updated: true });
    expect(byRoute(ROUTES.getComment)).toHaveLength(1);
    expect(byRoute(ROUTES.listComments)).toHaveLength(listsBefore);

    const stale = await host.ensureComment(ref, 3, "tracking", "v3", 987_654);
    expect(stale).toMatchObject({ id, created: false, updated: true });
    expect(byRoute(ROUTES.getComment).at(-1)?.status).toBe(404);
    expect(byRoute(ROUTES.listComments)).toHaveLength(listsBefore + 1);
    expect(fake.repo(ref.owner, ref.repo).issueComments).toHaveLength(1);
  });

  it("never edits a human's comment that carries the marker, even when given its id", async () => {
    const human = fake.addIssueComment(ref.owner, ref.repo, 5, {
      body: "quoting the bot: <!-- moderator:tracking -->",
      user: { login: "mallory" },
    });
    const result = await host.ensureComment(ref, 5, "tracking", "Status", human.id);
    expect(result.created).toBe(true);
    expect(result.id).not.toBe(human.id);
    expect(byRoute(ROUTES.patchComment)).toEqual([]);
    expect(human.body).toBe("quoting the bot: <!-- moderator:tracking -->");

    // A second run finds the bot's own comment, not the human's.
    const again = await host.ensureComment(ref, 5, "tracking", "Status 2");
    expect(again).toMatchObject({ id: result.id, updated: true });
    expect(byRoute(ROUTES.patchComment).map((r) => r.path)).toEqual([`/repos/acme/widgets/issues/comments/${result.id}`]);
  });

  it("does not confuse topics that share a prefix, and pages through long threads", async () => {
    for (let i = 0; i < 150; i += 1) fake.addIssueComment(ref.owner, ref.repo, 9, { body: `comment ${i}` });
    fake.addIssueComment(ref.owner, ref.repo, 9, {
      body: "old\n\n<!-- moderator:tracking-extra -->",
      user: { login: "moderator[bot]", type: "Bot" },
    });
    const ours = fake.addIssueComment(ref.owner, ref.repo, 9, {
      body: "old\n\n<!-- moderator:tracking -->",
      user: { login: "moderator[bot]", type: "Bot" },
    });
    const result = await host.ensureComment(ref, 9, "tracking", "new");
    expect(result).toMatchObject({ id: ours.id, created: false, updated: true });
    expect(byRoute(ROUTES.listComments).map((r) => r.query.page)).toEqual(["1", "2"]);
  });

  it("rejects a topic that cannot live in an HTML comment, before any request", async () => {
    await expect(host.ensureComment(ref, 1, "bad -->topic", "x")).rejects.toThrow(/invalid topic "bad -->topic"/);
    expect(fake.requests).toEqual([]);
  });

  it("lets a 502 from GitHub propagate with its status", async () => {
    fake.failNext("POST", /\/issues\/\d+\/comments$/, 502);
    await expect(host.ensureComment(ref, 1, "tracking", "x")).rejects.toMatchObject({ status: 502 });
    expect(byRoute(ROUTES.createComment)).toHaveLength(1);
    expect(fake.repo(ref.owner, ref.repo).issueComments).toEqual([]);
  });
});

describe("ensurePullRequest", () => {
  const input = { branch: "moderator/issue-12", base: "main", title: "Fix #12", body: "Closes #12", draft: true };

  it("finds the existing open pull request instead of creating one, and updates only what changed", async () => {
    const existing = fake.addPullRequest(ref.owner, ref.repo, {
      head: "moderator/issue-12",
      title: "Fix #12",
      body: "Closes #12",
      draft: true,
      user: { login: "moderator[bot]", type: "Bot" },
    });
    fake.setBranchSha(ref.owner, ref.repo, "moderator/issue-12", "a".repeat(40));

    const same = await host.ensurePullRequest(ref, input);
    expect(same).toEqual({
      number: existing.number,
      url: `${fake.url}/acme/widgets/pull/${existing.number}`,
      headSha: "a".repeat(40),
      draft: true,
      created: false,
    });
    expect(byRoute(ROUTES.listPulls)[0]?.query).toMatchObject({ head: "acme:moderator/issue-12", state: "open" });
    expect(byRoute(ROUTES.createPull)).toEqual([]);
    expect(byRoute(ROUTES.patchPull)).toEqual([]);

    const retitled = await host.ensurePullRequest(ref, { ...input, title: "Fix #12: widgets overflow" });
    expect(retitled).toMatchObject({ number: existing.number, created: false });
    expect(byRoute(ROUTES.patchPull).map((r) => r.body)).toEqual([{ title: "Fix #12: widgets overflow" }]);
    expect(existing.title).toBe("Fix #12: widgets overflow");
    expect(fake.repo(ref.owner, ref.repo).pulls).toHaveLength(1);
  });

  it("opens a draft pull request when there is no open one (a closed one does not count)", async () => {
    fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/issue-12", title: "old", state: "closed", number: 3 });
    fake.setBranchSha(ref.owner, ref.repo, "moderator/issue-12", "b".repeat(40));
    const pr = await host.ensurePullRequest(ref, input);
    expect(pr).toMatchObject({ headSha: "b".repeat(40), draft: true, created: true });
    expect(pr.number).not.toBe(3);
    expect(byRoute(ROUTES.createPull).map((r) => r.body)).toEqual([
      { title: "Fix #12", head: "moderator/issue-12", base: "main", body: "Closes #12", draft: true },
    ]);
  });

  it("opens a ready pull request where the repository has no drafts", async () => {
    fake.repo(ref.owner, ref.repo).draftPullRequests = false;
    const pr = await host.ensurePullRequest(ref, input);
    expect(pr).toMatchObject({ draft: false, created: true });
    expect(byRoute(ROUTES.createPull).map((r) => r.status)).toEqual([422, 201]);
  });
});

describe("createReview", () => {
  let pull: number;
  const commitSha = "c".repeat(40);
  const good1: ReviewComment = { path: "src/a.ts", line: 3, body: "first finding" };
  const good2: ReviewComment = { path: "src/a.ts", line: 5, startLine: 4, body: "second finding" };
  const bad: ReviewComment = { path: "src/b.ts", line: 40, body: "finding on an unchanged line" };

  beforeEach(() => {
    pull = fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/issue-1", title: "t" }).number;
    fake.setCommentableLines(ref.owner, ref.repo, pull, { "src/a.ts": [1, 2, 3, 4, 5, 6], "src/b.ts": [10, 11, 12] });
  });

  it("posts one review with every comment inline when GitHub accepts them", async () => {
    const result = await host.createReview(ref, pull, { commitSha, body: "Summary", comments: [good1, good2] });
    expect(result).toMatchObject({ inlineCount: 2, movedToBody: 0 });
    const posts = byRoute(ROUTES.createReview);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({
      commit_id: commitSha,
      event: "COMMENT",
      body: "Summary",
      comments: [
        { path: "src/a.ts", line: 3, side: "RIGHT", body: "first finding" },
        { path: "src/a.ts", line: 5, side: "RIGHT", start_line: 4, start_side: "RIGHT", body: "second finding" },
      ],
    });
  });

  it("on 422 posts ONE review with the good comments inline and the refused one in the body", async () => {
    const result = await host.createReview(ref, pull, { commitSha, body: "Summary", comments: [good1, bad, good2] });
    expect(result).toMatchObject({ inlineCount: 2, movedToBody: 1 });

    const repo = fake.repo(ref.owner, ref.repo);
    expect(repo.reviews).toHaveLength(1);
    expect(repo.reviews[0]?.id).toBe(result.id);
    expect(result.url).toBe(`${fake.url}/acme/widgets/pull/${pull}#pullrequestreview-${result.id}`);
    expect(repo.reviewComments.map((c) => [c.path, c.line, c.body])).toEqual([
      ["src/a.ts", 3, "first finding"],
      ["src/a.ts", 5, "second finding"],
    ]);
    const body = repo.reviews[0]?.body ?? "";
    expect(body.startsWith("Summary\n\n### Could not be placed inline")).toBe(true);
    expect(body).toContain("**`src/b.ts` line 40**\n\nfinding on an unchanged line");

    expect(byRoute(ROUTES.createReview).map((r) => r.status)).toEqual([422, 200]);
    expect(byRoute(ROUTES.pullFiles)).toHaveLength(1);
  });

  it("finds a comment GitHub refuses although the patch covers it, by leaving one out from the end", async () => {
    // GitHub's file list says lines 1-12 of src/b.ts changed, but the review endpoint refuses line 11
    // (a diff that moved between reading and posting): only probing can find it.
    fake.setPullFiles(ref.owner, ref.repo, pull, [
      { filename: "src/a.ts", status: "modified", additions: 6, deletions: 0, changes: 6, patch: "@@ -1,0 +1,6 @@\n+a\n+b\n+c\n+d\n+e\n+f" },
      { filename: "src/b.ts", status: "modified", additions: 12, deletions: 0, changes: 12, patch: "@@ -0,0 +1,12 @@\n+x" },
    ]);
    const stale: ReviewComment = { path: "src/b.ts", line: 11, body: "stale" };
    const late: ReviewComment = { path: "src/b.ts", line: 12, body: "late" };
    fake.setCommentableLines(ref.owner, ref.repo, pull, { "src/a.ts": [1, 2, 3, 4, 5, 6], "src/b.ts": [10, 12] });

    const result = await host.createReview(ref, pull, { commitSha, body: "Summary", comments: [good1, stale, late] });
    expect(result).toMatchObject({ inlineCount: 2, movedToBody: 1 });
    // all three; then without `late`; then without `stale`, which succeeds.
    const posts = byRoute(ROUTES.createReview);
    expect(posts.map((r) => r.status)).toEqual([422, 422, 200]);
    expect(posts.map((r) => (r.body as { comments: unknown[] }).comments.length)).toEqual([3, 2, 2]);
    const repo = fake.repo(ref.owner, ref.repo);
    expect(repo.reviews).toHaveLength(1);
    expect(repo.reviewComments.map((c) => c.body)).toEqual(["first finding", "late"]);
    expect(repo.reviews[0]?.body).toContain("**`src/b.ts` line 11**\n\nstale");
  });

  it("moves a malformed comment to the body without asking GitHub", async () => {
    const backwards: ReviewComment = { path: "src/a.ts", line: 2, startLine: 5, body: "backwards range" };
    const result = await host.createReview(ref, pull, { commitSha, body: "", comments: [good1, backwards] });
    expect(result).toMatchObject({ inlineCount: 1, movedToBody: 1 });
    expect(byRoute(ROUTES.createReview).map((r) => r.status)).toEqual([200]);
    expect(fake.repo(ref.owner, ref.repo).reviews[0]?.body).toContain("backwards range");
  });

  it("throws when GitHub refuses even the body-only review, and posts nothing", async () => {
    fake.failNext("POST", /\/pulls\/\d+\/reviews$/, 422, 50, { message: "Unprocessable Entity" });
    await expect(host.createReview(ref, pull, { commitSha, body: "Summary", comments: [good1, bad] })).rejects.toThrow(
      /createReview\(acme\/widgets#\d+\): GitHub refused the review even without inline comments/,
    );
    expect(fake.repo(ref.owner, ref.repo).reviews).toEqual([]);
    const last = byRoute(ROUTES.createReview).at(-1)?.body as { comments: unknown[] };
    expect(last.comments).toEqual([]);
  });

  it("lets a 502 propagate without retrying", async () => {
    fake.failNext("POST", /\/reviews$/, 502);
    await expect(host.createReview(ref, pull, { commitSha, body: "Summary", comments: [good1] })).rejects.toMatchObject({
      status: 502,
    });
    expect(byRoute(ROUTES.createReview)).toHaveLength(1);
  });
});

describe("upsertCheckRun", () => {
  const annotations = Array.from({ length: 120 }, (_, i) => ({
    path: `src/f${i}.ts`,
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: "warning" as const,
    title: `finding ${i}`,
    message: `message ${i}`,
  }));

  it("creates the run with the first 50 annotations and appends the rest in PATCHes of at most 50", async () => {
    const result = await host.upsertCheckRun(ref, {
      name: "Moderator",
      headSha: "d".repeat(40),
      status: "completed",
      conclusion: "neutral",
      title: "3 findings",
      summary: "Summary text",
      annotations,
    });
    expect(result.url).toBe(`${fake.url}/acme/widgets/runs/${result.id}`);

    const create = byRoute(ROUTES.createCheck);
    const patches = byRoute(ROUTES.patchCheck);
    expect(create).toHaveLength(1);
    const createBody = create[0]?.body as { output: { annotations: unknown[] }; head_sha: string; conclusion: string };
    expect(createBody).toMatchObject({ head_sha: "d".repeat(40), name: "Moderator", status: "completed", conclusion: "neutral" });
    expect(createBody.output.annotations).toHaveLength(50);
    expect(patches.map((p) => p.path)).toEqual([
      `/repos/acme/widgets/check-runs/${result.id}`,
      `/repos/acme/widgets/check-runs/${result.id}`,
    ]);
    const outputs = patches.map((p) => (p.body as { output: { title: string; summary: string; annotations: unknown[] } }).output);
    expect(outputs.map((o) => o.annotations.length)).toEqual([50, 20]);
    expect(outputs.map((o) => [o.title, o.summary])).toEqual([
      ["3 findings", "Summary text"],
      ["3 findings", "Summary text"],
    ]);

    const run = fake.repo(ref.owner, ref.repo).checkRuns[0];
    expect(run?.annotations.map((a) => a.title)).toEqual(annotations.map((a) => a.title));
    expect(run).toMatchObject({ status: "completed", conclusion: "neutral" });
  });

  it("updates an existing run by id", async () => {
    const created = await host.upsertCheckRun(ref, {
      name: "Moderator",
      headSha: "e".repeat(40),
      status: "in_progress",
      title: "Running",
      summary: "Started",
    });
    const updated = await host.upsertCheckRun(ref, {
      id: created.id,
      name: "Moderator",
      headSha: "e".repeat(40),
      status: "completed",
      conclusion: "success",
      title: "Done",
      summary: "No findings",
      annotations: annotations.slice(0, 3),
    });
    expect(updated.id).toBe(created.id);
    expect(byRoute(ROUTES.createCheck)).toHaveLength(1);
    expect(byRoute(ROUTES.patchCheck)).toHaveLength(1);
    const run = fake.repo(ref.owner, ref.repo).checkRuns[0];
    expect(run).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Done", summary: "No findings" } });
    expect(run?.annotations).toHaveLength(3);
  });

  it("refuses a completed run without a conclusion before asking GitHub", async () => {
    await expect(
      host.upsertCheckRun(ref, { name: "Moderator", headSha: "f".repeat(40), status: "completed", title: "t", summary: "s" }),
    ).rejects.toThrow(/status "completed" needs a conclusion/);
    expect(fake.requests).toEqual([]);
  });

  it("lets a 502 propagate with its status", async () => {
    fake.failNext("POST", /\/check-runs$/, 502);
    await expect(
      host.upsertCheckRun(ref, { name: "Moderator", headSha: "f".repeat(40), status: "queued", title: "t", summary: "s" }),
    ).rejects.toMatchObject({ status: 502 });
  });
});
