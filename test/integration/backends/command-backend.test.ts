import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent, AgentTask } from "../../../src/backends/backend.ts";
import { createCommandBackend } from "../../../src/backends/command-backend.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../src/sandbox/default-path.ts";
import type { ProcessRunner } from "../../../src/sandbox/process-runner.ts";
import { ModeratorError } from "../../../src/util/errors.ts";

const FIXTURES = fileURLToPath(new URL("../../support/fixtures-agents/", import.meta.url));
const agent = (name: string): string => path.join(FIXTURES, name);

const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 7, title: "Fix the README", body: "It is wrong.", author: "alice" },
  task: { index: 0, title: "Edit README", description: "Explain the setup", type: "docs" },
  prompt: "Fix the README of octo/demo.",
  branch: "moderator/issue-7",
  baseBranch: "main",
};

const processEnv = {
  PATH: DEFAULT_PATH,
  FAKE_API_KEY: "sk-test-0123456789",
  GITHUB_TOKEN: "ghs_should_never_pass",
  GH_TOKEN: "gho_should_never_pass",
  DATABASE_URL: "postgres://secret",
  UNLISTED: "not passed",
};

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moderator-backend-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function setup(): Promise<{ workdir: string; scratchDir: string }> {
  const workdir = await tempDir("clone");
  await writeFile(path.join(workdir, "README.md"), "# demo\n");
  const scratchDir = await tempDir("scratch");
  return { workdir, scratchDir };
}

let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

describe.each([
  ["none", () => none],
  ["bwrap", () => bwrap],
] as const)("command backend (%s)", (mode, runner) => {
  it("runs an agent that edits files and turns its JSON lines into events", async () => {
    const backend = createCommandBackend(
      { name: "fake", command: [agent("edit-files.mjs")], timeoutSeconds: 60, env: ["PATH", "FAKE_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "DATABASE_URL"] },
      { processEnv },
    );
    const { workdir, scratchDir } = await setup();
    const events: AgentEvent[] = [];
    const result = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: (e) => events.push(e) });

    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null, sandbox: mode, command: [agent("edit-files.mjs")] });
    expect(result.error).toBeUndefined();
    expect(result.usage).toEqual({ inputTokens: 150, outputTokens: 20, costUsd: 0.01, turns: 2 });
    expect(await readFile(path.join(workdir, "README.md"), "utf8")).toBe("# demo\n\nEdited for issue #7.\n");
    expect(await readFile(path.join(workdir, "NEW_FILE.md"), "utf8")).toBe("Explain the setup\n");
    expect(await readFile(path.join(scratchDir, "home", ".agent-state"), "utf8")).toBe("ok");

    const normalized = events.filter((e) => e.kind !== "raw");
    expect(normalized).toEqual([
      { kind: "message", text: "working on: Edit README" },
      { kind: "tool_call", tool: "edit", input: { path: "README.md" } },
      { kind: "file_edit", path: "README.md" },
      { kind: "file_edit", path: "NEW_FILE.md" },
      { kind: "usage", inputTokens: 100, outputTokens: 20, costUsd: 0.01, turns: 1 },
      { kind: "usage", inputTokens: 50, turns: 1 },
      { kind: "result", success: true, text: "done" },
    ]);
    const raw = events.flatMap((e) => (e.kind === "raw" ? [e.data] : []));
    expect(raw.map((d) => d.type)).toEqual(["message", "message", "env", "probe", "tool_call", "file_edit", "file_edit", "usage", "usage", "result"]);
    expect(raw[1]).toEqual({ type: "message", text: 7 });

    const envEvent = raw.find((d) => d.type === "env")!;
    expect(envEvent.names).toEqual(["FAKE_API_KEY", "HOME", "MODERATOR_TASK_FILE", "PATH"]);
    expect(envEvent.home).toBe(path.join(scratchDir, "home"));
    expect(envEvent.cwd).toBe(workdir);
    if (mode === "bwrap") expect(raw.find((d) => d.type === "probe")).toEqual({ type: "probe", taskFileWritable: false });

    expect(JSON.parse(await readFile(path.join(scratchDir, "task.json"), "utf8"))).toEqual(task);
    expect(result.outputTail).toContain("debug: using key [redacted FAKE_API_KEY]");
    expect(result.outputTail).not.toContain("sk-test-0123456789");
    expect(result.outputTail.endsWith("trailing text without newline")).toBe(true);
  });

  it("reports a non-zero exit as failed, with the agent's last error", async () => {
    const backend = createCommandBackend({ name: "fake", command: [agent("exit-one.sh")], timeoutSeconds: 60, env: [] }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const events: AgentEvent[] = [];
    const result = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ status: "failed", exitCode: 1, error: "agent exited with code 1: model refused the task" });
    expect(result.outputTail).toContain("fatal: cannot continue");
    expect(events.filter((e) => e.kind !== "raw")).toEqual([
      { kind: "message", text: "trying" },
      { kind: "error", message: "model refused the task" },
    ]);
  });

  it("times out an agent that hangs", async () => {
    const backend = createCommandBackend({ name: "fake", command: [agent("hang.sh")], timeoutSeconds: 1, env: [] }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const result = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: () => undefined });
    expect(result).toMatchObject({ status: "timed_out", error: "agent did not finish within 1s" });
  });

  it("cancels an agent when the signal aborts", async () => {
    const backend = createCommandBackend({ name: "fake", command: [agent("hang.sh")], timeoutSeconds: 600, env: [] }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const controller = new AbortController();
    const result = await backend.run({
      task,
      workdir,
      scratchDir,
      runner: runner(),
      signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === "message") controller.abort();
      },
    });
    expect(result).toMatchObject({ status: "cancelled", error: "cancelled" });
  });

  it("keeps the output bounded when the agent floods it", async () => {
    const backend = createCommandBackend({ name: "fake", command: [agent("flood.sh")], timeoutSeconds: 120, env: [], maxOutputBytes: 64 * 1024 }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const events: AgentEvent[] = [];
    const result = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: (e) => events.push(e) });
    expect(result.status).toBe("succeeded");
    expect(result.outputTail.length).toBeLessThanOrEqual(4000);
    expect(result.outputTail).toContain('{"type":"result","success":true,"text":"flooded"}');
    expect(events.filter((e) => e.kind !== "raw")).toEqual([{ kind: "result", success: true, text: "flooded" }]);
  });

  it("reports an agent killed by a signal as crashed", async () => {
    const backend = createCommandBackend({ name: "fake", command: [agent("segfault.sh")], timeoutSeconds: 60, env: [] }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const result = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: () => undefined });
    expect(result).toMatchObject({ status: "crashed", exitCode: null, signal: "SIGSEGV", error: "agent was killed by signal SIGSEGV" });
    expect(result.outputTail).toContain("about to crash");
  });

  it("throws an infrastructure error when the program is missing", async () => {
    const backend = createCommandBackend({ name: "ghost", command: ["/nonexistent/agent-cli"], timeoutSeconds: 60, env: [] }, { processEnv });
    const { workdir, scratchDir } = await setup();
    const err = await backend.run({ task, workdir, scratchDir, runner: runner(), onEvent: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModeratorError);
    expect((err as ModeratorError).infrastructure).toBe(true);
    expect((err as ModeratorError).phase).toBe("execute");
    expect((err as Error).message).toMatch(/command backend "ghost" could not start its agent: cannot run "\/nonexistent\/agent-cli"/);
  });
});

describe("command backend health and validation", () => {
  it("is healthy when the program resolves, by absolute path or on PATH", async () => {
    const byPath = createCommandBackend({ name: "a", command: [agent("exit-one.sh")], timeoutSeconds: 1, env: [] }, { processEnv });
    expect(await byPath.health()).toEqual({ ok: true, detail: `runs ${agent("exit-one.sh")}` });
    const byName = createCommandBackend({ name: "b", command: ["sh", "-c", "true"], timeoutSeconds: 1, env: ["PATH"] }, { processEnv });
    expect((await byName.health()).ok).toBe(true);
  });

  it("is unhealthy when the program does not resolve", async () => {
    const missing = createCommandBackend({ name: "a", command: ["no-such-agent-cli"], timeoutSeconds: 1, env: [] }, { processEnv });
    const health = await missing.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/cannot run "no-such-agent-cli": not found on PATH/);
    const dir = await tempDir("bin");
    await writeFile(path.join(dir, "plain.txt"), "not a program", { mode: 0o644 });
    const notExecutable = createCommandBackend({ name: "b", command: [path.join(dir, "plain.txt")], timeoutSeconds: 1, env: [] }, { processEnv });
    expect((await notExecutable.health()).detail).toMatch(/is not an executable file/);
    const relative = createCommandBackend({ name: "c", command: ["./agent.sh"], timeoutSeconds: 1, env: [] }, { processEnv });
    expect((await relative.health()).detail).toMatch(/relative path/);
  });

  it("rejects bad definitions with a clear message", () => {
    expect(() => createCommandBackend({ name: "x", command: [], timeoutSeconds: 1, env: [] }, { processEnv })).toThrow(
      /command backend "x": command must be a non-empty argv array/,
    );
    expect(() => createCommandBackend({ name: "x", command: ["a"], timeoutSeconds: 0, env: [] }, { processEnv })).toThrow(/timeoutSeconds must be a positive number/);
    expect(() => createCommandBackend({ name: "x", command: ["a"], timeoutSeconds: 1, env: ["BAD-NAME"] }, { processEnv })).toThrow(
      /command backend "x": env pass-through list entry 0 \("BAD-NAME"\) is not a valid environment variable name/,
    );
  });

  it("refuses a scratch folder inside the clone", async () => {
    const backend = createCommandBackend({ name: "x", command: [agent("exit-one.sh")], timeoutSeconds: 5, env: [] }, { processEnv });
    const workdir = await tempDir("clone");
    await expect(backend.run({ task, workdir, scratchDir: path.join(workdir, ".scratch"), runner: none, onEvent: () => undefined })).rejects.toThrow(
      /scratch folder .* must be outside the clone/,
    );
  });
});
