import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodeHost, RepoRef } from "../../../src/codehost/code-host.ts";
import { createLocalCodeHost } from "../../../src/codehost/local-code-host.ts";
import { findingMarker } from "../../../src/qa/finding-marker.ts";

const execFileAsync = promisify(execFile);
const ref: RepoRef = { owner: "local", repo: "demo" };

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("git", args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  });
  return stdout.trim();
}

let root: string;
let outDir: string;
let lines: string[];
let host: CodeHost;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "moderator-local-host-"));
  outDir = path.join(root, "out");
  lines = [];
  host = createLocalCodeHost({ outDir, log: (l) => lines.push(l) });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const read = (rel: string) => readFile(path.join(outDir, rel), "utf8");
const readJson = async (rel: string) => JSON.parse(await read(rel)) as Record<string, any>;

describe("ensureComment", () => {
  it("writes comments/<issue>-<topic>.md, updates it in place with a stable id, and skips unchanged bodies", async () => {
    const first = await host.ensureComment(ref, 7, "tracking", "Working on it");
    expect(first).toMatchObject({ created: true, updated: false });
    const file = path.join(outDir, "comments", "7-tracking.md");
    expect(fileURLToPath(first.url)).toBe(file);
    expect(await readFile(file, "utf8")).toBe("Working on it\n\n<!-- moderator:tracking -->\n");
    expect(lines).toEqual([`comment tracking on #7 created: ${file}`]);

    const second = await host.ensureComment(ref, 7, "tracking", "Done", first.id);
    expect(second).toEqual({ id: first.id, url: first.url, created: false, updated: true });
    expect(await readFile(file, "utf8")).toBe("Done\n\n<!-- moderator:tracking -->\n");

    const third = await host.ensureComment(ref, 7, "tracking", "Done");
    expect(third).toEqual({ id: first.id, url: first.url, created: false, updated: false });
    expect(lines).toHaveLength(2);

    // Another process (a new host on the same folder) finds the same comment with the same id.
    const again = await createLocalCodeHost({ outDir, log: () => undefined }).ensureComment(ref, 7, "tracking", "Done");
    expect(again).toEqual(third);

    const other = await host.ensureComment(ref, 7, "qa/summary", "Findings");
    expect(other.id).not.toBe(first.id);
    expect((await readdir(path.join(outDir, "comments"))).sort()).toEqual(["7-qa_summary.md", "7-tracking.md"]);
    await expect(host.ensureComment(ref, 7, "bad topic -->", "x")).rejects.toThrow(/invalid topic/);
  });
});

describe("addIssueReaction", () => {
  it("records each reaction once", async () => {
    await host.addIssueReaction(ref, 7, "eyes");
    await host.addIssueReaction(ref, 7, "eyes");
    await host.addIssueReaction(ref, 7, "rocket");
    const reactions = JSON.parse(await read("reactions.json")) as Array<Record<string, unknown>>;
    expect(reactions.map((r) => [r.issue, r.content])).toEqual([
      [7, "eyes"],
      [7, "rocket"],
    ]);
    expect(lines).toHaveLength(2);
  });
});

describe("pull request, review and check run", () => {
  let repoDir: string;
  let head: string;

  beforeEach(async () => {
    repoDir = path.join(root, "repo");
    await mkdir(repoDir);
    await git(repoDir, "init", "--quiet", "-b", "main");
    await writeFile(path.join(repoDir, "app.js"), Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n");
    await git(repoDir, "add", "-A");
    await git(repoDir, "commit", "--quiet", "-m", "base");
    await git(repoDir, "checkout", "--quiet", "-b", "moderator/issue-7");
    const changed = Array.from({ length: 30 }, (_, i) => (i === 19 ? "line 20 changed" : `line ${i + 1}`));
    await writeFile(path.join(repoDir, "app.js"), changed.join("\n") + "\n");
    await writeFile(path.join(repoDir, "new.js"), "export {};\n");
    await git(repoDir, "add", "-A");
    await git(repoDir, "commit", "--quiet", "-m", "change");
    head = await git(repoDir, "rev-parse", "HEAD");
    await git(repoDir, "checkout", "--quiet", "main");
    host = createLocalCodeHost({ outDir, log: (l) => lines.push(l), repoDir });
  });

  it("opens, then updates, one pull request with the branch's head sha and files", async () => {
    const opened = await host.ensurePullRequest(ref, { branch: "moderator/issue-7", base: "main", title: "Fix #7", body: "Closes #7", draft: true });
    expect(opened).toEqual({ number: 1, url: expect.stringMatching(/^file:\/\/.*pull-request\.md$/), headSha: head, draft: true, created: true });
    expect(await read("pull-request.md")).toContain("# Fix #7");
    expect(await read("pull-request.md")).toContain("Closes #7");
    expect(await readJson("pull-request.json")).toMatchObject({ number: 1, branch: "moderator/issue-7", base: "main", draft: true, headSha: head });

    const written = lines.length;
    const same = await host.ensurePullRequest(ref, { branch: "moderator/issue-7", base: "main", title: "Fix #7", body: "Closes #7", draft: true });
    expect(same).toMatchObject({ number: 1, created: false });
    expect(lines).toHaveLength(written);
    const updated = await host.ensurePullRequest(ref, { branch: "moderator/issue-7", base: "main", title: "Fix #7 (v2)", body: "Closes #7", draft: true });
    expect(updated).toMatchObject({ number: 1, created: false });
    expect(await read("pull-request.md")).toContain("# Fix #7 (v2)");

    const details = await host.getPullRequest(ref, 1);
    expect(details).toMatchObject({ number: 1, title: "Fix #7 (v2)", headSha: head, headRef: "moderator/issue-7", baseRef: "main", state: "open", draft: true });
    await expect(host.getPullRequest(ref, 2)).rejects.toMatchObject({ status: 404 });

    const files = await host.listPullRequestFiles(ref, 1);
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ["app.js", "modified", 1, 1],
      ["new.js", "added", 1, 0],
    ]);
    expect(files[0]?.patch).toMatch(/^@@ -17,7 \+17,7 @@/);
    expect(files[0]?.patch).toContain("+line 20 changed");
  });

  it("writes the review with inline comments, moves comments outside the diff to the body, and keeps threads", async () => {
    await host.ensurePullRequest(ref, { branch: "moderator/issue-7", base: "main", title: "Fix #7", body: "Closes #7", draft: false });
    const review = await host.createReview(ref, 1, {
      commitSha: head,
      body: `Moderator found 3 things.\n\n${findingMarker("fp_body")}`,
      comments: [
        { path: "app.js", line: 20, body: `Check this line.\n${findingMarker("fp_inline")}` },
        { path: "app.js", line: 2, body: "Outside every hunk." },
        { path: "new.js", line: 0, body: "Malformed line." },
      ],
    });
    expect(review).toMatchObject({ inlineCount: 1, movedToBody: 2 });

    const stored = await readJson("review.json");
    expect(stored.reviews).toHaveLength(1);
    expect(stored.reviews[0].comments).toEqual([
      expect.objectContaining({ path: "app.js", line: 20, resolved: false, replies: [] }),
    ]);
    const md = await read("review.md");
    expect(md).toContain("### `app.js` line 20");
    expect(md).toContain("### Could not be placed inline");
    expect(md).toContain("Outside every hunk.");

    expect(await host.listReviews(ref, 1)).toEqual([
      expect.objectContaining({ id: review.id, commitId: head, author: { login: "moderator[bot]", bot: true }, fingerprints: ["fp_body"] }),
    ]);
    const threads = await host.listReviewThreads(ref, 1);
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ path: "app.js", line: 20, isResolved: false, fingerprints: ["fp_inline"] });

    const thread = threads[0]!;
    const reply = await host.replyToReviewComment(ref, 1, thread.comments[0]!.id, "Fixed in abc123.");
    expect(reply.url).toMatch(/review\.md#comment-/);
    expect(await host.resolveReviewThread(thread.id)).toEqual({ isResolved: true });
    const after = await host.listReviewThreads(ref, 1);
    expect(after[0]).toMatchObject({ isResolved: true });
    expect(after[0]?.comments.map((c) => c.body)).toEqual([thread.comments[0]!.body, "Fixed in abc123."]);
    expect(await read("review.md")).toContain("line 20 (resolved)");
    await expect(host.resolveReviewThread("LOCAL_PRRT_999")).rejects.toMatchObject({ status: 404 });
    await expect(host.createReview(ref, 1, { commitSha: head, body: " ", comments: [] })).rejects.toThrow(/needs a body or at least one comment/);
  });

  it("upserts one check run per name and head sha, appending only new annotations", async () => {
    const annotation = { path: "app.js", start_line: 20, end_line: 20, annotation_level: "warning" as const, title: "debug/leftover", message: "console.log left in" };
    const created = await host.upsertCheckRun(ref, { name: "Moderator", headSha: head, status: "in_progress", title: "Running", summary: "QA is running" });
    const updated = await host.upsertCheckRun(ref, {
      name: "Moderator",
      headSha: head,
      status: "completed",
      conclusion: "neutral",
      title: "1 finding",
      summary: "One warning",
      annotations: [annotation],
    });
    expect(updated.id).toBe(created.id);
    await host.upsertCheckRun(ref, {
      id: created.id,
      name: "Moderator",
      headSha: head,
      status: "completed",
      conclusion: "neutral",
      title: "1 finding",
      summary: "One warning",
      annotations: [annotation, { ...annotation, start_line: 21, end_line: 21, message: "second" }],
    });
    const run = await readJson("check-run-moderator.json");
    expect(run).toMatchObject({ id: created.id, status: "completed", conclusion: "neutral", title: "1 finding" });
    expect(run.annotations).toHaveLength(2);
    const md = await read("check-run-moderator.md");
    expect(md).toContain("# Moderator: 1 finding");
    expect(md).toContain("- **warning** `app.js:20` debug/leftover: console.log left in");
    expect(fileURLToPath(updated.url)).toBe(path.join(outDir, "check-run-moderator.md"));

    const otherSha = await host.upsertCheckRun(ref, { name: "Moderator", headSha: "f".repeat(40), status: "queued", title: "Queued", summary: "" });
    expect(otherSha.id).not.toBe(created.id);
    expect((await readJson("check-run-moderator.json")).annotations).toEqual([]);
  });
});

describe("several check runs", () => {
  it("writes one file per check run name: the run's own check run never overwrites the QA one", async () => {
    const head = "c".repeat(40);
    const annotation = { path: "app.js", start_line: 3, end_line: 3, annotation_level: "failure" as const, title: "secrets/hardcoded", message: "a key" };
    await host.upsertCheckRun(ref, { name: "Moderator QA", headSha: head, status: "completed", conclusion: "failure", title: "1 finding", summary: "QA", annotations: [annotation] });
    const run = await host.upsertCheckRun(ref, { name: "Moderator", headSha: head, status: "completed", conclusion: "success", title: "Done", summary: "see the check run" });
    expect((await readJson("check-run-moderator-qa.json")).annotations).toHaveLength(1);
    expect(await readJson("check-run-moderator.json")).toMatchObject({ name: "Moderator", conclusion: "success" });
    expect(await read("check-run-moderator-qa.md")).toContain("secrets/hardcoded");
    expect(fileURLToPath(run.url)).toBe(path.join(outDir, "check-run-moderator.md"));
  });
});

describe("bad state", () => {
  it("says which file is broken instead of overwriting it", async () => {
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, "check-run-moderator.json"), "{ not json");
    await expect(host.upsertCheckRun(ref, { name: "Moderator", headSha: "a".repeat(40), status: "queued", title: "t", summary: "s" })).rejects.toThrow(
      /check-run-moderator\.json is not valid JSON/,
    );
    await writeFile(path.join(outDir, "pull-request.json"), JSON.stringify({ number: "one" }));
    await expect(host.getPullRequest(ref, 1)).rejects.toThrow(/pull-request\.json does not hold what this host writes: .*number/);
    await expect(host.listPullRequestFiles(ref, 1)).rejects.toThrow(/pull-request\.json/);
  });

  it("needs the repository to list pull request files", async () => {
    await host.ensurePullRequest(ref, { branch: "b", base: "main", title: "t", body: "b", draft: false });
    await expect(host.listPullRequestFiles(ref, 1)).rejects.toThrow(/needs the local repository \(repoDir\)/);
  });
});
