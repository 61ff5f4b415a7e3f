import { randomBytes } from "node:crypto";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodeHost } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { TRACKING_TOPIC } from "../../../src/app/start-run.ts";
import { expireBreakpoint } from "../../../src/pipeline/expire-breakpoint.ts";
import { reapStuckExecutions, RECOVERY_EVENT, type ReaperDeps } from "../../../src/pipeline/reap-stuck-executions.ts";
import type { RunConnection } from "../../../src/pipeline/run-connection.ts";
import { inspectRunJobs } from "../../../src/queue/inspect-run-jobs.ts";
import { createQueues, deriveQueueNames, RUN_JOB, type Queues } from "../../../src/queue/run-queue.ts";
import { Store } from "../../../src/store/store.ts";
import { createLogger } from "../../../src/util/logger.ts";
import { createTestDatabase } from "../../support/db.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../support/fake-github.ts";

const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const ref = { owner: "acme", repo: "widgets" };
const TOKEN = "ghs_test_token";
const LATER = () => Date.now() + 10 * 60_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let fake: FakeGitHub;
let repo: FakeRepo;
let codeHost: CodeHost;
let redis: Redis;
let runQueue: Queues;
let repositoryId: number;

beforeEach(async () => {
  db = await createTestDatabase();
  store = new Store(db.prisma);
  fake = await startFakeGitHub({ token: TOKEN });
  repo = fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  codeHost = createGitHubCodeHost(new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  runQueue = createQueues({ connection: redis, names: deriveQueueNames(`test-reap-${randomBytes(6).toString("hex")}`), attempts: 1, backoffSeconds: 0 });
  repositoryId = (await store.upsertRepository({ githubId: 4242, owner: ref.owner, name: ref.repo, installationId: 1 })).id;
});

afterEach(async () => {
  for (const q of Object.values(runQueue.queues)) await q.obliterate({ force: true }).catch(() => undefined);
  await runQueue.close();
  redis.disconnect();
  await fake.close();
  await db.close();
});

function deps(overrides: Partial<ReaperDeps> = {}): ReaperDeps {
  const connection = { codeHost } as RunConnection; // the reaper only posts: the rest of the connection is never read
  return {
    store,
    connect: async () => connection,
    inspectJobs: () => inspectRunJobs([runQueue.queue]),
    requeue: (executionId, jobId) => runQueue.enqueue({ executionId }, jobId),
    log: createLogger("silent"),
    now: LATER,
    ...overrides,
  };
}

async function newExecution(issueNumber: number, status: "queued" | "executing" | "publishing") {
  const { execution } = await store.createExecution({ repositoryId, issueNumber, issueTitle: `Issue ${issueNumber}`, trigger: "label", triggeredBy: "maia" });
  const comment = await codeHost.ensureComment(ref, issueNumber, TRACKING_TOPIC, "### Moderator · ⏳ Queued");
  return store.updateExecution(execution.id, {
    status,
    trackingCommentId: BigInt(comment.id),
    startedAt: status === "queued" ? null : new Date(),
    phaseTimings: status === "queued" ? {} : { prepare: { state: "done", durationMs: 900 }, plan: { state: "done", durationMs: 5 }, execute: { state: "running", startedAt: Date.now() } },
    phase: status === "queued" ? null : "execute",
    backend: "scripted",
  });
}

/** A real job of the run queue that a worker failed (the reason is what BullMQ keeps). */
async function failJob(executionId: string, reason: string): Promise<void> {
  await runQueue.enqueue({ executionId }, `run-4242-${executionId}`);
  const worker = new Worker(runQueue.queue.name, async () => Promise.reject(new Error(reason)), { connection: redis.duplicate(), autorun: true });
  await new Promise<void>((resolve) => worker.on("failed", () => resolve()));
  await worker.close();
}

describe("reapStuckExecutions", () => {
  it("re-queues a run no job holds, under a new job id, and says so on the tracking comment", async () => {
    const lost = await newExecution(41, "queued");
    const summary = await reapStuckExecutions(deps(), { maxRecoveries: 2, graceMs: 60_000 });
    expect(summary).toEqual({ checked: 1, requeued: [lost.id], failed: [], expired: [] });
    const jobs = await runQueue.queue.getJobs(["wait"]);
    expect(jobs.map((j) => [j.name, j.id, j.data])).toEqual([[RUN_JOB, `run-4242-41-${lost.id}-recover-1`, { executionId: lost.id }]]);
    const comment = repo.issueComments.find((c) => c.issue_url.endsWith("/issues/41"));
    expect(comment?.body).toContain("⏳ Queued");
    expect(comment?.body).toContain("it was never queued, or its job was lost. Moderator queued it again (recovery 1 of 2)");
    expect(await store.countEvents(lost.id, RECOVERY_EVENT)).toBe(1);
    // The job now holds it: the next pass leaves it alone.
    expect(await reapStuckExecutions(deps(), { maxRecoveries: 2, graceMs: 60_000 })).toEqual({ checked: 1, requeued: [], failed: [], expired: [] });
  });

  it("fails a run whose recoveries are used up: reason on the tracking comment, the check run completed as failure", async () => {
    const stuck = await newExecution(42, "publishing");
    const check = await codeHost.upsertCheckRun(ref, { name: "Moderator", headSha: "a".repeat(40), status: "in_progress", title: "Working", summary: "…" });
    await store.updateExecution(stuck.id, { resultSha: "a".repeat(40), checkRunId: BigInt(check.id) });
    await failJob(stuck.id, "job stalled more than allowable limit");
    const summary = await reapStuckExecutions(deps(), { maxRecoveries: 0, graceMs: 60_000 });
    expect(summary.failed).toEqual([stuck.id]);
    const e = await store.getExecution(stuck.id);
    expect(e?.status).toBe("failed");
    expect(e?.activeKey).toBeNull();
    expect(e?.error).toBe("the workers running it stopped (killed or lost) too many times, and the queue gave up on its job");
    expect(repo.issueComments.find((c) => c.issue_url.endsWith("/issues/42"))?.body).toMatch(/❌ Failed[\s\S]*\*\*Failed in execute:\*\* the workers running it stopped/);
    const run = repo.checkRuns.find((r) => r.id === check.id);
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run?.output.summary).toContain("the workers running it stopped");
    expect(repo.checkRuns).toHaveLength(1);
  });

  it("leaves alone a run its job holds, and a run written to within the grace period", async () => {
    const held = await newExecution(43, "executing");
    await runQueue.enqueue({ executionId: held.id }, `run-4242-43-${held.id}`);
    const fresh = await newExecution(44, "executing");
    const summary = await reapStuckExecutions(deps({ now: Date.now }), { maxRecoveries: 2, graceMs: 60_000 });
    expect(summary).toEqual({ checked: 0, requeued: [], failed: [], expired: [] });
    const later = await reapStuckExecutions(deps(), { maxRecoveries: 2, graceMs: 60_000 });
    expect(later.requeued).toEqual([fresh.id]);
  });

  it("an improvement run with no recoveries left is failed, its improvement too, and the parent's tracking comment is left alone", async () => {
    const parent = await newExecution(46, "queued");
    const improvement = await db.prisma.improvement.create({ data: { repositoryId, executionId: parent.id, type: "tests", title: "Add tests", rationale: "r", fingerprint: "fp-46", status: "running" } });
    const { execution: run } = await store.createExecution({ repositoryId, issueNumber: 46, issueTitle: "Add tests", trigger: "improvement", triggeredBy: "maia", kind: "improve", improvementId: improvement.id });
    await store.updateExecution(run.id, { status: "executing" });
    await store.finishExecution(parent.id, "completed");
    const before = repo.issueComments.find((c) => c.issue_url.endsWith("/issues/46"))?.body;
    const summary = await reapStuckExecutions(deps(), { maxRecoveries: 0, graceMs: 60_000 });
    expect(summary.failed).toEqual([run.id]);
    expect((await db.prisma.improvement.findUnique({ where: { id: improvement.id } }))?.status).toBe("failed");
    expect(repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/46")).map((c) => c.body)).toEqual([before]);
  });

  it("two reapers at once: one re-queue, one event, one new job", async () => {
    // On the real clock, with the lost run last written ten minutes ago: a reaper's claim writes the row, and the grace
    // period is what keeps the other reaper (which may have looked at the queue before the new job existed) off it.
    // A faked clock ten minutes ahead would make the fresh claim look stale too, which no deployment can see.
    const lost = await newExecution(45, "executing");
    await db.prisma.$executeRawUnsafe(`UPDATE "Execution" SET "updatedAt" = now() - interval '10 minutes' WHERE id = $1`, lost.id);
    const realClock = deps({ now: Date.now });
    const [a, b] = await Promise.all([reapStuckExecutions(realClock, { maxRecoveries: 2, graceMs: 60_000 }), reapStuckExecutions(realClock, { maxRecoveries: 2, graceMs: 60_000 })]);
    expect([...a.requeued, ...b.requeued]).toEqual([lost.id]);
    expect(await store.countEvents(lost.id, RECOVERY_EVENT)).toBe(1);
    expect(await runQueue.queue.getJobCounts("wait")).toEqual({ wait: 1 });
  });
});

describe("a run waiting on a maintainer whose time-out job was lost", () => {
  async function waiting(issueNumber: number, askedHoursAgo: number, timeoutHours: number) {
    const e = await newExecution(issueNumber, "executing");
    await codeHost.addLabels(ref, issueNumber, ["moderator:needs-human"]);
    const askedAt = new Date(Date.now() - askedHoursAgo * 3600_000).toISOString();
    await store.updateExecution(e.id, { status: "waiting_for_human", phase: null, decision: { action: "ask", confidence: 0.4, reasons: [], question: "Which API?", askedAt, timeoutHours } });
    await db.prisma.$executeRawUnsafe(`UPDATE "Execution" SET "updatedAt" = $2 WHERE id = $1`, e.id, new Date(askedAt));
    return e;
  }
  const expireDeps = () => deps({ now: Date.now, expireBreakpoint: (id, askedAt, seen) => expireBreakpoint(id, askedAt, { store, connect: async () => ({ codeHost }) as RunConnection }, seen) });

  it("is ended as the time-out would have ended it, once its time is up; one still within its time is left waiting", async () => {
    const overdue = await waiting(51, 3, 1);
    const pending = await waiting(52, 3, 24);
    const summary = await reapStuckExecutions(expireDeps(), { maxRecoveries: 2, graceMs: 60_000 });
    expect(summary.expired).toEqual([overdue.id]);
    const ended = await store.getExecution(overdue.id);
    expect(ended?.status).toBe("failed");
    expect(ended?.error).toBe("no maintainer answered within 1 hours");
    expect(repo.issueComments.find((c) => c.issue_url.endsWith("/issues/51"))?.body).toContain("no maintainer answered within 1 hours");
    expect(repo.labels.get(51) ?? []).not.toContain("moderator:needs-human");
    expect((await store.getExecution(pending.id))?.status).toBe("waiting_for_human");
    // Its time-out job arriving late (or a second reaper) finds nothing to do: one comment update, one event.
    expect(await expireBreakpoint(overdue.id, ((ended?.decision ?? {}) as { askedAt: string }).askedAt, { store, connect: async () => ({ codeHost }) as RunConnection })).toBe("stale");
    expect(await store.countEvents(overdue.id, "run.expired")).toBe(1);
  });

  it("two reapers at once expire it once", async () => {
    const overdue = await waiting(53, 5, 2);
    const [a, b] = await Promise.all([reapStuckExecutions(expireDeps(), { maxRecoveries: 2, graceMs: 60_000 }), reapStuckExecutions(expireDeps(), { maxRecoveries: 2, graceMs: 60_000 })]);
    expect([...a.expired, ...b.expired]).toEqual([overdue.id]);
    expect(await store.countEvents(overdue.id, "run.expired")).toBe(1);
  });
});

describe("races and the reaper", () => {
  it("leaves a race alone while a candidate is unfinished (its job held), and re-queues it once all settled with no judge job", async () => {
    const race = await newExecution(31, "executing");
    await store.prisma.execution.update({ where: { id: race.id }, data: { kind: "race" } });
    const candidate = await store.prisma.execution.create({
      data: { repositoryId, kind: "candidate", raceId: race.id, candidate: "alpha", issueNumber: 31, trigger: "race", triggeredBy: "maia", status: "executing" },
    });
    // The candidate's job is alive (waiting in the queue); the race's own job finished long ago.
    await runQueue.enqueue({ executionId: candidate.id }, `run-4242-31-${candidate.id}`);
    const first = await reapStuckExecutions(deps(), { maxRecoveries: 2, graceMs: 1000 });
    expect(first.requeued).toEqual([]);
    expect(first.failed).toEqual([]);

    // Every candidate settled and the judge job was lost: the race is re-queued (to judge), not left waiting.
    await store.finishExecution(candidate.id, "completed", {});
    const second = await reapStuckExecutions(deps(), { maxRecoveries: 2, graceMs: 1000 });
    expect(second.requeued).toEqual([race.id]);
  });
});
