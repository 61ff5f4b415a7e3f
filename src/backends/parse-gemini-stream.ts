import type { AgentEvent } from "./backend.ts";
import { compactValue, count, isRecord, parseJsonObject, text } from "./cli-json.ts";
import { createJsonStreamParser, type CliStreamParser } from "./cli-stream-parser.ts";

/** Gemini CLI tools that write a file, by name; their `file_path` parameter is the file. */
const EDIT_TOOLS = new Set(["write_file", "replace", "edit", "smart_edit"]);
const MAX_MESSAGE_CHARS = 20_000;
const STREAM_EVENTS = new Set(["init", "tool_use", "tool_result", "error", "result"]);

/**
 * What the Gemini parser carries from line to line: streamed assistant text (it arrives as deltas and
 * becomes one message event), the last full assistant message (the run's summary) and the files that
 * edit tools were asked to write (a file_edit is emitted when the tool's result says success).
 */
export interface GeminiStreamState {
  pendingText: string;
  lastMessage: string | undefined;
  pendingEdits: Map<string, string>;
}

export function createGeminiStreamState(): GeminiStreamState {
  return { pendingText: "", lastMessage: undefined, pendingEdits: new Map() };
}

/** The buffered assistant text as one message event (and remembered as the last message). */
export function flushGeminiStream(state: GeminiStreamState): AgentEvent[] {
  const message = state.pendingText.trim();
  state.pendingText = "";
  if (message === "") return [];
  state.lastMessage = message;
  return [{ kind: "message", text: message }];
}

function statsUsage(stats: unknown): AgentEvent[] {
  if (!isRecord(stats)) return [];
  const u: Extract<AgentEvent, { kind: "usage" }> = { kind: "usage" };
  const input = count(stats.input_tokens);
  if (input !== undefined) u.inputTokens = input;
  const output = count(stats.output_tokens);
  if (output !== undefined) u.outputTokens = output;
  return Object.keys(u).length > 1 ? [u] : [];
}

/**
 * One line of `gemini -p <prompt> -o stream-json` -> normalized events. Deterministic given `state`,
 * which it updates; never throws. Event format: gemini-cli's JsonStreamEvent (init, message, tool_use,
 * tool_result, error, result; packages/core/src/output/types.ts).
 *
 * - init -> raw {type:"init", model, sessionId}; the user's message (our prompt echoed) -> nothing.
 * - assistant message deltas are joined into one message event, emitted at the next other event.
 * - tool_use -> tool_call (parameters compacted); tool_result: success of an edit tool -> file_edit,
 *   error -> raw {type:"tool_error"} (the model sees it and carries on).
 * - error: severity "error" -> error; "warning" -> raw {type:"warning"}.
 * - result -> usage (stats.input_tokens, stats.output_tokens) + result; status "error" -> error +
 *   result {success:false} with gemini's message.
 * - plain text, malformed JSON and unknown types -> nothing.
 */
export function parseGeminiStreamLine(line: string, state: GeminiStreamState): AgentEvent[] {
  const data = parseJsonObject(line);
  if (!data) return [];
  if (data.type === "message") {
    if (data.role !== "assistant" || typeof data.content !== "string") return [];
    if (data.delta === true) {
      if (state.pendingText.length < MAX_MESSAGE_CHARS) state.pendingText += data.content;
      return [];
    }
    state.pendingText += data.content;
    return flushGeminiStream(state);
  }
  if (typeof data.type !== "string" || !STREAM_EVENTS.has(data.type)) return [];
  const events = flushGeminiStream(state);
  switch (data.type) {
    case "init":
      events.push({ kind: "raw", data: { type: "init", model: data.model, sessionId: data.session_id } });
      break;
    case "tool_use": {
      if (typeof data.tool_name !== "string") break;
      events.push(data.parameters === undefined ? { kind: "tool_call", tool: data.tool_name } : { kind: "tool_call", tool: data.tool_name, input: compactValue(data.parameters) });
      const params = isRecord(data.parameters) ? data.parameters : {};
      const file = text(params.file_path) ?? text(params.absolute_path);
      if (EDIT_TOOLS.has(data.tool_name) && file && typeof data.tool_id === "string") state.pendingEdits.set(data.tool_id, file);
      break;
    }
    case "tool_result": {
      const id = text(data.tool_id);
      const file = id === undefined ? undefined : state.pendingEdits.get(id);
      if (id !== undefined) state.pendingEdits.delete(id);
      if (data.status === "success" && file) events.push({ kind: "file_edit", path: file });
      if (data.status === "error") {
        const error = isRecord(data.error) ? data.error : {};
        events.push({ kind: "raw", data: { type: "tool_error", toolId: id, errorType: error.type, message: error.message } });
      }
      break;
    }
    case "error":
      if (typeof data.message !== "string") break;
      events.push(data.severity === "warning" ? { kind: "raw", data: { type: "warning", message: data.message } } : { kind: "error", message: data.message });
      break;
    case "result": {
      events.push(...statsUsage(data.stats));
      if (data.status === "error") {
        const error = isRecord(data.error) ? data.error : {};
        const message = text(error.message)?.trim() || `gemini reported an error${typeof error.type === "string" ? ` (${error.type})` : ""}`;
        events.push({ kind: "error", message }, { kind: "result", success: false, text: message });
      } else {
        events.push(state.lastMessage !== undefined ? { kind: "result", success: true, text: state.lastMessage } : { kind: "result", success: true });
      }
      break;
    }
    default:
      break;
  }
  return events;
}

export function createGeminiStreamParser(): CliStreamParser {
  const state = createGeminiStreamState();
  return createJsonStreamParser(
    (line) => parseGeminiStreamLine(line, state),
    () => flushGeminiStream(state),
  );
}
