import { execFileSync } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

// Real worker processes (`moderator worker`, the built CLI) against one Redis, one PostgreSQL and a fake GitHub.
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

function operatorYaml(agentMs: number): string {
  return [
    "defaultBackend: scripted",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "slow", String(agentMs)])}`,
    "    timeoutSeconds: 60",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    // A short lock so that a killed worker's job is handed on within seconds.
    "limits: { attempts: 3, backoffSeconds: 0.2, lockSeconds: 2, shutdownGraceSeconds: 1 }",
  ].join("\n");
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function latest(harness: Harness) {
  return harness.moderator.db.prisma.execution.findFirst({ orderBy: { createdAt: "desc" } });
}

function waitForEnd(harness: Harness, what: string) {
  return harness.waitFor(
    what,
    async () => {
      const x = await latest(harness);
      return x?.status === "completed" || x?.status === "failed" ? x : undefined;
    },
    60_000,
  );
}

function agentProcesses(): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(AGENT) && !l.includes("ps -eo"));
}

describe("workers", () => {
  it("a worker killed mid-run: another worker picks the job up and finishes it, without a second PR or tracking comment", async () => {
    h = await startHarness({ operatorYaml: operatorYaml(3000), worker: false });
    const harness = h;
    harness.fake.addIssue(OWNER, REPO, { number: 21, title: "Survive a crash" });
    const first = harness.spawnWorker();
    await harness.send("issues", issueLabeled({ number: 21, title: "Survive a crash", sender: MAINTAINER }));

    // Wait until the agent is running in the first worker, then kill that worker outright.
    await harness.waitFor("the agent to start", async () => (await harness.moderator.db.prisma.agentRun.count({ where: { status: "running" } })) === 1);
    first.kill("SIGKILL");
    await once(first, "exit");
    // bubblewrap's --die-with-parent (or the group kill) takes the agent down with its worker.
    await harness.waitFor("the orphaned agent to be gone", async () => agentProcesses().length === 0, 10_000);

    const second = harness.spawnWorker();
    const e = await waitForEnd(harness, "the run to end in the second worker");
    expect(e.status, second.output()).toBe("completed");
    expect(harness.repo.pulls).toHaveLength(1);
    expect(harness.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/21"))).toHaveLength(1);
    expect(harness.fake.requests.filter((r) => r.method === "POST" && /\/issues\/21\/comments$/.test(r.path))).toHaveLength(1);
    const runs = await harness.moderator.db.prisma.agentRun.findMany({ where: { executionId: e.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => r.status)).toEqual(["crashed", "succeeded"]);
    expect(runs[0]?.error).toContain("the worker stopped while this ran");
    const events = await harness.moderator.db.prisma.executionEvent.findMany({ where: { executionId: e.id } });
    expect(events.some((x) => x.type === "run.recovered")).toBe(true);
    second.kill("SIGTERM");
    await once(second, "exit");
  });

  it("SIGTERM: the worker stops taking jobs, re-queues the interrupted run with its state saved, and exits 0", async () => {
    h = await startHarness({ operatorYaml: operatorYaml(8000), worker: false });
    const harness = h;
    harness.fake.addIssue(OWNER, REPO, { number: 22, title: "Survive a deploy" });
    const first = harness.spawnWorker();
    await harness.send("issues", issueLabeled({ number: 22, title: "Survive a deploy", sender: MAINTAINER }));
    await harness.waitFor("the agent to start", async () => (await harness.moderator.db.prisma.agentRun.count({ where: { status: "running" } })) === 1);

    first.kill("SIGTERM");
    const [code] = (await once(first, "exit")) as [number | null];
    expect(code, first.output()).toBe(0);
    expect(first.output()).toContain("SIGTERM: stopping");
    const interrupted = await latest(harness);
    expect(interrupted?.status).toBe("executing");
    expect(interrupted?.finishedAt).toBeNull();
    const events = await harness.moderator.db.prisma.executionEvent.findMany({ where: { executionId: interrupted?.id ?? "" } });
    expect(events.some((x) => x.type === "run.interrupted")).toBe(true);
    expect(agentProcesses()).toEqual([]);

    const second = harness.spawnWorker();
    const e = await waitForEnd(harness, "the run to end after the restart");
    expect(e.status, second.output()).toBe("completed");
    expect(harness.repo.pulls).toHaveLength(1);
    const runs = await harness.moderator.db.prisma.agentRun.findMany({ where: { executionId: e.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => r.status)).toEqual(["cancelled", "succeeded"]);
    second.kill("SIGTERM");
    await once(second, "exit");
  });
});
