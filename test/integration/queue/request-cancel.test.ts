import { Queue, type Job } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { cancelRequestsKey } from "../../../src/queue/cancel-channel.ts";
import { formatCancelReason, parseCancelReason, requestCancel } from "../../../src/queue/cancel-run.ts";
import { createCancelFixture, isAlive, REDIS_URL, until, type CancelFixture } from "./cancel-fixture.ts";

const fixtures: CancelFixture[] = [];
async function fixture(): Promise<CancelFixture> {
  const f = await createCancelFixture();
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close();
});

const deps = (f: CancelFixture) => ({ redis: f.redis, queue: f.queue, channel: f.channel });

describe("requestCancel", () => {
  it("aborts an active job where it runs: the processor sees the encoded reason and its process group is killed", async () => {
    const f = await fixture();
    await f.startWorker({ name: "w1" });
    await f.queue.add("run", {}, { jobId: "run-1-7-a" });
    const run = await f.waitForStart("run-1-7-a");
    expect(isAlive(run.pid)).toBe(true);

    expect(await requestCancel(deps(f), { jobId: "run-1-7-a", reason: "/moderator cancel", by: "maia" })).toBe("signalled");

    const done = await f.waitForFinish("run-1-7-a");
    expect(done.abortReason).toBe(formatCancelReason("maia", "/moderator cancel"));
    expect(parseCancelReason(done.abortReason ?? "")).toEqual({ by: "maia", reason: "/moderator cancel" });
    expect(done.result.cancelled).toBe(true);
    await until(() => !isAlive(run.pid), `sleep (pid ${run.pid}) to be gone`);
    const job = await until(async () => ((await f.queue.getJobState("run-1-7-a")) === "completed" ? f.queue.getJob("run-1-7-a") : undefined), "the job to complete");
    expect(job?.returnvalue).toEqual({ cancelled: true });
    // The request is remembered for a worker that would pick the job up again.
    const remembered = JSON.parse((await f.redis.hget(cancelRequestsKey(f.channel), "run-1-7-a")) ?? "{}") as Record<string, unknown>;
    expect(remembered).toMatchObject({ jobId: "run-1-7-a", by: "maia", reason: "/moderator cancel" });
  });

  it("removes a waiting job before any worker runs, and it is never processed", async () => {
    const f = await fixture();
    await f.queue.add("run", {}, { jobId: "run-1-8-a" });
    expect(await f.queue.getJobState("run-1-8-a")).toBe("waiting");

    expect(await requestCancel(deps(f), { jobId: "run-1-8-a", reason: "superseded by a new trigger", by: "moderator" })).toBe("removed");
    expect(await f.queue.getJob("run-1-8-a")).toBeUndefined();

    // A job queued after it is processed; the removed one (first in line) never is.
    await f.queue.add("run", {}, { jobId: "run-1-8-b" });
    const w = await f.startWorker({ name: "w1" });
    await f.waitForStart("run-1-8-b");
    expect(f.processed).toEqual(["run-1-8-b"]);
    w.worker.cancelJob("run-1-8-b", "test done");
    await f.waitForFinish("run-1-8-b");
    expect(f.processed).toEqual(["run-1-8-b"]);
    expect(await f.redis.hexists(cancelRequestsKey(f.channel), "run-1-8-a")).toBe(0);
  });

  it("signals instead when a worker takes the job between the look and the removal", async () => {
    const f = await fixture();
    const w = await f.startWorker({ name: "w1", autorun: false });
    await f.queue.add("run", {}, { jobId: "run-1-12-a" });
    const token = `${w.worker.id}:manual`;
    let taken: Job | undefined;
    // The job is waiting when requestCancel looks; the worker locks it right after (forced interleaving).
    class RacingQueue extends Queue {
      override async getJob(jobId: string) {
        const job = await super.getJob(jobId);
        if (job) {
          expect(await job.getState()).toBe("waiting");
          taken = await w.worker.getNextJob(token);
          job.getState = async () => "waiting";
        }
        return job;
      }
    }
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const racing = new RacingQueue(f.queueName, { connection });
    try {
      expect(await requestCancel({ redis: f.redis, queue: racing, channel: f.channel }, { jobId: "run-1-12-a", reason: "stop", by: "maia" })).toBe("signalled");
    } finally {
      await racing.close();
      connection.disconnect();
    }
    expect(taken?.id).toBe("run-1-12-a");
    expect(await f.queue.getJobState("run-1-12-a")).toBe("active");
    const processing = w.worker.processJob(taken!, token);
    const done = await f.waitForFinish("run-1-12-a");
    await processing;
    expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
  });

  it("removes a delayed job", async () => {
    const f = await fixture();
    await f.queue.add("run", {}, { jobId: "run-1-9-a", delay: 60_000 });
    expect(await f.queue.getJobState("run-1-9-a")).toBe("delayed");

    expect(await requestCancel(deps(f), { jobId: "run-1-9-a", reason: "stop", by: "maia" })).toBe("removed");
    expect(await f.queue.getJob("run-1-9-a")).toBeUndefined();
    expect(await f.queue.getDelayedCount()).toBe(0);
  });

  it("answers not_found for an unknown job and for a finished one", async () => {
    const f = await fixture();
    expect(await requestCancel(deps(f), { jobId: "run-1-404-x", reason: "stop", by: "maia" })).toBe("not_found");

    const w = await f.startWorker({ name: "w1" });
    await f.queue.add("run", {}, { jobId: "run-1-10-a" });
    await f.waitForStart("run-1-10-a");
    w.worker.cancelJob("run-1-10-a", "finish it");
    await until(async () => (await f.queue.getJobState("run-1-10-a")) === "completed", "the job to complete");
    expect(await requestCancel(deps(f), { jobId: "run-1-10-a", reason: "stop", by: "maia" })).toBe("not_found");
    expect(await f.redis.hexists(cancelRequestsKey(f.channel), "run-1-10-a")).toBe(0);
  });

  it("rejects bad input with what is wrong and where", async () => {
    const f = await fixture();
    await expect(requestCancel(deps(f), { jobId: "", reason: "stop", by: "maia" })).rejects.toThrow(/requestCancel: invalid input: jobId: /);
    await expect(requestCancel(deps(f), { jobId: "x", reason: "stop", by: "" })).rejects.toThrow(/by: /);
    await expect(requestCancel(deps(f), { jobId: "x", reason: 42, by: "maia" } as unknown as { jobId: string; reason: string; by: string })).rejects.toThrow(/reason: /);
  });

  it("forgets remembered requests older than their time to live", async () => {
    const f = await fixture();
    const key = cancelRequestsKey(f.channel);
    await f.redis.hset(key, "old-job", JSON.stringify({ jobId: "old-job", reason: "r", by: "maia", at: 1 }), "garbage", "{not json");
    await f.startWorker({ name: "w1" });
    await f.queue.add("run", {}, { jobId: "run-1-11-a" });
    await f.waitForStart("run-1-11-a");

    expect(await requestCancel(deps(f), { jobId: "run-1-11-a", reason: "stop", by: "maia" })).toBe("signalled");
    expect((await f.redis.hkeys(key)).sort()).toEqual(["run-1-11-a"]);
    const ttl = await f.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
    await f.waitForFinish("run-1-11-a");
  });
});
