import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic.ts";
import { startFakeCodexModel, type FakeCodexModel } from "../support/fake-codex-model.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueCommentCreated } from "../support/payloads.ts";
import { findClaudeCode, findCodex } from "../support/real-clis.ts";

/**
 * A race of the REAL Claude Code and Codex CLIs, each in Moderator's sandbox against its own local fake model server
 * that scripts one tool call writing NOTES.md: Claude Code's `Write` (Anthropic Messages API, ANTHROPIC_BASE_URL), and
 * Codex's `exec_command` (Responses API behind `--oss`, CODEX_OSS_BASE_URL). The CLIs come from CLAUDE_CODE_BIN and
 * CODEX_BIN, else npm installs them once into the temp folder. Every agent run has its timeout (Codex waits forever
 * for an unreachable model).
 */
let claude: string;
let codex: string;
let anthropic: FakeAnthropic;
let codexModel: FakeCodexModel;
let h: Harness | undefined;

beforeAll(async () => {
  [claude, codex] = await Promise.all([findClaudeCode(), findCodex()]);
  anthropic = await startFakeAnthropic("Added NOTES.md.", { writeFile: { path: "NOTES.md", content: "Notes for issue #5, by Claude Code.\n" } });
  codexModel = await startFakeCodexModel({ command: "printf 'Notes for issue #5,\\nby Codex.\\n' > NOTES.md", reply: "Added NOTES.md." });
}, 900_000);
afterAll(async () => {
  await h?.close();
  await anthropic?.close();
  await codexModel?.close();
});

describe("a race of the real Claude Code and Codex CLIs", () => {
  it("both write their fix through their model's scripted tool call; the judge picks the smaller change; one PR", async () => {
    const operatorYaml = [
      "defaultBackend: claude",
      "backends:",
      "  claude:",
      "    type: claude-code",
      `    binary: ${claude}`,
      `    mounts: [${JSON.stringify(path.dirname(claude))}]`,
      "    env: [ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL]",
      "    network: { allow: [] }",
      "    maxRetries: 0",
      "    timeoutSeconds: 180",
      "  codex:",
      "    type: codex",
      `    binary: ${codex}`,
      `    mounts: [${JSON.stringify(path.dirname(path.dirname(codex)))}]`,
      "    env: [CODEX_OSS_BASE_URL]",
      "    network: { allow: [] }",
      "    oss: true",
      "    localProvider: ollama",
      "    model: fake-model",
      "    sandbox: danger-full-access",
      "    timeoutSeconds: 180",
      "limits: { attempts: 1, backoffSeconds: 0.2, lockSeconds: 30, shutdownGraceSeconds: 1, concurrency: 2, maxRaceAttempts: 2 }",
    ].join("\n");
    h = await startHarness({
      operatorYaml,
      files: { "README.md": "# hello\n" },
      env: { ANTHROPIC_API_KEY: "sk-ant-api03-fake-key-for-tests", ANTHROPIC_BASE_URL: anthropic.url, CODEX_OSS_BASE_URL: codexModel.baseUrl },
    });
    h.fake.setFile(OWNER, REPO, ".github/moderator.yml", ["planning: single", "decision:", "  maxRetries: 0", "  ask: { enabled: false }"].join("\n"));
    h.fake.addIssue(OWNER, REPO, { number: 5, title: "Write the notes", body: "Please add NOTES.md.", user: { login: "reporter" } });
    const db = h.moderator.db.prisma;
    await h.send("issue_comment", issueCommentCreated({ number: 5, title: "Write the notes", body: "/moderator run --race claude,codex", sender: MAINTAINER }));
    const race = await h.waitFor(
      "the race to end",
      async () => {
        const e = await db.execution.findFirst({ where: { kind: "race" } });
        return e && ["completed", "failed", "cancelled"].includes(e.status) ? e : undefined;
      },
      400_000,
    );
    const candidates = await db.execution.findMany({ where: { raceId: race.id }, orderBy: { candidate: "asc" } });
    const runs = await db.agentRun.findMany({ where: { executionId: { in: candidates.map((c) => c.id) } }, orderBy: { backend: "asc" } });
    const why = JSON.stringify({ race: race.error, candidates: candidates.map((c) => [c.candidate, c.status, c.error]), runs: runs.map((r) => [r.backend, r.status, r.error, r.outputTail?.slice(-800)]) }, null, 1);
    expect(race.status, why).toBe("completed");
    expect(candidates.map((c) => [c.candidate, c.status]), why).toEqual([["claude", "completed"], ["codex", "completed"]]);

    // Each CLI really ran and reached its own fake model: Claude Code's Write, Codex's exec_command.
    expect(runs.map((r) => [r.backend, r.status])).toEqual([["claude", "succeeded"], ["codex", "succeeded"]]);
    expect(anthropic.requests.some((r) => r.path === "/v1/messages" && JSON.stringify(r.body).includes('"tool_result"'))).toBe(true);
    expect(codexModel.requests.some((r) => r.path === "/v1/responses" && JSON.stringify(r.body).includes('"function_call_output"'))).toBe(true);
    expect(runs[0]?.costUsd).toBeGreaterThan(0);
    // In the sandbox: each CLI reached its model server only through Moderator's egress proxy.
    const reached = async (id: string) =>
      (await db.executionEvent.findMany({ where: { executionId: id, type: "agent.connection" } })).filter((e) => (e.data as { allowed?: boolean }).allowed).map((e) => (e.data as { port?: number }).port);
    expect(await reached(candidates[0]!.id)).toContain(anthropic.port);
    expect(await reached(candidates[1]!.id)).toContain(codexModel.port);
    const diffs = candidates.map((c) => (c.summary as { diff: string }).diff);
    expect(diffs[0]).toContain("+Notes for issue #5, by Claude Code.");
    expect(diffs[1]).toContain("+by Codex.");

    // The judge: equal scores, Claude Code's one line against Codex's two; one PR from the winner.
    const pulls = h.fake.requests.filter((q) => q.method === "POST" && /\/pulls$/.test(q.path));
    expect(pulls).toHaveLength(1);
    const body = (pulls[0]?.body as { body: string }).body;
    expect(body).toMatch(/\| `claude` \| `claude` \| [0-9.]+ \|.*\| \$0\.\d{4} \|.*🏆 shown/);
    expect(body).toMatch(/\| `codex` \| `codex` \| [0-9.]+ \|/);
    if (process.env["RACE_CLIS_PR_BODY_OUT"]) writeFileSync(process.env["RACE_CLIS_PR_BODY_OUT"], body);
    expect(body).toContain("`claude` is the smaller change");
    expect(execFileSync("git", ["--git-dir", h.barePath, "show", "moderator/issue-5:NOTES.md"], { encoding: "utf8" })).toBe("Notes for issue #5, by Claude Code.\n");
  }, 600_000);
});
