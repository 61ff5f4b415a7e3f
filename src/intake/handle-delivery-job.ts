import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { GitHubClient } from "../app/github-client.ts";
import type { WebhookHandlers } from "../app/webhook-context.ts";
import { classifyError } from "../pipeline/classify-error.ts";
import { WebhookJobData } from "../queue/run-queue.ts";
import type { DeliveryStore } from "../store/delivery-store.ts";
import type { Logger } from "../util/logger.ts";
import { redactSecrets } from "../util/redact.ts";

export interface DeliveryJobDeps {
  deliveries: DeliveryStore;
  handlers: WebhookHandlers;
  /** A client authenticated as the installation (tokens are cached by the App's auth). */
  octokitFor(installationId: number): Promise<GitHubClient>;
  log: Logger;
  /** How long a delivery waits for an earlier one of the same issue or pull request to be handled (default 60 s). */
  orderWaitMs?: number;
  /** How soon a delivery that waits for an earlier one looks again (default 150 ms). */
  orderPollMs?: number;
}

export type DeliveryJobResult = { outcome: string };

/**
 * Handle one stored delivery: the worker side of intake. Idempotent (a handled delivery is not handled twice; the
 * handlers themselves find the run, comment and PR they already made). Deliveries of one conversation wait for the
 * earlier ones. A transient failure (network, GitHub 5xx, rate limits) is retried by the queue with backoff and the
 * delivery says `retrying`; a permanent one, or the last attempt, marks it `failed` with its reason, so that GitHub's
 * Redeliver (or `moderator redeliver`) handles it again.
 */
export async function handleDeliveryJob(job: Job, token: string | undefined, deps: DeliveryJobDeps): Promise<DeliveryJobResult> {
  const data = WebhookJobData.safeParse(job.data);
  if (!data.success) throw new UnrecoverableError(`intake job ${job.id}: invalid data (${data.error.issues.map((i) => i.message).join("; ")})`);
  const { deliveryId } = data.data;
  const row = await deps.deliveries.get(deliveryId);
  if (!row) {
    // Never a silent skip: this is another deployment's job (same Redis, same queue names) or a lost row.
    const message =
      `delivery ${deliveryId} is not in this database: is another Moderator deployment using this Redis with the same ` +
      "queue names? Set a distinct MODERATOR_QUEUE (or App id) per deployment";
    deps.log.error({ deliveryId, jobId: job.id, queue: job.queueName }, message);
    throw new UnrecoverableError(message);
  }
  if (row.status === "handled") return { outcome: `already handled: ${row.outcome ?? ""}` };
  if (row.status === "rejected") throw new UnrecoverableError(`delivery ${deliveryId} was rejected at intake: ${row.error ?? ""}`);
  if (row.payload === null || typeof row.payload !== "object" || Array.isArray(row.payload)) {
    await deps.deliveries.markFailed(deliveryId, "the stored payload is gone (pruned); redeliver it from GitHub", true);
    throw new UnrecoverableError(`delivery ${deliveryId}: no stored payload`);
  }
  if (row.orderKey && token && (await deps.deliveries.hasEarlierPending({ id: row.id, orderKey: row.orderKey, receivedAt: row.receivedAt }, deps.orderWaitMs ?? 60_000))) {
    // An earlier event of this issue is still being handled: look again shortly (costs no attempt).
    await job.moveToDelayed(Date.now() + (deps.orderPollMs ?? 150), token);
    throw new DelayedError(`delivery ${deliveryId} waits for an earlier delivery of ${row.orderKey}`);
  }
  const name = `${row.event}.${row.action ?? ""}`;
  const handler = deps.handlers[name];
  if (!handler) {
    await deps.deliveries.markHandled(deliveryId, `ignored: no handler for ${name}`);
    return { outcome: `ignored: no handler for ${name}` };
  }
  await deps.deliveries.markProcessing(deliveryId);
  try {
    if (row.installationId === null) throw new UnrecoverableError(`delivery ${deliveryId} has no installation id`);
    const octokit = await deps.octokitFor(Number(row.installationId));
    const outcome = await handler({ id: row.id, name, payload: row.payload as Record<string, unknown>, octokit, receivedAt: row.receivedAt });
    await deps.deliveries.markHandled(deliveryId, outcome);
    deps.log.info({ deliveryId, event: name, outcome, waitedMs: Date.now() - row.receivedAt.getTime() }, "webhook handled");
    return { outcome };
  } catch (err) {
    const classified = classifyError(err, undefined);
    const final = err instanceof UnrecoverableError || classified.kind !== "transient" || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const message = redactSecrets(classified.message);
    await deps.deliveries.markFailed(deliveryId, message, final).catch((e: unknown) => deps.log.error({ err: e, deliveryId }, "could not record the delivery's failure"));
    deps.log[final ? "error" : "warn"]({ deliveryId, event: name, attempt: job.attemptsMade + 1, error: message }, final ? "webhook handling failed" : "webhook handling failed; will retry");
    if (final) throw new UnrecoverableError(message);
    throw err;
  }
}
