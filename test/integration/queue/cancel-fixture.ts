import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { cancelChannel, cancelRequestsKey } from "../../../src/queue/cancel-channel.ts";
import { listenForCancellations, type CancellationListener } from "../../../src/queue/listen-for-cancellations.ts";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner, RunResult } from "../../../src/sandbox/process-runner.ts";
import type { Logger } from "../../../src/util/logger.ts";

export const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Poll `check` until it returns something truthy; fail with `what` after `timeoutMs` instead of hanging. */
export async function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Alive = exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export interface RedisProxy {
  port: number;
  /** Drop every connection and refuse new ones until resume(). */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the test Redis whose connections the test can cut, to play a network failure. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the Redis proxy has no port");
  const cut = (): void => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };
  return {
    port: address.port,
    cut,
    resume: () => void (refusing = false),
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type LogEntry = { level: number; msg: string } & Record<string, unknown>;

export interface LogCollector {
  log: Logger;
  entries: LogEntry[];
  /** The first entry with this message (and matching `where`), waiting for it if needed. */
  waitFor(msg: string, where?: (e: LogEntry) => boolean): Promise<LogEntry>;
}

/** A real pino logger whose lines are kept in memory. */
export function collectLogs(): LogCollector {
  const entries: LogEntry[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) });
  return {
    log,
    entries,
    waitFor: (msg, where = () => true) => until(() => entries.find((e) => e.msg === msg && where(e)), `log "${msg}"`),
  };
}

export interface StartedRun {
  jobId: string;
  worker: string;
  /** The pid of `sleep 60`, a grandchild in the runner's process group. */
  pid: number;
  signal: AbortSignal;
}

export interface FinishedRun {
  jobId: string;
  worker: string;
  /** The abort reason the processor saw, undefined if it was not aborted. */
  abortReason: string | undefined;
  result: RunResult;
}

export interface TestWorker {
  name: string;
  worker: Worker;
  logs: LogCollector;
  listener: CancellationListener | undefined;
  /** Start listening (if not started with `listen`), waiting until subscribed. */
  listen(): Promise<CancellationListener>;
}

export interface WorkerOptions {
  name: string;
  /** Start a cancellation listener with the worker (default true). */
  listen?: boolean;
  autorun?: boolean;
  lockDuration?: number;
  stalledInterval?: number;
}

export interface CancelFixture {
  queueName: string;
  channel: string;
  queue: Queue;
  /** A normal connection, for requestCancel. */
  redis: Redis;
  /** Job ids in the order processors started them. */
  processed: string[];
  started: StartedRun[];
  finished: FinishedRun[];
  startWorker(opts: WorkerOptions): Promise<TestWorker>;
  waitForStart(jobId: string): Promise<StartedRun>;
  waitForFinish(jobId: string): Promise<FinishedRun>;
  close(): Promise<void>;
}

/**
 * One queue with a unique name per test; workers whose processor runs `sh -c 'sleep 60 & echo $!; wait'`
 * through Moderator's real ProcessRunner (own process group, killed on abort) and waits for it.
 */
export async function createCancelFixture(): Promise<CancelFixture> {
  const queueName = `cancel-test-${randomUUID()}`;
  const channel = cancelChannel(queueName);
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(r);
    return r;
  };
  const redis = connect();
  const queue = new Queue(queueName, { connection: connect() });
  const cwd = await mkdtemp(path.join(tmpdir(), "moderator-cancel-"));
  const runner: ProcessRunner = await createProcessRunner({ mode: "none", log: () => undefined });
  const processed: string[] = [];
  const started: StartedRun[] = [];
  const finished: FinishedRun[] = [];
  const workers: TestWorker[] = [];

  const processorFor = (workerName: string) =>
    async (job: Job, _token: string | undefined, signal: AbortSignal | undefined): Promise<{ cancelled: boolean }> => {
      if (!signal) throw new Error("the processor got no AbortSignal");
      const jobId = job.id ?? "";
      processed.push(jobId);
      const result = await runner.run({
        command: ["sh", "-c", 'sleep 60 & echo "$!"; wait'],
        cwd,
        env: {},
        timeoutMs: 120_000,
        signal,
        onStdoutLine: (line) => void started.push({ jobId, worker: workerName, pid: Number(line.trim()), signal }),
      });
      finished.push({ jobId, worker: workerName, abortReason: signal.aborted ? String(signal.reason) : undefined, result });
      return { cancelled: result.cancelled };
    };

  const startWorker = async (opts: WorkerOptions): Promise<TestWorker> => {
    const logs = collectLogs();
    const worker = new Worker(queueName, processorFor(opts.name), {
      connection: connect(),
      concurrency: 1,
      autorun: opts.autorun ?? true,
      ...(opts.lockDuration ? { lockDuration: opts.lockDuration } : {}),
      ...(opts.stalledInterval ? { stalledInterval: opts.stalledInterval } : {}),
    });
    worker.on("error", (err) => logs.log.error({ err: err.message }, "worker error"));
    await worker.waitUntilReady();
    const tw: TestWorker = {
      name: opts.name,
      worker,
      logs,
      listener: undefined,
      async listen() {
        tw.listener ??= listenForCancellations({ redis: connect(), channel, worker, log: logs.log });
        await tw.listener.ready;
        return tw.listener;
      },
    };
    workers.push(tw);
    if (opts.listen ?? true) await tw.listen();
    return tw;
  };

  return {
    queueName,
    channel,
    queue,
    redis,
    processed,
    started,
    finished,
    startWorker,
    waitForStart: (jobId) => until(() => started.find((s) => s.jobId === jobId), `job ${jobId} to start its child`),
    waitForFinish: (jobId) => until(() => finished.find((f) => f.jobId === jobId), `job ${jobId} to finish`),
    async close() {
      for (const w of workers) w.worker.cancelAllJobs("test cleanup");
      for (const w of workers) await w.listener?.close();
      for (const w of workers) await w.worker.close();
      await queue.obliterate({ force: true });
      await redis.del(cancelRequestsKey(channel));
      await queue.close();
      for (const c of connections) c.disconnect();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
