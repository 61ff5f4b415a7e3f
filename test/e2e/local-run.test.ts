import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callTools, startFakeOllama, type FakeOllama } from "../support/fake-ollama.ts";

// `moderator run --repo` and `moderator backends`: the built CLI, as a user runs it, on a temporary repository.
const CLI = path.resolve(import.meta.dirname, "../../dist/src/cli/main.js");
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

let tmp: string;
let repo: string;
beforeEach(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  tmp = mkdtempSync(path.join(tmpdir(), "moderator-local-"));
  repo = path.join(tmp, "repo");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  writeFileSync(path.join(repo, "README.md"), "# demo\n");
  writeFileSync(path.join(repo, "package.json"), '{ "name": "demo", "dependencies": {} }\n');
  execFileSync("git", ["-C", repo, "add", "-A"]);
  execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "init"]);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[], operatorYaml: string, database = "pglite:memory"): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = path.join(tmp, "moderator.config.yml");
  writeFileSync(config, operatorYaml);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: tmp,
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmp, MODERATOR_CONFIG: config, MODERATOR_DATA_DIR: path.join(tmp, "data"), DATABASE_URL: database, LOG_LEVEL: "warn" },
        timeout: 120_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });

describe("moderator run --repo", () => {
  it("runs the command backend on a local repository: branch in the repo, PR, review and check run as files", async () => {
    const yaml = [
      "backends:",
      "  scripted:",
      "    type: command",
      `    command: ${JSON.stringify([process.execPath, AGENT, "good"])}`,
      `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    ].join("\n");
    execFileSync("mkdir", ["-p", path.join(repo, ".github")]);
    writeFileSync(path.join(repo, ".github", "moderator.yml"), "decision:\n  maxRetries: 0\n  ask: { enabled: false }\n");
    execFileSync("git", ["-C", repo, "add", "-A"]);
    execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "config"]);
    const issue = path.join(tmp, "issue.md");
    writeFileSync(issue, "# Add a greeting\n\nPlease add greet() to src/.\n");
    const out = path.join(tmp, "out");
    const r = await cli(["run", "--repo", repo, "--issue", issue, "--out", out], yaml);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^run [0-9a-f-]{36}: completed \(QA failure\); branch moderator\/issue-1 in your repository$/m);
    expect(r.stdout).toContain(`what would be posted: ${out}`);

    expect(git("ls-tree", "-r", "--name-only", "moderator/issue-1").split("\n")).toContain("src/greet.js");
    expect(git("rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
    const pr = readFileSync(path.join(out, "pull-request.md"), "utf8");
    expect(pr).toContain("Closes #1");
    expect(pr).toContain("Added src/greet.js");
    const review = JSON.parse(readFileSync(path.join(out, "review.json"), "utf8")) as unknown;
    expect(JSON.stringify(review)).toContain("debug/leftover");
    // One file per check run: the run's own `Moderator` check run does not overwrite `Moderator QA`.
    expect(readFileSync(path.join(out, "check-run-moderator-qa.json"), "utf8")).toContain("Moderator QA");
    expect(readFileSync(path.join(out, "check-run-moderator.json"), "utf8")).toContain('"name": "Moderator"');

    // A second run on the same repository takes the next number.
    const again = await cli(["run", "--repo", repo, "--issue", "Write notes", "--out", path.join(tmp, "out2")], yaml.replace('"good"', '"clean"'));
    expect(again.code, again.stderr).toBe(0);
  });

  it("runs the ollama backend (our own edit loop) against a local model server", async () => {
    const ollama: FakeOllama = await startFakeOllama({ models: ["qwen2.5-coder:7b"] });
    try {
      ollama.reply(
        callTools(["list_files", {}]),
        callTools(["write_file", { path: "docs/usage.md", content: "# Usage\n\nRun `npm start`.\n" }]),
        callTools(["finish", { summary: "Documented how to start it in docs/usage.md." }]),
      );
      const yaml = ["backends:", "  local:", "    type: ollama", `    host: ${ollama.url}`, "    model: qwen2.5-coder:7b", "    contextTokens: 8192"].join("\n");
      const out = path.join(tmp, "out");
      const r = await cli(["run", "--repo", repo, "--issue", "Document usage", "--out", out, "--backend", "local"], yaml);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(git("show", "moderator/issue-1:docs/usage.md")).toContain("Run `npm start`.");
      const chats = ollama.chatRequests();
      expect(chats.length).toBeGreaterThanOrEqual(3);
      expect(chats[0]?.options?.["num_ctx"]).toBe(8192);
      expect(readFileSync(path.join(out, "pull-request.md"), "utf8")).toContain("Documented how to start it");
    } finally {
      await ollama.close();
    }
  });

  it("falls back to the next healthy backend when the chosen one crashes", async () => {
    const segfault = path.resolve(import.meta.dirname, "../support/fixtures-agents/segfault.sh");
    const yaml = [
      "defaultBackend: crashy",
      "allowFallback: true",
      "backends:",
      "  crashy:",
      "    type: command",
      `    command: [${JSON.stringify(segfault)}]`,
      `    mounts: [${JSON.stringify(path.dirname(segfault))}]`,
      "  steady:",
      "    type: command",
      `    command: ${JSON.stringify([process.execPath, AGENT, "clean"])}`,
      `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    ].join("\n");
    // An embedded database on disk, so that `moderator status` in a second process sees the run.
    const db = `pglite:${path.join(tmp, "db")}`;
    const r = await cli(["run", "--repo", repo, "--issue", "Write notes"], yaml, db);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const id = /^run ([0-9a-f-]{36}):/m.exec(r.stdout)?.[1] ?? "";
    const status = await cli(["status", id], yaml, db);
    expect(status.stdout).toContain("backend.fallback");
    expect(status.stdout).toMatch(/crashy crashed .*; the task went to steady/);
    expect(git("show", "moderator/issue-1:NOTES.md")).toContain("Notes for issue #1");
  });

  it("says what is wrong with the arguments, and fails cleanly on an agent failure", async () => {
    const yaml = ["backends:", "  scripted:", "    type: command", `    command: ${JSON.stringify([process.execPath, AGENT, "fail"])}`, `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`].join("\n");
    const bad = await cli(["run", "--repo", repo, "--bogus", "x"], yaml);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--bogus: unknown option (run takes --repo, --issue,");
    const noIssue = await cli(["run", "--repo", repo], yaml);
    expect(noIssue.code).toBe(2);
    expect(noIssue.stderr).toContain("--issue: required with --repo");
    const failed = await cli(["run", "--repo", repo, "--issue", "Impossible"], yaml);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/: failed: execute: agent exited with code 1/);
    expect(git("branch", "--list", "moderator/*").trim()).toBe("");
  });
});

describe("moderator backends", () => {
  it("lists each backend with its health, and says how to install a missing one", async () => {
    const yaml = [
      "defaultBackend: scripted",
      "backends:",
      "  scripted:",
      "    type: command",
      `    command: ${JSON.stringify([process.execPath, AGENT])}`,
      "  pair:",
      "    type: aider",
      "    binary: aider-not-installed-here",
    ].join("\n");
    const r = await cli(["backends"], yaml);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ok\s+scripted \(default\)\s+\[command\]/);
    expect(lines[1]).toMatch(/^missing\s+pair\s+\[aider\]/);
    expect(lines[1]).toMatch(/pipx install aider-chat|not found/i);
  });
});
