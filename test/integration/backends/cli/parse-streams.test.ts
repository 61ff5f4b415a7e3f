import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../../../src/backends/backend.ts";
import type { CliStreamParser } from "../../../../src/backends/cli-stream-parser.ts";
import { createAiderStreamParser, createAiderStreamState, parseAiderOutputLine } from "../../../../src/backends/parse-aider-stream.ts";
import { createClaudeStreamParser, parseClaudeStreamLine } from "../../../../src/backends/parse-claude-stream.ts";
import { createCodexStreamParser, parseCodexStreamLine } from "../../../../src/backends/parse-codex-stream.ts";
import { createGeminiStreamParser, createGeminiStreamState, parseGeminiStreamLine } from "../../../../src/backends/parse-gemini-stream.ts";
import { SAMPLES } from "./cli-test-support.ts";

/** Pure parser tests against the recorded and reconstructed samples (no processes). */

function feed(parser: CliStreamParser, lines: string[]): AgentEvent[] {
  const events = lines.flatMap((l) => parser.stdoutLine(l));
  events.push(...parser.finish());
  return events;
}
const sample = (name: string): string[] => readFileSync(path.join(SAMPLES, name), "utf8").split("\n");

describe("parseClaudeStreamLine", () => {
  it("turns the recorded Claude Code 2.1.329 stream into events", () => {
    const parser = createClaudeStreamParser();
    expect(feed(parser, sample("claude-code-2.1.329-stream-json.jsonl"))).toEqual([
      { kind: "raw", data: { type: "init", model: "claude-opus-5-5", sessionId: "f507d671-e61f-4bf2-992d-0c89417e56f8", version: "2.1.329", permissionMode: "bypassPermissions" } },
      { kind: "tool_call", tool: "Read", input: { file_path: "/workspace/README.md" } },
      { kind: "tool_call", tool: "Edit", input: { replace_all: false, file_path: "/workspace/README.md", old_string: "old line", new_string: "new line" } },
      { kind: "file_edit", path: "/workspace/README.md" },
      { kind: "tool_call", tool: "Write", input: { file_path: "/workspace/src/hello.js", content: 'export const hello = () => "hi";\n' } },
      { kind: "file_edit", path: "/workspace/src/hello.js" },
      { kind: "tool_call", tool: "Bash", input: { command: "ls src", description: "List src" } },
      { kind: "message", text: "Updated README.md and added src/hello.js." },
      { kind: "usage", inputTokens: 24227, outputTokens: 167, costUsd: 0.10024799999999999, turns: 5 },
      { kind: "result", success: true, text: "Updated README.md and added src/hello.js." },
    ]);
    expect(parser.failure()).toBeUndefined();
  });

  it("reports the recorded 401 as a failure with Claude's message and a hint", () => {
    const parser = createClaudeStreamParser();
    const events = feed(parser, sample("claude-code-2.1.329-auth-error.jsonl"));
    const message = "Failed to authenticate. API Error: 401 authentication_error (API error 401: check the API key the backend passes to Claude Code, e.g. ANTHROPIC_API_KEY in its env list)";
    expect(events.slice(1)).toEqual([
      { kind: "raw", data: { type: "api_retry", attempt: 1, maxRetries: 1, status: 401, error: "authentication_failed" } },
      { kind: "raw", data: { type: "api_error", status: 401, error: "authentication_failed", text: "Failed to authenticate. API Error: 401 authentication_error" } },
      { kind: "usage", inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 1 },
      { kind: "error", message },
      { kind: "result", success: false, text: message },
    ]);
    expect(parser.failure()).toBe(message);
  });

  it("counts cached input tokens, names a stop without a result text, reports permission denials", () => {
    const line = JSON.stringify({
      type: "result",
      subtype: "error_max_turns",
      is_error: true,
      num_turns: 30,
      total_cost_usd: 1.5,
      usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000, output_tokens: 40 },
      permission_denials: [{ tool_name: "WebFetch", tool_use_id: "t1", tool_input: {} }],
    });
    expect(parseClaudeStreamLine(line)).toEqual([
      { kind: "usage", inputTokens: 3210, outputTokens: 40, costUsd: 1.5, turns: 30 },
      { kind: "raw", data: { type: "permission_denials", tools: ["WebFetch"] } },
      { kind: "error", message: "Claude Code stopped at the turn limit (--max-turns)" },
      { kind: "result", success: false, text: "Claude Code stopped at the turn limit (--max-turns)" },
    ]);
  });

  it("emits no file_edit for a failed tool result, and cuts huge tool inputs", () => {
    const failed = JSON.stringify({
      type: "user",
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t", is_error: true, content: "File has not been read yet" }] },
      tool_use_result: { filePath: "/w/a.js", oldString: "a", structuredPatch: [] },
    });
    expect(parseClaudeStreamLine(failed)).toEqual([]);
    const huge = JSON.stringify({ type: "assistant", message: { content: [{ type: "tool_use", name: "Write", input: { file_path: "/w/big.txt", content: "x".repeat(5000) } }] } });
    const [event] = parseClaudeStreamLine(huge);
    expect(event).toEqual({ kind: "tool_call", tool: "Write", input: { file_path: "/w/big.txt", content: `${"x".repeat(2000)}… [3000 more chars]` } });
  });
});

describe("parseCodexStreamLine", () => {
  it("turns the recorded Codex 0.169.0 stream into events; its warning item is not an error", () => {
    const parser = createCodexStreamParser();
    expect(feed(parser, sample("codex-0.169.0-exec-json.jsonl"))).toEqual([
      { kind: "raw", data: { type: "thread.started", threadId: "01a1fcfa-ca27-7c21-874c-64dd2bdc6af5" } },
      {
        kind: "raw",
        data: { type: "warning", message: "Model metadata for `qwen2.5-coder:7b` not found. Defaulting to fallback metadata; this can degrade performance and cause issues." },
      },
      { kind: "tool_call", tool: "shell", input: { command: `/bin/bash -lc "printf 'export const hello = () => \\"hi\\";\\\\n' > hello.js && ls"` } },
      { kind: "raw", data: { type: "command_finished", exitCode: 0, status: "completed" } },
      { kind: "message", text: "Created hello.js." },
      { kind: "usage", turns: 1, inputTokens: 10442, outputTokens: 109 },
      { kind: "result", success: true },
    ]);
    expect(parser.failure()).toBeUndefined();
  });

  it("reports a failed turn with Codex's message", () => {
    const parser = createCodexStreamParser();
    const events = feed(parser, sample("codex-exec-json-auth-error.reconstructed.jsonl"));
    expect(events.map((e) => e.kind)).toEqual(["raw", "error", "result"]);
    expect(parser.failure()).toMatch(/^unexpected status 401 Unauthorized: .*Incorrect API key provided: sk-proj-\*\*\*\*/);
  });

  it("forgets a reconnect error once the turn completes, and keeps one that was never answered", () => {
    const recovered = createCodexStreamParser();
    feed(recovered, ['{"type":"error","message":"Reconnecting... 1/5"}', '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":1}}']);
    expect(recovered.failure()).toBeUndefined();
    const stuck = createCodexStreamParser();
    feed(stuck, ['{"type":"turn.started"}', '{"type":"error","message":"Reconnecting... 5/5"}']);
    expect(stuck.failure()).toBe("Reconnecting... 5/5");
  });

  it("turns file changes into file edits and MCP calls into tool calls", () => {
    expect(parseCodexStreamLine('{"type":"item.completed","item":{"id":"i","type":"file_change","changes":[{"path":"/w/a.ts","kind":"update"},{"path":"/w/b.ts","kind":"add"}],"status":"completed"}}')).toEqual([
      { kind: "tool_call", tool: "apply_patch", input: { changes: [{ path: "/w/a.ts", kind: "update" }, { path: "/w/b.ts", kind: "add" }] } },
      { kind: "file_edit", path: "/w/a.ts" },
      { kind: "file_edit", path: "/w/b.ts" },
    ]);
    expect(parseCodexStreamLine('{"type":"item.completed","item":{"id":"i","type":"file_change","changes":[{"path":"/w/a.ts","kind":"update"}],"status":"failed"}}')).toEqual([
      { kind: "raw", data: { type: "file_change_failed", status: "failed", paths: ["/w/a.ts"] } },
    ]);
    expect(parseCodexStreamLine('{"type":"item.started","item":{"id":"i","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"status":"in_progress"}}')).toEqual([
      { kind: "tool_call", tool: "mcp:docs/search", input: { q: "x" } },
    ]);
  });
});

describe("parseGeminiStreamLine", () => {
  it("turns gemini-cli's stream-json (reconstructed from its source) into events", () => {
    const parser = createGeminiStreamParser();
    expect(feed(parser, sample("gemini-stream-json.reconstructed.jsonl"))).toEqual([
      { kind: "raw", data: { type: "init", model: "gemini-2.5-pro", sessionId: "8f0c2a47-3b9e-4d61-9a0f-5c2e7b1d4e93" } },
      { kind: "message", text: "I'll look at the README first." },
      { kind: "tool_call", tool: "read_file", input: { file_path: "/workspace/README.md" } },
      { kind: "tool_call", tool: "read_file", input: { file_path: "/workspace/docs/setup.md" } },
      { kind: "raw", data: { type: "tool_error", toolId: "read_file-1763710265902-5d1e8b7c90a3f", errorType: "file_not_found", message: "File not found: /workspace/docs/setup.md" } },
      { kind: "message", text: "Updating the README and adding src/hello.js." },
      { kind: "tool_call", tool: "replace", input: { file_path: "/workspace/README.md", old_string: "old line", new_string: "new line", instruction: "Replace the outdated line in the README." } },
      { kind: "file_edit", path: "/workspace/README.md" },
      { kind: "tool_call", tool: "write_file", input: { file_path: "/workspace/src/hello.js", content: 'export const hello = () => "hi";\n' } },
      { kind: "file_edit", path: "/workspace/src/hello.js" },
      { kind: "message", text: "Updated README.md and added src/hello.js." },
      { kind: "usage", inputTokens: 12873, outputTokens: 377 },
      { kind: "result", success: true, text: "Updated README.md and added src/hello.js." },
    ]);
    expect(parser.failure()).toBeUndefined();
  });

  it("reports an error result with gemini's message", () => {
    const parser = createGeminiStreamParser();
    const events = feed(parser, sample("gemini-stream-json-auth-error.reconstructed.jsonl"));
    expect(events.slice(1)).toEqual([
      { kind: "usage", inputTokens: 0, outputTokens: 0 },
      { kind: "error", message: "[API Error: API key not valid. Please pass a valid API key.]" },
      { kind: "result", success: false, text: "[API Error: API key not valid. Please pass a valid API key.]" },
    ]);
    expect(parser.failure()).toBe("[API Error: API key not valid. Please pass a valid API key.]");
  });

  it("emits no file_edit when the edit tool failed; warnings are not errors; deltas survive unknown lines", () => {
    const state = createGeminiStreamState();
    const run = (o: unknown): AgentEvent[] => parseGeminiStreamLine(JSON.stringify(o), state);
    expect(run({ type: "tool_use", tool_name: "write_file", tool_id: "w1", parameters: { file_path: "/w/a" } })).toEqual([{ kind: "tool_call", tool: "write_file", input: { file_path: "/w/a" } }]);
    expect(run({ type: "tool_result", tool_id: "w1", status: "error", error: { type: "permission_denied", message: "no" } })).toEqual([
      { kind: "raw", data: { type: "tool_error", toolId: "w1", errorType: "permission_denied", message: "no" } },
    ]);
    expect(run({ type: "error", severity: "warning", message: "Loop detected, stopping execution" })).toEqual([{ kind: "raw", data: { type: "warning", message: "Loop detected, stopping execution" } }]);
    expect(run({ type: "message", role: "assistant", content: "Hel", delta: true })).toEqual([]);
    expect(run({ type: "future_event", x: 1 })).toEqual([]);
    expect(run({ type: "message", role: "assistant", content: "lo", delta: true })).toEqual([]);
    expect(run({ type: "result", status: "success" })).toEqual([
      { kind: "message", text: "Hello" },
      { kind: "result", success: true, text: "Hello" },
    ]);
  });
});

describe("parseAiderOutputLine", () => {
  it("turns aider's plain output (reconstructed from its source) into events", () => {
    const parser = createAiderStreamParser();
    expect(feed(parser, sample("aider-no-pretty.reconstructed.txt"))).toEqual([
      { kind: "raw", data: { type: "init", version: "0.86.1" } },
      { kind: "raw", data: { type: "model", model: "anthropic/claude-sonnet-4-20250514" } },
      { kind: "message", text: "To resolve this I need to edit README.md. Please add it to the chat." },
      { kind: "usage", turns: 1, inputTokens: 2300, outputTokens: 41, costUsd: 0.0075 },
      { kind: "message", text: "I'll replace the old line in README.md and add src/hello.js." },
      { kind: "usage", turns: 1, inputTokens: 2600, outputTokens: 118, costUsd: 0.0096 },
      { kind: "file_edit", path: "README.md" },
      { kind: "file_edit", path: "src/hello.js" },
    ]);
    expect(parser.failure()).toBeUndefined();
  });

  it("fails on an authentication error although aider exits 0", () => {
    const parser = createAiderStreamParser();
    const events = feed(parser, sample("aider-auth-error.reconstructed.txt"));
    expect(events.filter((e) => e.kind === "error").map((e) => (e.kind === "error" ? e.message.slice(0, 40) : ""))).toEqual([
      "litellm.AuthenticationError: AnthropicEx",
      "The API provider is not able to authenti",
    ]);
    expect(parser.failure()).toMatch(/^litellm\.AuthenticationError: AnthropicException/);
  });

  it("forgets a retried error once a call completes, keeps one after the last call, reads split cost lines", () => {
    const retried = createAiderStreamParser();
    const events = feed(retried, [
      "litellm.InternalServerError: AnthropicException - Overloaded",
      "The API provider's servers are down or overloaded.",
      "Retrying in 0.2 seconds...",
      "Tokens: 12k sent, 3.1k cache write, 1,024 received.",
      "Cost: $0.05 message, $0.05 session.",
    ]);
    expect(retried.failure()).toBeUndefined();
    expect(events.filter((e) => e.kind !== "error")).toEqual([
      { kind: "raw", data: { type: "retry", seconds: 0.2 } },
      { kind: "usage", turns: 1, inputTokens: 12000, outputTokens: 1024 },
      { kind: "usage", costUsd: 0.05 },
    ]);
    const gaveUp = createAiderStreamParser();
    feed(gaveUp, ["Tokens: 1.2k sent, 10 received.", "litellm.APIConnectionError: Connection refused"]);
    expect(gaveUp.failure()).toBe("litellm.APIConnectionError: Connection refused");
  });

  it("leaves stderr noise out of the reply", () => {
    const state = createAiderStreamState();
    expect(parseAiderOutputLine("DeprecationWarning: something", state, "stderr")).toEqual([]);
    expect(parseAiderOutputLine("Applied edit to a.py", state, "stderr")).toEqual([{ kind: "file_edit", path: "a.py" }]);
  });
});

describe("every parser on hostile input", () => {
  const hostile = [
    "",
    "   ",
    "{",
    "}",
    "[]",
    "null",
    "42",
    '"type"',
    "{not json}",
    '{"type":42}',
    '{"type":null}',
    '{"type":"assistant","message":null}',
    '{"type":"assistant","message":{"content":"a string"}}',
    '{"type":"assistant","message":{"content":[null,1,"x",{"type":"tool_use"},{"type":"text","text":7}]}}',
    '{"type":"user","message":{"content":[null]},"tool_use_result":5}',
    '{"type":"result","usage":"none","total_cost_usd":-1,"num_turns":"5"}',
    '{"type":"system","subtype":"init"}',
    '{"type":"item.started","item":null}',
    '{"type":"item.completed","item":{"type":"file_change","changes":"x"}}',
    '{"type":"item.completed","item":{"type":"file_change","changes":[null,{"path":5}],"status":"completed"}}',
    '{"type":"turn.completed","usage":null}',
    '{"type":"turn.failed","error":"x"}',
    '{"type":"tool_use","tool_name":["x"],"parameters":"p"}',
    '{"type":"tool_result","tool_id":{},"status":"success"}',
    '{"type":"result","status":"error","error":null,"stats":[]}',
    '{"type":"message","role":"assistant","content":{"a":1},"delta":true}',
    "Tokens: many sent, few received.",
    "Applied edit to ",
    "Cost: $abc message, $1 session.",
    `{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":${"[".repeat(200)}${"]".repeat(200)}}]}}`,
    "x".repeat(70_000),
    "\u0000\u0001\u0002",
  ];
  const parsers: Array<[string, () => CliStreamParser]> = [
    ["claude", createClaudeStreamParser],
    ["codex", createCodexStreamParser],
    ["gemini", createGeminiStreamParser],
    ["aider", createAiderStreamParser],
  ];
  it.each(parsers)("%s never throws and yields only well-formed events", (_name, create) => {
    const parser = create();
    const events = [...hostile.flatMap((l) => parser.stdoutLine(l)), ...hostile.flatMap((l) => parser.stderrLine(l)), ...parser.finish()];
    for (const e of events) {
      expect(["message", "tool_call", "file_edit", "usage", "error", "result", "raw"]).toContain(e.kind);
      if (e.kind === "file_edit") expect(typeof e.path).toBe("string");
      if (e.kind === "usage") for (const v of [e.inputTokens, e.outputTokens, e.costUsd, e.turns]) if (v !== undefined) expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(JSON.stringify(events).length).toBeLessThan(20_000);
  });
});
