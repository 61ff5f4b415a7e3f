import type { z } from "zod";

/**
 * The one seam to language models (today: Ollama). Callers never see the HTTP client.
 * Implementations set the context window (num_ctx) explicitly and bound every call in time.
 */
export interface LlmToolCall {
  name: string;
  /** Raw arguments as the model produced them: validate before use. */
  arguments: unknown;
}

export interface LlmMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Assistant turns: the tool calls the model asked for. */
  toolCalls?: LlmToolCall[];
  /** Tool turns: which tool answered. */
  toolName?: string;
}

export interface LlmTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (z.toJSONSchema of the zod schema that validates them). */
  parameters: Record<string, unknown>;
}

export interface LlmUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface Llm {
  readonly model: string;
  /** Context window in tokens the implementation asks the server for. */
  readonly contextTokens: number;
  /** One chat turn, optionally with tools; returns the assistant's message. */
  chat(messages: LlmMessage[], opts?: { tools?: LlmTool[]; signal?: AbortSignal }): Promise<{ message: LlmMessage; usage: LlmUsage }>;
  /**
   * Ask for a JSON answer and validate it with `schema`. An answer that is not JSON or does not validate is
   * sent back to the model with the problems, up to `retries` times (default 1); then LlmOutputError.
   */
  json<T>(opts: { system: string; prompt: string; schema: z.ZodType<T>; retries?: number; signal?: AbortSignal }): Promise<{ value: T; usage: LlmUsage }>;
}

/** The model's answer could not be used: `problems` says why, one line each. */
export class LlmOutputError extends Error {
  readonly problems: string[];
  readonly raw: string;
  constructor(message: string, problems: string[], raw: string) {
    super(`${message}: ${problems.join("; ")}`);
    this.name = "LlmOutputError";
    this.problems = problems;
    this.raw = raw;
  }
}
