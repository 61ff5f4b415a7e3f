import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createAccessPolicy } from "../../../src/console/auth/create-access-policy.ts";
import { createEventFeed } from "../../../src/console/live/create-event-feed.ts";
import { listRuns, RunsQuery } from "../../../src/console/read-models/list-runs.ts";
import { Store } from "../../../src/store/store.ts";
import { createTestDatabase } from "../../support/db.ts";

const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function seed() {
  const db = await createTestDatabase();
  cleanups.push(() => db.close());
  const prisma = db.prisma;
  const a = await prisma.repository.create({ data: { githubId: 1n, owner: "o", name: "a", installationId: 7n } });
  const b = await prisma.repository.create({ data: { githubId: 2n, owner: "o", name: "b", installationId: 7n } });
  const base = Date.parse("2026-01-01T00:00:00Z");
  // 30 runs in a, 10 in b; a few share a createdAt so the keyset must break ties by id.
  for (let i = 0; i < 40; i++) {
    const repo = i < 30 ? a : b;
    const e = await prisma.execution.create({
      data: {
        repositoryId: repo.id,
        issueNumber: i + 1,
        issueTitle: `issue ${i + 1}`,
        trigger: "label",
        triggeredBy: "maia",
        backend: i % 2 === 0 ? "claude" : "codex",
        status: i % 3 === 0 ? "failed" : "completed",
        createdAt: new Date(base + Math.floor(i / 2) * 1000),
      },
    });
    if (i === 5) {
      await prisma.agentRun.create({ data: { executionId: e.id, backend: "claude", costUsd: 0.25 } });
      await prisma.agentRun.create({ data: { executionId: e.id, backend: "claude", costUsd: 0.5 } });
      await prisma.finding.createMany({
        data: [
          { executionId: e.id, repositoryId: repo.id, source: "t", ruleId: "r1", severity: "high", confidence: 1, message: "m", fingerprint: "f1" },
          { executionId: e.id, repositoryId: repo.id, source: "t", ruleId: "r2", severity: "high", confidence: 1, message: "m", fingerprint: "f2" },
          { executionId: e.id, repositoryId: repo.id, source: "t", ruleId: "r3", severity: "low", confidence: 1, message: "m", fingerprint: "f3" },
        ],
      });
    }
  }
  return { prisma, a, b };
}

describe("listRuns", () => {
  it("pages newest first with a keyset cursor: every run once, in order, ties broken by id", async () => {
    const { prisma } = await seed();
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listRuns(prisma, RunsQuery.parse({ limit: "7", ...(before ? { before } : {}) }), undefined);
      seen.push(...page.rows.map((r) => r.id));
      before = page.next;
      if (!before) break;
    }
    const all = await prisma.execution.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("filters by repository, status and backend, limits to the visible repositories, and sums cost and findings", async () => {
    const { prisma, a, b } = await seed();
    const onlyB = await listRuns(prisma, RunsQuery.parse({ repository: "o/b", limit: "100" }), undefined);
    expect(onlyB.rows).toHaveLength(10);
    expect(new Set(onlyB.rows.map((r) => r.repository))).toEqual(new Set(["o/b"]));
    const failedClaude = await listRuns(prisma, RunsQuery.parse({ status: "failed", backend: "claude", limit: "100" }), undefined);
    expect(failedClaude.rows.every((r) => r.status === "failed" && r.backend === "claude")).toBe(true);
    expect(failedClaude.rows).toHaveLength(7);
    const visibleA = await listRuns(prisma, RunsQuery.parse({ limit: "100" }), [a.id]);
    expect(visibleA.rows).toHaveLength(30);
    expect(visibleA.rows.some((r) => r.repositoryId === b.id)).toBe(false);
    expect((await listRuns(prisma, RunsQuery.parse({ repository: "o/b" }), [a.id])).rows).toEqual([]);
    const six = visibleA.rows.find((r) => r.issueNumber === 6)!;
    expect(six.costUsd).toBeCloseTo(0.75);
    expect(six.findings).toEqual({ high: 2, low: 1 });
  });

  it("bad query values fall back to defaults instead of failing", () => {
    const q = RunsQuery.parse({ status: "nope", limit: "9999", before: "x'; drop", repository: "not a repo" });
    expect(JSON.parse(JSON.stringify(q))).toEqual({ limit: 50 });
  });
});

describe("access policy", () => {
  it("admins see everything; others what GitHub says, cached; write controls", async () => {
    const asked: string[] = [];
    const policy = createAccessPolicy({
      admins: ["Boss"],
      permissionOf: async (repo, login) => {
        asked.push(`${login}@${repo.name}`);
        return login === "rita" ? "read" : login === "wade" ? "write" : "none";
      },
    });
    const repos = [{ id: 1, owner: "o", name: "a", installationId: 7n }, { id: 2, owner: "o", name: "b", installationId: null }];
    expect(await policy.visibleRepositoryIds("boss", repos)).toBeUndefined();
    expect(await policy.visibleRepositoryIds("rita", repos)).toEqual([1]);
    expect(await policy.visibleRepositoryIds("rita", repos)).toEqual([1]);
    expect(asked).toEqual(["rita@a"]);
    expect(await policy.canControl("rita", repos[0]!)).toBe(false);
    expect(await policy.canControl("wade", repos[0]!)).toBe(true);
    expect(await policy.visibleRepositoryIds("nobody", repos)).toEqual([]);
  });
});

describe("event feed", () => {
  it("an event appended through any Store reaches a web process's watcher through Redis", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.close());
    const channel = `test-events-${randomBytes(4).toString("hex")}`;
    const publisher = new Redis(REDIS_URL);
    const subscriber = new Redis(REDIS_URL);
    cleanups.push(async () => {
      publisher.disconnect();
      subscriber.disconnect();
    });
    const worker = new Store(db.prisma, { eventAppended: (e) => void publisher.publish(channel, JSON.stringify({ executionId: e.executionId, id: String(e.id) })) });
    const feed = await createEventFeed({ subscriber, channel });
    cleanups.push(() => feed.close());
    const repo = await db.prisma.repository.create({ data: { githubId: 9n, owner: "o", name: "r" } });
    const e = await db.prisma.execution.create({ data: { repositoryId: repo.id, issueNumber: 1, trigger: "label", triggeredBy: "m" } });
    const other = await db.prisma.execution.create({ data: { repositoryId: repo.id, issueNumber: 2, trigger: "label", triggeredBy: "m" } });
    let calls = 0;
    const heard = new Promise<void>((resolve) => feed.watch(e.id, () => (++calls, resolve())));
    let otherCalls = 0;
    const stop = feed.watch(other.id, () => otherCalls++);
    await worker.appendEvent(e.id, { type: "x", message: "hello" });
    await heard;
    expect(calls).toBe(1);
    expect(otherCalls).toBe(0);
    stop();
    expect(feed.watchers()).toBe(1);
  });
});
