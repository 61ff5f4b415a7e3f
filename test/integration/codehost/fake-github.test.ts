// The fake GitHub server itself: other tests rely on it behaving like GitHub where it matters.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.ts";
import { createBareRepo } from "../../support/git-http-backend.ts";
import { signWebhook } from "../../support/sign-webhook.ts";

const execFileAsync = promisify(execFile);

const TOKEN = "ghs_fake_token";
let fake: FakeGitHub;

/** A JWT-shaped token (the fake checks the shape, not the signature). */
function fakeJwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: "123", iat: 1, exp: 2 })}.c2lnbmF0dXJl`;
}

async function call(
  method: string,
  path: string,
  init: { body?: unknown; auth?: string; accept?: string } = {},
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: {
      authorization: init.auth ?? `token ${TOKEN}`,
      accept: init.accept ?? "application/vnd.github+json",
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeEach(async () => {
  fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({
    owner: "acme",
    name: "widgets",
    id: 77,
    defaultBranch: "main",
    files: { ".github/moderator.yml": "label: moderator\n", "src/index.ts": "export {};\n", "src/lib/util.ts": "x" },
  });
});

afterEach(async () => {
  await fake.close();
});

describe("fake GitHub", () => {
  it("answers under /api/v3 and under /, recording the path without the prefix", async () => {
    const a = await call("GET", "/api/v3/repos/acme/widgets");
    const b = await call("GET", "/repos/acme/widgets");
    expect(a.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(a.json).toMatchObject({ id: 77, full_name: "acme/widgets", default_branch: "main" });
    expect(a.json.clone_url).toBe(`${fake.url}/acme/widgets.git`);
    expect(fake.requests.map((r) => [r.path, r.route])).toEqual([
      ["/repos/acme/widgets", "GET /repos/{owner}/{repo}"],
      ["/repos/acme/widgets", "GET /repos/{owner}/{repo}"],
    ]);
  });

  it("hands out installation tokens for a JWT only", async () => {
    const ok = await call("POST", "/api/v3/app/installations/5/access_tokens", { auth: `Bearer ${fakeJwt()}` });
    expect(ok.status).toBe(201);
    expect(ok.json.token).toBe(TOKEN);
    expect(Date.parse(ok.json.expires_at)).toBeGreaterThan(Date.now());
    expect(fake.state.tokens).toEqual([{ installationId: 5, token: TOKEN, expiresAt: ok.json.expires_at }]);

    const bad = await call("POST", "/api/v3/app/installations/5/access_tokens", { auth: "Bearer not-a-jwt" });
    expect(bad.status).toBe(401);
    expect(bad.json.message).toBe("A JSON web token could not be decoded");
  });

  it("checks the installation token when one is configured", async () => {
    const res = await call("GET", "/repos/acme/widgets", { auth: "token wrong" });
    expect(res.status).toBe(401);
    expect(res.json.message).toBe("Bad credentials");
  });

  it("answers permissions like GitHub, and 404 for someone it does not know", async () => {
    fake.setPermission("acme", "widgets", "Alice", "write", "maintain");
    const alice = await call("GET", "/repos/acme/widgets/collaborators/alice/permission");
    expect(alice.json).toMatchObject({ permission: "write", role_name: "maintain", user: { login: "Alice", type: "User" } });
    expect((await call("GET", "/repos/acme/widgets/collaborators/bob/permission")).status).toBe(404);
  });

  it("serves contents as base64 JSON, raw on request, directories as lists, and 404 when missing", async () => {
    const file = await call("GET", "/repos/acme/widgets/contents/.github/moderator.yml?ref=main");
    expect(file.json).toMatchObject({ type: "file", encoding: "base64", path: ".github/moderator.yml", name: "moderator.yml" });
    expect(Buffer.from(file.json.content, "base64").toString("utf8")).toBe("label: moderator\n");

    const raw = await call("GET", "/repos/acme/widgets/contents/.github%2Fmoderator.yml", { accept: "application/vnd.github.raw" });
    expect(raw.text).toBe("label: moderator\n");

    const dir = await call("GET", "/repos/acme/widgets/contents/src");
    expect(dir.json.map((e: { path: string; type: string }) => [e.path, e.type])).toEqual([
      ["src/index.ts", "file"],
      ["src/lib", "dir"],
    ]);
    expect((await call("GET", "/repos/acme/widgets/contents/nope.txt")).status).toBe(404);
    expect((await call("GET", "/repos/other/repo")).status).toBe(404);
  });

  it("pages issue comments with Link headers that Octokit follows", async () => {
    for (let i = 0; i < 45; i += 1) fake.addIssueComment("acme", "widgets", 1, { body: `c${i}` });
    const first = await call("GET", "/api/v3/repos/acme/widgets/issues/1/comments?per_page=20");
    expect(first.json).toHaveLength(20);
    expect(first.headers.get("link")).toContain(`<${fake.url}/api/v3/repos/acme/widgets/issues/1/comments?per_page=20&page=2>; rel="next"`);

    const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
    const octokit = new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl });
    const all = await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: "acme",
      repo: "widgets",
      issue_number: 1,
      per_page: 20,
    });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 45 }, (_, i) => `c${i}`));
    expect(all[0]?.user).toMatchObject({ login: "octocat", type: "User" });
  });

  it("creates comments as the app's bot and edits them", async () => {
    const created = await call("POST", "/repos/acme/widgets/issues/3/comments", { body: { body: "hello" } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ body: "hello", user: { login: "moderator[bot]", type: "Bot" } });
    const edited = await call("PATCH", `/repos/acme/widgets/issues/comments/${created.json.id}`, { body: { body: "bye" } });
    expect(edited.json).toMatchObject({ id: created.json.id, body: "bye" });
    const empty = await call("POST", "/repos/acme/widgets/issues/3/comments", { body: { body: "" } });
    expect(empty.status).toBe(422);
  });

  it("adds and removes labels", async () => {
    const added = await call("POST", "/repos/acme/widgets/issues/4/labels", { body: { labels: ["moderator", "bug"] } });
    expect(added.json.map((l: { name: string }) => l.name)).toEqual(["moderator", "bug"]);
    const removed = await call("DELETE", "/repos/acme/widgets/issues/4/labels/moderator");
    expect(removed.json.map((l: { name: string }) => l.name)).toEqual(["bug"]);
    const again = await call("DELETE", "/repos/acme/widgets/issues/4/labels/moderator");
    expect(again.status).toBe(404);
  });

  it("filters pull requests by head and state and refuses a duplicate", async () => {
    const created = await call("POST", "/repos/acme/widgets/pulls", {
      body: { title: "T", head: "moderator/issue-1", base: "main", body: "B", draft: true },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ number: 100, draft: true, state: "open", head: { ref: "moderator/issue-1" } });
    expect(created.json.head.sha).toMatch(/^[0-9a-f]{40}$/);

    const dup = await call("POST", "/repos/acme/widgets/pulls", { body: { title: "T", head: "moderator/issue-1", base: "main" } });
    expect(dup.status).toBe(422);
    expect(dup.json.errors[0].message).toBe("A pull request already exists for acme:moderator/issue-1.");

    expect((await call("GET", "/repos/acme/widgets/pulls?head=acme:moderator/issue-1")).json).toHaveLength(1);
    expect((await call("GET", "/repos/acme/widgets/pulls?head=acme:other")).json).toHaveLength(0);
    await call("PATCH", "/repos/acme/widgets/pulls/100", { body: { state: "closed" } });
    expect((await call("GET", "/repos/acme/widgets/pulls?head=acme:moderator/issue-1")).json).toHaveLength(0);
    expect((await call("GET", "/repos/acme/widgets/pulls?head=acme:moderator/issue-1&state=all")).json).toHaveLength(1);
  });

  it("refuses review comments outside the commentable lines with GitHub's error body", async () => {
    const pr = fake.addPullRequest("acme", "widgets", { head: "feature", title: "T" });
    fake.setCommentableLines("acme", "widgets", pr.number, { "a.ts": [1, 2] });
    const bad = await call("POST", `/repos/acme/widgets/pulls/${pr.number}/reviews`, {
      body: { event: "COMMENT", body: "x", comments: [{ path: "a.ts", line: 9, side: "RIGHT", body: "c" }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({
      message: "Unprocessable Entity",
      errors: ["Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank"],
      documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
      status: "422",
    });
    const badPath = await call("POST", `/repos/acme/widgets/pulls/${pr.number}/reviews`, {
      body: { event: "COMMENT", body: "x", comments: [{ path: "b.ts", line: 1, body: "c" }] },
    });
    expect(badPath.json.errors[0]).toMatch(/path is invalid/);
    expect(fake.repo("acme", "widgets").reviews).toEqual([]);

    const ok = await call("POST", `/repos/acme/widgets/pulls/${pr.number}/reviews`, {
      body: { event: "COMMENT", body: "x", comments: [{ path: "a.ts", line: 2, body: "c" }] },
    });
    expect(ok.json).toMatchObject({ state: "COMMENTED", user: { login: "moderator[bot]" } });
    const comments = await call("GET", `/repos/acme/widgets/pulls/${pr.number}/comments`);
    expect(comments.json).toMatchObject([{ path: "a.ts", line: 2, pull_request_review_id: ok.json.id }]);
    const files = await call("GET", `/repos/acme/widgets/pulls/${pr.number}/files`);
    expect(files.json).toMatchObject([{ filename: "a.ts", patch: "@@ -1,0 +1,2 @@\n+line 1\n+line 2" }]);
  });

  it("refuses more than 50 annotations per request like GitHub, and appends them on update", async () => {
    const annotation = (i: number) => ({ path: "a.ts", start_line: i, end_line: i, annotation_level: "notice", message: `m${i}` });
    const tooMany = await call("POST", "/repos/acme/widgets/check-runs", {
      body: { name: "c", head_sha: "a".repeat(40), output: { title: "t", summary: "s", annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)) } },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.message).toBe("Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.");

    const run = await call("POST", "/repos/acme/widgets/check-runs", {
      body: { name: "c", head_sha: "a".repeat(40), status: "in_progress", output: { title: "t", summary: "s", annotations: [annotation(1)] } },
    });
    await call("PATCH", `/repos/acme/widgets/check-runs/${run.json.id}`, {
      body: { conclusion: "success", output: { title: "t2", summary: "s2", annotations: [annotation(2)] } },
    });
    const listed = await call("GET", `/repos/acme/widgets/commits/${"a".repeat(40)}/check-runs`);
    expect(listed.json.total_count).toBe(1);
    expect(listed.json.check_runs[0]).toMatchObject({
      status: "completed",
      conclusion: "success",
      output: { title: "t2", summary: "s2", annotations_count: 2 },
    });
  });

  it("fails on demand, then recovers; unknown routes are 404 and listed", async () => {
    fake.failNext("get", /^\/repos\/acme\/widgets$/, 502, 2, { headers: { "retry-after": "1" } });
    const first = await call("GET", "/repos/acme/widgets");
    expect(first.status).toBe(502);
    expect(first.json).toMatchObject({ message: "Bad Gateway", status: "502" });
    expect(first.headers.get("retry-after")).toBe("1");
    expect((await call("GET", "/repos/acme/widgets")).status).toBe(502);
    expect((await call("GET", "/repos/acme/widgets")).status).toBe(200);

    expect(fake.unhandled()).toEqual([]);
    const unknown = await call("GET", "/repos/acme/widgets/branches");
    expect(unknown.status).toBe(404);
    expect(fake.unhandled().map((r) => r.path)).toEqual(["/repos/acme/widgets/branches"]);
  });
});

describe("fake GitHub with Probot's own authentication", () => {
  it("serves an installation token to app.auth() and accepts it on later requests", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const Octokit = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
    const probot = new Probot({
      appId: 123,
      privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      baseUrl: fake.apiUrl,
      Octokit,
    });
    const octokit = await probot.auth(9);
    const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "widgets" });
    expect(data.id).toBe(77);
    expect(fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/app/installations/9/access_tokens", 201],
      ["GET", "/repos/acme/widgets", 200],
    ]);
    expect(fake.requests[1]?.headers.authorization).toBe(`token ${TOKEN}`);
  });
});

describe("fake GitHub serving git", () => {
  let root: string;
  let gitFake: FakeGitHub;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "fake-github-git-"));
  });
  afterEach(async () => {
    await gitFake.close();
    await rm(root, { recursive: true, force: true });
  });

  it("clones and pushes over /git/ with the token, and pull requests follow the pushed branch", async () => {
    const { sha: baseSha } = await createBareRepo(join(root, "acme", "widgets.git"), { "README.md": "hi\n" }, "main");
    gitFake = await startFakeGitHub({ gitProjectRoot: root, token: TOKEN });
    const repo = gitFake.addRepo({ owner: "acme", name: "widgets", id: 1, defaultBranch: "main" });
    expect(repo.cloneUrl).toBe(`${gitFake.url}/git/acme/widgets.git`);

    const auth = `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    };
    const git = async (args: string[], cwd = root) => (await execFileAsync("git", args, { cwd, env })).stdout.trim();
    const work = join(root, "work");

    await expect(git(["clone", "--quiet", repo.cloneUrl, join(root, "denied")])).rejects.toThrow();
    await git(["-c", `http.extraHeader=${auth}`, "clone", "--quiet", repo.cloneUrl, work]);
    expect(await git(["rev-parse", "HEAD"], work)).toBe(baseSha);

    await git(["checkout", "--quiet", "-b", "moderator/issue-1"], work);
    await writeFile(join(work, "fix.txt"), "fixed\n");
    await git(["add", "-A"], work);
    await git(["commit", "--quiet", "-m", "fix"], work);
    const pushed = await git(["rev-parse", "HEAD"], work);
    await git(["-c", `http.extraHeader=${auth}`, "push", "--quiet", "origin", "HEAD:refs/heads/moderator/issue-1"], work);

    const res = await fetch(`${gitFake.apiUrl}/repos/acme/widgets/pulls`, {
      method: "POST",
      headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Fix", head: "moderator/issue-1", base: "main" }),
    });
    const pr = (await res.json()) as { head: { sha: string }; base: { sha: string } };
    expect(pr.head.sha).toBe(pushed);
    expect(pr.base.sha).toBe(baseSha);
    expect(gitFake.requests.filter((r) => r.route === "GIT").every((r) => r.status === 200 || r.status === 401)).toBe(true);
    expect(gitFake.unhandled()).toEqual([]);
  });
});

describe("signWebhook", () => {
  it("matches GitHub's documented example signature", () => {
    expect(signWebhook("It's a Secret to Everybody", "Hello, World!")).toBe(
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
  });
});
