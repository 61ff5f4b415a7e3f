import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  headers: IncomingMessage["headers"];
}

export interface RecordingServer {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1 (random port) for fake model APIs: records each request, then lets `answer` reply. */
export async function startRecordingServer(answer: (request: RecordedRequest, res: ServerResponse, index: number) => void): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const recorded = { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0]!, body, headers: req.headers };
      requests.push(recorded);
      answer(recorded, res, requests.length - 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
