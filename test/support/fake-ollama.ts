/**
 * A local fake of the parts of Ollama's HTTP API Moderator uses: a real HTTP server on 127.0.0.1 (random
 * port) answering POST /api/chat from a queue of scripted replies, GET /api/tags and GET /api/version.
 * It records every request (assert that num_ctx, format and tools were sent). Because it is plain HTTP it
 * also serves other processes (a CLI run, a worker).
 *
 * /api/chat streams NDJSON like Ollama unless the request says `"stream": false`; content is split over
 * a few chunks, tool calls come in their own chunk, and the last chunk carries `done`, `done_reason`,
 * `prompt_eval_count` and `eval_count`. A request for a model that is not in `models` gets Ollama's 404
 * without using a scripted reply. When the queue is empty the answer is a 500 that says so.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolCall {
  name: string;
  arguments: unknown;
}

export type FakeOllamaReply =
  /** An assistant message: text and/or tool calls. */
  | { kind: "message"; content?: string; toolCalls?: FakeToolCall[]; promptEvalCount?: number; evalCount?: number; doneReason?: string; delayMs?: number }
  /** An HTTP error with Ollama's JSON body `{"error": ...}`. */
  | { kind: "error"; status: number; error: string; delayMs?: number }
  /** Any status and body (an HTML page from a proxy, a truncated JSON...). */
  | { kind: "raw"; status: number; body: string; contentType?: string; delayMs?: number }
  /** Streams some content, then an `{"error": ...}` line (what Ollama does when the runner dies mid-answer). */
  | { kind: "stream-error"; content?: string; error: string }
  /** Never answers: the request stays open until the client gives up (or the server closes). */
  | { kind: "hang" };

export interface RecordedOllamaRequest {
  method: string;
  path: string;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The status answered; 0 while the request is still open. */
  status: number;
}

/** The parts of a chat request tests look at. */
export interface RecordedChatBody {
  model: string;
  messages: Array<{ role: string; content: string; tool_calls?: Array<{ function: { name: string; arguments: unknown } }>; tool_name?: string }>;
  stream?: boolean;
  format?: unknown;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  options?: Record<string, unknown>;
  keep_alive?: string | number;
}

export type ReplySource = FakeOllamaReply | ((request: RecordedChatBody, index: number) => FakeOllamaReply);

export interface FakeOllama {
  /** Base URL, e.g. http://127.0.0.1:43121 (what `host` takes). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedOllamaRequest[];
  /** Bodies of the /api/chat requests, in arrival order. */
  chatRequests(): RecordedChatBody[];
  /** Adds replies to the queue; a function is called with the request it answers. */
  reply(...replies: ReplySource[]): void;
  /** Replies still queued. */
  pending(): number;
  setModels(names: string[]): void;
  close(): Promise<void>;
}

/** Shorthands for scripting. */
export const say = (content: string, extra: { promptEvalCount?: number; evalCount?: number; doneReason?: string; delayMs?: number } = {}): FakeOllamaReply => ({
  kind: "message",
  content,
  ...extra,
});
export const sayJson = (value: unknown): FakeOllamaReply => ({ kind: "message", content: JSON.stringify(value) });
export const callTools = (...calls: Array<[name: string, args: unknown]>): FakeOllamaReply => ({
  kind: "message",
  content: "",
  toolCalls: calls.map(([name, args]) => ({ name, arguments: args })),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function splitContent(content: string): string[] {
  if (content.length < 6) return content === "" ? [] : [content];
  const third = Math.ceil(content.length / 3);
  return [content.slice(0, third), content.slice(third, 2 * third), content.slice(2 * third)];
}

function tagOf(name: string): string {
  const last = name.slice(name.lastIndexOf("/") + 1);
  return last.includes(":") ? name : `${name}:latest`;
}

export async function startFakeOllama(opts: { models?: string[]; version?: string } = {}): Promise<FakeOllama> {
  const requests: RecordedOllamaRequest[] = [];
  const queue: ReplySource[] = [];
  let models = (opts.models ?? ["test-model:latest"]).map(tagOf);
  const version = opts.version ?? "0.12.3";
  let chatIndex = 0;

  const sendJson = (res: ServerResponse, record: RecordedOllamaRequest, status: number, body: unknown): void => {
    record.status = status;
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  };

  const answerChat = async (res: ServerResponse, record: RecordedOllamaRequest, body: RecordedChatBody): Promise<void> => {
    if (typeof body.model !== "string" || !models.includes(tagOf(body.model))) {
      sendJson(res, record, 404, { error: `model "${String(body.model)}" not found, try pulling it first` });
      return;
    }
    const source = queue.shift();
    const index = chatIndex++;
    if (source === undefined) {
      sendJson(res, record, 500, { error: "fake-ollama: no scripted reply left for this request" });
      return;
    }
    const reply = typeof source === "function" ? source(body, index) : source;
    if (reply.kind === "hang") return;
    if ("delayMs" in reply && reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.kind === "error") {
      sendJson(res, record, reply.status, { error: reply.error });
      return;
    }
    if (reply.kind === "raw") {
      record.status = reply.status;
      res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain; charset=utf-8" });
      res.end(reply.body);
      return;
    }
    const createdAt = new Date().toISOString();
    const base = { model: body.model, created_at: createdAt };
    const stream = body.stream !== false;
    if (reply.kind === "stream-error") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      for (const piece of splitContent(reply.content ?? "")) res.write(`${JSON.stringify({ ...base, message: { role: "assistant", content: piece }, done: false })}\n`);
      res.end(`${JSON.stringify({ error: reply.error })}\n`);
      return;
    }
    const content = reply.content ?? "";
    const toolCalls = (reply.toolCalls ?? []).map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
    const promptEvalCount = reply.promptEvalCount ?? Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
    const evalCount = reply.evalCount ?? Math.ceil(content.length / 4) + toolCalls.length * 10;
    const final = {
      ...base,
      done: true,
      done_reason: reply.doneReason ?? "stop",
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: promptEvalCount,
      prompt_eval_duration: 1000,
      eval_count: evalCount,
      eval_duration: 1000,
    };
    record.status = 200;
    if (!stream) {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      const message = toolCalls.length > 0 ? { role: "assistant", content, tool_calls: toolCalls } : { role: "assistant", content };
      res.end(JSON.stringify({ ...final, message }));
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const piece of splitContent(content)) res.write(`${JSON.stringify({ ...base, message: { role: "assistant", content: piece }, done: false })}\n`);
    if (toolCalls.length > 0) res.write(`${JSON.stringify({ ...base, message: { role: "assistant", content: "", tool_calls: toolCalls }, done: false })}\n`);
    res.end(`${JSON.stringify({ ...final, message: { role: "assistant", content: "" } })}\n`);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake-ollama");
      const text = await readBody(req);
      let body: unknown;
      if (text !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const record: RecordedOllamaRequest = { method: req.method ?? "GET", path: url.pathname, body, headers: req.headers, status: 0 };
      requests.push(record);
      const route = `${record.method} ${url.pathname}`;
      if (route === "GET /api/version") return sendJson(res, record, 200, { version });
      if (route === "GET /api/tags") {
        return sendJson(res, record, 200, {
          models: models.map((name) => ({
            name,
            model: name,
            modified_at: "2025-01-01T00:00:00Z",
            size: 4_000_000_000,
            digest: "0".repeat(64),
            details: { parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "7B", quantization_level: "Q4_K_M" },
          })),
        });
      }
      if (route === "POST /api/chat") {
        if (typeof body !== "object" || body === null) return sendJson(res, record, 400, { error: "invalid request body" });
        return answerChat(res, record, body as RecordedChatBody);
      }
      record.status = 404;
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404 page not found");
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `fake-ollama failed: ${String(err)}` }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chatRequests: () => requests.filter((r) => r.method === "POST" && r.path === "/api/chat").map((r) => r.body as RecordedChatBody),
    reply: (...replies) => {
      queue.push(...replies);
    },
    pending: () => queue.length,
    setModels: (names) => {
      models = names.map(tagOf);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
