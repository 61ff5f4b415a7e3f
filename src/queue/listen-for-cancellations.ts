import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../util/logger.ts";
import { cancelRequestsKey } from "./cancel-channel.ts";
import { parseCancelMessage, type CancelMessage } from "./cancel-message.ts";
import { formatCancelReason } from "./cancel-reason.ts";

export interface ListenForCancellationsDeps {
  /** A dedicated connection: it is put in subscriber mode. The caller creates it and quits it after close(). */
  redis: Redis;
  channel: string;
  worker: Worker;
  log: Logger;
  /**
   * A job this worker has just taken is locked by it in Redis a moment before BullMQ hands it to the processor
   * (and only then can it be aborted). A request arriving in that moment is retried for up to this long (default 10 s).
   */
  settleMs?: number;
  /** Pause between those retries (default 50 ms). */
  retryMs?: number;
}

export interface CancellationListener {
  /** Settles once subscribed and the remembered requests were checked; rejects if subscribing failed. */
  ready: Promise<void>;
  /** Unsubscribe and stop; idempotent. Does not quit `redis` (the caller's) nor touch the worker. */
  close(): Promise<void>;
}

const DEFAULT_SETTLE_MS = 10_000;
const DEFAULT_RETRY_MS = 50;

/**
 * Run in every worker process: aborts, through `worker.cancelJob(jobId, "moderator:cancel:<by>:<reason>")`, the
 * runs this worker holds when a cancel request for them is published on `channel` (see requestCancel).
 * It also checks the remembered requests when it (re)subscribes and whenever this worker takes a job, so a
 * missed message or a job re-picked after its worker died is still cancelled.
 * Malformed messages are logged and ignored; Redis errors are logged, never thrown.
 */
export function listenForCancellations(deps: ListenForCancellationsDeps): CancellationListener {
  const { redis, channel, worker, log } = deps;
  const settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
  const retryMs = deps.retryMs ?? DEFAULT_RETRY_MS;
  const requestsKey = cancelRequestsKey(channel);
  // Commands (GET, HGET...) cannot go over a connection in subscriber mode.
  const commands = redis.duplicate();
  commands.on("error", (err: Error) => log.warn({ err: err.message, channel }, "cancel listener: Redis command connection error"));
  const settling = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /** Whether this worker holds the job's lock (BullMQ's lock token is `<worker.id>:<n>`). */
  const holdsLock = async (jobId: string): Promise<boolean> => {
    const token = await commands.get(`${worker.toKey(jobId)}:lock`);
    return token !== null && token.startsWith(`${worker.id}:`);
  };

  const cancelHere = async (request: CancelMessage, source: "message" | "active" | "catch-up"): Promise<void> => {
    if (closed) return;
    const { jobId, by } = request;
    const abortReason = formatCancelReason(by, request.reason);
    if (worker.cancelJob(jobId, abortReason)) {
      log.info({ jobId, by, reason: request.reason, source }, "run cancelled: its job was aborted");
      return;
    }
    if (settling.has(jobId)) return;
    if (!(await holdsLock(jobId))) {
      log.debug({ jobId, source }, "cancel request for a job this worker does not hold");
      return;
    }
    if (closed || settling.has(jobId)) return; // closed, or another path took it up while we asked Redis
    // Locked by this worker but not yet handed to the processor: retry until it is.
    const deadline = Date.now() + settleMs;
    log.info({ jobId, by, source }, "cancel request for a job this worker is starting; aborting it once it starts");
    const retry = (): void => {
      if (closed) return;
      if (worker.cancelJob(jobId, abortReason)) {
        settling.delete(jobId);
        log.info({ jobId, by, reason: request.reason, source }, "run cancelled: its job was aborted");
        return;
      }
      if (Date.now() >= deadline) {
        settling.delete(jobId);
        log.warn({ jobId, by, settleMs }, "cancel request: this worker holds the job but it never reached the processor; not aborted");
        return;
      }
      settling.set(jobId, setTimeout(retry, retryMs));
    };
    settling.set(jobId, setTimeout(retry, 0));
  };

  const run = (request: CancelMessage, source: "message" | "active" | "catch-up"): void => {
    cancelHere(request, source).catch((err: unknown) =>
      log.warn({ err: (err as Error).message, jobId: request.jobId, source }, "cancel request could not be checked"),
    );
  };

  const onMessage = (from: string, raw: string): void => {
    if (from !== channel || closed) return;
    const parsed = parseCancelMessage(raw);
    if (!parsed.ok) {
      log.warn({ channel, error: parsed.error, message: raw.slice(0, 200) }, "ignoring a malformed cancel message");
      return;
    }
    run(parsed.message, "message");
  };

  /** A remembered request for `jobId`, if any (malformed entries are logged and ignored). */
  const rememberedRequest = async (jobId: string): Promise<CancelMessage | undefined> => {
    const raw = await commands.hget(requestsKey, jobId);
    if (raw === null) return undefined;
    const parsed = parseCancelMessage(raw);
    if (!parsed.ok) {
      log.warn({ jobId, key: requestsKey, error: parsed.error }, "ignoring a malformed remembered cancel request");
      return undefined;
    }
    return parsed.message;
  };

  const onActive = (job: Job): void => {
    const jobId = job.id;
    if (closed || jobId === undefined) return;
    rememberedRequest(jobId)
      .then((request) => {
        if (request) run(request, "active");
      })
      .catch((err: unknown) => log.warn({ err: (err as Error).message, jobId }, "could not check the cancel requests for a started job"));
  };

  /** Check every remembered request: one for a job this worker holds was possibly missed. */
  const catchUp = async (): Promise<void> => {
    const all = await commands.hgetall(requestsKey);
    for (const [field, raw] of Object.entries(all)) {
      const parsed = parseCancelMessage(raw);
      if (!parsed.ok || parsed.message.jobId !== field) {
        log.warn({ jobId: field, key: requestsKey, error: parsed.ok ? "job id differs from its field" : parsed.error }, "ignoring a malformed remembered cancel request");
        continue;
      }
      await cancelHere(parsed.message, "catch-up");
    }
  };

  // Messages published while the subscriber was disconnected are lost: after a reconnect, subscribe (ioredis
  // re-subscribes too; a second SUBSCRIBE is harmless and tells us when it is done), then catch up.
  let subscribedOnce = false;
  const onReady = (): void => {
    if (!subscribedOnce || closed) return;
    (async () => {
      await redis.subscribe(channel);
      await catchUp();
      log.info({ channel }, "cancel listener: reconnected and checked the remembered cancel requests");
    })().catch((err: unknown) => log.warn({ err: (err as Error).message, channel }, "cancel listener: catching up after a reconnect failed"));
  };

  redis.on("message", onMessage);
  redis.on("ready", onReady);
  worker.on("active", onActive);

  const ready = (async () => {
    await redis.subscribe(channel);
    subscribedOnce = true;
    await catchUp();
    log.debug({ channel }, "listening for cancel requests");
  })();
  ready.catch((err: unknown) => log.error({ err: (err as Error).message, channel }, "cancel listener: could not subscribe"));

  let closing: Promise<void> | undefined;
  return {
    ready,
    close() {
      closing ??= (async () => {
        closed = true;
        for (const timer of settling.values()) clearTimeout(timer);
        settling.clear();
        worker.off("active", onActive);
        redis.off("message", onMessage);
        redis.off("ready", onReady);
        await ready.catch(() => undefined);
        if (redis.status === "ready") await redis.unsubscribe(channel).catch(() => undefined);
        await commands.quit().catch(() => commands.disconnect());
      })();
      return closing;
    },
  };
}
