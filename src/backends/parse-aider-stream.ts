import type { AgentEvent } from "./backend.ts";
import { cut } from "./cli-json.ts";
import { safely, type CliStreamParser } from "./cli-stream-parser.ts";

/** LiteLLM errors aider does not retry (aider/exceptions.py): the run cannot succeed after one. */
const FATAL_ERRORS = new Set(["AuthenticationError", "BadRequestError", "NotFoundError", "PermissionDeniedError", "ContextWindowExceededError"]);
/** aider's own explanation of an authentication failure, printed after the LiteLLM error. */
const AUTH_HELP = "The API provider is not able to authenticate you. Check your API key.";
const MAX_MESSAGE_CHARS = 4000;

/**
 * What the aider parser carries from line to line: the assistant's reply being collected (plain text
 * becomes one message event at the next recognised line), the first fatal error, and the last error
 * not followed by a completed model call (aider exits 0 even when every call failed).
 */
export interface AiderStreamState {
  pending: string[];
  pendingChars: number;
  /** Inside a SEARCH/REPLACE block (its text is the edit, not the reply). */
  inEditBlock: boolean;
  fatal: string | undefined;
  lastErrorAfterCall: string | undefined;
}

export function createAiderStreamState(): AiderStreamState {
  return { pending: [], pendingChars: 0, inEditBlock: false, fatal: undefined, lastErrorAfterCall: undefined };
}

export function flushAiderStream(state: AiderStreamState): AgentEvent[] {
  const message = state.pending.join("\n").trim();
  state.pending = [];
  state.pendingChars = 0;
  state.inEditBlock = false;
  return message === "" ? [] : [{ kind: "message", text: cut(message, MAX_MESSAGE_CHARS) }];
}

/** "2.6k" -> 2600, "1,234" -> 1234, "1.2M" -> 1200000. */
function tokens(value: string): number | undefined {
  const m = /^([\d.,]+)([kM]?)$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]!.replace(/,/g, ""));
  if (!Number.isFinite(n)) return undefined;
  return Math.round(n * (m[2] === "k" ? 1000 : m[2] === "M" ? 1_000_000 : 1));
}

const TOKENS = /^Tokens: ([\d.,]+[kM]?) sent(?:, ([\d.,]+[kM]?) cache write)?(?:, ([\d.,]+[kM]?) cache hit)?, ([\d.,]+[kM]?) received\./;
const COST = /Cost: \$(\d+(?:\.\d+)?) message, \$(\d+(?:\.\d+)?) session\./;
const LITELLM_ERROR = /^(?:litellm\.)?([A-Z][A-Za-z]*Error): /;
/** Lines that are aider's UI, not the model's reply. */
const NOISE = [/^Git repo: /, /^Repo-map: /, /^Weak model: /, /^Editor model: /, /\(Y\)es\/\(N\)o/, /^https:\/\/aider\.chat\//, /^Use \/help /, /^─+$/];

function error(state: AiderStreamState, message: string, fatal: boolean): AgentEvent[] {
  state.lastErrorAfterCall = message;
  if (fatal && state.fatal === undefined) state.fatal = message;
  return [{ kind: "error", message: cut(message) }];
}

/**
 * One line of aider's plain-text output (`--no-pretty --no-stream`) -> normalized events.
 * Deterministic given `state`, which it updates; never throws. Formats from aider's source
 * (coders/base_coder.py, io.py, exceptions.py):
 *
 * - "Applied edit to <path>" -> file_edit.
 * - "Tokens: 2.6k sent, 118 received. Cost: $0.0096 message, $0.0096 session." -> usage (one turn per
 *   model call; tokens as aider rounds them; the message cost, so the sum is the session's cost).
 *   A "Cost:" line of its own (aider splits the report when it shows cache tokens) -> usage {costUsd}.
 * - "litellm.AuthenticationError: ..." and other LiteLLM errors -> error; the ones aider does not retry
 *   (authentication, bad request, not found, permission, context window) make the run fail, as does
 *   aider's "not able to authenticate you" explanation.
 * - "Failed to apply edit to ...", "... SEARCH/REPLACE block failed to match" -> error (aider retries).
 * - "Retrying in 0.2 seconds..." -> raw {type:"retry"}; "Aider v0.86.1" -> raw {type:"init", version};
 *   "Main model: X with ..." -> raw {type:"model", model}.
 * - Anything else on stdout is the model's reply: collected into one message event (aider's prompts, file names
 *   and the SEARCH/REPLACE blocks themselves left out; the edits are the file_edit events).
 */
export function parseAiderOutputLine(line: string, state: AiderStreamState, stream: "stdout" | "stderr" = "stdout"): AgentEvent[] {
  const trimmed = line.trim();
  /** A file name aider printed on its own line, before an edit block or its "Add file" question. */
  const dropFileName = (): void => {
    const last = state.pending.at(-1)?.trim();
    if (last !== undefined && last !== "" && !/\s/.test(last)) state.pending.pop();
  };
  const collect = (): AgentEvent[] => {
    // Unrecognised stderr text is Python's or a library's, not the model's reply.
    if (stream === "stderr") return [];
    if (state.inEditBlock) {
      if (/^>{7} REPLACE$/.test(trimmed)) state.inEditBlock = false;
      return [];
    }
    if (/^<{7} SEARCH$/.test(trimmed)) {
      dropFileName();
      state.inEditBlock = true;
      return [];
    }
    if (/\(Y\)es\/\(N\)o/.test(trimmed)) {
      dropFileName();
      return [];
    }
    if (trimmed === "" && state.pending.length === 0) return [];
    if (NOISE.some((re) => re.test(trimmed))) return [];
    if (state.pendingChars < MAX_MESSAGE_CHARS) {
      state.pending.push(line);
      state.pendingChars += line.length + 1;
    }
    return [];
  };

  const applied = /^Applied edit to (.+)$/.exec(trimmed);
  if (applied) return [...flushAiderStream(state), { kind: "file_edit", path: applied[1]!.trim() }];

  const used = TOKENS.exec(trimmed);
  if (used) {
    const events = flushAiderStream(state);
    const u: Extract<AgentEvent, { kind: "usage" }> = { kind: "usage", turns: 1 };
    const sent = tokens(used[1]!);
    if (sent !== undefined) u.inputTokens = sent;
    const received = tokens(used[4]!);
    if (received !== undefined) u.outputTokens = received;
    const cost = COST.exec(trimmed);
    if (cost) u.costUsd = Number(cost[1]);
    state.lastErrorAfterCall = undefined;
    events.push(u);
    return events;
  }
  const cost = /^Cost: /.test(trimmed) ? COST.exec(trimmed) : null;
  if (cost) return [...flushAiderStream(state), { kind: "usage", costUsd: Number(cost[1]) }];

  const litellm = LITELLM_ERROR.exec(trimmed);
  if (litellm) return [...flushAiderStream(state), ...error(state, trimmed, FATAL_ERRORS.has(litellm[1]!))];
  if (trimmed === AUTH_HELP) return [...flushAiderStream(state), ...error(state, trimmed, true)];
  if (/^The API provider\b/.test(trimmed) || /^Failed to apply edit to /.test(trimmed) || /SEARCH\/REPLACE blocks? failed to match/.test(trimmed) || /^Only \d+ reflections allowed/.test(trimmed)) {
    return [...flushAiderStream(state), ...error(state, trimmed, false)];
  }

  const retry = /^Retrying in (\d+(?:\.\d+)?) seconds/.exec(trimmed);
  if (retry) return [...flushAiderStream(state), { kind: "raw", data: { type: "retry", seconds: Number(retry[1]) } }];
  const version = /^Aider v(\S+)$/.exec(trimmed);
  if (version) return [...flushAiderStream(state), { kind: "raw", data: { type: "init", version: version[1] } }];
  const model = /^(?:Main model|Model): (\S+)/.exec(trimmed);
  if (model) return [...flushAiderStream(state), { kind: "raw", data: { type: "model", model: model[1] } }];

  return collect();
}

/** aider writes its reply, edits and errors to stdout; Python's own errors go to stderr. Both are parsed. */
export function createAiderStreamParser(): CliStreamParser {
  const state = createAiderStreamState();
  return {
    stdoutLine: (line) => safely(() => parseAiderOutputLine(line, state, "stdout")),
    stderrLine: (line) => safely(() => parseAiderOutputLine(line, state, "stderr")),
    finish: () => safely(() => flushAiderStream(state)),
    failure: () => state.fatal ?? state.lastErrorAfterCall,
  };
}
