import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { cancelRequestsKey } from "../../../src/queue/cancel-channel.ts";
import { formatCancelReason, requestCancel } from "../../../src/queue/cancel-run.ts";
import { listenForCancellations } from "../../../src/queue/listen-for-cancellations.ts";
import { collectLogs, createCancelFixture, isAlive, REDIS_URL, startRedisProxy, until, type CancelFixture } from "./cancel-fixture.ts";

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

describe("listenForCancellations", () => {
  it("with two workers, only the one holding the job aborts it", async () => {
    const f = await fixture();
    const a = await f.startWorker({ name: "a" });
    const b = await f.startWorker({ name: "b" });
    await f.queue.add("run", {}, { jobId: "run-2-1-x" });
    await f.queue.add("run", {}, { jobId: "run-2-2-x" });
    const first = await f.waitForStart("run-2-1-x");
    const second = await f.waitForStart("run-2-2-x");
    expect(first.worker).not.toBe(second.worker);
    const holder = first.worker === "a" ? a : b;
    const other = first.worker === "a" ? b : a;

    expect(await requestCancel(deps(f), { jobId: "run-2-1-x", reason: "stop", by: "maia" })).toBe("signalled");

    await holder.logs.waitFor("run cancelled: its job was aborted", (e) => e["jobId"] === "run-2-1-x");
    await other.logs.waitFor("cancel request for a job this worker does not hold", (e) => e["jobId"] === "run-2-1-x");
    const done = await f.waitForFinish("run-2-1-x");
    expect(done.worker).toBe(holder.name);
    expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
    await until(() => !isAlive(first.pid), "the cancelled run's child to be gone");
    // Both listeners have handled the message: the other run goes on.
    expect(second.signal.aborted).toBe(false);
    expect(isAlive(second.pid)).toBe(true);
    expect(f.finished.map((r) => r.jobId)).toEqual(["run-2-1-x"]);
  });

  it("logs and ignores malformed messages, and still cancels afterwards", async () => {
    const f = await fixture();
    const w = await f.startWorker({ name: "w1" });
    await f.queue.add("run", {}, { jobId: "run-3-1-x" });
    const run = await f.waitForStart("run-3-1-x");

    for (const bad of ["not json", "[]", JSON.stringify({ jobId: "run-3-1-x" }), JSON.stringify({ jobId: "", reason: "x", by: "maia" }), "x".repeat(20_000)]) {
      await f.redis.publish(f.channel, bad);
    }
    await until(() => w.logs.entries.filter((e) => e.msg === "ignoring a malformed cancel message").length === 5, "five malformed messages to be logged");
    const warnings = w.logs.entries.filter((e) => e.msg === "ignoring a malformed cancel message");
    expect(warnings.map((e) => e["error"])).toEqual([
      expect.stringMatching(/^not JSON: /),
      expect.stringMatching(/^not a cancel request: \(root\): /),
      expect.stringMatching(/^not a cancel request: .*reason: .*by: /),
      expect.stringMatching(/^not a cancel request: jobId: /),
      expect.stringMatching(/characters long/),
    ]);
    expect(run.signal.aborted).toBe(false);

    expect(await requestCancel(deps(f), { jobId: "run-3-1-x", reason: "stop", by: "maia" })).toBe("signalled");
    expect((await f.waitForFinish("run-3-1-x")).abortReason).toBe(formatCancelReason("maia", "stop"));
  });

  it("aborts a job this worker has locked but not yet handed to its processor, once it starts", async () => {
    const f = await fixture();
    const w = await f.startWorker({ name: "w1", autorun: false });
    await f.queue.add("run", {}, { jobId: "run-4-1-x" });
    const token = `${w.worker.id}:manual`;
    const job = await w.worker.getNextJob(token);
    expect(job?.id).toBe("run-4-1-x");
    expect(await f.queue.getJobState("run-4-1-x")).toBe("active");

    expect(await requestCancel(deps(f), { jobId: "run-4-1-x", reason: "stop", by: "maia" })).toBe("signalled");
    await w.logs.waitFor("cancel request for a job this worker is starting; aborting it once it starts", (e) => e["jobId"] === "run-4-1-x");

    const processing = w.worker.processJob(job!, token);
    const done = await f.waitForFinish("run-4-1-x");
    await processing;
    expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
    expect(done.result.cancelled).toBe(true);
  });

  it("cancels a run whose request came before the listener subscribed", async () => {
    const f = await fixture();
    const w = await f.startWorker({ name: "w1", listen: false });
    await f.queue.add("run", {}, { jobId: "run-5-1-x" });
    const run = await f.waitForStart("run-5-1-x");
    // Nobody listens: the message is lost, the request is remembered.
    expect(await requestCancel(deps(f), { jobId: "run-5-1-x", reason: "stop", by: "maia" })).toBe("signalled");
    expect(run.signal.aborted).toBe(false);

    await w.listen();
    const done = await f.waitForFinish("run-5-1-x");
    expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
    expect(w.logs.entries.find((e) => e.msg === "run cancelled: its job was aborted")?.["source"]).toBe("catch-up");
    await until(() => !isAlive(run.pid), "the child to be gone");
  });

  it("cancels a job re-picked after the worker that held it died", async () => {
    const f = await fixture();
    // The first worker takes the job and dies before its processor starts (nothing renews its lock).
    const dead = await f.startWorker({ name: "dead", autorun: false, listen: false, lockDuration: 1000 });
    await f.queue.add("run", {}, { jobId: "run-6-1-x" });
    const job = await dead.worker.getNextJob(`${dead.worker.id}:0`);
    expect(job?.id).toBe("run-6-1-x");
    expect(await requestCancel(deps(f), { jobId: "run-6-1-x", reason: "stop", by: "maia" })).toBe("signalled");
    await dead.worker.close(true);

    // Another worker finds the stalled job, takes it, and aborts it at once.
    const live = await f.startWorker({ name: "live", stalledInterval: 300 });
    const done = await f.waitForFinish("run-6-1-x");
    expect(done.worker).toBe("live");
    expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
    expect(live.logs.entries.some((e) => e.msg === "run cancelled: its job was aborted" && e["source"] === "active")).toBe(true);
  });

  it("catches up after its subscriber connection was lost while a cancel was published", async () => {
    const f = await fixture();
    const proxy = await startRedisProxy();
    const logs = collectLogs();
    const w = await f.startWorker({ name: "w1", listen: false });
    const subscriber = new Redis(proxy.port, "127.0.0.1", { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    subscriber.on("error", () => undefined);
    const listener = listenForCancellations({ redis: subscriber, channel: f.channel, worker: w.worker, log: logs.log });
    try {
      await listener.ready;
      await f.queue.add("run", {}, { jobId: "run-8-1-x" });
      const run = await f.waitForStart("run-8-1-x");

      proxy.cut();
      await until(() => subscriber.status !== "ready", "the subscriber to notice the cut");
      expect(await requestCancel(deps(f), { jobId: "run-8-1-x", reason: "stop", by: "maia" })).toBe("signalled");
      expect(run.signal.aborted).toBe(false);
      proxy.resume();

      const done = await f.waitForFinish("run-8-1-x");
      expect(done.abortReason).toBe(formatCancelReason("maia", "stop"));
      expect(logs.entries.find((e) => e.msg === "run cancelled: its job was aborted")?.["source"]).toBe("catch-up");
      await logs.waitFor("cancel listener: reconnected and checked the remembered cancel requests");
    } finally {
      await listener.close();
      subscriber.disconnect();
      await proxy.close();
    }
  });

  it("ignores a malformed remembered request, and stops acting once closed", async () => {
    const f = await fixture();
    await f.redis.hset(cancelRequestsKey(f.channel), "run-7-9-x", "{broken");
    const w = await f.startWorker({ name: "w1" });
    await w.logs.waitFor("ignoring a malformed remembered cancel request", (e) => e["jobId"] === "run-7-9-x");

    await f.queue.add("run", {}, { jobId: "run-7-1-x" });
    const run = await f.waitForStart("run-7-1-x");
    await w.listener?.close();
    await w.listener?.close();
    await f.redis.publish(f.channel, JSON.stringify({ jobId: "run-7-1-x", reason: "stop", by: "maia" }));
    // A second listener on the same channel proves the message went out; the closed one did nothing.
    const probeLogs = collectLogs();
    const probeWorker = new Worker(f.queueName, null, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), autorun: false });
    const probeRedis = new Redis(REDIS_URL);
    const probe = listenForCancellations({ redis: probeRedis, channel: f.channel, worker: probeWorker, log: probeLogs.log });
    try {
      await probe.ready;
      await f.redis.publish(f.channel, JSON.stringify({ jobId: "run-7-1-x", reason: "stop", by: "maia" }));
      await probeLogs.waitFor("cancel request for a job this worker does not hold", (e) => e["jobId"] === "run-7-1-x" && e["source"] === "message");
      expect(run.signal.aborted).toBe(false);
      expect(w.logs.entries.some((e) => e["jobId"] === "run-7-1-x")).toBe(false);
    } finally {
      await probe.close();
      await probeWorker.close();
      probeRedis.disconnect();
    }
  });

  it("reports a failed subscription through `ready` without crashing", async () => {
    const f = await fixture();
    const logs = collectLogs();
    const worker = new Worker(f.queueName, null, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), autorun: false });
    const broken = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    broken.on("error", () => undefined);
    const listener = listenForCancellations({ redis: broken, channel: f.channel, worker, log: logs.log });
    try {
      await expect(listener.ready).rejects.toThrow();
      await logs.waitFor("cancel listener: could not subscribe");
    } finally {
      await listener.close();
      await worker.close();
      broken.disconnect();
    }
  });
});
