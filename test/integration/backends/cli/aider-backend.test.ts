import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { AiderBackendConfig, createAiderBackend } from "../../../../src/backends/aider-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../../src/sandbox/default-path.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { createTempDirs, ENV_LIST, FAKE_MOUNTS, processEnvFor, rawOfType, readLaunches, runBackend, setupWorkspace, task } from "./cli-test-support.ts";

const temp = createTempDirs();
afterEach(() => temp.cleanup());
let none: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
});

const aider = (scenario: string, over: Record<string, unknown> = {}) =>
  createAiderBackend(AiderBackendConfig.parse({ type: "aider", env: ENV_LIST, mounts: FAKE_MOUNTS, ...over }), { processEnv: processEnvFor(scenario), name: "aider" });

const flags = (home: string): string[] => [
  "--yes-always",
  "--no-auto-commits",
  "--no-dirty-commits",
  "--no-pretty",
  "--no-stream",
  "--no-gitignore",
  "--no-check-update",
  "--no-show-release-notes",
  "--no-analytics",
  "--chat-history-file",
  path.join(home, ".aider", "chat.history.md"),
  "--input-history-file",
  path.join(home, ".aider", "input.history"),
];

describe("aider backend", () => {
  it("runs `aider --message <prompt>` without commits, .gitignore changes or history files in the clone", async () => {
    const ws = await setupWorkspace(temp);
    const home = path.join(ws.scratchDir, "home");
    const { result } = await runBackend(aider("success", { model: "sonnet" }), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "aider");
    expect(launch!.argv).toEqual(["--message", task.prompt, ...flags(home), "--model", "sonnet"]);
    expect(launch!.env).toEqual({ HOME: home, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", NO_COLOR: "1" });
    expect(result.status).toBe("succeeded");
  });

  it("recovers from an older aider: --yes instead of --yes-always, without --no-gitignore", async () => {
    const ws = await setupWorkspace(temp);
    const home = path.join(ws.scratchDir, "home");
    const { result, events } = await runBackend(aider("old-version"), ws, none);
    const launches = await readLaunches(ws.scratchDir, "aider");
    expect(launches.map((l) => l.argv.slice(2))).toEqual([flags(home), flags(home).map((f) => (f === "--yes-always" ? "--yes" : f)).filter((f) => f !== "--no-gitignore")]);
    expect(rawOfType(events, "recovery")).toEqual([
      {
        type: "recovery",
        rule: "aider-unrecognized-arguments",
        fix: "relaunched aider without the flags this version does not know: --yes-always -> --yes, dropped --no-gitignore",
        reason: "aider: error: unrecognized arguments: --yes-always --no-gitignore",
      },
    ]);
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0 });
  });

  it("reports aider missing, with how to install it, when it is not on the agent's PATH", async () => {
    const backend = createAiderBackend(AiderBackendConfig.parse({ type: "aider" }), { processEnv: { PATH: DEFAULT_PATH } });
    expect(backend.name).toBe("aider");
    const health = await backend.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/^aider is not installed here: cannot run "aider": not found on PATH .*; install it with `pipx install aider-chat`/);
  });
});
