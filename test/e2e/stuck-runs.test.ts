import { execFileSync } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

// A run whose workers are SIGKILLed more often than BullMQ's maxStalledCount (2) allows: BullMQ fails its job and
// nothing else would ever end the run. Real worker processes (the built CLI), real Redis, PostgreSQL, git, bubblewrap.
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

function operatorYaml(maxRecoveries: number): string {
  return [
    "defaultBackend: scripted",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "slow", "2500"])}`,
    "    timeoutSeconds: 60",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    `limits: { attempts: 3, backoffSeconds: 0.2, lockSeconds: 2, shutdownGraceSeconds: 1, reapEverySeconds: 1, maxRecoveries: ${maxRecoveries} }`,
  ].join("\n");
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function agentProcesses(): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(AGENT) && !l.includes("ps -eo"));
}

/** Start a worker, wait until it runs the agent (the `n`th agent run of the test), SIGKILL it. */
async function killWhileAgentRuns(harness: Harness, n: number): Promise<void> {
  const worker = harness.spawnWorker();
  await harness.waitFor(`agent run ${n} to start`, async () => (await harness.moderator.db.prisma.agentRun.count()) >= n && (await harness.moderator.db.prisma.agentRun.count({ where: { status: "running" } })) >= 1, 30_000);
  worker.kill("SIGKILL");
  await once(worker, "exit");
  await harness.waitFor("the orphaned agent to be gone", async () => agentProcesses().length === 0, 10_000);
}

function trackingBodies(harness: Harness, issue: number): string[] {
  return harness.fake.requests
    .filter((r) => (r.method === "PATCH" && /\/issues\/comments\/\d+$/.test(r.path)) || (r.method === "POST" && new RegExp(`/issues/${issue}/comments$`).test(r.path)))
    .map((r) => String((r.body as { body?: string } | undefined)?.body ?? ""));
}

describe("runs that never end", () => {
  it("a run whose job stalled out is re-queued by the reaper, says so, and completes: one PR, one tracking comment", async () => {
    h = await startHarness({ operatorYaml: operatorYaml(2), worker: false });
    const harness = h;
    harness.fake.addIssue(OWNER, REPO, { number: 31, title: "Survive three crashes" });
    await harness.send("issues", issueLabeled({ number: 31, title: "Survive three crashes", sender: MAINTAINER }));
    for (let n = 1; n <= 3; n++) await killWhileAgentRuns(harness, n);

    const last = harness.spawnWorker();
    const e = await harness.waitFor(
      "the run to end",
      async () => {
        const x = await harness.moderator.db.prisma.execution.findFirst({ orderBy: { createdAt: "desc" } });
        return x?.status === "completed" || x?.status === "failed" ? x : undefined;
      },
      90_000,
    );
    expect(e.status, last.output()).toBe("completed");
    const events = await harness.moderator.db.prisma.executionEvent.findMany({ where: { executionId: e.id }, orderBy: { id: "asc" } });
    const requeued = events.filter((x) => x.type === "run.requeued_by_reaper");
    expect(requeued.map((x) => x.message)).toEqual([expect.stringMatching(/stopped .* too many times.*re-queued \(recovery 1 of 2\)/)]);
    expect(trackingBodies(harness, 31).some((b) => b.includes("Moderator queued it again (recovery 1 of 2)"))).toBe(true);
    expect(harness.repo.pulls).toHaveLength(1);
    expect(harness.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/31"))).toHaveLength(1);
    last.kill("SIGTERM");
    await once(last, "exit");
  });

  it("with no recoveries left, the reaper fails the run with the reason, on the tracking comment", async () => {
    h = await startHarness({ operatorYaml: operatorYaml(0), worker: false });
    const harness = h;
    harness.fake.addIssue(OWNER, REPO, { number: 32, title: "Crash for good" });
    await harness.send("issues", issueLabeled({ number: 32, title: "Crash for good", sender: MAINTAINER }));
    for (let n = 1; n <= 3; n++) await killWhileAgentRuns(harness, n);

    const last = harness.spawnWorker();
    const e = await harness.waitFor(
      "the run to end",
      async () => {
        const x = await harness.moderator.db.prisma.execution.findFirst({ orderBy: { createdAt: "desc" } });
        return x?.status === "completed" || x?.status === "failed" ? x : undefined;
      },
      60_000,
    );
    expect(e.status, last.output()).toBe("failed");
    expect(e.error).toMatch(/the workers running it stopped \(killed or lost\) too many times/);
    expect(e.activeKey).toBeNull();
    const comment = harness.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/32"));
    expect(comment?.body).toContain("❌ Failed");
    expect(comment?.body).toContain("too many times");
    expect(harness.repo.pulls).toHaveLength(0);
    last.kill("SIGTERM");
    await once(last, "exit");
  });
});
