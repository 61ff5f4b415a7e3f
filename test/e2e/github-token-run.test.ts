import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.ts";
import { createBareRepo } from "../support/git-http-backend.ts";

// `moderator run --github owner/repo#N` with a personal token: the built CLI against the fake GitHub (REST + git).
const CLI = path.resolve(import.meta.dirname, "../../dist/src/cli/main.js");
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
const PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
const OWNER = "octo-org";
const REPO = "hello-world";

let tmp: string;
let fake: FakeGitHub;
let barePath: string;
beforeEach(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  tmp = await mkdtemp(path.join(tmpdir(), "moderator-token-run-"));
  const gitRoot = path.join(tmp, "git");
  await mkdir(path.join(gitRoot, OWNER), { recursive: true });
  ({ barePath } = await createBareRepo(path.join(gitRoot, OWNER, `${REPO}.git`), {
    "README.md": "# hello\n",
    // A manifest that does not declare the agent's import: deps/undeclared is then sure of it (without any manifest
    // an import is only listed), and QA fails as the run line below says.
    "package.json": '{ "name": "hello-world", "version": "1.0.0" }\n',
    ".github/moderator.yml": "decision:\n  maxRetries: 0\n  ask: { enabled: false }\n",
  }));
  fake = await startFakeGitHub({ gitProjectRoot: gitRoot, token: PAT });
  fake.addRepo({ owner: OWNER, name: REPO, id: 1296269, defaultBranch: "main", cloneUrl: `${fake.url}/git/${OWNER}/${REPO}.git` });
  fake.setFile(OWNER, REPO, ".github/moderator.yml", "decision:\n  maxRetries: 0\n  ask: { enabled: false }\n");
  fake.addIssue(OWNER, REPO, { number: 7, title: "Add a greeting", body: "Please add greet() to src/." });
});
afterEach(async () => {
  await fake?.close();
  await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[], token = PAT, agent: string[] = [process.execPath, AGENT, "good"]): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = path.join(tmp, "moderator.config.yml");
  const agentFile = agent.at(-1) === "good" ? AGENT : (agent.at(-1) ?? AGENT);
  const yaml = ["backends:", "  scripted:", "    type: command", `    command: ${JSON.stringify(agent)}`, `    mounts: [${JSON.stringify(path.dirname(agentFile))}]`].join("\n");
  return writeFile(config, yaml).then(
    () =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [CLI, ...args],
          {
            cwd: tmp,
            env: {
              PATH: process.env["PATH"] ?? "/usr/bin:/bin",
              HOME: tmp,
              MODERATOR_CONFIG: config,
              MODERATOR_DATA_DIR: path.join(tmp, "data"),
              DATABASE_URL: "pglite:memory",
              LOG_LEVEL: "warn",
              GHE_HOST: fake.host,
              GHE_PROTOCOL: "http",
              GITHUB_TOKEN: token,
            },
            timeout: 120_000,
          },
          (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
      }),
  );
}

const api = () => fake.requests.filter((r) => r.route !== "GIT");
const writes = () => api().filter((r) => r.method !== "GET");

describe("moderator run --github with a personal token", () => {
  it("clones, runs the agent, pushes the branch, opens one PR and posts one review; no check runs", async () => {
    const r = await cli(["run", "--github", `${OWNER}/${REPO}#7`]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/check runs need a GitHub App/);
    expect(r.stdout).toMatch(/^run [0-9a-f-]{36}: completed \(QA failure\); pull request #\d+ on octo-org\/hello-world$/m);

    // The branch is on the server, with the agent's file.
    const files = execFileSync("git", ["--git-dir", barePath, "ls-tree", "-r", "--name-only", "moderator/issue-7"], { encoding: "utf8" });
    expect(files.split("\n")).toContain("src/greet.js");
    expect(fake.requests.some((q) => q.route === "GIT" && q.path.endsWith("/git-receive-pack"))).toBe(true);

    const pulls = writes().filter((q) => q.method === "POST" && q.path === `/repos/${OWNER}/${REPO}/pulls`);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.body).toMatchObject({ head: "moderator/issue-7", base: "main" });
    expect(JSON.stringify(pulls[0]?.body)).toContain("Closes #7");
    const reviews = writes().filter((q) => q.method === "POST" && /\/pulls\/\d+\/reviews$/.test(q.path));
    expect(reviews).toHaveLength(1);
    expect(JSON.stringify(reviews[0]?.body)).toContain("debug/leftover");
    expect(api().filter((q) => q.path.includes("check-runs"))).toEqual([]);
    // Every API call carried the token; nothing else was tried.
    for (const q of api()) expect(q.headers.authorization).toBe(`token ${PAT}`);
    expect(r.stdout + r.stderr).not.toContain(PAT);
  });

  it("the token never reaches the agent: not in its environment, not in the clone's git config", async () => {
    const spy = path.join(tmp, "agents", "spy.sh");
    await mkdir(path.dirname(spy), { recursive: true });
    await writeFile(spy, "#!/bin/sh\nenv > agent-env.txt\ncat .git/config >> agent-env.txt\necho '{\"type\":\"result\",\"success\":true,\"text\":\"looked around\"}'\n", { mode: 0o755 });
    const r = await cli(["run", "--github", `${OWNER}/${REPO}#7`], PAT, ["/bin/sh", spy]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const seen = execFileSync("git", ["--git-dir", barePath, "show", "moderator/issue-7:agent-env.txt"], { encoding: "utf8" });
    expect(seen).toContain("MODERATOR_TASK_FILE");
    expect(seen).not.toContain(PAT);
    expect(seen).not.toContain(Buffer.from(`x-access-token:${PAT}`).toString("base64"));
    expect(seen).not.toMatch(/GITHUB_TOKEN|extraheader/i);
  });

  it("--dry-run prints what it would post and makes no write request", async () => {
    const r = await cli(["run", "--github", `${OWNER}/${REPO}#7`, "--dry-run"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/dry run: nothing is written to octo-org\/hello-world/);
    expect(r.stdout).toMatch(/pull request/i);
    expect(writes()).toEqual([]);
    expect(fake.requests.filter((q) => q.route === "GIT" && q.path.endsWith("git-receive-pack"))).toEqual([]);
    const branches = execFileSync("git", ["--git-dir", barePath, "branch", "--list"], { encoding: "utf8" });
    expect(branches).not.toContain("moderator/issue-7");
    const out = /what would be posted: (\S+)/.exec(r.stdout)?.[1] ?? "";
    expect(readFileSync(path.join(out, "pull-request.md"), "utf8")).toContain("Closes #7");
  });

  it("a refused token is a clear error, not a stack trace, and nothing is written", async () => {
    const r = await cli(["run", "--github", `${OWNER}/${REPO}#7`], "github_pat_wrong");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("GITHUB_TOKEN was refused (401");
    expect(r.stderr).toContain("fine-grained personal access token");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(writes()).toEqual([]);
  });

  it("no token, or a malformed target, says what is missing", async () => {
    const none = await cli(["run", "--github", `${OWNER}/${REPO}#7`], "");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("--github needs GITHUB_TOKEN");
    const bad = await cli(["run", "--github", `${OWNER}/${REPO}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("expected owner/repo#123");
    expect(fake.requests).toEqual([]);
  });
});
