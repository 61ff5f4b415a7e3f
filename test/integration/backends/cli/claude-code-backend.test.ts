import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../../../src/backends/backend.ts";
import { ClaudeCodeBackendConfig, createClaudeCodeBackend } from "../../../../src/backends/claude-code-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { createTempDirs, ENV_LIST, FAKE_MOUNTS, processEnvFor, rawOfType, readLaunches, runBackend, setupWorkspace, task } from "./cli-test-support.ts";

const temp = createTempDirs();
afterEach(() => temp.cleanup());
let none: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
});

const claude = (scenario: string, over: Record<string, unknown> = {}) =>
  createClaudeCodeBackend(ClaudeCodeBackendConfig.parse({ type: "claude-code", env: ENV_LIST, mounts: FAKE_MOUNTS, ...over }), { processEnv: processEnvFor(scenario), name: "cc" });

const DEFAULT_FLAGS = ["--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits", "--allowedTools", "Bash,Read,Edit,Write,Glob,Grep"];

describe("claude-code backend", () => {
  it("runs `claude -p <prompt> --output-format stream-json --verbose` with quiet, bounded-retry env", async () => {
    const ws = await setupWorkspace(temp);
    const { result } = await runBackend(claude("success"), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "claude");
    expect(launch!.argv).toEqual(["-p", task.prompt, ...DEFAULT_FLAGS]);
    expect(launch!.env).toEqual({
      HOME: `${ws.scratchDir}/home`,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
      CLAUDE_CODE_MAX_RETRIES: "2",
    });
    expect(result.command).toEqual(["claude", "-p", `<prompt: ${task.prompt.length} chars>`, ...DEFAULT_FLAGS]);
  });

  it("maps every option to its flag, operator args last", async () => {
    const ws = await setupWorkspace(temp);
    const backend = claude("success", {
      model: "claude-sonnet-4-5",
      permissionMode: "dontAsk",
      allowedTools: ["Read", "Edit"],
      maxBudgetUsd: 2.5,
      maxTurns: 30,
      maxRetries: 0,
      args: ["--add-dir", "/opt/docs"],
    });
    await runBackend(backend, ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "claude");
    expect(launch!.argv).toEqual([
      "-p",
      task.prompt,
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "dontAsk",
      "--allowedTools",
      "Read,Edit",
      "--model",
      "claude-sonnet-4-5",
      "--max-budget-usd",
      "2.5",
      "--max-turns",
      "30",
      "--add-dir",
      "/opt/docs",
    ]);
    expect(launch!.env.CLAUDE_CODE_MAX_RETRIES).toBe("0");
  });

  it("leaves out --allowedTools when the list is empty, and never lets a prompt pass as an option", async () => {
    const ws = await setupWorkspace(temp);
    const events: AgentEvent[] = [];
    await claude("success", { allowedTools: [] }).run({
      task: { ...task, prompt: "--help me fix the README" },
      workdir: ws.workdir,
      scratchDir: ws.scratchDir,
      runner: none,
      onEvent: (e) => events.push(e),
    });
    const [launch] = await readLaunches(ws.scratchDir, "claude");
    expect(launch!.argv).toEqual(["-p", "\n--help me fix the README", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"]);
  });

  it("recovers from an older CLI that does not know --max-budget-usd: relaunches once without it", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(claude("old-version", { maxBudgetUsd: 5, maxTurns: 10 }), ws, none);
    const launches = await readLaunches(ws.scratchDir, "claude");
    expect(launches.map((l) => l.argv)).toEqual([
      ["-p", task.prompt, ...DEFAULT_FLAGS, "--max-budget-usd", "5", "--max-turns", "10"],
      ["-p", task.prompt, ...DEFAULT_FLAGS, "--max-turns", "10"],
    ]);
    expect(rawOfType(events, "recovery")).toEqual([
      {
        type: "recovery",
        rule: "claude-unknown-option",
        fix: "relaunched Claude Code without the flags this version does not know: dropped --max-budget-usd 5",
        reason: "error: unknown option '--max-budget-usd'",
      },
    ]);
    // The recovery event comes before anything of the second launch.
    expect(events.findIndex((e) => e.kind === "raw" && e.data.type === "recovery")).toBeLessThan(events.findIndex((e) => e.kind === "raw" && e.data.type === "init"));
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(result.command).not.toContain("--max-budget-usd");
    expect(result.usage).toEqual({ inputTokens: 24227, outputTokens: 167, costUsd: 0.10024799999999999, turns: 5 });
  });

  it("recovers from Claude refusing to bypass permissions as root: relaunches with acceptEdits", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(claude("root", { permissionMode: "bypassPermissions", args: ["--dangerously-skip-permissions"] }), ws, none);
    const launches = await readLaunches(ws.scratchDir, "claude");
    expect(launches).toHaveLength(2);
    expect(launches[0]!.argv.slice(2)).toEqual(["--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions", "--allowedTools", "Bash,Read,Edit,Write,Glob,Grep", "--dangerously-skip-permissions"]);
    expect(launches[1]!.argv.slice(2)).toEqual(DEFAULT_FLAGS);
    expect(rawOfType(events, "recovery")).toEqual([
      expect.objectContaining({ rule: "claude-root-bypass", reason: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons" }),
    ]);
    expect(result.status).toBe("succeeded");
  });

  it("relaunches at most once: a second start-up failure fails the run", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(claude("root,old-version", { permissionMode: "bypassPermissions", maxBudgetUsd: 1 }), ws, none);
    expect(await readLaunches(ws.scratchDir, "claude")).toHaveLength(2);
    expect(rawOfType(events, "recovery")).toHaveLength(1);
    expect(result).toMatchObject({ status: "failed", exitCode: 1, error: "Claude Code exited with code 1: error: unknown option '--max-budget-usd'" });
    // The output tail tells the whole story: the first refusal, the fix, the second refusal.
    expect(result.outputTail).toBe(
      [
        "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
        "[moderator] Claude Code failed to start (--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons); relaunched Claude Code with --permission-mode acceptEdits instead of bypassing permissions (Claude Code refuses that as root)",
        "error: unknown option '--max-budget-usd'",
      ].join("\n"),
    );
  });

  it("does not drop a flag the operator put in args", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(claude("old-version", { args: ["--max-budget-usd", "3"] }), ws, none);
    expect(await readLaunches(ws.scratchDir, "claude")).toHaveLength(1);
    expect(rawOfType(events, "recovery")).toEqual([]);
    expect(result).toMatchObject({ status: "failed", error: "Claude Code exited with code 1: error: unknown option '--max-budget-usd'" });
  });
});
