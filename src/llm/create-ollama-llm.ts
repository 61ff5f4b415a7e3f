import { Ollama } from "ollama";
import type { ChatRequest, Message, Tool } from "ollama";
import type { z } from "zod";
import { CancelledError } from "../util/errors.ts";
import { createOllamaFetch } from "./create-ollama-fetch.ts";
import { describeOllamaError } from "./describe-ollama-error.ts";
import { estimateConversationTokens } from "./estimate-conversation-tokens.ts";
import { fitToBudget } from "./fit-to-budget.ts";
import { LlmOutputError } from "./llm.ts";
import type { Llm, LlmMessage, LlmTool, LlmToolCall, LlmUsage } from "./llm.ts";
import { LlmRequestError } from "./llm-request-error.ts";
import { parseJsonAnswer } from "./parse-json-answer.ts";
import { toJsonSchema } from "./to-json-schema.ts";

export interface CreateOllamaLlmOptions {
  /** The Ollama server, e.g. http://127.0.0.1:11434. */
  host: string;
  model: string;
  /** Context window asked of the server on every request (num_ctx). Default 16384. */
  contextTokens?: number;
  /** Time limit of one request, answer included. Default 120 000 ms. */
  timeoutMs?: number;
  temperature?: number;
  /** How long the server keeps the model loaded after a request (Ollama's keep_alive, e.g. "10m"). */
  keepAlive?: string;
  /** Most tokens one answer may have (num_predict), so a looping model stops. Default: half the context, at most 8192. */
  maxOutputTokens?: number;
  /** The fetch the client uses (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_CONTEXT_TOKENS = 16_384;
const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_RETRIES = 5;
/** The longest delay a Node timer takes (AbortSignal.timeout included). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How much of a rejected answer is sent back to the model with the problems. */
const ECHOED_ANSWER_CHARS = 4000;

interface ChatOutcome {
  message: LlmMessage;
  usage: LlmUsage;
  doneReason: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toOllamaMessage(message: LlmMessage): Message {
  const out: Message = { role: message.role, content: message.content };
  if (message.toolCalls && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ({
      function: { name: call.name, arguments: isRecord(call.arguments) ? call.arguments : {} },
    }));
  }
  if (message.toolName !== undefined) out.tool_name = message.toolName;
  return out;
}

function toOllamaTool(tool: LlmTool): Tool {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters as NonNullable<Tool["function"]["parameters"]> } };
}

function readToolCalls(value: unknown): LlmToolCall[] {
  if (!Array.isArray(value)) return [];
  const calls: LlmToolCall[] = [];
  for (const item of value) {
    const fn = isRecord(item) ? item.function : undefined;
    if (isRecord(fn) && typeof fn.name === "string") calls.push({ name: fn.name, arguments: fn.arguments });
  }
  return calls;
}

function addUsage(total: LlmUsage, usage: LlmUsage): void {
  if (usage.inputTokens !== undefined) total.inputTokens = (total.inputTokens ?? 0) + usage.inputTokens;
  if (usage.outputTokens !== undefined) total.outputTokens = (total.outputTokens ?? 0) + usage.outputTokens;
}

function positiveInteger(value: number | undefined, fallback: number, what: string, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`createOllamaLlm: ${what} must be an integer >= ${min}, got ${String(value)}`);
  return v;
}

/**
 * The Llm seam on an Ollama server, through the `ollama` client. Every request sets num_ctx (Ollama's
 * default window is far smaller than a coding task needs, and it would cut the prompt silently), streams
 * the answer (so only the first token has to come within fetch's header timeout), and is bounded by
 * `timeoutMs` and the caller's signal, both of which abort the HTTP request. A conversation estimated
 * larger than the window is refused before it is sent, rather than cut by the server.
 */
export function createOllamaLlm(opts: CreateOllamaLlmOptions): Llm {
  if (typeof opts.host !== "string" || opts.host.trim() === "") throw new Error("createOllamaLlm: host must be a non-empty string");
  if (typeof opts.model !== "string" || opts.model.trim() === "") throw new Error("createOllamaLlm: model must be a non-empty string");
  const host = opts.host.replace(/\/+$/, "");
  const model = opts.model;
  const contextTokens = positiveInteger(opts.contextTokens, DEFAULT_CONTEXT_TOKENS, "contextTokens", 512);
  const timeoutMs = Math.min(Math.ceil(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), MAX_TIMER_MS);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`createOllamaLlm: timeoutMs must be a positive number, got ${String(opts.timeoutMs)}`);
  const maxOutputTokens = positiveInteger(opts.maxOutputTokens, Math.min(8192, Math.floor(contextTokens / 2)), "maxOutputTokens", 1);
  if (opts.temperature !== undefined && !(opts.temperature >= 0 && opts.temperature <= 2)) {
    throw new Error(`createOllamaLlm: temperature must be between 0 and 2, got ${String(opts.temperature)}`);
  }
  const baseFetch = opts.fetch ?? fetch;
  const options: NonNullable<ChatRequest["options"]> = { num_ctx: contextTokens, num_predict: maxOutputTokens };
  if (opts.temperature !== undefined) options.temperature = opts.temperature;
  const where = `Ollama at ${host} (model "${model}")`;

  async function send(messages: LlmMessage[], req: { tools?: LlmTool[]; format?: Record<string, unknown>; signal?: AbortSignal | undefined }): Promise<ChatOutcome> {
    if (req.signal?.aborted) throw new CancelledError(`the request to ${where} was cancelled`);
    const estimated = estimateConversationTokens(messages, req.tools ?? []);
    if (estimated > contextTokens) {
      throw new LlmRequestError("context_overflow", `the request to ${where} is about ${estimated} tokens, more than its context window of ${contextTokens} tokens`, {
        host,
        model,
        hint: "Shorten the input (Moderator cuts issue text and tool output to a budget), or raise contextTokens if the machine has the memory.",
      });
    }
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeoutSignal]) : timeoutSignal;
    const client = new Ollama({ host, fetch: createOllamaFetch(baseFetch, signal) });
    const request: ChatRequest & { stream: true } = {
      model,
      messages: messages.map(toOllamaMessage),
      stream: true,
      options,
    };
    if (opts.keepAlive !== undefined) request.keep_alive = opts.keepAlive;
    if (req.tools && req.tools.length > 0) request.tools = req.tools.map(toOllamaTool);
    if (req.format) request.format = req.format;
    try {
      const stream = await client.chat(request);
      let content = "";
      const toolCalls: LlmToolCall[] = [];
      const usage: LlmUsage = {};
      let doneReason: string | undefined;
      for await (const part of stream) {
        if (typeof part.message?.content === "string") content += part.message.content;
        toolCalls.push(...readToolCalls(part.message?.tool_calls));
        if (part.done) {
          if (typeof part.prompt_eval_count === "number") usage.inputTokens = part.prompt_eval_count;
          if (typeof part.eval_count === "number") usage.outputTokens = part.eval_count;
          if (typeof part.done_reason === "string") doneReason = part.done_reason;
        }
      }
      const message: LlmMessage = { role: "assistant", content };
      if (toolCalls.length > 0) message.toolCalls = toolCalls;
      return { message, usage, doneReason };
    } catch (err) {
      throw describeOllamaError(err, { host, model, timeoutMs, callerSignal: req.signal, timeoutSignal });
    }
  }

  return {
    model,
    contextTokens,

    async chat(messages, chatOpts = {}) {
      const outcome = await send(messages, { ...(chatOpts.tools ? { tools: chatOpts.tools } : {}), signal: chatOpts.signal });
      return { message: outcome.message, usage: outcome.usage };
    },

    async json<T>(jsonOpts: { system: string; prompt: string; schema: z.ZodType<T>; retries?: number; signal?: AbortSignal }) {
      const retries = jsonOpts.retries ?? 1;
      if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
        throw new Error(`Llm.json: retries must be an integer from 0 to ${MAX_RETRIES}, got ${String(jsonOpts.retries)}`);
      }
      const format = toJsonSchema(jsonOpts.schema);
      const messages: LlmMessage[] = [
        {
          role: "system",
          content: `${jsonOpts.system}\n\nAnswer with one JSON value and nothing else: no prose, no code fence. It must match this JSON Schema:\n${JSON.stringify(format)}`,
        },
        { role: "user", content: jsonOpts.prompt },
      ];
      const usage: LlmUsage = {};
      let problems: string[] = [];
      let raw = "";
      for (let attempt = 0; attempt <= retries; attempt++) {
        const outcome = await send(messages, { format, signal: jsonOpts.signal });
        addUsage(usage, outcome.usage);
        raw = outcome.message.content;
        const parsed = parseJsonAnswer(raw, jsonOpts.schema);
        if (parsed.ok) return { value: parsed.value, usage };
        problems = outcome.doneReason === "length" ? [...parsed.problems, `(root): the answer was cut off after ${maxOutputTokens} tokens; answer more briefly`] : parsed.problems;
        messages.push(
          { role: "assistant", content: fitToBudget(raw, ECHOED_ANSWER_CHARS, "[... {cut} characters of the answer left out ...]") },
          {
            role: "user",
            content: `That answer could not be used:\n${problems.map((p) => `- ${p}`).join("\n")}\nAnswer again with only the corrected JSON.`,
          },
        );
      }
      throw new LlmOutputError(`model "${model}" at ${host} gave no usable answer in ${retries + 1} attempt${retries === 0 ? "" : "s"}`, problems, raw);
    },
  };
}
