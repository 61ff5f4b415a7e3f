import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Prisma } from "../generated/prisma/client.ts";
import { deliveryJobId, type IntakeQueue } from "../queue/run-queue.ts";
import type { DeliveryStore } from "../store/delivery-store.ts";
import type { Logger } from "../util/logger.ts";
import { triageDelivery, validateDelivery } from "./webhook-events.ts";

export interface WebhookReceiverDeps {
  /** The webhook path (WEBHOOK_PATH). */
  path: string;
  secret: string;
  deliveries: DeliveryStore;
  queue: IntakeQueue;
  /** Does a run on this issue wait for a maintainer's answer? (A plain comment is stored only then.) */
  isAwaitingAnswer?: (repositoryGithubId: number, issueNumber: number) => Promise<boolean>;
  log: Logger;
  /** GitHub caps payloads at 25 MB. */
  maxBodyBytes?: number;
  /** How long storing or queueing may take before the answer is 503 (default 5 s: GitHub waits 10 s). */
  timeoutMs?: number;
  /** A redelivery of a delivery not settled after this long is handled again (its job was lost). Default 10 min. */
  staleMs?: number;
  /** Told of every answer (metrics, benches). */
  onAnswer?: (answer: { status: number; event: string; deliveryId: string; ms: number; result: string }) => void;
}

/** An HTTP handler in the style of Probot's server: returns true when it answered the request. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const EVENT_NAME = /^[a-z_]{1,64}$/;
const DELIVERY_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Intake: the only thing the web process does with a webhook. Verify the signature (401), check the headers and the
 * payload against the schema of the event (400, recorded), store the delivery and queue its handling (503 when the
 * database or Redis cannot take it, so GitHub records a failed delivery that can be redelivered), answer 202. No
 * GitHub call, no config fetch, no permission check on the request path: workers do that (handle-delivery-job.ts).
 * A redelivery of a handled delivery is acknowledged and dropped; one that failed or was lost is handled again.
 */
export function createWebhookReceiver(deps: WebhookReceiverDeps): HttpHandler {
  const maxBody = deps.maxBodyBytes ?? 25 * 1024 * 1024;
  const timeoutMs = deps.timeoutMs ?? 5000;
  const staleMs = deps.staleMs ?? 10 * 60_000;
  return async (req, res) => {
    const url = req.url ?? "/";
    const pathname = url.split("?")[0] ?? url;
    if (pathname !== deps.path) return false;
    const started = performance.now();
    let event = "";
    let deliveryId = "";
    const answer = (status: number, body: Record<string, unknown>, result: string): true => {
      if (!res.headersSent) {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      }
      deps.onAnswer?.({ status, event, deliveryId, ms: performance.now() - started, result });
      return true;
    };
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return answer(405, { error: "webhooks are POSTed" }, "method");
    }
    const raw = await readBody(req, maxBody);
    if (raw === "too large") return answer(413, { error: `payload over ${maxBody} bytes` }, "too large");
    if (raw === "aborted") return answer(400, { error: "the request body was cut off" }, "aborted");

    const signature = header(req, "x-hub-signature-256");
    const text = raw.toString("utf8");
    if (!signature || !(await verify(deps.secret, text, signature).catch(() => false))) {
      deps.log.warn({ remote: req.socket.remoteAddress, hasSignature: Boolean(signature) }, "webhook refused: the signature does not match");
      return answer(401, { error: "signature does not match (x-hub-signature-256)" }, "signature");
    }

    event = header(req, "x-github-event") ?? "";
    const rawId = header(req, "x-github-delivery") ?? "";
    const problems: string[] = [];
    if (!EVENT_NAME.test(event)) problems.push(`x-github-event: must be an event name (a-z and '_', at most 64), got ${JSON.stringify(event.slice(0, 80))}`);
    if (!DELIVERY_ID.test(rawId)) problems.push(`x-github-delivery: must be a delivery id (letters, digits, '.', '_', '-', at most 100), got ${JSON.stringify(rawId.slice(0, 80))}`);
    // A malformed delivery is recorded under an id we can trust.
    deliveryId = DELIVERY_ID.test(rawId) ? rawId : `invalid-${createHash("sha256").update(raw).digest("hex").slice(0, 24)}`;
    const safeEvent = EVENT_NAME.test(event) ? event : "(invalid)";
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (err) {
      problems.push(`(payload): not JSON (${(err as Error).message.slice(0, 120)})`);
    }
    if (problems.length === 0 && event === "ping") return answer(200, { ok: "pong" }, "ping");
    const validated = problems.length > 0 ? ({ kind: "malformed", problems } as const) : validateDelivery(event, payload);
    if (validated.kind === "unhandled") return answer(200, { ignored: validated.reason }, "unhandled");
    if (validated.kind === "malformed") {
      const error = `malformed: ${validated.problems.slice(0, 5).join("; ")}`;
      deps.log.warn({ deliveryId, event: safeEvent, problems: validated.problems }, "webhook refused: malformed payload");
      await withTimeout(deps.deliveries.reject({ id: deliveryId, event: safeEvent, action: actionOf(payload), error: error.slice(0, 1000) }), timeoutMs).catch(() => undefined);
      return answer(400, { error: "malformed webhook", problems: validated.problems }, "malformed");
    }

    const triage = triageDelivery(validated.key, validated.payload);
    if (triage.action === "ignore") return answer(200, { ignored: triage.reason }, "ignored");
    if (triage.action === "store-if-awaiting-answer" && deps.isAwaitingAnswer) {
      // The waiting issues are read at most once a second (create-awaiting-answer-check.ts); when they cannot be
      // read, the comment is stored and a worker decides.
      const awaited = await withTimeout(deps.isAwaitingAnswer(triage.repositoryGithubId, triage.issueNumber), timeoutMs).catch(() => true);
      if (!awaited) return answer(200, { ignored: "not a command, and no run waits for an answer here" }, "ignored");
    }

    let received;
    try {
      received = await withTimeout(
        deps.deliveries.receive({
          id: deliveryId,
          event,
          action: validated.action,
          installationId: validated.installationId,
          repository: validated.repository,
          orderKey: validated.orderKey === null ? null : `${validated.installationId}:${validated.orderKey}`,
          payload: validated.payload as Prisma.InputJsonObject,
        }),
        timeoutMs,
      );
    } catch (err) {
      deps.log.error({ err, deliveryId, event }, "webhook not stored: the database is unavailable; GitHub will show a failed delivery to redeliver");
      return answer(503, { error: "Moderator cannot store the delivery right now; redeliver it later" }, "database");
    }
    if (!received.inserted) {
      if (received.previousStatus === "handled") return answer(200, { duplicate: "already handled" }, "duplicate");
      const pending = received.previousStatus === "received" || received.previousStatus === "processing" || received.previousStatus === "retrying";
      if (pending && Date.now() - received.previousUpdatedAt.getTime() < staleMs) return answer(202, { duplicate: "being handled" }, "duplicate");
      // Failed or lost: handle it again.
      try {
        await withTimeout(deps.deliveries.requeue(deliveryId, validated.payload as Prisma.InputJsonObject), timeoutMs);
      } catch (err) {
        deps.log.error({ err, deliveryId }, "redelivery not stored: the database is unavailable");
        return answer(503, { error: "Moderator cannot store the delivery right now; redeliver it later" }, "database");
      }
    }
    try {
      await withTimeout(deps.queue.enqueueDelivery({ deliveryId }, deliveryJobId(deliveryId, received.receivedCount)), timeoutMs);
    } catch (err) {
      deps.log.error({ err: (err as Error).message, deliveryId, event }, "webhook not queued: Redis is unavailable; GitHub will show a failed delivery to redeliver");
      await withTimeout(deps.deliveries.markFailed(deliveryId, `could not queue the delivery: ${(err as Error).message}`, true), timeoutMs).catch(() => undefined);
      return answer(503, { error: "Moderator cannot queue the delivery right now; redeliver it later" }, "redis");
    }
    return answer(202, { queued: deliveryId }, received.inserted ? "queued" : "requeued");
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function actionOf(payload: unknown): string | null {
  const a = (payload as { action?: unknown } | null | undefined)?.action;
  return typeof a === "string" && a.length <= 64 ? a : null;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too large" | "aborted"> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) {
        req.resume();
        return "too large";
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return "aborted";
  }
  return Buffer.concat(chunks);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
