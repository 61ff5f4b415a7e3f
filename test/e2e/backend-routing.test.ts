import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURE_AGENTS, MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
const REPO_CONFIG = "decision:\n  maxRetries: 0\n  ask: { enabled: false }\nimprovements: { enabled: false }\n";

function operatorYaml(defaultBackend: string): string {
  return [
    `defaultBackend: ${defaultBackend}`,
    "backends:",
    "  broken:",
    "    type: command",
    '    command: ["/nonexistent/agent-cli"]',
    "  crashy:",
    "    type: command",
    `    command: [${JSON.stringify(path.join(FIXTURE_AGENTS, "segfault.sh"))}]`,
    `    mounts: [${JSON.stringify(FIXTURE_AGENTS)}]`,
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "good"])}`,
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    "  spare:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "good"])}`,
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    "limits: { attempts: 1, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1 }",
  ].join("\n");
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function runIssue(harness: Harness, number: number) {
  harness.fake.addIssue(OWNER, REPO, { number, title: `Issue ${number}` });
  await harness.send("issues", issueLabeled({ number, title: `Issue ${number}`, sender: MAINTAINER }));
  return harness.waitFor("the run to end", async () => {
    const e = await harness.moderator.db.prisma.execution.findFirst({ where: { issueNumber: number } });
    return e && ["completed", "failed"].includes(e.status) ? e : undefined;
  });
}

describe("backend fallback", () => {
  it("without learner data falls back in config order, and the tracking comment's event log says why", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("broken") });
    h.fake.setFile(OWNER, REPO, ".github/moderator.yml", REPO_CONFIG);
    const e = await runIssue(h, 51);
    expect(e.status).toBe("completed");
    // broken is unavailable -> crashy (next in config order) -> it crashes -> scripted (next again), never spare.
    const runs = await h.moderator.db.prisma.agentRun.findMany({ where: { executionId: e.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.backend, r.status])).toEqual([
      ["crashy", "crashed"],
      ["scripted", "succeeded"],
    ]);
    const tracking = h.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/51"))?.body ?? "";
    expect(tracking).toContain("**Event log:**");
    expect(tracking).toMatch(/- operator default is broken, which is unavailable \(.*\/nonexistent\/agent-cli.*\); fell back to crashy/);
    expect(tracking).toMatch(/- crashy crashed \(agent was killed by signal SIGSEGV\); the task went to scripted/);
  });
});
