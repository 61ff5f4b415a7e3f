import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import express from "express";

export const QUEUE_BOARD_PATH = "/dashboard/queues";

/**
 * Bull Board over Moderator's four queues, as a plain node:http handler (its Express adapter mounted in a private
 * Express app). The caller decides who reaches it (admins only). Its page links a web font from Google; the
 * Content-Security-Policy keeps the browser from fetching anything but this server.
 */
export function createQueueBoard(queues: readonly Queue[]): (req: IncomingMessage, res: ServerResponse) => void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter, options: { uiConfig: { boardTitle: "Moderator queues" } } });
  const app = express();
  app.disable("x-powered-by");
  app.use(QUEUE_BOARD_PATH, adapter.getRouter() as express.Router);
  return (req, res) => {
    res.setHeader(
      "content-security-policy",
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'",
    );
    res.setHeader("x-frame-options", "DENY");
    app(req as express.Request, res as express.Response, () => {
      if (!res.headersSent) res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    });
  };
}
