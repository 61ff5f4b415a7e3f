import type { AgentEvent } from "./backend.ts";
import { compactValue, count, cut, isRecord, parseJsonObject, text } from "./cli-json.ts";
import { createJsonStreamParser, type CliStreamParser } from "./cli-stream-parser.ts";

function itemStarted(item: Record<string, unknown>): AgentEvent[] {
  switch (item.type) {
    case "command_execution":
      return typeof item.command === "string" ? [{ kind: "tool_call", tool: "shell", input: { command: cut(item.command) } }] : [];
    case "mcp_tool_call": {
      const tool = `mcp:${text(item.server) ?? "?"}/${text(item.tool) ?? "?"}`;
      return [item.arguments === undefined ? { kind: "tool_call", tool } : { kind: "tool_call", tool, input: compactValue(item.arguments) }];
    }
    default:
      return [];
  }
}

function itemCompleted(item: Record<string, unknown>): AgentEvent[] {
  switch (item.type) {
    case "agent_message":
      return typeof item.text === "string" && item.text.trim() !== "" ? [{ kind: "message", text: item.text }] : [];
    case "file_change": {
      const changes = Array.isArray(item.changes) ? item.changes.filter(isRecord) : [];
      const paths = changes.map((c) => c.path).filter((p): p is string => typeof p === "string");
      if (item.status !== "completed") return [{ kind: "raw", data: { type: "file_change_failed", status: item.status, paths } }];
      return [
        { kind: "tool_call", tool: "apply_patch", input: { changes: changes.map((c) => ({ path: c.path, kind: c.kind })) } },
        ...paths.map((path): AgentEvent => ({ kind: "file_edit", path })),
      ];
    }
    case "web_search":
      return [{ kind: "tool_call", tool: "web_search", input: { query: item.query } }];
    case "command_execution":
      return [{ kind: "raw", data: { type: "command_finished", exitCode: item.exit_code, status: item.status } }];
    case "error":
      // Codex reports warnings as error items (e.g. unknown model metadata); they do not end the run.
      return typeof item.message === "string" ? [{ kind: "raw", data: { type: "warning", message: item.message } }] : [];
    default:
      return [];
  }
}

/**
 * One line of `codex exec --json` -> normalized events. Pure; never throws.
 *
 * - thread.started -> raw {type:"thread.started", threadId}.
 * - item.started: command_execution -> tool_call "shell"; mcp_tool_call -> tool_call "mcp:<server>/<tool>".
 * - item.completed: agent_message -> message; file_change (completed) -> tool_call "apply_patch" + one
 *   file_edit per changed path; web_search -> tool_call; command_execution -> raw command_finished;
 *   an error item (a warning) -> raw {type:"warning"}.
 * - turn.completed -> usage (input_tokens, output_tokens, one turn) + result {success:true}.
 * - error (the stream's own, e.g. "Reconnecting... 1/5" or a fatal API error) -> error.
 * - turn.failed -> result {success:false, text: its message} (codex printed the error event just before).
 * - plain text, malformed JSON and unknown types -> nothing.
 */
export function parseCodexStreamLine(line: string): AgentEvent[] {
  const data = parseJsonObject(line);
  if (!data) return [];
  switch (data.type) {
    case "thread.started":
      return [{ kind: "raw", data: { type: "thread.started", threadId: data.thread_id } }];
    case "item.started":
      return isRecord(data.item) ? itemStarted(data.item) : [];
    case "item.completed":
      return isRecord(data.item) ? itemCompleted(data.item) : [];
    case "turn.completed": {
      const usage = isRecord(data.usage) ? data.usage : {};
      const u: Extract<AgentEvent, { kind: "usage" }> = { kind: "usage", turns: 1 };
      const input = count(usage.input_tokens);
      if (input !== undefined) u.inputTokens = input;
      const output = count(usage.output_tokens);
      if (output !== undefined) u.outputTokens = output;
      return [u, { kind: "result", success: true }];
    }
    case "turn.failed": {
      const message = (isRecord(data.error) ? text(data.error.message) : undefined) ?? "the turn failed";
      return [{ kind: "result", success: false, text: message }];
    }
    case "error":
      return typeof data.message === "string" ? [{ kind: "error", message: data.message }] : [];
    default:
      return [];
  }
}

export function createCodexStreamParser(): CliStreamParser {
  return createJsonStreamParser(parseCodexStreamLine);
}
