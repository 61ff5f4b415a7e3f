// The outcome-reading CodeHost methods on the local host (`moderator run --repo`): what it wrote, read back,
// and the commits of a real git repository.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodeHost, RepoRef } from "../../../src/codehost/code-host.ts";
import { createLocalCodeHost } from "../../../src/codehost/local-code-host.ts";

const execFileAsync = promisify(execFile);
const ref: RepoRef = { owner: "local", repo: "demo" };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("git", args, {
    cwd,
    timeout: 30_000,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.com",
    },
  });
  return stdout.trim();
}

let root: string;
let repoDir: string;
let host: CodeHost;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "moderator-local-outcomes-"));
  repoDir = path.join(root, "repo");
  await execFileAsync("git", ["init", "-q", "-b", "main", repoDir]);
  await writeFile(path.join(repoDir, "a.ts"), "const a = eval(x);\n");
  await git(repoDir, "add", ".");
  await git(repoDir, "commit", "-q", "-m", "base");
  host = createLocalCodeHost({ outDir: path.join(root, "out"), log: () => {}, repoDir });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("local code host: outcome reads", () => {
  it("reads back its comments and review comments; nobody reacts locally", async () => {
    expect(await host.listIssueComments(ref, 3)).toEqual([]);
    const tracking = await host.ensureComment(ref, 3, "tracking", "On it.");
    await host.ensureComment(ref, 4, "tracking", "Other issue.");
    const comments = await host.listIssueComments(ref, 3);
    expect(comments).toEqual([{ id: tracking.id, body: expect.stringContaining("<!-- moderator:tracking -->"), author: { login: "moderator[bot]", bot: true }, url: tracking.url, createdAt: "" }]);
    expect(await host.listIssueCommentReactions(ref, tracking.id)).toEqual([]);
    await expect(host.listIssueCommentReactions(ref, 12345)).rejects.toMatchObject({ status: 404 });

    await git(repoDir, "checkout", "-q", "-b", "moderator/issue-3");
    await writeFile(path.join(repoDir, "a.ts"), "const a = eval(x);\nconst b = 2;\n");
    await git(repoDir, "commit", "-qam", "agent");
    const pr = await host.ensurePullRequest(ref, { branch: "moderator/issue-3", base: "main", title: "t", body: "b", draft: false });
    const review = await host.createReview(ref, pr.number, { commitSha: pr.headSha, body: "", comments: [{ path: "a.ts", line: 2, body: "finding" }] });
    const [comment] = await host.listReviewComments(ref, pr.number);
    expect(comment).toMatchObject({ body: "finding", path: "a.ts", line: 2, originalLine: 2, originalCommitId: pr.headSha, inReplyToId: null, author: { bot: true } });
    const reply = await host.replyToReviewComment(ref, pr.number, comment!.id, "done");
    expect((await host.listReviewComments(ref, pr.number)).map((c) => [c.id, c.inReplyToId])).toEqual([
      [comment!.id, null],
      [reply.id, comment!.id],
    ]);
    expect(review.inlineCount).toBe(1);
    expect(await host.listReviewCommentReactions(ref, comment!.id)).toEqual([]);
    await expect(host.listReviewCommentReactions(ref, 999)).rejects.toMatchObject({ status: 404 });
    expect(await host.getPullRequestClosing(ref, pr.number)).toEqual({
      state: "open",
      merged: false,
      createdAt: expect.stringMatching(/^\d{4}-/),
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      closedBy: null,
    });
  });

  it("lists the branch's commits oldest first and a commit's files, with no GitHub account for their authors", async () => {
    await git(repoDir, "checkout", "-q", "-b", "moderator/issue-3");
    await writeFile(path.join(repoDir, "a.ts"), "const a = JSON.parse(x);\n");
    await git(repoDir, "commit", "-qam", "Apply suggestions from code review\n\nwith a body");
    await writeFile(path.join(repoDir, "b.ts"), "export {};\n");
    await git(repoDir, "add", "b.ts");
    await git(repoDir, "commit", "-qm", "second");
    const pr = await host.ensurePullRequest(ref, { branch: "moderator/issue-3", base: "main", title: "t", body: "b", draft: false });

    const commits = await host.listPullRequestCommits(ref, pr.number);
    expect(commits.map((c) => [c.message, c.author, c.authorName, c.authorEmail])).toEqual([
      ["Apply suggestions from code review\n\nwith a body", null, "Ada", "ada@example.com"],
      ["second", null, "Ada", "ada@example.com"],
    ]);
    expect(commits[1]!.parents).toEqual([commits[0]!.sha]);
    expect(commits[1]!.sha).toBe(pr.headSha);
    expect(await host.getCommitFiles(ref, commits[0]!.sha)).toEqual([
      { path: "a.ts", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-const a = eval(x);\n+const a = JSON.parse(x);" },
    ]);
    expect((await host.getCommitFiles(ref, commits[1]!.sha)).map((f) => [f.path, f.status])).toEqual([["b.ts", "added"]]);
    await expect(host.getCommitFiles(ref, "--help")).rejects.toThrow(/is not a commit sha/);

    const noRepo = createLocalCodeHost({ outDir: path.join(root, "out"), log: () => {} });
    await expect(noRepo.listPullRequestCommits(ref, pr.number)).rejects.toThrow(/needs the local repository/);
  });
});
