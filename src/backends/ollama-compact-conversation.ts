import { estimateMessageTokens } from "../llm/estimate-conversation-tokens.ts";
import { fitToBudget } from "../llm/fit-to-budget.ts";
import type { LlmMessage } from "../llm/llm.ts";

export interface CompactOptions {
  /** Compact only when the conversation is estimated above this many tokens. */
  maxTokens: number;
  /** Then compact down to this many (below maxTokens, so it does not happen again on the next turn). */
  targetTokens: number;
  /** How many of the latest messages are kept whole for as long as possible. */
  keepRecent: number;
  /** Tokens that are sent with every request besides the messages (tool definitions). */
  fixedTokens?: number;
}

export interface CompactResult {
  messages: LlmMessage[];
  /** Messages whose content was shortened. */
  shortened: number;
  /** Messages removed. */
  dropped: number;
  /** Estimated tokens of the result, fixedTokens included. */
  tokens: number;
}

/** What is kept of a shortened old tool output or argument. */
const KEEP_CHARS = 300;
/** What is kept of a recent tool output when even dropping old turns was not enough. */
const KEEP_RECENT_CHARS = 2000;
const NOTE_PREFIX = "[Moderator removed ";
const SHORTENED = "[Moderator shortened this to save context: {cut} characters left out; call the tool again if you need them]";

function shortenArguments(value: unknown): { value: unknown; changed: boolean } {
  if (typeof value === "string") {
    if (value.length <= KEEP_CHARS * 2) return { value, changed: false };
    return { value: fitToBudget(value, KEEP_CHARS + SHORTENED.length, SHORTENED, { headRatio: 1 }), changed: true };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = shortenArguments(v);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  if (typeof value === "object" && value !== null) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = shortenArguments(v);
      changed ||= r.changed;
      out[k] = r.value;
    }
    return { value: out, changed };
  }
  return { value, changed: false };
}

/** An old message made small: long tool output and long tool-call arguments (written files) keep their start. */
function shortenMessage(message: LlmMessage, keepChars: number): LlmMessage | undefined {
  let changed = false;
  let content = message.content;
  if (content.length > keepChars + SHORTENED.length) {
    content = fitToBudget(content, keepChars + SHORTENED.length, SHORTENED, { headRatio: 1 });
    changed = true;
  }
  let toolCalls = message.toolCalls;
  if (toolCalls) {
    toolCalls = toolCalls.map((call) => {
      const r = shortenArguments(call.arguments);
      changed ||= r.changed;
      return r.changed ? { ...call, arguments: r.value } : call;
    });
  }
  if (!changed) return undefined;
  const out: LlmMessage = { ...message, content };
  if (toolCalls) out.toolCalls = toolCalls;
  return out;
}

function previouslyDropped(message: LlmMessage | undefined): number {
  if (!message || message.role !== "user" || !message.content.startsWith(NOTE_PREFIX)) return 0;
  const n = /^\[Moderator removed (\d+) /.exec(message.content);
  return n ? Number(n[1]) : 0;
}

function dropNote(count: number): LlmMessage {
  return {
    role: "user",
    content: `${NOTE_PREFIX}${count} earlier messages to fit the context window. Files you changed stay changed; list or read them again if you need their content.]`,
  };
}

/**
 * Keeps an agent conversation within its context budget, visibly. Pure. Messages 0 and 1 (the system
 * prompt and the task) are kept. When the estimate is above maxTokens, in this order until it is at most
 * targetTokens:
 *   1. old tool outputs and old tool-call arguments (written file contents) are shortened to their start,
 *      with a note saying so;
 *   2. the oldest turns (an assistant message with its tool results) are removed, and one note says how
 *      many messages are gone;
 *   3. the recent tool outputs are shortened too;
 *   4. as a last resort, the task text is cut (head and tail kept, with a marker).
 */
export function compactConversation(messages: readonly LlmMessage[], opts: CompactOptions): CompactResult {
  const fixed = opts.fixedTokens ?? 0;
  let list = [...messages];
  const total = (): number => fixed + list.reduce((sum, m) => sum + estimateMessageTokens(m), 0);
  let tokens = total();
  if (tokens <= opts.maxTokens) return { messages: list, shortened: 0, dropped: 0, tokens };

  let shortened = 0;
  let dropped = 0;
  const recentStart = (): number => Math.max(2, list.length - opts.keepRecent);

  // 1. Shorten old outputs and arguments, oldest first.
  for (let i = 2; i < recentStart() && tokens > opts.targetTokens; i++) {
    const small = shortenMessage(list[i]!, KEEP_CHARS);
    if (small) {
      list[i] = small;
      shortened++;
      tokens = total();
    }
  }

  // 2. Drop the oldest turns whole (an assistant message and the tool results that answer it).
  if (tokens > opts.targetTokens) {
    const hadNote = previouslyDropped(list[2]) > 0;
    const before = previouslyDropped(list[2]);
    let start = hadNote ? 3 : 2;
    let removed = 0;
    while (tokens > opts.targetTokens) {
      let end = start + 1;
      if (list[start]?.role === "assistant") while (list[end]?.role === "tool") end++;
      if (end > recentStart()) break;
      const count = end - start;
      list.splice(start, count);
      removed += count;
      // Keep the note in place so the arithmetic of positions stays simple.
      if (!hadNote && removed === count) {
        list.splice(2, 0, dropNote(before + removed));
        start = 3;
      } else {
        list[2] = dropNote(before + removed);
      }
      tokens = total();
    }
    dropped = removed;
  }

  // 3. Shorten the recent tool outputs too.
  for (let i = 2; i < list.length && tokens > opts.targetTokens; i++) {
    const small = shortenMessage(list[i]!, KEEP_RECENT_CHARS);
    if (small) {
      list[i] = small;
      shortened++;
      tokens = total();
    }
  }

  // 4. The task itself is too large: cut it, keeping its start and end.
  if (tokens > opts.maxTokens) {
    const task = list[1]!;
    const excessChars = (tokens - opts.targetTokens) * 4;
    const keep = Math.max(KEEP_RECENT_CHARS, task.content.length - excessChars);
    if (keep < task.content.length) {
      list = [list[0]!, { ...task, content: fitToBudget(task.content, keep, "[... {cut} characters of the task cut by Moderator to fit the context window ...]") }, ...list.slice(2)];
      shortened++;
      tokens = total();
    }
  }

  return { messages: list, shortened, dropped, tokens };
}
