import type { LlmToolCall } from "../llm/llm.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toCall(value: unknown, known: ReadonlySet<string>): LlmToolCall | undefined {
  if (!isRecord(value)) return undefined;
  const fn = isRecord(value.function) ? value.function : value;
  const name = typeof fn.name === "string" ? fn.name : typeof fn.tool === "string" ? fn.tool : undefined;
  if (name === undefined || !known.has(name)) return undefined;
  let args: unknown = fn.arguments ?? fn.parameters ?? fn.args ?? fn.input ?? {};
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch {
      // leave it a string: validation tells the model what is wrong
    }
  }
  return { name, arguments: args };
}

function parseCalls(text: string, known: ReadonlySet<string>): LlmToolCall[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const items = Array.isArray(data) ? data : [data];
  const calls = items.map((item) => toCall(item, known));
  return calls.every((c): c is LlmToolCall => c !== undefined) ? calls : [];
}

/**
 * Tool calls a model wrote as text instead of using the tool-calling channel (common with small local
 * models): the whole answer is a JSON call or a list of them, optionally in a code fence, or it holds
 * `<tool_call>{...}</tool_call>` blocks. Shapes accepted: {name, arguments|parameters|args|input} and
 * {function: {name, arguments}}. Only names in `toolNames` count; anything else yields no calls. Pure.
 */
export function parseTextToolCalls(content: string, toolNames: readonly string[]): LlmToolCall[] {
  const known = new Set(toolNames);
  const text = content.replace(/^\s*<think>[\s\S]*?<\/think>/, "").trim();
  if (text === "") return [];
  const tagged = [...text.matchAll(/<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g)];
  if (tagged.length > 0) {
    const calls = tagged.flatMap((m) => parseCalls(m[1] ?? "", known));
    return calls.length === tagged.length ? calls : [];
  }
  const fenced = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(text);
  return parseCalls(fenced ? (fenced[1] ?? "") : text, known);
}
