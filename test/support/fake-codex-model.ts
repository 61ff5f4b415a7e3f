import { startRecordingServer, type RecordedRequest } from "./recording-server.ts";

export interface FakeCodexModel {
  /** What CODEX_OSS_BASE_URL takes (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  port: number;
  /** Every request: method, path, and the parsed JSON body when there is one. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const sse = (data: { type: string } & Record<string, unknown>): string => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A local model server for the real Codex CLI run with `--oss --local-provider ollama` and CODEX_OSS_BASE_URL:
 * what Codex asks of Ollama before it starts (`GET /v1/models`, `/api/tags`, `/api/version` >= 0.13.4), then the
 * OpenAI Responses API (`POST /v1/responses`, streamed as server-sent events). Scripted: a turn without a tool
 * result yet is answered with one `exec_command` call running `command` (Codex runs it in its working directory);
 * once the call's output is in, with the assistant message `reply`. Each answer reports `usage`.
 */
export async function startFakeCodexModel(script: { command: string; reply: string; model?: string }): Promise<FakeCodexModel> {
  const model = script.model ?? "fake-model";
  let turn = 0;
  const server = await startRecordingServer(({ method, path, body }, res) => {
    const json = (value: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    if (path === "/v1/models") return json({ object: "list", data: [{ id: model, object: "model", owned_by: "fake" }] });
    if (path === "/api/tags") return json({ models: [{ name: model, model }] });
    if (path === "/api/version") return json({ version: "0.14.0" });
    if (method !== "POST" || path !== "/v1/responses") return res.writeHead(404, { "content-type": "application/json" }).end("{}");
    const answered = JSON.stringify((body as { input?: unknown } | undefined)?.input ?? []).includes('"function_call_output"');
    const id = `resp_fake_${++turn}`;
    const item = answered
      ? { type: "message", role: "assistant", id: `msg_fake_${turn}`, content: [{ type: "output_text", text: script.reply }] }
      : { type: "function_call", id: `fc_fake_${turn}`, call_id: `call_fake_${turn}`, name: "exec_command", arguments: JSON.stringify({ cmd: script.command }) };
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(sse({ type: "response.created", response: { id } }));
    res.write(sse({ type: "response.output_item.done", output_index: 0, item }));
    res.end(sse({ type: "response.completed", response: { id, usage: { input_tokens: 100, input_tokens_details: null, output_tokens: 20, output_tokens_details: null, total_tokens: 120 } } }));
  });
  return { baseUrl: `${server.url}/v1`, port: server.port, requests: server.requests, close: server.close };
}
