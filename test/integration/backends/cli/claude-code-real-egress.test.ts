import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent, AgentTask } from "../../../../src/backends/backend.ts";
import { createClaudeCodeBackend } from "../../../../src/backends/claude-code-backend.ts";
import { ClaudeCodeBackendConfig } from "../../../../src/backends/claude-code-backend.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../../src/sandbox/default-path.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../../../support/fake-anthropic.ts";
import { findClaudeCode } from "../../../support/real-clis.ts";

/**
 * The REAL Claude Code CLI (the native build npm installs), in bubblewrap, reaching a local fake Anthropic API
 * over http (ANTHROPIC_BASE_URL) only through Moderator's egress proxy. The CLI is taken from CLAUDE_CODE_BIN,
 * else installed once with npm into the temp folder (about 400 MB; the npm registry must answer).
 */
const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 3, title: "Check the README", body: "Is the README fine?", author: "alice" },
  task: { index: 0, title: "Check the README", description: "Look at README.md", type: "docs" },
  prompt: "Look at README.md and say whether it needs a change. Do not edit anything.",
  branch: "moderator/issue-3",
  baseBranch: "main",
};

let claude: string;
let fake: FakeAnthropic;
const dirs: string[] = [];
beforeAll(async () => {
  claude = await findClaudeCode();
  fake = await startFakeAnthropic();
}, 600_000);
afterAll(async () => {
  await fake?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("the real Claude Code CLI through the egress proxy", () => {
  it("talks to the fake Anthropic API given as ANTHROPIC_BASE_URL over http, and nothing else", async () => {
    const workdir = await mkdtemp(path.join(tmpdir(), "moderator-claude-clone-"));
    const scratchDir = await mkdtemp(path.join(tmpdir(), "moderator-claude-scratch-"));
    dirs.push(workdir, scratchDir);
    await writeFile(path.join(workdir, "README.md"), "# demo\n");
    const runner = await createProcessRunner({ mode: "bwrap" });
    const backend = createClaudeCodeBackend(
      ClaudeCodeBackendConfig.parse({ type: "claude-code", binary: claude, env: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"], maxRetries: 0, timeoutSeconds: 240 }),
      { name: "claude", processEnv: { PATH: DEFAULT_PATH, ANTHROPIC_API_KEY: "sk-ant-api03-fake-key-for-tests", ANTHROPIC_BASE_URL: fake.url } },
    );
    const events: AgentEvent[] = [];
    const result = await backend.run({ task, workdir, scratchDir, runner, onEvent: (e) => events.push(e) });
    expect(result.status, `${result.error ?? ""}\n${result.outputTail}`).toBe("succeeded");
    expect(fake.requests.some((r) => r.method === "POST" && r.path === "/v1/messages")).toBe(true);
    expect(events.some((e) => e.kind === "result" && e.success)).toBe(true);
    const connections = events.filter((e): e is Extract<AgentEvent, { kind: "connection" }> => e.kind === "connection");
    expect(connections.filter((c) => c.allowed).map((c) => `${c.host}:${c.port}`)).toContain(`127.0.0.1:${fake.port}`);
    // Whatever else the CLI tried (telemetry, update checks) went through the proxy and was refused, not around it.
    for (const c of connections.filter((x) => !x.allowed)) expect(c.reason).toBeTruthy();
  }, 300_000);
});
