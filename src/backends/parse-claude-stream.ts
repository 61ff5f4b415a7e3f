import type { AgentEvent } from "./backend.ts";
import { compactValue, count, isRecord, parseJsonObject, sumCounts, text } from "./cli-json.ts";
import { createJsonStreamParser, type CliStreamParser } from "./cli-stream-parser.ts";

/** What Claude Code says when a run ends in error without a result text (`subtype` of the result line). */
const STOP_REASONS: Record<string, string> = {
  error_max_turns: "Claude Code stopped at the turn limit (--max-turns)",
  error_max_budget_usd: "Claude Code stopped at the budget limit (--max-budget-usd)",
  error_during_execution: "Claude Code failed during execution",
};

/** A tool result that says a file was written: Write ("create"/"update") and Edit/MultiEdit (a patch). */
function editedPath(toolUseResult: unknown): string | undefined {
  if (!isRecord(toolUseResult) || typeof toolUseResult.filePath !== "string") return undefined;
  const r = toolUseResult;
  const wrote = r.type === "create" || r.type === "update" || Array.isArray(r.structuredPatch) || typeof r.oldString === "string" || Array.isArray(r.edits);
  return wrote ? (r.filePath as string) : undefined;
}

function resultEvents(data: Record<string, unknown>): AgentEvent[] {
  const events: AgentEvent[] = [];
  const usage = isRecord(data.usage) ? data.usage : {};
  const u: Extract<AgentEvent, { kind: "usage" }> = { kind: "usage" };
  const input = sumCounts(usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens);
  if (input !== undefined) u.inputTokens = input;
  const output = count(usage.output_tokens);
  if (output !== undefined) u.outputTokens = output;
  const cost = count(data.total_cost_usd);
  if (cost !== undefined) u.costUsd = cost;
  const turns = count(data.num_turns);
  if (turns !== undefined) u.turns = turns;
  if (Object.keys(u).length > 1) events.push(u);

  if (Array.isArray(data.permission_denials) && data.permission_denials.length > 0) {
    const tools = data.permission_denials.map((d) => (isRecord(d) && typeof d.tool_name === "string" ? d.tool_name : "unknown"));
    events.push({ kind: "raw", data: { type: "permission_denials", tools } });
  }

  const subtype = text(data.subtype) ?? "";
  const failed = data.is_error === true || subtype.startsWith("error");
  const resultText = text(data.result);
  if (!failed) {
    events.push(resultText !== undefined ? { kind: "result", success: true, text: resultText } : { kind: "result", success: true });
    return events;
  }
  let message = resultText?.trim() || STOP_REASONS[subtype] || `Claude Code reported an error (${subtype || "no details"})`;
  const status = count(data.api_error_status);
  if (status === 401 || status === 403) message += ` (API error ${status}: check the API key the backend passes to Claude Code, e.g. ANTHROPIC_API_KEY in its env list)`;
  events.push({ kind: "error", message }, { kind: "result", success: false, text: message });
  return events;
}

/**
 * One line of `claude -p --output-format stream-json --verbose` -> normalized events. Pure; never throws.
 *
 * - system/init -> raw {type:"init", model, sessionId, version, permissionMode}; system/api_retry -> raw.
 * - assistant: text blocks -> message; tool_use blocks -> tool_call (input compacted); an API error
 *   message (is_api_error_message) -> raw {type:"api_error"} (the result line carries the failure).
 * - user: a successful Write/Edit tool result -> file_edit with the file's path as Claude reports it.
 * - result -> usage (input = input + cache creation + cache read tokens; total_cost_usd; num_turns),
 *   then result; is_error or an error subtype -> error + result {success:false} with Claude's message.
 * - plain text, malformed JSON and unknown types -> nothing.
 */
export function parseClaudeStreamLine(line: string): AgentEvent[] {
  const data = parseJsonObject(line);
  if (!data) return [];
  switch (data.type) {
    case "system": {
      if (data.subtype === "init") {
        return [{ kind: "raw", data: { type: "init", model: data.model, sessionId: data.session_id, version: data.claude_code_version, permissionMode: data.permissionMode } }];
      }
      if (data.subtype === "api_retry") {
        return [{ kind: "raw", data: { type: "api_retry", attempt: data.attempt, maxRetries: data.max_retries, status: data.error_status, error: data.error } }];
      }
      return [];
    }
    case "assistant": {
      const message = isRecord(data.message) ? data.message : undefined;
      const content = Array.isArray(message?.content) ? message.content : [];
      if (data.is_api_error_message === true) {
        const t = content.map((c) => (isRecord(c) && typeof c.text === "string" ? c.text : "")).join("\n").trim();
        return [{ kind: "raw", data: { type: "api_error", status: data.api_error_status, error: data.error, text: t } }];
      }
      const events: AgentEvent[] = [];
      for (const block of content) {
        if (!isRecord(block)) continue;
        if (block.type === "text" && typeof block.text === "string" && block.text.trim() !== "") events.push({ kind: "message", text: block.text });
        if (block.type === "tool_use" && typeof block.name === "string") {
          events.push(block.input === undefined ? { kind: "tool_call", tool: block.name } : { kind: "tool_call", tool: block.name, input: compactValue(block.input) });
        }
      }
      return events;
    }
    case "user": {
      const message = isRecord(data.message) ? data.message : undefined;
      const content = Array.isArray(message?.content) ? message.content : [];
      const failedResult = content.some((c) => isRecord(c) && c.type === "tool_result" && c.is_error === true);
      const path = failedResult ? undefined : editedPath(data.tool_use_result);
      return path ? [{ kind: "file_edit", path }] : [];
    }
    case "result":
      return resultEvents(data);
    default:
      return [];
  }
}

export function createClaudeStreamParser(): CliStreamParser {
  return createJsonStreamParser(parseClaudeStreamLine);
}
