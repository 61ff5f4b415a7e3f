// The repeatable collection job on a real Redis (a queue of its own), and its handler's payload checks.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COLLECT_OUTCOMES_JOB, processCollectOutcomesJob, scheduleOutcomeCollection } from "../../../src/outcomes/collect-outcomes-job.ts";
import { Store } from "../../../src/store/store.ts";
import { createTestDatabase } from "../../support/db.ts";

const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

let connection: Redis;
let queue: Queue;

beforeEach(() => {
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(`outcomes-${randomUUID()}`, { connection });
});

afterEach(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

describe("scheduleOutcomeCollection", () => {
  it("keeps one scheduler however often it is upserted, with the job's name, data and interval", async () => {
    await scheduleOutcomeCollection(queue);
    await scheduleOutcomeCollection(queue, { everyMs: 15 * 60 * 1000, data: { repositoryIds: [3] } });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: COLLECT_OUTCOMES_JOB.schedulerId, name: COLLECT_OUTCOMES_JOB.name, every: 15 * 60 * 1000 });
    const jobs = await queue.getJobs(["delayed", "waiting", "prioritized"]);
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j) => j.name === COLLECT_OUTCOMES_JOB.name)).toBe(true);
    expect(jobs.map((j) => j.data)).toContainEqual({ repositoryIds: [3] });
    expect(COLLECT_OUTCOMES_JOB.data.parse(jobs[0]!.data)).toEqual(jobs[0]!.data);
  });

  it("removes the scheduler when the interval is 0, and refuses a bad interval or payload", async () => {
    await scheduleOutcomeCollection(queue);
    await scheduleOutcomeCollection(queue, { everyMs: 0 });
    expect(await queue.getJobSchedulers()).toEqual([]);
    await expect(scheduleOutcomeCollection(queue, { everyMs: -5 })).rejects.toThrow(/everyMs must be/);
    await expect(scheduleOutcomeCollection(queue, { data: { repositoryIds: [] } })).rejects.toThrow();
  });
});

describe("processCollectOutcomesJob", () => {
  it("names each bad field of the payload", async () => {
    const db = await createTestDatabase();
    try {
      const deps = { store: new Store(db.prisma), connect: async () => Promise.reject(new Error("unused")) };
      await expect(processCollectOutcomesJob(deps, { repositoryIds: ["x"], extra: 1 })).rejects.toThrow(
        /collect-outcomes job: invalid data: repositoryIds\.0: .*; \(root\): Unrecognized key/,
      );
      // A valid empty payload over an empty database visits nothing.
      expect(await processCollectOutcomesJob(deps, {}, { lookbackDays: 10, maxPullRequests: 5 })).toEqual({ visited: [], recorded: {}, failures: [] });
    } finally {
      await db.close();
    }
  });
});
