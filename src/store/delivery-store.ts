import { Prisma, type PrismaClient, type WebhookDelivery } from "../generated/prisma/client.ts";

/** A delivery that passed intake's validation, as stored before it is queued. */
export interface IncomingDelivery {
  id: string;
  event: string;
  action: string;
  installationId: number;
  repository: string;
  orderKey: string | null;
  payload: Prisma.InputJsonObject;
}

export type DeliveryStatus = "received" | "processing" | "retrying" | "handled" | "failed" | "rejected";

export interface ReceivedDelivery {
  /** First time this id was seen. */
  inserted: boolean;
  /** The status before this reception (for a new delivery: "received"). */
  previousStatus: DeliveryStatus;
  /** Counts every reception, so each handling of a redelivery gets its own job id. */
  receivedCount: number;
  /** When the row last changed before this reception. */
  previousUpdatedAt: Date;
}

/** Statuses of a delivery that is settled: nothing more will happen to it unless someone redelivers it. */
export const SETTLED_DELIVERY_STATUSES: readonly DeliveryStatus[] = ["handled", "failed", "rejected"];

/**
 * The webhook deliveries: intake stores them before answering GitHub, workers mark them as they handle them.
 * Race-safe by the primary key (the X-GitHub-Delivery id): two receptions of one id are one row.
 */
export class DeliveryStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Store a delivery (or count a redelivery of a known id, refreshing its payload). One statement, so two web
   * processes receiving the same id at once agree on what happened.
   */
  async receive(d: IncomingDelivery): Promise<ReceivedDelivery> {
    const rows = await this.prisma.$queryRaw<Array<{ inserted: boolean; previous_status: string; received_count: number; previous_updated_at: Date }>>`
      WITH before AS (SELECT "status", "updatedAt" FROM "WebhookDelivery" WHERE "id" = ${d.id})
      INSERT INTO "WebhookDelivery" ("id", "event", "action", "repository", "installationId", "orderKey", "payload", "status", "receivedCount", "receivedAt", "updatedAt")
      VALUES (${d.id}, ${d.event}, ${d.action}, ${d.repository}, ${BigInt(d.installationId)}, ${d.orderKey}, ${JSON.stringify(withoutNul(d.payload))}::jsonb, 'received', 1, now(), now())
      ON CONFLICT ("id") DO UPDATE SET
        "receivedCount" = "WebhookDelivery"."receivedCount" + 1,
        "payload" = COALESCE("WebhookDelivery"."payload", EXCLUDED."payload"),
        "updatedAt" = now()
      RETURNING (xmax = 0) AS inserted,
        COALESCE((SELECT "status" FROM before), 'received') AS previous_status,
        "receivedCount" AS received_count,
        COALESCE((SELECT "updatedAt" FROM before), now()) AS previous_updated_at`;
    const row = rows[0];
    if (!row) throw new Error(`webhook delivery ${d.id}: the insert returned no row`);
    return {
      inserted: row.inserted,
      previousStatus: row.previous_status as DeliveryStatus,
      receivedCount: Number(row.received_count),
      previousUpdatedAt: new Date(row.previous_updated_at),
    };
  }

  /** A malformed delivery, kept for the operator (no payload: it is not trusted). Never throws. */
  async reject(d: { id: string; event: string; action?: string | null; error: string }): Promise<void> {
    await this.prisma.webhookDelivery
      .upsert({
        where: { id: d.id },
        create: { id: d.id, event: d.event, action: d.action ?? null, status: "rejected", error: d.error, handledAt: new Date() },
        update: { receivedCount: { increment: 1 }, error: d.error },
      })
      .catch(() => undefined);
  }

  /** The issues (`<repository github id>#<number>`) where a run waits for a maintainer's answer. */
  async listAwaitingAnswer(): Promise<Set<string>> {
    const rows = await this.prisma.execution.findMany({
      where: { status: "waiting_for_human" },
      select: { issueNumber: true, repository: { select: { githubId: true } } },
    });
    return new Set(rows.map((r) => `${r.repository.githubId}#${r.issueNumber}`));
  }

  async get(id: string): Promise<WebhookDelivery | null> {
    return this.prisma.webhookDelivery.findUnique({ where: { id } });
  }

  /** Ready to be handled again (a redelivery of a failed or lost one, or an operator's `redeliver`). */
  async requeue(id: string, payload?: Prisma.InputJsonObject): Promise<void> {
    await this.prisma.webhookDelivery.update({ where: { id }, data: { status: "received", error: null, ...(payload ? { payload: withoutNul(payload) as Prisma.InputJsonObject } : {}) } });
  }

  /** Open a stored delivery for another handling (sweeper, `moderator redeliver`); returns its new reception count. */
  async reopen(id: string): Promise<number> {
    const row = await this.prisma.webhookDelivery.update({ where: { id }, data: { status: "received", error: null, receivedCount: { increment: 1 } } });
    return row.receivedCount;
  }

  async markProcessing(id: string): Promise<void> {
    await this.prisma.webhookDelivery.update({ where: { id }, data: { status: "processing", attempts: { increment: 1 } } });
  }

  async markHandled(id: string, outcome: string): Promise<void> {
    await this.prisma.webhookDelivery.update({ where: { id }, data: { status: "handled", outcome: outcome.slice(0, 500), error: null, handledAt: new Date() } });
  }

  /** A failure: `retrying` when the queue will try again, `failed` (with its reason) when it will not. */
  async markFailed(id: string, error: string, final: boolean): Promise<void> {
    await this.prisma.webhookDelivery.update({
      where: { id },
      data: { status: final ? "failed" : "retrying", error: error.slice(0, 1000), ...(final ? { handledAt: new Date() } : {}) },
    });
  }

  /**
   * Is an earlier delivery of the same conversation (order key) still waiting to be handled? Those younger than
   * `maxWaitMs` are waited for, so one issue's events are handled in the order GitHub sent them.
   */
  async hasEarlierPending(d: { id: string; orderKey: string; receivedAt: Date }, maxWaitMs: number): Promise<boolean> {
    const earlier = await this.prisma.webhookDelivery.findFirst({
      where: {
        orderKey: d.orderKey,
        status: { in: ["received", "processing", "retrying"] },
        id: { not: d.id },
        receivedAt: { gte: new Date(d.receivedAt.getTime() - maxWaitMs) },
        OR: [{ receivedAt: { lt: d.receivedAt } }, { receivedAt: d.receivedAt, id: { lt: d.id } }],
      },
      select: { id: true },
    });
    return earlier !== null;
  }

  async list(opts: { limit: number; failedOnly?: boolean }): Promise<WebhookDelivery[]> {
    return this.prisma.webhookDelivery.findMany({
      where: opts.failedOnly ? { status: { in: ["failed", "rejected", "retrying"] } } : {},
      orderBy: { receivedAt: "desc" },
      take: opts.limit,
    });
  }

  /** Deliveries left unhandled (their job lost with a Redis, say): older than `olderThanMs`, not settled. */
  async listStale(olderThanMs: number, limit: number): Promise<WebhookDelivery[]> {
    return this.prisma.webhookDelivery.findMany({
      where: { status: { in: ["received", "processing", "retrying"] }, updatedAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { receivedAt: "asc" },
      take: limit,
    });
  }

  /** Drop the payloads of settled deliveries older than `payloadDays`, and the rows older than `rowDays`. */
  async prune(opts: { payloadDays: number; rowDays: number }): Promise<{ payloads: number; rows: number }> {
    const day = 24 * 3600 * 1000;
    const payloads = await this.prisma.webhookDelivery.updateMany({
      where: { status: { in: [...SETTLED_DELIVERY_STATUSES] }, receivedAt: { lt: new Date(Date.now() - opts.payloadDays * day) }, NOT: { payload: { equals: Prisma.DbNull } } },
      data: { payload: Prisma.DbNull },
    });
    const rows = await this.prisma.webhookDelivery.deleteMany({
      where: { status: { in: [...SETTLED_DELIVERY_STATUSES] }, receivedAt: { lt: new Date(Date.now() - opts.rowDays * day) } },
    });
    return { payloads: payloads.count, rows: rows.count };
  }
}

/**
 * PostgreSQL's jsonb (and text) cannot hold U+0000, which user text in a payload may carry: drop it from every string
 * (key or value), so such a delivery is stored instead of refused with 503 on every redelivery.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  }
  return value;
}
