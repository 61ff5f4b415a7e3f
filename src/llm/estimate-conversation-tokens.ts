import { estimateTokens } from "./fit-to-budget.ts";
import type { LlmMessage, LlmTool } from "./llm.ts";

/** Per-message overhead of the chat template (role markers, separators). */
const MESSAGE_OVERHEAD_TOKENS = 4;

/** About how many tokens one message costs: its text, its tool calls' arguments and the template overhead. */
export function estimateMessageTokens(message: LlmMessage): number {
  let tokens = MESSAGE_OVERHEAD_TOKENS + estimateTokens(message.content);
  if (message.toolCalls && message.toolCalls.length > 0) tokens += estimateTokens(JSON.stringify(message.toolCalls));
  return tokens;
}

/** About how many tokens a request costs before the model answers: every message plus the tool definitions. */
export function estimateConversationTokens(messages: readonly LlmMessage[], tools: readonly LlmTool[] = []): number {
  let tokens = tools.length > 0 ? estimateTokens(JSON.stringify(tools)) : 0;
  for (const message of messages) tokens += estimateMessageTokens(message);
  return tokens;
}
