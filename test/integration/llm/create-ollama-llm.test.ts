import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkOllama } from "../../../src/llm/check-ollama.ts";
import { createOllamaLlm } from "../../../src/llm/create-ollama-llm.ts";
import { LlmOutputError } from "../../../src/llm/llm.ts";
import { LlmRequestError } from "../../../src/llm/llm-request-error.ts";
import { CancelledError } from "../../../src/util/errors.ts";
import { callTools, say, sayJson, startFakeOllama, type FakeOllama } from "../../support/fake-ollama.ts";

const Answer = z.object({ answer: z.number().int(), reason: z.string().min(1) });

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("createOllamaLlm", () => {
  let fake: FakeOllama;
  beforeEach(async () => {
    fake = await startFakeOllama({ models: ["coder:7b"] });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("json(): sends num_ctx and the JSON Schema as format, validates the answer and reports usage", async () => {
    fake.reply({ kind: "message", content: JSON.stringify({ answer: 42, reason: "because" }), promptEvalCount: 120, evalCount: 9 });
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b", contextTokens: 4096, temperature: 0, keepAlive: "5m" });
    const { value, usage } = await llm.json({ system: "You answer questions.", prompt: "What is six times seven?", schema: Answer });
    expect(value).toEqual({ answer: 42, reason: "because" });
    expect(usage).toEqual({ inputTokens: 120, outputTokens: 9 });
    const [request] = fake.chatRequests();
    expect(request?.model).toBe("coder:7b");
    expect(request?.options).toMatchObject({ num_ctx: 4096, temperature: 0 });
    expect(request?.keep_alive).toBe("5m");
    expect(request?.format).toMatchObject({ type: "object", properties: { answer: { type: "integer" }, reason: { type: "string" } }, required: ["answer", "reason"] });
    expect(request?.messages[0]?.role).toBe("system");
    expect(request?.messages[0]?.content).toContain("JSON Schema");
    expect(request?.messages[1]).toEqual({ role: "user", content: "What is six times seven?" });
  });

  it("json(): an answer that is not JSON is sent back with the problem, and the corrected answer is used", async () => {
    fake.reply(say("The answer is 42."), sayJson({ answer: 42, reason: "six times seven" }));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    const { value, usage } = await llm.json({ system: "s", prompt: "p", schema: Answer });
    expect(value.answer).toBe(42);
    expect(usage.inputTokens).toBeGreaterThan(0);
    const second = fake.chatRequests()[1];
    expect(second?.options?.num_ctx).toBe(16384);
    expect(second?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(second?.messages[2]?.content).toBe("The answer is 42.");
    expect(second?.messages[3]?.content).toMatch(/^That answer could not be used:\n- \(root\): not valid JSON/);
  });

  it("json(): accepts JSON inside a code fence and after a <think> block", async () => {
    fake.reply(say('<think>easy</think>\n```json\n{"answer": 1, "reason": "r"}\n```'));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    await expect(llm.json({ system: "s", prompt: "p", schema: Answer })).resolves.toMatchObject({ value: { answer: 1, reason: "r" } });
  });

  it("json(): an answer that fails the schema twice throws LlmOutputError quoting each problem with its path", async () => {
    fake.reply(sayJson({ answer: "42", reason: "" }), sayJson({ answer: 4.5 }));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    const err = await llm.json({ system: "s", prompt: "p", schema: Answer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmOutputError);
    const out = err as LlmOutputError;
    expect(out.message).toContain('model "coder:7b"');
    expect(out.message).toContain("2 attempts");
    expect(out.problems).toEqual(["answer: Invalid input: expected int, received number", "reason: Invalid input: expected string, received undefined"]);
    expect(out.raw).toBe('{"answer":4.5}');
    const retry = fake.chatRequests()[1];
    expect(retry?.messages[3]?.content).toContain("- answer: ");
    expect(retry?.messages[3]?.content).toContain("- reason: ");
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it("json(): retries: 0 gives up after the first bad answer", async () => {
    fake.reply(say("nope"));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    await expect(llm.json({ system: "s", prompt: "p", schema: Answer, retries: 0 })).rejects.toBeInstanceOf(LlmOutputError);
    expect(fake.chatRequests()).toHaveLength(1);
    await expect(llm.json({ system: "s", prompt: "p", schema: Answer, retries: -1 })).rejects.toThrow("retries must be an integer");
  });

  it("chat(): sends tools and tool results, and returns the model's tool calls", async () => {
    fake.reply(callTools(["read_file", { path: "README.md" }]));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b", contextTokens: 8192 });
    const tools = [{ name: "read_file", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
    const { message, usage } = await llm.chat(
      [
        { role: "system", content: "sys" },
        { role: "user", content: "fix it" },
        { role: "assistant", content: "", toolCalls: [{ name: "list_files", arguments: {} }] },
        { role: "tool", toolName: "list_files", content: "README.md" },
      ],
      { tools },
    );
    expect(message).toEqual({ role: "assistant", content: "", toolCalls: [{ name: "read_file", arguments: { path: "README.md" } }] });
    expect(usage.outputTokens).toBeGreaterThan(0);
    const [request] = fake.chatRequests();
    expect(request?.tools).toEqual([{ type: "function", function: tools[0] }]);
    expect(request?.options?.num_ctx).toBe(8192);
    expect(request?.messages[2]).toEqual({ role: "assistant", content: "", tool_calls: [{ function: { name: "list_files", arguments: {} } }] });
    expect(request?.messages[3]).toEqual({ role: "tool", content: "README.md", tool_name: "list_files" });
  });

  it("a model that is not pulled gives a 404 error that says `ollama pull <model>`", async () => {
    const llm = createOllamaLlm({ host: fake.url, model: "missing:13b" });
    const err = await llm.chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRequestError);
    const e = err as LlmRequestError;
    expect(e.kind).toBe("model_not_found");
    expect(e.httpStatus).toBe(404);
    expect(e.message).toContain(`Ollama at ${fake.url} (model "missing:13b")`);
    expect(e.message).toContain("ollama pull missing:13b");
    expect(e.transient).toBe(false);
  });

  it("a request that takes longer than timeoutMs is aborted with an error naming host and model", async () => {
    fake.reply({ kind: "hang" });
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b", timeoutMs: 300 });
    const err = await llm.chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRequestError);
    expect((err as LlmRequestError).kind).toBe("timeout");
    expect((err as Error).message).toBe(`Ollama at ${fake.url} (model "coder:7b") did not answer within 300 ms`);
  });

  it("a slow answer within the time limit is used", async () => {
    fake.reply(say("finally", { delayMs: 200 }));
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b", timeoutMs: 30_000 });
    await expect(llm.chat([{ role: "user", content: "hi" }])).resolves.toMatchObject({ message: { content: "finally" } });
  });

  it("the caller's signal cancels the request", async () => {
    fake.reply({ kind: "hang" });
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    const controller = new AbortController();
    const pending = llm.chat([{ role: "user", content: "hi" }], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(llm.chat([{ role: "user", content: "hi" }], { signal: aborted.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it("HTTP errors say host, model, status and the server's message, also for a non-JSON body", async () => {
    fake.reply({ kind: "error", status: 500, error: "model requires more system memory (9.1 GiB) than is available (4.0 GiB)" });
    fake.reply({ kind: "raw", status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" });
    fake.reply({ kind: "error", status: 503, error: "server busy, please try again.  maximum pending requests exceeded" });
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    const first = (await llm.chat([{ role: "user", content: "a" }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(first.message).toBe(`Ollama at ${fake.url} (model "coder:7b") answered HTTP 500: model requires more system memory (9.1 GiB) than is available (4.0 GiB)`);
    expect(first.transient).toBe(false);
    expect(first.hint).toContain("smaller model");
    const second = (await llm.chat([{ role: "user", content: "b" }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(second.message).toContain("answered HTTP 502: <html>Bad Gateway</html>");
    const third = (await llm.chat([{ role: "user", content: "c" }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(third.httpStatus).toBe(503);
    expect(third.transient).toBe(true);
  });

  it("an error in the middle of the stream is reported", async () => {
    fake.reply({ kind: "stream-error", content: "partial answer", error: "llama runner process has terminated: signal: killed" });
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b" });
    const err = (await llm.chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(err).toBeInstanceOf(LlmRequestError);
    expect(err.kind).toBe("stream");
    expect(err.message).toBe(`Ollama at ${fake.url} (model "coder:7b") failed while answering: llama runner process has terminated: signal: killed`);
  });

  it("a conversation larger than the context window is refused before it is sent", async () => {
    const llm = createOllamaLlm({ host: fake.url, model: "coder:7b", contextTokens: 1024 });
    const err = (await llm.chat([{ role: "user", content: "x".repeat(10_000) }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(err.kind).toBe("context_overflow");
    expect(err.message).toContain("context window of 1024 tokens");
    expect(fake.requests).toHaveLength(0);
  });

  it("an unreachable server is a transient error that says to check `ollama serve`", async () => {
    const host = await closedPortUrl();
    const llm = createOllamaLlm({ host, model: "coder:7b" });
    const err = (await llm.chat([{ role: "user", content: "hi" }]).catch((e: unknown) => e)) as LlmRequestError;
    expect(err.kind).toBe("unreachable");
    expect(err.message).toBe(`cannot reach Ollama at ${host} (model "coder:7b"): ECONNREFUSED`);
    expect(err.transient).toBe(true);
    expect(err.hint).toContain("ollama serve");
  });

  it("rejects bad options with what is wrong", () => {
    expect(() => createOllamaLlm({ host: "", model: "m" })).toThrow("host must be a non-empty string");
    expect(() => createOllamaLlm({ host: fake.url, model: " " })).toThrow("model must be a non-empty string");
    expect(() => createOllamaLlm({ host: fake.url, model: "m", contextTokens: 10 })).toThrow("contextTokens must be an integer >= 512, got 10");
    expect(() => createOllamaLlm({ host: fake.url, model: "m", temperature: 7 })).toThrow("temperature must be between 0 and 2, got 7");
  });
});

describe("checkOllama", () => {
  let fake: FakeOllama;
  beforeEach(async () => {
    fake = await startFakeOllama({ models: ["coder:7b", "llama3"], version: "0.9.0" });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("is ok when the server answers and the model is pulled (a missing tag means :latest)", async () => {
    await expect(checkOllama({ host: fake.url, model: "llama3" })).resolves.toEqual({
      ok: true,
      version: "0.9.0",
      modelPresent: true,
      models: ["coder:7b", "llama3:latest"],
      detail: `Ollama 0.9.0 at ${fake.url} has model "llama3"`,
    });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/version", "GET /api/tags"]);
    await expect(checkOllama({ host: fake.url })).resolves.toMatchObject({ ok: true, detail: `Ollama 0.9.0 at ${fake.url} with 2 models` });
  });

  it("says to pull a model that is missing", async () => {
    const health = await checkOllama({ host: fake.url, model: "qwen2.5-coder:14b" });
    expect(health).toMatchObject({ ok: false, version: "0.9.0", modelPresent: false });
    expect(health.detail).toBe(`model "qwen2.5-coder:14b" is not pulled on Ollama 0.9.0 at ${fake.url}: run \`ollama pull qwen2.5-coder:14b\` there (pulled: coder:7b, llama3:latest)`);
  });

  it("reports an unreachable server without throwing", async () => {
    const host = await closedPortUrl();
    const health = await checkOllama({ host, model: "coder:7b" });
    expect(health.ok).toBe(false);
    expect(health.models).toEqual([]);
    expect(health.detail).toBe(`Ollama at ${host} is not usable: cannot reach Ollama at ${host} (model "coder:7b"): ECONNREFUSED`);
  });

  it("reports a server that is not Ollama", async () => {
    const other = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>Not Found</h1>");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const host = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const health = await checkOllama({ host });
      expect(health.ok).toBe(false);
      expect(health.detail).toContain(`Ollama at ${host} answered HTTP 404: <h1>Not Found</h1>`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
