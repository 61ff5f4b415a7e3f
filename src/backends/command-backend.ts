import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { resolveProgram } from "../sandbox/resolve-program.ts";
import { ModeratorError } from "../util/errors.ts";
import { createKnownValueRedactor, createLineTail } from "./agent-output.ts";
import type { AgentEvent, AgentResult, Backend, BackendHealth, BackendRunContext } from "./backend.ts";
import { buildAgentEnv } from "./build-agent-env.ts";
import { resolveBackendNetwork, type NetworkSetting } from "./resolve-backend-network.ts";

export interface CommandBackendDefinition {
  name: string;
  /** argv; argv[0] is an absolute path or a name on the agent's PATH. */
  command: string[];
  timeoutSeconds: number;
  /** Names of environment variables passed through to the agent (GitHub credentials never are). */
  env: string[];
  /** The network it reaches through the egress proxy: false (default), true (only passed-through base URLs) or { allow }. */
  network?: NetworkSetting;
  /** Bytes of stdout and of stderr the runner keeps. Default: the runner's (1 MiB). */
  maxOutputBytes?: number;
  /** Host folders the agent may read inside the sandbox (its install folder, a script's folder). */
  readOnlyPaths?: string[];
}

const OUTPUT_TAIL_CHARS = 4000;

type Usage = AgentResult["usage"];



function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const nonNegative = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * One stdout line -> events. A JSON object with a string `type` becomes a raw event, plus a normalized
 * one when the type is known and its fields fit:
 *   {"type":"message","text":string}            {"type":"error","message":string}
 *   {"type":"result","success":boolean,"text"?:string}
 *   {"type":"usage","inputTokens"?,"outputTokens"?,"costUsd"?,"turns"?: number}  (increments)
 *   {"type":"tool_call","tool":string,"input"?:any}  {"type":"file_edit","path":string}
 * Anything else (plain text, malformed JSON, arrays, objects without a type) yields nothing.
 */
function parseEventLine(line: string): AgentEvent[] {
  const text = line.trim();
  if (!text.startsWith("{")) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isRecord(data) || typeof data.type !== "string") return [];
  const events: AgentEvent[] = [{ kind: "raw", data }];
  switch (data.type) {
    case "message":
      if (typeof data.text === "string") events.push({ kind: "message", text: data.text });
      break;
    case "error":
      if (typeof data.message === "string") events.push({ kind: "error", message: data.message });
      break;
    case "result":
      if (typeof data.success === "boolean") {
        events.push(typeof data.text === "string" ? { kind: "result", success: data.success, text: data.text } : { kind: "result", success: data.success });
      }
      break;
    case "usage": {
      const usage: Usage = {};
      if (nonNegative(data.inputTokens)) usage.inputTokens = data.inputTokens;
      if (nonNegative(data.outputTokens)) usage.outputTokens = data.outputTokens;
      if (nonNegative(data.costUsd)) usage.costUsd = data.costUsd;
      if (nonNegative(data.turns)) usage.turns = data.turns;
      if (Object.keys(usage).length > 0) events.push({ kind: "usage", ...usage });
      break;
    }
    case "tool_call":
      if (typeof data.tool === "string") events.push(data.input === undefined ? { kind: "tool_call", tool: data.tool } : { kind: "tool_call", tool: data.tool, input: data.input });
      break;
    case "file_edit":
      if (typeof data.path === "string") events.push({ kind: "file_edit", path: data.path });
      break;
    default:
      break;
  }
  return events;
}

function addUsage(total: Usage, event: Extract<AgentEvent, { kind: "usage" }>): void {
  for (const key of ["inputTokens", "outputTokens", "costUsd", "turns"] as const) {
    const value = event[key];
    if (value !== undefined) total[key] = (total[key] ?? 0) + value;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * A backend that runs an operator-defined program as the agent.
 *
 * Protocol: the task is written as JSON to $MODERATOR_TASK_FILE (read-only inside the sandbox);
 * HOME is a private writable folder; the agent edits files in its cwd (the clone) and may print JSON
 * event lines on stdout (see parseEventLine); usage lines are increments and AgentResult.usage is
 * their sum. Exit 0 means it succeeded. Values of secret-looking variables it was given are redacted
 * from events and from outputTail.
 */
export function createCommandBackend(
  def: CommandBackendDefinition,
  deps: { processEnv: Record<string, string | undefined> },
): Backend {
  if (typeof def.name !== "string" || def.name.trim() === "") throw new Error("command backend: name must be a non-empty string");
  const where = `command backend "${def.name}"`;
  if (!Array.isArray(def.command) || def.command.length === 0 || def.command.some((a) => typeof a !== "string") || def.command[0] === "") {
    throw new Error(`${where}: command must be a non-empty argv array, got ${JSON.stringify(def.command)}`);
  }
  if (!Number.isFinite(def.timeoutSeconds) || def.timeoutSeconds <= 0) {
    throw new Error(`${where}: timeoutSeconds must be a positive number, got ${String(def.timeoutSeconds)}`);
  }
  try {
    buildAgentEnv(def.env, {}, {});
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const command = [...def.command];
  const program = command[0]!;
  const network = resolveBackendNetwork("command", def.network ?? false, def.env, deps.processEnv).access;

  return {
    name: def.name,
    type: "command",

    async health(): Promise<BackendHealth> {
      const pathVar = buildAgentEnv(def.env, deps.processEnv, {}).PATH ?? DEFAULT_PATH;
      if (program.includes("/") && !path.isAbsolute(program)) {
        return { ok: false, detail: `${where}: "${program}" is a relative path; use an absolute path or a program name on PATH` };
      }
      try {
        const resolved = await resolveProgram(program, pathVar, "/");
        return { ok: true, detail: `runs ${resolved}` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },

    async run(ctx: BackendRunContext): Promise<AgentResult> {
      const scratchDir = path.resolve(ctx.scratchDir);
      const workdir = path.resolve(ctx.workdir);
      if (isInside(scratchDir, workdir) || isInside(workdir, scratchDir)) {
        throw new ModeratorError(`${where}: the scratch folder ${scratchDir} must be outside the clone ${workdir}`, { phase: "execute", infrastructure: true });
      }
      const taskFile = path.join(scratchDir, "task.json");
      const home = path.join(scratchDir, "home");
      await mkdir(home, { recursive: true });
      await writeFile(taskFile, `${JSON.stringify(ctx.task, null, 2)}\n`, { mode: 0o644 });

      const env = buildAgentEnv(def.env, deps.processEnv, { MODERATOR_TASK_FILE: taskFile, HOME: home });
      const redact = createKnownValueRedactor(env);
      const tail = createLineTail(OUTPUT_TAIL_CHARS);
      const usage: Usage = {};
      let lastError: string | undefined;

      const onStdoutLine = (raw: string): void => {
        const line = redact(raw);
        tail.push(line);
        for (const event of parseEventLine(line)) {
          if (event.kind === "usage") addUsage(usage, event);
          if (event.kind === "error") lastError = event.message;
          ctx.onEvent(event);
        }
      };
      const onStderrLine = (raw: string): void => tail.push(redact(raw));

      let result;
      try {
        result = await ctx.runner.run({
          command,
          cwd: workdir,
          env,
          timeoutMs: def.timeoutSeconds * 1000,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(def.maxOutputBytes !== undefined ? { maxOutputBytes: def.maxOutputBytes } : {}),
          readOnlyPaths: [scratchDir, ...(def.readOnlyPaths ?? [])],
          network,
          onConnection: (attempt) => {
            try {
              ctx.onEvent({ kind: "connection", ...attempt });
            } catch {
              // the caller's event sink failing must not change the agent's outcome
            }
          },
          onStdoutLine,
          onStderrLine,
        });
      } catch (err) {
        throw new ModeratorError(`${where} could not start its agent: ${(err as Error).message}`, {
          phase: "execute",
          infrastructure: true,
          hint: `check backends.${def.name}.command in the operator config (moderator.config.yml) and that the program is installed`,
          cause: err,
        });
      }

      const base = {
        exitCode: result.exitCode,
        signal: result.signal,
        durationMs: result.durationMs,
        outputTail: tail.text(),
        usage,
        command,
        sandbox: result.sandbox,
      };
      if (result.cancelled) return { ...base, status: "cancelled", error: "cancelled" };
      if (result.timedOut) return { ...base, status: "timed_out", error: `agent did not finish within ${def.timeoutSeconds}s` };
      if (result.signal !== null) return { ...base, status: "crashed", error: `agent was killed by signal ${result.signal}` };
      if (result.exitCode === 0) return { ...base, status: "succeeded" };
      const suffix = lastError ? `: ${lastError}` : "";
      return { ...base, status: "failed", error: `agent exited with code ${String(result.exitCode)}${suffix}` };
    },
  };
}
