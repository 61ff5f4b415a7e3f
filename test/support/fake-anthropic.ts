import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeAnthropic {
  url: string;
  port: number;
  /** Every request: method, path, and the parsed JSON body when there is one. */
  requests: Array<{ method: string; path: string; body: unknown; headers: IncomingMessage["headers"] }>;
  close(): Promise<void>;
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`, streaming or not): every answer is
 * the text `reply`, ending the turn. Other paths answer `{}`.
 */
export async function startFakeAnthropic(reply = "Nothing to change: the README is fine."): Promise<FakeAnthropic> {
  const requests: FakeAnthropic["requests"] = [];
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
      const path = (req.url ?? "/").split("?")[0]!;
      requests.push({ method: req.method ?? "GET", path, body, headers: req.headers });
      if (req.method === "POST" && path === "/v1/messages/count_tokens") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 10 }));
        return;
      }
      if (req.method !== "POST" || path !== "/v1/messages") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      const model = (body as { model?: string } | undefined)?.model ?? "claude-fake";
      const message = { id: "msg_fake_1", type: "message", role: "assistant", model, content: [] as unknown[], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } };
      if ((body as { stream?: boolean } | undefined)?.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({ ...message, content: [{ type: "text", text: reply }], stop_reason: "end_turn", usage: { input_tokens: 12, output_tokens: 8 } }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(sse("message_start", { type: "message_start", message }));
      res.write(sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }));
      res.write(sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: reply } }));
      res.write(sse("content_block_stop", { type: "content_block_stop", index: 0 }));
      res.write(sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 8 } }));
      res.end(sse("message_stop", { type: "message_stop" }));
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
