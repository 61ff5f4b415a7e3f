// The posting flow of one run, three runs in a row on the same pull request, against the fake GitHub over
// real HTTP: history (GraphQL threads + REST reviews) -> planReviewPosting -> applyReviewPlan. Diffs come
// from real git repositories.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyReviewPlan } from "../../../src/codehost/apply-review-plan.ts";
import type { CodeHost, RepoRef } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { loadReviewHistory } from "../../../src/codehost/load-review-history.ts";
import { parsePullRequestFiles } from "../../../src/codehost/parse-pull-request-files.ts";
import { findingMarker, parseFindingMarkers } from "../../../src/qa/finding-marker.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { parseDiff, type DiffFile } from "../../../src/qa/parse-diff.ts";
import { planReviewPosting } from "../../../src/qa/plan-review-posting.ts";
import { fingerprint } from "../../../src/util/fingerprint.ts";
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from "../../support/fake-github.ts";

const execFileAsync = promisify(execFile);
const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const ref: RepoRef = { owner: "acme", repo: "widgets" };
const TOKEN = "ghs_posting_token";
const commitSha = "c".repeat(40);

let fake: FakeGitHub;
let host: CodeHost;
let work: string;
let pull: number;

const byRoute = (route: string): RecordedRequest[] => fake.requests.filter((r) => r.route === route);
const CREATE_REVIEW = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews";
const GRAPHQL = "POST /graphql";

/** The diff between two trees, made by git in a fresh repository. */
async function gitDiff(base: Record<string, string>, head: Record<string, string>): Promise<DiffFile[]> {
  const dir = await mkdtemp(join(work, "repo-"));
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
  };
  const git = async (...args: string[]) => (await execFileAsync("git", args, { cwd: dir, env, timeout: 30_000 })).stdout;
  const write = async (path: string, content: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  };
  await git("init", "-q", "-b", "main");
  for (const [path, content] of Object.entries(base)) await write(path, content);
  await git("add", "-A");
  await git("commit", "-q", "-m", "base");
  for (const [path, content] of Object.entries(head)) await write(path, content);
  await git("add", "-A");
  await git("commit", "-q", "-m", "head");
  return parseDiff(await git("diff", "HEAD~1", "HEAD"));
}

/** Tells the fake GitHub which lines of the pull request can carry comments: the RIGHT side of each hunk. */
function setDiffOnGitHub(files: DiffFile[]): void {
  const lines: Record<string, number[]> = {};
  for (const f of files) {
    lines[f.path] = f.hunks.flatMap((h) => h.lines.flatMap((l) => (l.kind !== "del" && l.newLine !== undefined ? [l.newLine] : [])));
  }
  fake.setCommentableLines(ref.owner, ref.repo, pull, lines);
}

const numbered = (from: number, to: number, label = "line"): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `${label} ${from + i}\n`).join("");

const finding = (name: string, over: Partial<Finding> = {}): Finding => ({
  ruleId: "test/rule",
  source: "analyzer",
  severity: "medium",
  confidence: 0.9,
  path: "src/app.ts",
  line: 3,
  title: `Finding ${name}`,
  message: `Message ${name}`,
  fingerprint: fingerprint("test", name),
  ...over,
});

/** One run's posting, as the pipeline does it. */
async function postRun(
  findings: Finding[],
  files: DiffFile[],
  opts: { dismissed?: string[]; reply?: boolean; maxComments?: number } = {},
) {
  const previous = await loadReviewHistory(host, ref, pull, { dismissed: opts.dismissed ?? [] });
  const plan = planReviewPosting({ findings, files, previous, maxComments: opts.maxComments ?? 10, minConfidence: 0.5 });
  const applied = await applyReviewPlan(host, ref, pull, plan, {
    commitSha,
    ...(opts.reply ? { replyOnResolve: () => "✅ Fixed: Moderator no longer finds this." } : {}),
  });
  return { previous, plan, applied };
}

/** Fingerprints in the inline comments of review `reviewId`. */
function inlineFingerprints(reviewId: number): string[] {
  return fake
    .repo(ref.owner, ref.repo)
    .reviewComments.filter((c) => c.pull_request_review_id === reviewId)
    .flatMap((c) => parseFindingMarkers(c.body));
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "review-posting-"));
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  pull = fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/issue-1", title: "t", user: { login: "moderator[bot]", type: "Bot" } }).number;
  host = createGitHubCodeHost(new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }));
});

afterEach(async () => {
  expect(fake.unhandled()).toEqual([]);
  await fake.close();
  await rm(work, { recursive: true, force: true });
});

describe("posting across runs on the same pull request", () => {
  it("posts only the new finding on the second run, and nothing at all on a third run with nothing new", async () => {
    const files = await gitDiff({ "src/app.ts": numbered(1, 10) }, { "src/app.ts": numbered(1, 2) + numbered(3, 8, "changed") + numbered(9, 10) });
    setDiffOnGitHub(files);
    const A = finding("A", { line: 3 });
    const B = finding("B", { line: 4 });
    const C = finding("C", { line: 6, severity: "high" });
    const D = finding("D", { path: undefined, line: undefined, title: "Tests fail" });

    const first = await postRun([A, B, D], files);
    expect(first.plan.post.map((f) => f.title)).toEqual(["Tests fail", "Finding A", "Finding B"]);
    expect(first.applied.review).toMatchObject({ inlineCount: 2, movedToBody: 0 });
    const review1 = first.applied.review!.id;
    expect(inlineFingerprints(review1)).toEqual([A.fingerprint, B.fingerprint]);

    const second = await postRun([A, B, C, D], files);
    expect(second.previous.postedFingerprints).toEqual(new Set([A.fingerprint, B.fingerprint, D.fingerprint]));
    expect(second.plan.post.map((f) => f.title)).toEqual(["Finding C"]);
    expect(second.plan.keepQuiet.map((f) => f.title).sort()).toEqual(["Finding A", "Finding B", "Tests fail"]);
    const review2 = second.applied.review!.id;
    expect(inlineFingerprints(review2)).toEqual([C.fingerprint]);
    const repo = fake.repo(ref.owner, ref.repo);
    expect(parseFindingMarkers(repo.reviews.find((r) => r.id === review2)!.body)).toEqual([]);
    expect(repo.reviews.find((r) => r.id === review2)!.body).toContain("3 findings from earlier reviews still present, not repeated");

    const before = byRoute(CREATE_REVIEW).length;
    const third = await postRun([A, B, C, D], files);
    expect(third.plan.review).toBeNull();
    expect(third.applied).toEqual({ review: null, resolved: [], failed: [] });
    expect(byRoute(CREATE_REVIEW)).toHaveLength(before);
    expect(third.plan.summary.text).toBe("No new findings to post; 4 already posted, not repeated.");
    // Every finding is on the pull request exactly once.
    const everything = [...repo.reviews.map((r) => r.body), ...repo.reviewComments.map((c) => c.body)].flatMap(parseFindingMarkers);
    expect(everything.sort()).toEqual([A, B, C, D].map((f) => f.fingerprint).sort());
  });

  it("never posts a dismissed finding, and keeps a thread a person resolved quiet", async () => {
    const files = await gitDiff({ "src/app.ts": numbered(1, 6) }, { "src/app.ts": numbered(1, 6, "new") });
    setDiffOnGitHub(files);
    const A = finding("A", { line: 1 });
    const B = finding("B", { line: 2 });
    const dismissed = finding("Dismissed", { line: 3, severity: "critical" });

    const first = await postRun([A, B, dismissed], files, { dismissed: [dismissed.fingerprint] });
    expect(first.plan.dismissed).toEqual([dismissed]);
    const repo = fake.repo(ref.owner, ref.repo);
    const everything = () => [...repo.reviews.map((r) => r.body), ...repo.reviewComments.map((c) => c.body)].flatMap(parseFindingMarkers);
    expect(everything()).not.toContain(dismissed.fingerprint);

    // Alice resolves A's thread without changing the code: A stays quiet, and the learner hears about it.
    const rootA = repo.reviewComments.find((c) => c.body.includes(findingMarker(A.fingerprint)))!;
    fake.setThreadResolved(ref.owner, ref.repo, rootA.id, true, { login: "alice" });

    const second = await postRun([A, B, dismissed], files, { dismissed: [dismissed.fingerprint] });
    expect(second.previous.resolvedByPeople).toEqual([{ threadId: fake.threadId(rootA.id), fingerprint: A.fingerprint, login: "alice" }]);
    expect(second.plan.post).toEqual([]);
    expect(second.plan.resolve).toEqual([]);
    expect(second.applied.review).toBeNull();
    expect(everything()).not.toContain(dismissed.fingerprint);
    expect(everything().filter((f) => f === A.fingerprint)).toHaveLength(1);
  });

  it("resolves a fixed finding's thread through GraphQL, with a reply, and posts the finding again if it comes back", async () => {
    const files = await gitDiff({ "src/app.ts": numbered(1, 6) }, { "src/app.ts": numbered(1, 6, "new") });
    setDiffOnGitHub(files);
    const A = finding("A", { line: 1 });
    const B = finding("B", { line: 2 });
    await postRun([A, B], files);
    const repo = fake.repo(ref.owner, ref.repo);
    const rootOf = (f: Finding) => repo.reviewComments.find((c) => c.in_reply_to_id === undefined && c.body.includes(findingMarker(f.fingerprint)))!;
    const threadA = fake.threadId(rootOf(A).id);

    const second = await postRun([B], files, { reply: true });
    expect(second.plan.resolve).toEqual([threadA]);
    expect(second.applied).toEqual({ review: null, resolved: [threadA], failed: [] });
    expect(repo.resolvedThreads.get(rootOf(A).id)).toEqual({ resolvedBy: null });
    expect(repo.resolvedThreads.has(rootOf(B).id)).toBe(false);
    const mutation = byRoute(GRAPHQL).find((r) => String((r.body as { query: string }).query).includes("resolveReviewThread"))!;
    expect(mutation.url).toBe("/api/graphql");
    expect((mutation.body as { variables: unknown }).variables).toEqual({ threadId: threadA });
    const reply = repo.reviewComments.find((c) => c.in_reply_to_id === rootOf(A).id)!;
    expect(reply.body).toBe("✅ Fixed: Moderator no longer finds this.");

    // Nothing changes on a run that finds the same: the thread is already resolved.
    const third = await postRun([B], files, { reply: true });
    expect(third.applied).toEqual({ review: null, resolved: [], failed: [] });

    // A comes back: Moderator resolved it itself, so this is a regression and it is posted again.
    const fourth = await postRun([A, B], files);
    expect(fourth.plan.post.map((f) => f.title)).toEqual(["Finding A"]);
    expect(inlineFingerprints(fourth.applied.review!.id)).toEqual([A.fingerprint]);
  });

  it("reports a thread GitHub will not let it resolve, and still posts the review", async () => {
    const files = await gitDiff({ "src/app.ts": numbered(1, 6) }, { "src/app.ts": numbered(1, 6, "new") });
    setDiffOnGitHub(files);
    await postRun([finding("A", { line: 1 })], files);
    fake.repo(ref.owner, ref.repo).threadResolutionForbidden = true;

    const second = await postRun([finding("B", { line: 2 })], files);
    expect(second.applied.review).toMatchObject({ inlineCount: 1 });
    expect(second.applied.resolved).toEqual([]);
    expect(second.applied.failed).toEqual([
      {
        threadId: second.plan.resolve[0],
        error: expect.stringMatching(/resolveReviewThread\("PRRT_\d+"\): GitHub's GraphQL API answered with errors: FORBIDDEN: Resource not accessible by integration/),
      },
    ]);
  });

  it("keeps the 422 fallback: a refused comment goes to the body, and counts as posted on the next run", async () => {
    const files = await gitDiff({ "src/app.ts": numbered(1, 10) }, { "src/app.ts": numbered(1, 10, "new") });
    setDiffOnGitHub(files);
    // GitHub's diff differs from the local one: line 9 is not commentable there.
    fake.setCommentableLines(ref.owner, ref.repo, pull, { "src/app.ts": [1, 2, 3, 4, 5, 6, 7, 8] });
    const A = finding("A", { line: 2 });
    const late = finding("Late", { line: 9 });

    const first = await postRun([A, late], files);
    expect(first.plan.review!.comments).toHaveLength(2);
    expect(first.applied.review).toMatchObject({ inlineCount: 1, movedToBody: 1 });
    expect(byRoute(CREATE_REVIEW).map((r) => r.status)).toEqual([422, 200]);
    const repo = fake.repo(ref.owner, ref.repo);
    expect(repo.reviews).toHaveLength(1);
    expect(parseFindingMarkers(repo.reviews[0]!.body)).toEqual([late.fingerprint]);

    const second = await postRun([A, late, finding("New", { line: 3 })], files);
    expect(second.plan.post.map((f) => f.title)).toEqual(["Finding New"]);
    expect(second.plan.keepQuiet.map((f) => f.title).sort()).toEqual(["Finding A", "Finding Late"]);
    expect(byRoute(CREATE_REVIEW).map((r) => r.status)).toEqual([422, 200, 200]);
  });
});

describe("suggestion blocks on GitHub", () => {
  /** What GitHub's "Commit suggestion" does: lines start..end of the file become the block's content. */
  function applySuggestion(content: string, start: number, end: number, commentBody: string): string {
    const block = /```suggestion\n([\s\S]*?)```/.exec(commentBody);
    if (!block) throw new Error("no suggestion block");
    const lines = content.split("\n");
    const replacement = block[1] === "" ? [] : (block[1] as string).replace(/\n$/, "").split("\n");
    lines.splice(start - 1, end - start + 1, ...replacement);
    return lines.join("\n");
  }

  it("replaces exactly start_line..line, and leaves the block out when the range leaves the hunk", async () => {
    const base = numbered(1, 30);
    const head = base.replace("line 4\nline 5\nline 6\n", "line 4\nvar x = 1\nvar y = 2\nline 6\n");
    const files = await gitDiff({ "src/app.ts": base }, { "src/app.ts": head });
    setDiffOnGitHub(files);
    // One hunk: new lines 2..9 (3 lines of context around the change at 5-6).
    expect(files[0]!.hunks.map((h) => [h.newStart, h.newLines])).toEqual([[2, 8]]);

    const fix = finding("var", { line: 5, endLine: 6, replacement: "const x = 1;\nconst y = 2;" });
    const across = finding("across", { line: 8, endLine: 12, replacement: "whatever" });
    const { applied } = await postRun([fix, across], files);
    expect(applied.review).toMatchObject({ inlineCount: 2, movedToBody: 0 });

    const repo = fake.repo(ref.owner, ref.repo);
    const fixComment = repo.reviewComments.find((c) => c.body.includes(findingMarker(fix.fingerprint)))!;
    expect([fixComment.start_line, fixComment.line, fixComment.side, fixComment.start_side]).toEqual([5, 6, "RIGHT", "RIGHT"]);
    expect(applySuggestion(head, fixComment.start_line!, fixComment.line!, fixComment.body)).toBe(
      head.replace("var x = 1\nvar y = 2\n", "const x = 1;\nconst y = 2;\n"),
    );

    const acrossComment = repo.reviewComments.find((c) => c.body.includes(findingMarker(across.fingerprint)))!;
    expect([acrossComment.start_line, acrossComment.line]).toEqual([null, 8]);
    expect(acrossComment.body).not.toContain("```suggestion");
  });
});

describe("reviewing a pull request Moderator did not open", () => {
  it("reads the pull request and its files, and posts a review placed on GitHub's own diff", async () => {
    const human = fake.addPullRequest(ref.owner, ref.repo, { head: "feature", title: "Add widgets", body: "Please review", draft: true });
    fake.setBranchSha(ref.owner, ref.repo, "feature", "f".repeat(40));
    fake.setPullFiles(ref.owner, ref.repo, human.number, [
      { filename: "src/widget.ts", status: "modified", additions: 2, deletions: 1, changes: 3, patch: "@@ -10,3 +10,4 @@ export {}\n a\n-b\n+c\n+d\n e" },
      { filename: "src/new.ts", status: "added", additions: 2, deletions: 0, changes: 2, patch: "@@ -0,0 +1,2 @@\n+x\n+y" },
      { filename: "logo.png", status: "added", additions: 0, deletions: 0, changes: 0 },
    ]);
    fake.setCommentableLines(ref.owner, ref.repo, human.number, { "src/widget.ts": [10, 11, 12, 13], "src/new.ts": [1, 2] });

    const pr = await host.getPullRequest(ref, human.number);
    expect(pr).toEqual({
      number: human.number,
      url: `${fake.url}/acme/widgets/pull/${human.number}`,
      title: "Add widgets",
      body: "Please review",
      headSha: "f".repeat(40),
      headRef: "feature",
      headRepo: "acme/widgets",
      baseRef: "main",
      state: "open",
      merged: false,
      draft: true,
      author: { login: "octocat", bot: false },
    });
    const files = parsePullRequestFiles(await host.listPullRequestFiles(ref, human.number));
    expect(files.map((f) => [f.path, f.status, f.binary, f.hunks.length])).toEqual([
      ["src/widget.ts", "modified", false, 1],
      ["src/new.ts", "added", false, 1],
      ["logo.png", "added", true, 0],
    ]);

    pull = human.number;
    const { applied, plan } = await postRun(
      [finding("W", { path: "src/widget.ts", line: 12 }), finding("N", { path: "src/new.ts", line: 2 }), finding("Old", { path: "src/widget.ts", line: 40 })],
      files,
    );
    expect(plan.review!.comments.map((c) => [c.path, c.line])).toEqual([
      ["src/new.ts", 2],
      ["src/widget.ts", 12],
    ]);
    expect(applied.review).toMatchObject({ inlineCount: 2, movedToBody: 0 });
    expect(byRoute(CREATE_REVIEW).map((r) => r.status)).toEqual([200]);
  });

  it("throws the 404 for a pull request that does not exist", async () => {
    await expect(host.getPullRequest(ref, 9999)).rejects.toMatchObject({ status: 404 });
  });
});
