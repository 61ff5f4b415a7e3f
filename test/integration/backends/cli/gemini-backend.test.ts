import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGeminiBackend, GeminiBackendConfig } from "../../../../src/backends/gemini-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { createTempDirs, ENV_LIST, FAKE_MOUNTS, processEnvFor, rawOfType, readLaunches, runBackend, setupWorkspace, task } from "./cli-test-support.ts";

const temp = createTempDirs();
afterEach(() => temp.cleanup());
let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

const gemini = (scenario: string, over: Record<string, unknown> = {}) =>
  createGeminiBackend(GeminiBackendConfig.parse({ type: "gemini", env: ENV_LIST, mounts: FAKE_MOUNTS, ...over }), { processEnv: processEnvFor(scenario), name: "gemini" });

describe("gemini backend", () => {
  it("runs `gemini -p <prompt> -o stream-json --approval-mode auto_edit` in a trusted workspace", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(gemini("success"), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "gemini");
    expect(launch!.argv).toEqual(["-p", task.prompt, "-o", "stream-json", "--approval-mode", "auto_edit"]);
    expect(launch!.env).toEqual({ HOME: path.join(ws.scratchDir, "home"), GEMINI_CLI_TRUST_WORKSPACE: "true" });
    expect(result.status).toBe("succeeded");
    // Deltas are joined into messages; the failed read is a tool error, not a run error.
    expect(events.flatMap((e) => (e.kind === "message" ? [e.text] : []))).toEqual([
      "I'll look at the README first.",
      "Updating the README and adding src/hello.js.",
      "Updated README.md and added src/hello.js.",
    ]);
    expect(rawOfType(events, "tool_error")).toEqual([
      { type: "tool_error", toolId: "read_file-1763710265902-5d1e8b7c90a3f", errorType: "file_not_found", message: `File not found: ${ws.workdir}/docs/setup.md` },
    ]);
    expect(events.at(-1)).toEqual({ kind: "result", success: true, text: "Updated README.md and added src/hello.js." });
  });

  it("maps every option to its flag", async () => {
    const ws = await setupWorkspace(temp);
    const docs = await temp.make("docs");
    await runBackend(gemini("success", { model: "gemini-2.5-flash", approvalMode: "yolo", includeDirectories: [docs], args: ["--debug"] }), ws, none);
    const [launch] = await readLaunches(ws.scratchDir, "gemini");
    expect(launch!.argv).toEqual(["-p", task.prompt, "-o", "stream-json", "--approval-mode", "yolo", "-m", "gemini-2.5-flash", "--include-directories", docs, "--debug"]);
  });

  it("recovers from missing include directories inside the sandbox: relaunches once without them", async () => {
    const ws = await setupWorkspace(temp);
    const docs = await temp.make("docs");
    await mkdir(path.join(docs, "api"));
    const gone = path.join(docs, "not-on-this-host");
    const alsoGone = path.join(docs, "removed-too");
    const { result, events } = await runBackend(gemini("missing-include", { includeDirectories: [path.join(docs, "api"), gone, alsoGone] }), ws, bwrap);
    const launches = await readLaunches(ws.scratchDir, "gemini");
    expect(launches.map((l) => l.argv.slice(2))).toEqual([
      ["-o", "stream-json", "--approval-mode", "auto_edit", "--include-directories", path.join(docs, "api"), "--include-directories", gone, "--include-directories", alsoGone],
      ["-o", "stream-json", "--approval-mode", "auto_edit", "--include-directories", path.join(docs, "api")],
    ]);
    expect(rawOfType(events, "recovery")).toEqual([
      {
        type: "recovery",
        rule: "gemini-missing-include-directory",
        fix: `relaunched Gemini CLI without --include-directories ${gone}, --include-directories ${alsoGone}`,
        reason: `Error: Directory does not exist: ${gone}`,
      },
    ]);
    // The existing include directory was mounted: the fake CLI found it inside the sandbox.
    expect(result).toMatchObject({ status: "succeeded", sandbox: "bwrap" });
  });

  it("falls back to --yolo on a version without --approval-mode, and fails clearly when auto_edit cannot be expressed", async () => {
    const ws = await setupWorkspace(temp);
    const { result, events } = await runBackend(gemini("old-version", { approvalMode: "yolo" }), ws, none);
    const launches = await readLaunches(ws.scratchDir, "gemini");
    expect(launches.map((l) => l.argv.slice(2))).toEqual([
      ["-o", "stream-json", "--approval-mode", "yolo"],
      ["-o", "stream-json", "--yolo"],
    ]);
    expect(rawOfType(events, "recovery")).toEqual([expect.objectContaining({ rule: "gemini-unknown-argument", reason: "Unknown arguments: approval-mode, approvalMode" })]);
    expect(result.status).toBe("succeeded");

    const ws2 = await setupWorkspace(temp);
    const strict = await runBackend(gemini("old-version"), ws2, none);
    expect(await readLaunches(ws2.scratchDir, "gemini")).toHaveLength(1);
    expect(strict.result).toMatchObject({ status: "failed", exitCode: 1, error: "Gemini CLI exited with code 1: Unknown arguments: approval-mode, approvalMode" });
  });
});
