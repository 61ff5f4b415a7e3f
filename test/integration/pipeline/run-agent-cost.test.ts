import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentTask } from "../../../src/backends/backend.ts";
import { createCommandBackend } from "../../../src/backends/command-backend.ts";
import { runAgent } from "../../../src/pipeline/run-agent.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../src/sandbox/default-path.ts";
import { Store } from "../../../src/store/store.ts";
import { createLogger } from "../../../src/util/logger.ts";
import { createTestDatabase } from "../../support/db.ts";

const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 7, title: "Write notes", body: "", author: "alice" },
  task: { index: 0, title: "Write notes", description: "", type: "change" },
  prompt: "Write the notes.",
  branch: "moderator/issue-7",
  baseBranch: "main",
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "moderator-run-agent-cost-"));
});
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("runAgent: the cost an agent reports as it goes", () => {
  it("is on its AgentRun row while it runs (a running total), and onCost is called after each write", async () => {
    const store = new Store(db.prisma);
    const repo = await store.upsertRepository({ githubId: 1, owner: "octo", name: "demo" });
    const { execution } = await store.createExecution({ repositoryId: repo.id, issueNumber: 7, issueTitle: "Write notes", trigger: "label", triggeredBy: "alice" });
    const taskRow = await store.createTask({ executionId: execution.id, index: 0, title: "Write notes", description: "" });
    // Three cost reports a while apart (and one usage line without a cost), then the agent ends.
    const line = (o: object) => `echo '${JSON.stringify(o)}'`;
    const script = path.join(dir, "spender.sh");
    await writeFile(
      script,
      ["#!/bin/sh", line({ type: "usage", costUsd: 0.01 }), "sleep 0.3", line({ type: "usage", inputTokens: 5 }), line({ type: "usage", costUsd: 0.02 }), "sleep 0.3", line({ type: "usage", costUsd: 0.04 }), "sleep 0.3", line({ type: "result", success: true, text: "done" })].join("\n"),
      { mode: 0o755 },
    );
    const seen: Array<{ cost: number | null; finished: boolean }> = [];
    const pending: Array<Promise<void>> = [];
    const out = await runAgent({
      executionId: execution.id,
      taskId: taskRow.id,
      backend: createCommandBackend({ name: "spender", command: [script], timeoutSeconds: 30, env: [] }, { processEnv: { PATH: DEFAULT_PATH } }),
      task,
      workdir: await mkdtemp(path.join(dir, "ws-")),
      scratchDir: await mkdtemp(path.join(dir, "scratch-")),
      runner: await createProcessRunner({ mode: "none" }),
      signal: new AbortController().signal,
      store,
      secrets: [],
      log: createLogger("silent"),
      now: Date.now,
      onCost: () => {
        pending.push(
          db.prisma.agentRun.findFirstOrThrow({ where: { executionId: execution.id } }).then((r) => {
            seen.push({ cost: r.costUsd, finished: r.finishedAt !== null });
          }),
        );
      },
    });
    await Promise.all(pending);
    expect(out.result.status).toBe("succeeded");
    // Each report was on the row before onCost ran, before the run ended.
    expect(seen.map((s) => s.finished)).toEqual([false, false, false]);
    expect(seen.map((s) => Math.round((s.cost ?? 0) * 100) / 100)).toEqual([0.01, 0.03, 0.07]);
    const row = await db.prisma.agentRun.findFirstOrThrow({ where: { executionId: execution.id } });
    expect(row.costUsd).toBeCloseTo(0.07, 6);
  });
});
