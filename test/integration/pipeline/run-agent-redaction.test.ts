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

// Random-looking values, never real credentials.
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ3x9Zr1KEY";
const PEM_LINE = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";

const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 7, title: "Sign requests", body: "", author: "alice" },
  task: { index: 0, title: "Sign requests", description: "", type: "change" },
  prompt: "Sign the requests.",
  branch: "moderator/issue-7",
  baseBranch: "main",
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "moderator-run-agent-"));
});
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("runAgent: what the agent printed is quoted redacted", () => {
  it("a bare AWS secret key and a bare PEM body in the output tail, the error and the summary are masked", async () => {
    const store = new Store(db.prisma);
    const repo = await store.upsertRepository({ githubId: 1, owner: "octo", name: "demo" });
    const created = await store.createExecution({ repositoryId: repo.id, issueNumber: 7, issueTitle: "Sign requests", trigger: "label", triggeredBy: "alice" });
    const executionId = created.execution.id;
    const taskRow = await store.createTask({ executionId, index: 0, title: "Sign requests", description: "" });
    const script = path.join(dir, "leaky-agent.sh");
    await writeFile(script, `#!/bin/sh\necho "signing with ${AWS_SECRET}"\necho "${PEM_LINE}"\necho "error: refused ${AWS_SECRET}" >&2\nexit 1\n`, { mode: 0o755 });
    const workdir = await mkdtemp(path.join(dir, "ws-"));
    const scratchDir = await mkdtemp(path.join(dir, "scratch-"));
    const out = await runAgent({
      executionId,
      taskId: taskRow.id,
      backend: createCommandBackend({ name: "leaky", command: [script], timeoutSeconds: 30, env: [] }, { processEnv: { PATH: DEFAULT_PATH } }),
      task,
      workdir,
      scratchDir,
      runner: await createProcessRunner({ mode: "none" }),
      signal: new AbortController().signal,
      store,
      secrets: [],
      log: createLogger("silent"),
      now: Date.now,
    });
    expect(out.result.status).toBe("failed");
    expect(out.outputTail).toContain("signing with ****");
    for (const text of [out.outputTail, out.error ?? "", JSON.stringify(await db.prisma.agentRun.findMany())]) {
      expect(text).not.toContain(AWS_SECRET);
      expect(text).not.toContain(PEM_LINE);
    }
  });
});
