import { Redis } from "ioredis";
import type { Env } from "../config/env.ts";
import { createQueues, deliveryJobId, deriveQueueNames } from "../queue/run-queue.ts";
import { resolveRedis } from "../server/resolve-redis.ts";
import { openDatabase } from "../store/open-database.ts";
import { Store } from "../store/store.ts";
import { ConfigError } from "../util/errors.ts";
import { formatDeliveries } from "./format-deliveries.ts";

/** `moderator deliveries [--failed] [--limit N]`: recent webhook deliveries and what became of them. */
export async function deliveriesCommand(env: Env, opts: { failed: boolean; limit: number }): Promise<number> {
  if (!Number.isInteger(opts.limit) || opts.limit <= 0) throw new ConfigError("moderator deliveries", ["--limit: must be a positive whole number"]);
  const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
  try {
    const rows = await new Store(db.prisma).deliveries.list({ limit: opts.limit, failedOnly: opts.failed });
    console.log(formatDeliveries(rows));
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * `moderator redeliver <delivery-id>`: handle a stored delivery again, whatever became of it (for an operator whose
 * GitHub hook log no longer has it). The handlers are idempotent: one run, one tracking comment, one PR.
 */
export async function redeliverCommand(env: Env, deliveryId: string | undefined): Promise<number> {
  if (!deliveryId) throw new ConfigError("moderator redeliver", ["<delivery-id>: missing (see `moderator deliveries`)"]);
  const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
  try {
    const store = new Store(db.prisma);
    const row = await store.deliveries.get(deliveryId);
    if (!row) {
      console.error(`no delivery ${deliveryId} is stored (see \`moderator deliveries\`)`);
      return 1;
    }
    if (row.status === "rejected" || row.payload === null) {
      console.error(`delivery ${deliveryId} cannot be handled again: ${row.status === "rejected" ? `it was refused at intake (${row.error ?? ""})` : "its payload was pruned"}; redeliver it from GitHub`);
      return 1;
    }
    const redis = await resolveRedis({ redisUrl: env.redisUrl, dataDir: env.dataDir, log: () => undefined });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const queues = createQueues({ connection, names: deriveQueueNames(env.queuePrefix), attempts: 1, backoffSeconds: 1 });
    try {
      const reception = await store.deliveries.reopen(deliveryId);
      await queues.enqueueDelivery({ deliveryId }, deliveryJobId(deliveryId, reception));
      console.log(`delivery ${deliveryId} (${row.event}.${row.action ?? ""}, was ${row.status}) queued again on ${queues.names.intake}`);
      return 0;
    } finally {
      await queues.close();
      connection.disconnect();
      await redis.stop();
    }
  } finally {
    await db.close();
  }
}
