import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CodexBackendConfig, createCodexBackend } from "../../../../src/backends/codex-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { createTempDirs, ENV_LIST, FAKE_MOUNTS, processEnvFor, rawOfType, readLaunches, runBackend, setupWorkspace, task } from "./cli-test-support.ts";

const temp = createTempDirs();
afterEach(() => temp.cleanup());
let none: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
});

const codex = (scenario: string, over: Record<string, unknown> = {}) =>
  createCodexBackend(CodexBackendConfig.parse({ type: "codex", env: ENV_LIST, mounts: FAKE_MOUNTS, ...over }), { processEnv: processEnvFor(scenario), name: "codex" });

describe("codex backend", () => {
  it("runs `codex exec --json -C <clone> --skip-git-repo-check --sandbox workspace-write <prompt>` with CODEX_HOME in the scratch folder", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(codex("success"), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "codex");
    expect(launch!.argv).toEqual(["exec", "--json", "-C", ws.workdir, "--skip-git-repo-check", "--sandbox", "workspace-write", task.prompt]);
    const codexHome = path.join(ws.scratchDir, "home", ".codex");
    expect(launch!.env).toEqual({ HOME: path.join(ws.scratchDir, "home"), CODEX_HOME: codexHome });
    expect(existsSync(codexHome)).toBe(true);
    expect(result.command).toEqual(["codex", "exec", "--json", "-C", ws.workdir, "--skip-git-repo-check", "--sandbox", "workspace-write", `<prompt: ${task.prompt.length} chars>`]);
    // Codex's warning item is kept as a warning, not an error.
    expect(rawOfType(events, "warning")).toEqual([{ type: "warning", message: expect.stringMatching(/^Model metadata for `qwen2.5-coder:7b` not found/) }]);
    expect(result.status).toBe("succeeded");
  });

  it("maps every option to its flag, operator args before the prompt", async () => {
    const ws = await setupWorkspace(temp);
    await runBackend(codex("success", { model: "qwen2.5-coder:7b", sandbox: "danger-full-access", oss: true, localProvider: "ollama", args: ["-c", "model_reasoning_effort=high"] }), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "codex");
    expect(launch!.argv).toEqual([
      "exec",
      "--json",
      "-C",
      ws.workdir,
      "--skip-git-repo-check",
      "--sandbox",
      "danger-full-access",
      "-m",
      "qwen2.5-coder:7b",
      "--oss",
      "--local-provider",
      "ollama",
      "-c",
      "model_reasoning_effort=high",
      task.prompt,
    ]);
  });

  it("recovers from 'Not inside a trusted directory' by adding --skip-git-repo-check", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(codex("untrusted", { skipGitRepoCheck: false }), ws, none);
    const launches = await readLaunches(ws.scratchDir, "codex");
    expect(launches.map((l) => l.argv)).toEqual([
      ["exec", "--json", "-C", ws.workdir, "--sandbox", "workspace-write", task.prompt],
      ["exec", "--json", "-C", ws.workdir, "--sandbox", "workspace-write", "--skip-git-repo-check", task.prompt],
    ]);
    expect(rawOfType(events, "recovery")).toEqual([
      {
        type: "recovery",
        rule: "codex-untrusted-directory",
        fix: "relaunched Codex with --skip-git-repo-check",
        reason: "Not inside a trusted directory and --skip-git-repo-check was not specified.",
      },
    ]);
    expect(result).toMatchObject({ status: "succeeded", usage: { inputTokens: 10442, outputTokens: 109, turns: 1 } });
  });

  it("recovers from an older Codex that does not know --local-provider", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(codex("old-version", { oss: true, localProvider: "ollama" }), ws, none);
    const launches = await readLaunches(ws.scratchDir, "codex");
    expect(launches).toHaveLength(2);
    expect(launches[0]!.argv).toContain("--local-provider");
    expect(launches[1]!.argv).toEqual(["exec", "--json", "-C", ws.workdir, "--skip-git-repo-check", "--sandbox", "workspace-write", "--oss", task.prompt]);
    expect(rawOfType(events, "recovery")).toEqual([expect.objectContaining({ rule: "codex-unknown-argument", reason: "error: unexpected argument '--local-provider' found" })]);
    expect(result.status).toBe("succeeded");
  });
});
