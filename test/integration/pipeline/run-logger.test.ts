import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOperatorConfig } from "../../../src/config/operator-config.ts";
import { runLocal } from "../../../src/local/run-local.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import { Store } from "../../../src/store/store.ts";
import { createLogger } from "../../../src/util/logger.ts";
import { createTestDatabase } from "../../support/db.ts";

const AGENT = path.resolve(import.meta.dirname, "../../fixtures/agents/e2e-agent.mjs");
const SEGFAULT = path.resolve(import.meta.dirname, "../../support/fixtures-agents/segfault.sh");

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let repo: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "moderator-run-logger-"));
  repo = path.join(dir, "repo");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  await writeFile(path.join(repo, "README.md"), "# demo\n");
  execFileSync("git", ["-C", repo, "add", "-A"]);
  execFileSync("git", ["-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "init"]);
});
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function runWithCapturedLog(command: string[], mounts: string[]): Promise<{ executionId: string; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger("debug", {
    destination: {
      write: (line: string) => {
        // One key once per line: call sites do not repeat the child's bindings.
        expect(line.split('"executionId":').length, line).toBe(2);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const operator = parseOperatorConfig(
    `backends:\n  scripted:\n    type: command\n    command: ${JSON.stringify(command)}\n    mounts: ${JSON.stringify(mounts)}\n`,
    "test",
  );
  const result = await runLocal(
    { repoPath: repo, issue: "# Add a greeting\n\nPlease add greet().", outDir: path.join(dir, `out-${lines.length}-${Date.now()}`) },
    {
      operator,
      processEnv: { PATH: process.env["PATH"] },
      store: new Store(db.prisma),
      runner: await createProcessRunner({ mode: "none" }),
      dataDir: dir,
      workspaceDir: path.join(dir, "ws"),
      log,
      signal: new AbortController().signal,
      print: () => undefined,
    },
  );
  return { executionId: result.executionId, lines };
}

describe("a run's log lines", () => {
  it("all carry the run's id, repository and issue, and the backend once it is routed (a failing run)", async () => {
    const { executionId, lines } = await runWithCapturedLog([SEGFAULT], [path.dirname(SEGFAULT)]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line, JSON.stringify(line)).toMatchObject({ executionId, repository: "local/repo", issue: expect.any(Number) });
    }
    expect(lines.map((l) => l["msg"])).toEqual(expect.arrayContaining(["run started", "run attempt failed"]));
    expect(lines.find((l) => l["msg"] === "run attempt failed")).toMatchObject({ backend: "scripted" });
  });

  it("a completed run too", async () => {
    const { executionId, lines } = await runWithCapturedLog([process.execPath, AGENT, "clean"], [path.dirname(AGENT)]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line, JSON.stringify(line)).toMatchObject({ executionId, repository: "local/repo" });
    expect(lines.at(-1)).toMatchObject({ msg: "run finished", status: "completed", backend: "scripted" });
  });
});
