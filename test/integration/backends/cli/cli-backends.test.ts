import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { AiderBackendConfig, createAiderBackend } from "../../../../src/backends/aider-backend.ts";
import type { AgentEvent, Backend } from "../../../../src/backends/backend.ts";
import { ClaudeCodeBackendConfig, createClaudeCodeBackend } from "../../../../src/backends/claude-code-backend.ts";
import { CodexBackendConfig, createCodexBackend } from "../../../../src/backends/codex-backend.ts";
import { createGeminiBackend, GeminiBackendConfig } from "../../../../src/backends/gemini-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { ModeratorError } from "../../../../src/util/errors.ts";
import {
  API_KEYS,
  createTempDirs,
  ENV_LIST,
  FAKE_MOUNTS,
  FORBIDDEN_ENV,
  processEnvFor,
  processGone,
  readLaunches,
  runBackend,
  setupWorkspace,
} from "./cli-test-support.ts";

type Env = Record<string, string | undefined>;

interface CliCase {
  cli: "claude" | "codex" | "gemini" | "aider";
  label: string;
  keyVar: keyof typeof API_KEYS;
  create(env: Env, over?: Record<string, unknown>): Backend;
  usage: { inputTokens?: number; outputTokens?: number; costUsd?: number; turns?: number };
  edits: string[];
  tools: string[];
  lastMessage: string;
  /** Files the fake CLI writes in the clone. */
  written: string[];
  authError: RegExp;
  authExit: number;
}

const base = { env: ENV_LIST, mounts: FAKE_MOUNTS };

const CASES: CliCase[] = [
  {
    cli: "claude",
    label: "Claude Code",
    keyVar: "ANTHROPIC_API_KEY",
    create: (env, over = {}) => createClaudeCodeBackend(ClaudeCodeBackendConfig.parse({ type: "claude-code", ...base, ...over }), { processEnv: env, name: "claude" }),
    usage: { inputTokens: 24227, outputTokens: 167, costUsd: 0.10024799999999999, turns: 5 },
    edits: ["README.md", "src/hello.js"],
    tools: ["Read", "Edit", "Write", "Bash"],
    lastMessage: "Updated README.md and added src/hello.js.",
    written: ["README.md", "src/hello.js"],
    authError: /^Claude Code exited with code 1: Failed to authenticate\. API Error: 401 authentication_error \(API error 401: check the API key/,
    authExit: 1,
  },
  {
    cli: "codex",
    label: "Codex",
    keyVar: "CODEX_API_KEY",
    create: (env, over = {}) => createCodexBackend(CodexBackendConfig.parse({ type: "codex", ...base, ...over }), { processEnv: env, name: "codex" }),
    usage: { inputTokens: 10442, outputTokens: 109, turns: 1 },
    edits: [],
    tools: ["shell"],
    lastMessage: "Created hello.js.",
    written: ["hello.js"],
    authError: /^Codex exited with code 1: unexpected status 401 Unauthorized: .*Incorrect API key provided/,
    authExit: 1,
  },
  {
    cli: "gemini",
    label: "Gemini CLI",
    keyVar: "GEMINI_API_KEY",
    create: (env, over = {}) => createGeminiBackend(GeminiBackendConfig.parse({ type: "gemini", ...base, ...over }), { processEnv: env, name: "gemini" }),
    usage: { inputTokens: 12873, outputTokens: 377 },
    edits: ["README.md", "src/hello.js"],
    tools: ["read_file", "read_file", "replace", "write_file"],
    lastMessage: "Updated README.md and added src/hello.js.",
    written: ["README.md", "src/hello.js"],
    authError: /^Gemini CLI exited with code 1: \[API Error: API key not valid\. Please pass a valid API key\.\]$/,
    authExit: 1,
  },
  {
    cli: "aider",
    label: "aider",
    keyVar: "ANTHROPIC_API_KEY",
    create: (env, over = {}) => createAiderBackend(AiderBackendConfig.parse({ type: "aider", ...base, ...over }), { processEnv: env, name: "aider" }),
    usage: { inputTokens: 4900, outputTokens: 159, costUsd: 0.0171, turns: 2 },
    edits: ["README.md", "src/hello.js"],
    tools: [],
    lastMessage: "I'll replace the old line in README.md and add src/hello.js.",
    written: ["README.md", "src/hello.js"],
    authError: /^aider reported a failure: litellm\.AuthenticationError: AnthropicException/,
    authExit: 0,
  },
];

const temp = createTempDirs();
afterEach(() => temp.cleanup());

let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

function expectUsage(actual: CliCase["usage"], expected: CliCase["usage"]): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) expect(actual[k as keyof typeof actual]).toBeCloseTo(v, 9);
}

function lastMessage(events: AgentEvent[]): string | undefined {
  return events.flatMap((e) => (e.kind === "message" ? [e.text] : [])).at(-1);
}

describe.each(CASES)("$cli backend against the fake CLI", (c) => {
  describe.each([
    ["none", () => none],
    ["bwrap", () => bwrap],
  ] as const)("sandbox %s", (mode, runner) => {
    it("replays a real run: edits, events, usage, redaction, env allow-list", async () => {
      const ws = await setupWorkspace(temp);
      const { result, events } = await runBackend(c.create(processEnvFor("success", ws.outside)), ws, runner());

      expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null, sandbox: mode });
      expect(result.error).toBeUndefined();
      expectUsage(result.usage, c.usage);
      for (const f of c.written) expect(existsSync(path.join(ws.workdir, f))).toBe(true);
      if (c.written.includes("README.md")) expect(await readFile(path.join(ws.workdir, "README.md"), "utf8")).toBe("# demo\nnew line\n");

      expect(events.filter((e) => e.kind === "file_edit")).toEqual(c.edits.map((p) => ({ kind: "file_edit", path: p })));
      expect(events.flatMap((e) => (e.kind === "tool_call" ? [e.tool] : []))).toEqual(c.tools);
      expect(lastMessage(events)).toBe(c.lastMessage);
      expect(events.filter((e) => e.kind === "usage").length).toBeGreaterThan(0);
      expect(events.filter((e) => e.kind === "error")).toEqual([]);
      if (c.cli !== "aider") expect(events.filter((e) => e.kind === "result").at(-1)).toMatchObject({ kind: "result", success: true });

      // The API key reached the CLI, and is redacted from everything Moderator keeps.
      const key = API_KEYS[c.keyVar];
      expect(result.outputTail).toContain(`debug: authenticating with [redacted ${c.keyVar}]`);
      expect(result.outputTail).not.toContain(key);
      expect(JSON.stringify(events)).not.toContain(key);

      const [launch, ...more] = await readLaunches(ws.scratchDir, c.cli);
      expect(more).toEqual([]);
      expect(launch!.cwd).toBe(ws.workdir);
      expect(launch!.env.HOME).toBe(path.join(ws.scratchDir, "home"));
      expect(launch!.envNames).toContain(c.keyVar);
      for (const name of FORBIDDEN_ENV) expect(launch!.envNames).not.toContain(name);
      expect(launch!.envNames.filter((n) => /GITHUB|^GH_/.test(n))).toEqual([]);
      // Under bubblewrap the task folder is read-only and the rest of the host is not there.
      expect(launch!.taskDirWritable).toBe(mode === "none");
      expect(launch!.probeVisible).toBe(mode === "none");
      expect(JSON.parse(await readFile(path.join(ws.scratchDir, "task", "task.json"), "utf8"))).toMatchObject({ issue: { number: 7 } });
    });
  });

  it("ignores malformed lines and still reports the run", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(c.create(processEnvFor("malformed")), ws, none);
    expect(result.status).toBe("succeeded");
    expectUsage(result.usage, c.usage);
    expect(events.filter((e) => e.kind === "file_edit").map((e) => (e.kind === "file_edit" ? e.path : ""))).toEqual(c.edits);
    expect(events.flatMap((e) => (e.kind === "tool_call" ? [e.tool] : []))).toEqual(c.tools);
    expect(result.outputTail).toContain("{truncated");
  });

  it("reports a CLI killed by a signal as crashed", async () => {
    const ws = await setupWorkspace(temp);
    const { result } = await runBackend(c.create(processEnvFor("crash")), ws, none);
    expect(result).toMatchObject({ status: "crashed", exitCode: null, signal: "SIGSEGV", error: `${c.label} was killed by signal SIGSEGV` });
    expect(result.outputTail).toContain("about to crash");
  });

  it("kills a hanging CLI and its children at the timeout", async () => {
    const ws = await setupWorkspace(temp);
    const { result } = await runBackend(c.create(processEnvFor("hang"), { timeoutSeconds: 1 }), ws, none);
    expect(result).toMatchObject({ status: "timed_out", error: `${c.label} did not finish within 1s` });
    const pid = Number(await readFile(path.join(ws.scratchDir, "home", "fake-child.pid"), "utf8"));
    expect(await processGone(pid)).toBe(true);
  });

  it("stops the CLI when the run is cancelled", async () => {
    const ws = await setupWorkspace(temp);
    const controller = new AbortController();
    const { result } = await runBackend(c.create(processEnvFor("hang")), ws, none, { signal: controller.signal, onEvent: () => controller.abort() });
    expect(result).toMatchObject({ status: "cancelled", error: "cancelled" });
    expect(await readLaunches(ws.scratchDir, c.cli)).toHaveLength(1);
  });

  it("keeps memory and the output tail bounded when the CLI floods its output", async () => {
    const ws = await setupWorkspace(temp);
    const { result } = await runBackend(c.create(processEnvFor("flood")), ws, none);
    expect(result.status).toBe("succeeded");
    expect(result.outputTail.length).toBeLessThanOrEqual(4000);
    expectUsage(result.usage, c.usage);
  });

  it("fails with the CLI's own message when authentication fails, and does not relaunch", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(c.create(processEnvFor("auth")), ws, none);
    expect(result.status).toBe("failed");
    expect(result.exitCode).toBe(c.authExit);
    expect(result.error).toMatch(c.authError);
    expect(events.filter((e) => e.kind === "error").length).toBeGreaterThan(0);
    expect(events.filter((e) => e.kind === "raw" && e.data.type === "recovery")).toEqual([]);
    expect(await readLaunches(ws.scratchDir, c.cli)).toHaveLength(1);
  });

  it("reports its version when healthy, and why not when broken or missing", async () => {
    const healthy = await c.create(processEnvFor("success")).health();
    expect(healthy.ok).toBe(true);
    expect(healthy.version).toMatch(/^\d+\.\d+\.\d+$/);

    const broken = await c.create(processEnvFor("broken")).health();
    expect(broken.ok).toBe(false);
    expect(broken.detail).toMatch(/--version exited with code 3: fatal: cannot load the CLI's modules/);

    const missing = await c.create(processEnvFor("success"), { binary: "/nonexistent/bin/agent-cli" }).health();
    expect(missing.ok).toBe(false);
    expect(missing.detail).toMatch(new RegExp(`^${c.label} is not installed here: .*install it with \``));
  });

  it("throws an infrastructure error when the CLI cannot be started", async () => {
    const ws = await setupWorkspace(temp);
    const err = await runBackend(c.create(processEnvFor("success"), { binary: "/nonexistent/bin/agent-cli" }), ws, none).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModeratorError);
    expect((err as ModeratorError).infrastructure).toBe(true);
    expect((err as ModeratorError).phase).toBe("execute");
    expect((err as Error).message).toMatch(/could not start .*: cannot run "\/nonexistent\/bin\/agent-cli"/);
    expect((err as ModeratorError).hint).toMatch(/Install .* on the worker/);
  });

  it("refuses a scratch folder inside the clone", async () => {
    const ws = await setupWorkspace(temp);
    await expect(runBackend(c.create(processEnvFor("success")), { ...ws, scratchDir: path.join(ws.workdir, ".scratch") }, none)).rejects.toThrow(/must be outside the clone/);
  });
});

describe("CLI backend configuration", () => {
  it("fills the defaults", () => {
    expect(ClaudeCodeBackendConfig.parse({ type: "claude-code" })).toEqual({
      type: "claude-code",
      binary: "claude",
      args: [],
      timeoutSeconds: 1800,
      env: [],
      network: true,
      mounts: [],
      permissionMode: "acceptEdits",
      allowedTools: ["Bash", "Read", "Edit", "Write", "Glob", "Grep"],
      maxRetries: 2,
    });
    expect(CodexBackendConfig.parse({ type: "codex" })).toMatchObject({ binary: "codex", sandbox: "workspace-write", oss: false, skipGitRepoCheck: true, timeoutSeconds: 1800 });
    expect(GeminiBackendConfig.parse({ type: "gemini" })).toMatchObject({ binary: "gemini", approvalMode: "auto_edit", includeDirectories: [], network: true });
    expect(AiderBackendConfig.parse({ type: "aider" })).toMatchObject({ binary: "aider", timeoutSeconds: 1800 });
  });

  it("rejects bad values with their path", () => {
    const issues = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) => r.error?.issues.map((i) => i.path.join("."));
    expect(issues(ClaudeCodeBackendConfig.safeParse({ type: "claude-code", timeoutSeconds: 0, env: ["BAD-NAME"], binary: "./claude", permissionMode: "yolo" }))).toEqual(
      expect.arrayContaining(["timeoutSeconds", "env.0", "binary", "permissionMode"]),
    );
    expect(issues(CodexBackendConfig.safeParse({ type: "codex", localProvider: "ollama" }))).toEqual(["localProvider"]);
    expect(issues(GeminiBackendConfig.safeParse({ type: "gemini", includeDirectories: ["relative/dir"] }))).toEqual(["includeDirectories.0"]);
    expect(issues(AiderBackendConfig.safeParse({ type: "aider", surprise: true }))).toEqual([""]);
  });

  it("throws a clear error when a backend is built from an invalid definition", () => {
    const def = { ...ClaudeCodeBackendConfig.parse({ type: "claude-code" }), maxTurns: -1 };
    expect(() => createClaudeCodeBackend(def, { processEnv: {}, name: "cc" })).toThrow(/^claude-code backend "cc": invalid configuration: maxTurns: /);
  });
});
