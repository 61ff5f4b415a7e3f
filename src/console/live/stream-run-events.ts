import type { IncomingMessage, ServerResponse } from "node:http";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { listEventsAfter } from "../read-models/list-events-after.ts";
import type { EventFeed } from "./create-event-feed.ts";

const FINAL = new Set(["completed", "failed", "cancelled"]);

/**
 * Server-Sent Events of one run: the events after `Last-Event-ID` (a reconnecting EventSource sends it) or `?after=`,
 * then each new one as it is appended, whichever process appended it. Every event carries its log id, so a reconnect
 * resumes exactly. A `status` event follows each batch; a catch-up read every `catchUpMs` covers a lost notice.
 */
export function streamRunEvents(opts: {
  req: IncomingMessage;
  res: ServerResponse;
  prisma: PrismaClient;
  feed: EventFeed;
  executionId: string;
  catchUpMs?: number;
}): void {
  const { req, res, prisma, executionId } = opts;
  const url = new URL(req.url ?? "/", "http://x");
  const fromHeader = req.headers["last-event-id"];
  const start = (typeof fromHeader === "string" ? fromHeader : undefined) ?? url.searchParams.get("after") ?? "0";
  let lastId = /^\d{1,19}$/.test(start) ? BigInt(start) : 0n;
  let lastStatus = "";
  let running = false;
  let again = false;
  let closed = false;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write("retry: 1000\n\n");
  const drain = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          const events = await listEventsAfter(prisma, executionId, lastId, 200);
          if (closed) return;
          for (const e of events) {
            const data = { id: String(e.id), at: e.at.toISOString(), phase: e.phase, type: e.type, level: e.level, message: e.message };
            res.write(`id: ${e.id}\nevent: run-event\ndata: ${JSON.stringify(data)}\n\n`);
            lastId = e.id;
          }
          if (events.length < 200) break;
        }
        const row = await prisma.execution.findUnique({ where: { id: executionId }, select: { status: true, phase: true } });
        if (closed) return;
        if (row && row.status !== lastStatus) {
          lastStatus = row.status;
          res.write(`event: status\ndata: ${JSON.stringify({ status: row.status, phase: row.phase, final: FINAL.has(row.status) })}\n\n`);
        }
      } while (again && !closed);
    } catch {
      // The database blinked: the next notice or catch-up tries again.
    } finally {
      running = false;
    }
  };
  const unwatch = opts.feed.watch(executionId, () => void drain());
  const timer = setInterval(() => {
    res.write(": keep-alive\n\n");
    void drain();
  }, opts.catchUpMs ?? 5000);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    unwatch();
  };
  req.on("close", stop);
  res.on("close", stop);
  void drain();
}
