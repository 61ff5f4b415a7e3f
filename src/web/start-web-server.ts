import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpHandler } from "../intake/receive-webhook.ts";
import type { Logger } from "../util/logger.ts";

export interface WebServer {
  server: Server;
  /** Base URL (loopback when bound to all interfaces). */
  url: string;
  close(): Promise<void>;
}

/**
 * The web process's HTTP server: a chain of handlers (intake first), `/ping`, and 404 for the rest. A handler that
 * throws answers 500 and is logged; it never takes the process down.
 */
export async function startWebServer(opts: { host: string; port: number; handlers: HttpHandler[]; log: Logger }): Promise<WebServer> {
  const { log } = opts;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        for (const handler of opts.handlers) if (await handler(req, res)) return;
        const pathname = (req.url ?? "/").split("?")[0];
        if (pathname === "/ping") {
          res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
          return;
        }
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      } catch (err) {
        log.error({ err, url: req.url }, "web request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("Internal error");
      }
    })();
  });
  // Slow or idle clients cannot hold sockets for long; keep-alive for GitHub's connection reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new Error(`port ${opts.port} is already in use: set PORT to another port`) : err);
    });
    server.listen({ port: opts.port, host: opts.host }, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, "web server listening");
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
