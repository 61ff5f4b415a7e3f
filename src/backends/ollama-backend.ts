import { realpath } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { checkOllama } from "../llm/check-ollama.ts";
import { createOllamaLlm, type CreateOllamaLlmOptions } from "../llm/create-ollama-llm.ts";
import { estimateTokens, fitToBudget } from "../llm/fit-to-budget.ts";
import type { Llm, LlmMessage, LlmToolCall } from "../llm/llm.ts";
import { CancelledError, ModeratorError } from "../util/errors.ts";
import type { AgentEvent, AgentResult, Backend, BackendHealth, BackendRunContext } from "./backend.ts";
import { compactConversation } from "./ollama-compact-conversation.ts";
import { buildOllamaSystemPrompt } from "./ollama-system-prompt.ts";
import { parseTextToolCalls } from "./ollama-text-tool-calls.ts";
import { createOllamaTools } from "./ollama-tools.ts";

/** An Ollama model driven by Moderator's own edit loop (operator config, `backends.<name>` with type "ollama"). */
export const OllamaBackendConfig = z.strictObject({
  type: z.literal("ollama"),
  /** The Ollama server. */
  host: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://127.0.0.1:11434" }).default("http://127.0.0.1:11434"),
  /** A pulled model that supports tool calling, e.g. "qwen2.5-coder:14b". */
  model: z.string().min(1),
  /** Context window asked of Ollama (num_ctx) and the budget the conversation is kept under. */
  contextTokens: z.number().int().min(2048).max(1_048_576).default(16384),
  /** Model turns before the run fails. */
  maxTurns: z.number().int().min(1).max(500).default(30),
  /** Time limit of the whole run. */
  timeoutSeconds: z.number().int().positive().max(24 * 3600).default(1800),
  /** Time limit of one run_command (and of one model answer is the remaining run time). */
  commandTimeoutSeconds: z.number().int().positive().max(24 * 3600).default(120),
  /** Programs (argv[0], exact names) the model may run with run_command, in the sandbox without network. */
  allowedCommands: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must be a program name, without a path")).default([]),
  temperature: z.number().min(0).max(2).optional(),
  /** Ollama keep_alive, e.g. "10m". */
  keepAlive: z.string().min(1).optional(),
});
export type OllamaBackendConfig = z.infer<typeof OllamaBackendConfig>;

export interface OllamaBackendDeps {
  /** The backend's name in the operator config. Default "ollama". */
  name?: string;
  /** Builds the Llm (tests, other transports). Default: createOllamaLlm. */
  createLlm?: (opts: CreateOllamaLlmOptions) => Llm;
}

const OUTPUT_TAIL_CHARS = 4000;
/** Answers without a tool call in a row before the run fails. */
const MAX_IDLE_TURNS = 3;
/** Tool-call arguments longer than this are shortened in events (a written file's content). */
const EVENT_VALUE_CHARS = 2000;

type Usage = AgentResult["usage"];

function createTail(maxChars: number): { push(line: string): void; text(): string } {
  const lines: string[] = [];
  let size = 0;
  return {
    push(line: string): void {
      const kept = line.length > maxChars ? line.slice(0, maxChars) : line;
      lines.push(kept);
      size += kept.length + 1;
      while (size > maxChars && lines.length > 1) size -= lines.shift()!.length + 1;
    },
    text: () => lines.join("\n"),
  };
}

/** A copy of tool arguments fit for an event row: long strings cut visibly. */
function forEvent(value: unknown): unknown {
  if (typeof value === "string") return fitToBudget(value, EVENT_VALUE_CHARS, "[... {cut} characters left out ...]", { headRatio: 0.8 });
  if (Array.isArray(value)) return value.map(forEvent);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forEvent(v)]));
  return value;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The `ollama` backend: a local model edits the clone through Moderator's own tool loop (see
 * ollama-tools.ts). The model never gets a shell: it lists, reads, writes and patches files inside the
 * clone, runs only the operator's allowedCommands through the sandboxed ProcessRunner, and ends with
 * finish(summary). Bounded by maxTurns, timeoutSeconds (an AbortSignal that also aborts the HTTP request),
 * a cap on each tool output and a context budget (old tool output is shortened, then old turns dropped,
 * each visibly). It succeeds only on finish().
 */
export function createOllamaBackend(def: z.input<typeof OllamaBackendConfig>, deps: OllamaBackendDeps = {}): Backend {
  const name = deps.name ?? "ollama";
  const where = `ollama backend "${name}"`;
  const parsed = OllamaBackendConfig.safeParse(def);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid definition: ${problems.join("; ")}`);
  }
  const cfg = parsed.data;
  const host = cfg.host.replace(/\/+$/, "");
  const createLlm = deps.createLlm ?? createOllamaLlm;
  const command = ["ollama", "chat", cfg.model, `--host=${host}`];

  return {
    name,
    type: "ollama",

    async health(): Promise<BackendHealth> {
      const health = await checkOllama({ host, model: cfg.model });
      return health.version !== undefined ? { ok: health.ok, version: health.version, detail: health.detail } : { ok: health.ok, detail: health.detail };
    },

    async run(ctx: BackendRunContext): Promise<AgentResult> {
      const started = performance.now();
      const deadline = Date.now() + cfg.timeoutSeconds * 1000;
      const timeoutSignal = AbortSignal.timeout(cfg.timeoutSeconds * 1000);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeoutSignal]) : timeoutSignal;

      let root: string;
      try {
        root = await realpath(ctx.workdir);
      } catch (err) {
        throw new ModeratorError(`${where}: the clone ${ctx.workdir} is not usable: ${(err as Error).message}`, { phase: "execute", infrastructure: true, cause: err });
      }
      const scratchDir = path.resolve(ctx.scratchDir);
      if (isInside(scratchDir, root) || isInside(root, scratchDir)) {
        throw new ModeratorError(`${where}: the scratch folder ${scratchDir} must be outside the clone ${root}`, { phase: "execute", infrastructure: true });
      }

      const tail = createTail(OUTPUT_TAIL_CHARS);
      const usage: Usage = { turns: 0 };
      const emit = (event: AgentEvent): void => {
        try {
          ctx.onEvent(event);
        } catch {
          // a failing listener must not end the run
        }
      };
      const edited = new Set<string>();
      const tools = createOllamaTools({
        root,
        runner: ctx.runner,
        home: path.join(scratchDir, "home"),
        allowedCommands: cfg.allowedCommands,
        commandTimeoutMs: cfg.commandTimeoutSeconds * 1000,
        maxOutputChars: Math.min(60_000, Math.max(2000, Math.floor(cfg.contextTokens * 4 * 0.25))),
        signal,
        remainingMs: () => deadline - Date.now(),
        onFileEdit: (rel) => {
          edited.add(rel);
          emit({ kind: "file_edit", path: rel });
        },
      });
      const llm = createLlm({
        host,
        model: cfg.model,
        contextTokens: cfg.contextTokens,
        timeoutMs: cfg.timeoutSeconds * 1000,
        ...(cfg.temperature !== undefined ? { temperature: cfg.temperature } : {}),
        ...(cfg.keepAlive !== undefined ? { keepAlive: cfg.keepAlive } : {}),
      });

      // The budget: the window, less room for the answer and for the tool definitions.
      const toolTokens = estimateTokens(JSON.stringify(tools.definitions));
      const answerReserve = Math.min(4096, Math.floor(cfg.contextTokens / 4));
      const maxTokens = cfg.contextTokens - answerReserve;
      const targetTokens = Math.floor(maxTokens * 0.7);
      let messages: LlmMessage[] = [
        { role: "system", content: buildOllamaSystemPrompt({ allowedCommands: cfg.allowedCommands, maxTurns: cfg.maxTurns }) },
        { role: "user", content: ctx.task.prompt },
      ];

      const finish = (status: AgentResult["status"], error?: string): AgentResult => {
        const result: AgentResult = {
          status,
          exitCode: null,
          signal: null,
          durationMs: Math.round(performance.now() - started),
          outputTail: tail.text(),
          usage,
          command,
          sandbox: ctx.runner.mode,
        };
        if (error !== undefined) {
          result.error = error;
          tail.push(`error: ${error}`);
          result.outputTail = tail.text();
        }
        return result;
      };
      const stopped = (): AgentResult | undefined => {
        if (ctx.signal?.aborted) {
          emit({ kind: "result", success: false, text: "cancelled" });
          return finish("cancelled", "cancelled");
        }
        if (timeoutSignal.aborted || Date.now() >= deadline) {
          const error = `the ollama agent did not finish within ${cfg.timeoutSeconds}s (${usage.turns ?? 0} turns)`;
          emit({ kind: "error", message: error });
          emit({ kind: "result", success: false, text: error });
          return finish("timed_out", error);
        }
        return undefined;
      };
      const failed = (error: string): AgentResult => {
        emit({ kind: "error", message: error });
        emit({ kind: "result", success: false, text: error });
        return finish("failed", error);
      };

      let idleTurns = 0;
      for (let turn = 1; turn <= cfg.maxTurns; turn++) {
        const stop = stopped();
        if (stop) return stop;

        const compacted = compactConversation(messages, { maxTokens, targetTokens, keepRecent: 4, fixedTokens: toolTokens });
        if (compacted.shortened > 0 || compacted.dropped > 0) {
          messages = compacted.messages;
          tail.push(`context: shortened ${compacted.shortened} and removed ${compacted.dropped} old messages to stay within ${cfg.contextTokens} tokens`);
          emit({ kind: "raw", data: { type: "context_compacted", shortened: compacted.shortened, dropped: compacted.dropped, estimatedTokens: compacted.tokens } });
        }

        let answer: LlmMessage;
        try {
          const reply = await llm.chat(messages, { tools: tools.definitions, signal });
          answer = reply.message;
          usage.turns = turn;
          if (reply.usage.inputTokens !== undefined) usage.inputTokens = (usage.inputTokens ?? 0) + reply.usage.inputTokens;
          if (reply.usage.outputTokens !== undefined) usage.outputTokens = (usage.outputTokens ?? 0) + reply.usage.outputTokens;
          emit({
            kind: "usage",
            turns: 1,
            ...(reply.usage.inputTokens !== undefined ? { inputTokens: reply.usage.inputTokens } : {}),
            ...(reply.usage.outputTokens !== undefined ? { outputTokens: reply.usage.outputTokens } : {}),
          });
        } catch (err) {
          const stop2 = stopped();
          if (stop2) return stop2;
          if (err instanceof CancelledError) return finish("cancelled", "cancelled");
          return failed(`${where}: ${(err as Error).message}`);
        }

        let calls: LlmToolCall[] = answer.toolCalls ?? [];
        if (calls.length === 0) {
          calls = parseTextToolCalls(answer.content, tools.names);
          if (calls.length > 0) answer = { role: "assistant", content: "", toolCalls: calls };
        }
        if (answer.content.trim() !== "") {
          emit({ kind: "message", text: answer.content });
          tail.push(`assistant: ${oneLine(answer.content)}`);
        }
        messages.push(answer);

        if (calls.length === 0) {
          idleTurns++;
          if (idleTurns >= MAX_IDLE_TURNS) return failed(`the model answered ${MAX_IDLE_TURNS} times in a row without calling a tool`);
          messages.push({
            role: "user",
            content: "You did not call a tool. Continue the task with the tools, and call finish with a summary when the work is done.",
          });
          continue;
        }
        idleTurns = 0;

        for (const call of calls) {
          emit({ kind: "tool_call", tool: call.name, input: forEvent(call.arguments) });
          const outcome = await tools.execute(call);
          tail.push(`tool ${call.name}(${oneLine(JSON.stringify(forEvent(call.arguments)) ?? "", 200)}) -> ${outcome.ok ? "ok" : "refused"}: ${oneLine(outcome.output, 300)}`);
          if (outcome.finished) {
            const summary = outcome.finished.summary;
            emit({ kind: "result", success: true, text: summary });
            tail.push(`finished: ${oneLine(summary)}`);
            return finish("succeeded");
          }
          messages.push({ role: "tool", toolName: call.name, content: outcome.output });
          const stop3 = stopped();
          if (stop3) return stop3;
        }
      }
      const changed = edited.size > 0 ? ` (it had changed ${[...edited].slice(0, 5).join(", ")}${edited.size > 5 ? ", ..." : ""})` : "";
      return failed(`the model did not call finish within maxTurns (${cfg.maxTurns} turns)${changed}; raise maxTurns for backend '${name}' or split the issue`);
    },
  };
}
