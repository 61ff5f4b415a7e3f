import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../../src/qa/finding.ts";
import { Store } from "../../../src/store/store.ts";
import { createTestDatabase } from "../../support/db.ts";

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

let db: TestDatabase;
let store: Store;
/** Each test works on its own repository (GitHub ids from this counter), so tests do not see each other. */
let nextGithubId = 1000;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new Store(db.prisma);
});
afterAll(async () => {
  await db?.close();
});

async function newRepository() {
  const githubId = nextGithubId++;
  return store.upsertRepository({ githubId, owner: "octo", name: `repo-${githubId}`, installationId: 99 });
}

function execInput(repositoryId: number, issueNumber = 1) {
  return { repositoryId, issueNumber, issueTitle: `Issue ${issueNumber}`, trigger: "label", triggeredBy: "maintainer" };
}

function finding(fingerprint: string, overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: "no-console",
    source: "analyzer",
    severity: "medium",
    confidence: 0.8,
    path: "src/a.ts",
    line: 3,
    title: "console.log left in",
    message: "Remove the debug output.",
    fingerprint,
    ...overrides,
  };
}

describe("Store: repositories and webhook deliveries", () => {
  it("upserts repositories by GitHub id, accepting number or bigint", async () => {
    const created = await store.upsertRepository({ githubId: 77n, owner: "old", name: "name", installationId: 5 });
    expect(created.githubId).toBe(77n);
    expect(created.installationId).toBe(5n);
    const renamed = await store.upsertRepository({ githubId: 77, owner: "new", name: "name2", defaultBranch: "main" });
    expect(renamed.id).toBe(created.id);
    expect(renamed).toMatchObject({ owner: "new", name: "name2", defaultBranch: "main", installationId: 5n });

    const racing = await Promise.all(
      [1, 2, 3].map((n) => store.upsertRepository({ githubId: 78, owner: "o", name: `n${n}` })),
    );
    expect(new Set(racing.map((r) => r.id)).size).toBe(1);
  });

  it("records a delivery once, counts redeliveries, also when racing", async () => {
    const incoming = (id: string) => ({ id, event: "issues", action: "labeled", installationId: 9, repository: "octo/x", orderKey: "77#1", payload: { action: "labeled" } });
    const first = await store.deliveries.receive(incoming("d-1"));
    expect(first).toMatchObject({ inserted: true, previousStatus: "received", receivedCount: 1 });
    await store.deliveries.markHandled("d-1", "ignored: other label");
    const again = await store.deliveries.receive(incoming("d-1"));
    expect(again).toMatchObject({ inserted: false, previousStatus: "handled", receivedCount: 2 });

    const raced = await Promise.all([1, 2, 3].map(() => store.deliveries.receive(incoming("d-2"))));
    expect(raced.filter((r) => r.inserted)).toHaveLength(1);
    expect(raced.map((r) => r.receivedCount).sort()).toEqual([1, 2, 3]);

    await store.setDeliveryOutcome("d-1", "queued", "exec-1");
    const row = await db.prisma.webhookDelivery.findUnique({ where: { id: "d-1" } });
    expect(row).toMatchObject({ outcome: "queued", executionId: "exec-1", event: "issues", repository: "octo/x", installationId: 9n, status: "handled" });
    await expect(store.setDeliveryOutcome("no-such-delivery", "ignored")).rejects.toThrow(
      "webhook delivery no-such-delivery does not exist",
    );
  });

  it("waits for an earlier delivery of the same conversation, but not forever", async () => {
    const base = { event: "issue_comment", action: "created", installationId: 9, repository: "octo/x", payload: {} };
    await store.deliveries.receive({ ...base, id: "e-1", orderKey: "77#5" });
    await new Promise((r) => setTimeout(r, 5));
    await store.deliveries.receive({ ...base, id: "e-2", orderKey: "77#5" });
    await store.deliveries.receive({ ...base, id: "e-3", orderKey: "77#6" });
    const row = async (id: string) => (await store.deliveries.get(id))!;
    const later = await row("e-2");
    expect(await store.deliveries.hasEarlierPending({ id: "e-2", orderKey: "77#5", receivedAt: later.receivedAt }, 60_000)).toBe(true);
    expect(await store.deliveries.hasEarlierPending({ id: "e-3", orderKey: "77#6", receivedAt: (await row("e-3")).receivedAt }, 60_000)).toBe(false);
    // Waited for only while it is young: an earlier delivery stuck for longer than maxWaitMs does not block.
    expect(await store.deliveries.hasEarlierPending({ id: "e-2", orderKey: "77#5", receivedAt: new Date(later.receivedAt.getTime() + 120_000) }, 60_000)).toBe(false);
    await store.deliveries.markHandled("e-1", "done");
    expect(await store.deliveries.hasEarlierPending({ id: "e-2", orderKey: "77#5", receivedAt: later.receivedAt }, 60_000)).toBe(false);
  });
});

describe("Store: executions", () => {
  it("creates exactly one active execution when two triggers race", async () => {
    const repo = await newRepository();
    const [a, b] = await Promise.all([store.createExecution(execInput(repo.id)), store.createExecution(execInput(repo.id))]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.execution.id).toBe(b.execution.id);
    expect(a.execution.activeKey).toBe(`${repo.id}#1`);
    expect((await store.findActiveExecution(repo.id, 1))?.id).toBe(a.execution.id);
    expect(await db.prisma.execution.count({ where: { repositoryId: repo.id } })).toBe(1);
  });

  it("frees the issue when an execution finishes, so a new one can start", async () => {
    const repo = await newRepository();
    const first = await store.createExecution({ ...execInput(repo.id, 5), deliveryId: "d-x", kind: "run", backend: "ollama" });
    expect(first.created).toBe(true);
    expect((await store.createExecution(execInput(repo.id, 5))).created).toBe(false);

    const finished = await store.finishExecution(first.execution.id, "failed", { error: "boom", errorPhase: "execute" });
    expect(finished).toMatchObject({ status: "failed", activeKey: null, error: "boom", errorPhase: "execute" });
    expect(finished.finishedAt).toBeInstanceOf(Date);
    expect(await store.findActiveExecution(repo.id, 5)).toBeNull();

    const second = await store.createExecution(execInput(repo.id, 5));
    expect(second.created).toBe(true);
    expect(second.execution.id).not.toBe(first.execution.id);
    expect((await store.findActiveExecution(repo.id, 5))?.id).toBe(second.execution.id);
    // Another issue of the same repository is independent.
    expect((await store.createExecution(execInput(repo.id, 6))).created).toBe(true);
  });

  it("updates executions, with BigInt columns given as numbers, and reads them with their repository", async () => {
    const repo = await newRepository();
    const { execution } = await store.createExecution(execInput(repo.id));
    const updated = await store.updateExecution(execution.id, {
      status: "executing",
      phase: "execute",
      checkRunId: 123456789012,
      trackingCommentId: 42n,
      phaseTimings: { prepare: 1200 },
      startedAt: new Date(),
    });
    expect(updated).toMatchObject({ status: "executing", checkRunId: 123456789012n, trackingCommentId: 42n });
    const read = await store.getExecution(execution.id);
    expect(read?.repository.id).toBe(repo.id);
    expect(read?.phaseTimings).toEqual({ prepare: 1200 });
    expect(await store.getExecution("00000000-0000-0000-0000-000000000000")).toBeNull();
    await expect(store.updateExecution("missing-id", { phase: "qa" })).rejects.toThrow("execution missing-id does not exist");
  });

  it("lists executions newest first with their repository, filtered by status", async () => {
    const repo = await newRepository();
    const ids: string[] = [];
    for (const issue of [1, 2, 3]) {
      const { execution } = await store.createExecution(execInput(repo.id, issue));
      // Distinct creation times (the column has millisecond precision; quick inserts can share one).
      await db.prisma.execution.update({ where: { id: execution.id }, data: { createdAt: new Date(Date.UTC(2030, 0, issue)) } });
      ids.push(execution.id);
    }
    await store.finishExecution(ids[1]!, "completed");

    const listed = await store.listExecutions({ limit: 3 });
    expect(listed.map((e) => e.id)).toEqual([...ids].reverse());
    expect(listed[0]?.repository.name).toBe(repo.name);
    const completed = await store.listExecutions({ status: "completed", repositoryId: repo.id });
    expect(completed.map((e) => e.id)).toEqual([ids[1]]);
    const open = await store.listExecutions({ status: ["queued", "executing"], repositoryId: repo.id });
    expect(open.map((e) => e.id)).toEqual([ids[2], ids[0]]);
  });
});

describe("Store: events, tasks, agent runs", () => {
  it("returns events in the order they were appended, and continues after a given id", async () => {
    const repo = await newRepository();
    const { execution } = await store.createExecution(execInput(repo.id));
    for (let i = 0; i < 25; i++) {
      await store.appendEvent(execution.id, { type: "log", phase: "execute", message: `line ${i}`, data: { i } });
    }
    const events = await store.listEvents(execution.id);
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 25 }, (_, i) => `line ${i}`));
    expect(events[0]).toMatchObject({ level: "info", phase: "execute", data: { i: 0 } });
    const rest = await store.listEvents(execution.id, { afterId: events[19]!.id, limit: 3 });
    expect(rest.map((e) => e.message)).toEqual(["line 20", "line 21", "line 22"]);
  });

  it("creates and updates tasks and agent runs, and links events to an agent run", async () => {
    const repo = await newRepository();
    const { execution } = await store.createExecution(execInput(repo.id));
    const task = await store.createTask({
      executionId: execution.id,
      index: 0,
      title: "Fix parser",
      description: "Handle empty input",
      dependsOn: [],
    });
    const next = await store.createTask({ executionId: execution.id, index: 1, title: "Test", description: "", dependsOn: [0] });
    expect(next.dependsOn).toEqual([0]);
    expect(task.status).toBe("pending");

    const run = await store.createAgentRun({ executionId: execution.id, taskId: task.id, backend: "claude-code", command: ["claude", "-p"] });
    expect(run.status).toBe("running");
    await store.appendEvent(execution.id, { type: "agent", agentRunId: run.id, level: "warn", message: "slow" });
    const finished = await store.finishAgentRun(run.id, { status: "succeeded", exitCode: 0, durationMs: 1500, costUsd: 0.12, turns: 4 });
    expect(finished).toMatchObject({ status: "succeeded", exitCode: 0, costUsd: 0.12, turns: 4 });
    expect(finished.finishedAt).toBeInstanceOf(Date);

    const done = await store.updateTask(task.id, { status: "succeeded", checkpointSha: "abc123", finishedAt: new Date() });
    expect(done).toMatchObject({ status: "succeeded", checkpointSha: "abc123" });
    const [event] = await store.listEvents(execution.id);
    expect(event).toMatchObject({ agentRunId: run.id, level: "warn" });
    await expect(store.updateTask("nope", { status: "failed" })).rejects.toThrow("task nope does not exist");
  });
});

describe("Store: findings", () => {
  it("saves findings once per fingerprint and lists them by file and line", async () => {
    const repo = await newRepository();
    const { execution } = await store.createExecution(execInput(repo.id));
    const first = await store.saveFindings(
      execution.id,
      repo.id,
      [finding("fp-b", { path: "src/b.ts", line: 9 }), finding("fp-a", { line: 1, suggestion: "delete it" })],
      new Map([["fp-a", { inline: true }]]),
    );
    expect(first).toBe(2);

    const second = await store.saveFindings(execution.id, repo.id, [
      finding("fp-a", { message: "changed wording" }),
      finding("fp-tests", { ruleId: "tests-failed", source: "command", path: undefined, line: undefined, severity: "high" }),
      finding("fp-tests"),
    ]);
    expect(second).toBe(1);

    const listed = await store.listFindings(execution.id);
    expect(listed.map((f) => f.fingerprint)).toEqual(["fp-tests", "fp-a", "fp-b"]);
    expect(listed[1]).toMatchObject({
      inline: true,
      message: "Remove the debug output.",
      suggestion: "delete it",
      title: "console.log left in",
      status: "open",
      repositoryId: repo.id,
    });
    expect(listed[0]).toMatchObject({ path: null, line: null, severity: "high", source: "command", inline: false });
    expect(await store.saveFindings(execution.id, repo.id, [])).toBe(0);
  });
});
