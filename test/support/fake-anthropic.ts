import { startRecordingServer, type RecordingServer } from "./recording-server.ts";

export type FakeAnthropic = RecordingServer;

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export interface FakeAnthropicOptions {
  /**
   * A scripted edit: the first request of the agent's main conversation (it offers the `Write` tool and has no
   * tool result yet) is answered with a `Write` tool call of this file (its path relative to the working directory
   * the CLI names in its system prompt); once the tool result is in, the answer is `reply`.
   */
  writeFile?: { path: string; content: string };
  /** The cost-bearing usage each answer reports (tokens). */
  usage?: { input_tokens: number; output_tokens: number };
}

/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`, streaming or not): every answer is
 * the text `reply`, ending the turn (or, with `writeFile`, first a tool call). Other paths answer `{}`.
 */
export async function startFakeAnthropic(reply = "Nothing to change: the README is fine.", opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const server = await startRecordingServer(({ method, path, body }, res, index) => {
    if (method === "POST" && path === "/v1/messages/count_tokens") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    if (method !== "POST" || path !== "/v1/messages") {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    const model = (body as { model?: string } | undefined)?.model ?? "claude-fake";
    const toolUse = opts.writeFile ? scriptedWrite(body, opts.writeFile) : undefined;
    if (toolUse) {
      const id = `toolu_fake_${index}`;
      const usage = opts.usage ?? { input_tokens: 12, output_tokens: 8 };
      const message = { id: `msg_fake_${index}`, type: "message", role: "assistant", model, content: [] as unknown[], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } };
      if ((body as { stream?: boolean } | undefined)?.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...message, content: [{ type: "tool_use", id, name: "Write", input: toolUse }], stop_reason: "tool_use", usage }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(sse("message_start", { type: "message_start", message }));
      res.write(sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id, name: "Write", input: {} } }));
      res.write(sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(toolUse) } }));
      res.write(sse("content_block_stop", { type: "content_block_stop", index: 0 }));
      res.write(sse("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
      res.end(sse("message_stop", { type: "message_stop" }));
      return;
    }
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
  return server;
}

/** The Write call for a request of the main conversation that has not used a tool yet (see FakeAnthropicOptions). */
function scriptedWrite(body: unknown, file: { path: string; content: string }): { file_path: string; content: string } | undefined {
  const b = body as { tools?: Array<{ name?: string }>; messages?: Array<{ content?: unknown }>; system?: unknown } | undefined;
  if (!b?.tools?.some((t) => t.name === "Write")) return undefined;
  if (JSON.stringify(b.messages ?? []).includes('"tool_result"')) return undefined;
  const cwd = /Primary working directory: (\S+)|Working directory: (\S+)/.exec(JSON.stringify(b.system ?? "") + JSON.stringify(b.messages ?? ""));
  const dir = (cwd?.[1] ?? cwd?.[2] ?? "").replace(/\\n.*$/, "");
  if (!dir) return undefined;
  return { file_path: `${dir.replace(/\/+$/, "")}/${file.path}`, content: file.content };
}
