import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { NetworkAccess, RunResult } from "../sandbox/process-runner.ts";
import { resolveBackendNetwork, type NetworkSetting } from "./resolve-backend-network.ts";
import { ModeratorError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { createKnownValueRedactor, createLineTail } from "./agent-output.ts";
import type { AgentEvent, AgentResult, Backend, BackendRunContext } from "./backend.ts";
import { buildAgentEnv } from "./build-agent-env.ts";
import { checkCliHealth } from "./cli-health.ts";
import { describePlan, flattenPlan, type LaunchPlan } from "./cli-launch-plan.ts";
import { findRecovery, type RecoveryRule } from "./cli-recovery.ts";
import type { CliStreamParser } from "./cli-stream-parser.ts";

/** What every CLI backend knows about itself (from its operator config). */
export interface CliAgentDefinition {
  /** The operator's name for the backend (its key in moderator.config.yml). */
  name: string;
  /** The backend type: "claude-code", "codex", "gemini", "aider". */
  type: string;
  /** The CLI's name in messages ("Claude Code"). */
  label: string;
  binary: string;
  timeoutSeconds: number;
  network: NetworkAccess;
  /** Environment variable names passed through (GitHub credentials and Moderator's secrets never are). */
  env: string[];
  /** Host folders visible read-only inside the sandbox. */
  mounts: string[];
  /** How to install the CLI, for error messages. */
  installHint: string;
}

export interface CliPlanInput {
  /** The prompt, safe to pass as one argument. */
  prompt: string;
  /** The clone (the CLI's cwd). */
  workdir: string;
  /** The agent's private writable HOME (in the scratch folder). */
  home: string;
  /** Read-only folder holding task.json and prompt.md. */
  taskDir: string;
  /** Moderator's sandbox for this run. */
  sandbox: "bwrap" | "none";
}

/** The CLI-specific part: argv and env, the output parser, the known start-up failures. */
export interface CliAgentAdapter {
  buildPlan(input: CliPlanInput): LaunchPlan;
  createParser(): CliStreamParser;
  recoveries: readonly RecoveryRule[];
  /** More read-only folders for this run (e.g. gemini's include directories that exist). */
  readOnlyPaths?: string[];
}

const OUTPUT_TAIL_CHARS = 4000;
/** Linux limits one argument to 128 KiB (MAX_ARG_STRLEN); the prompt is one argument. */
const MAX_PROMPT_BYTES = 120_000;

type Usage = AgentResult["usage"];



function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function addUsage(total: Usage, event: Extract<AgentEvent, { kind: "usage" }>): void {
  for (const key of ["inputTokens", "outputTokens", "costUsd", "turns"] as const) {
    const value = event[key];
    if (value !== undefined) total[key] = (total[key] ?? 0) + value;
  }
}

/** The CLI's paths made relative to the clone when they are inside it. */
function relativize(p: string, workdir: string): string {
  if (!path.isAbsolute(p)) return p;
  const abs = path.resolve(p);
  return isInside(abs, workdir) ? path.relative(workdir, abs) || "." : p;
}

interface Launch {
  result: RunResult;
  parser: CliStreamParser;
  sawEdit: boolean;
  lastError: string | undefined;
  lastStderr: string | undefined;
}

/**
 * Runs a CLI agent once, or twice when its first launch hits a known start-up failure.
 *
 * - argv comes from the adapter's plan; env is the operator's allow-list (buildAgentEnv: GitHub and
 *   Moderator credentials never pass) plus the adapter's variables plus HOME = <scratch>/home (writable).
 * - <scratch>/task holds task.json and prompt.md and is mounted read-only with the operator's mounts.
 * - The run goes through ctx.runner: timeout (the whole budget, relaunch included), AbortSignal,
 *   process-group kill, bounded output, the sandbox, network per the backend. stdin is closed.
 * - stdout (and stderr) lines are redacted (values of the secret-looking variables the CLI was given),
 *   kept in a bounded tail and fed to the adapter's parser; its events go to ctx.onEvent, file paths
 *   inside the clone made relative. Usage is the sum of the CLI's own numbers.
 * - Succeeded = exit 0 and no failure reported by the CLI (an error result, a failed turn...).
 * - Recovery: when the first launch exits non-zero (no signal, no timeout, no cancel, no file edited)
 *   and one of the adapter's rules recognises the failure in its output, the CLI is relaunched ONCE
 *   with the fixed plan, after an event {kind:"raw", data:{type:"recovery", rule, fix, reason}}.
 * - Throws ModeratorError (infrastructure) only when the CLI cannot be started at all.
 */
export async function runCliAgent(
  def: CliAgentDefinition,
  adapter: CliAgentAdapter,
  ctx: BackendRunContext,
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<AgentResult> {
  const where = `${def.type} backend "${def.name}"`;
  const scratchDir = path.resolve(ctx.scratchDir);
  const workdir = path.resolve(ctx.workdir);
  if (isInside(scratchDir, workdir) || isInside(workdir, scratchDir)) {
    throw new ModeratorError(`${where}: the scratch folder ${scratchDir} must be outside the clone ${workdir}`, { phase: "execute", infrastructure: true });
  }
  let prompt = ctx.task.prompt;
  if (typeof prompt !== "string" || prompt.trim() === "") throw new ModeratorError(`${where}: the task has an empty prompt`, { phase: "execute" });
  const promptBytes = Buffer.byteLength(prompt, "utf8");
  if (promptBytes > MAX_PROMPT_BYTES) {
    throw new ModeratorError(`${where}: the prompt is ${promptBytes} bytes; ${def.label} takes it as one command-line argument, which is limited to ${MAX_PROMPT_BYTES} bytes`, {
      phase: "execute",
      hint: "Shorten the issue text, or split the issue into smaller ones.",
    });
  }
  // A prompt starting with "-" would be read as an option.
  if (prompt.startsWith("-")) prompt = `\n${prompt}`;

  const home = path.join(scratchDir, "home");
  const taskDir = path.join(scratchDir, "task");
  await mkdir(home, { recursive: true });
  await mkdir(taskDir, { recursive: true });
  await writeFile(path.join(taskDir, "task.json"), `${JSON.stringify(ctx.task, null, 2)}\n`, { mode: 0o644 });
  await writeFile(path.join(taskDir, "prompt.md"), `${ctx.task.prompt}\n`, { mode: 0o644 });

  let plan = adapter.buildPlan({ prompt, workdir, home, taskDir, sandbox: ctx.runner.mode });
  const tail = createLineTail(OUTPUT_TAIL_CHARS);
  const usage: Usage = {};
  const budgetMs = def.timeoutSeconds * 1000;
  let elapsedMs = 0;
  let redact: (text: string) => string = (t) => t;

  const deliver = (event: AgentEvent): void => {
    try {
      ctx.onEvent(event);
    } catch {
      // The caller's event sink failing must not change the agent's outcome.
    }
  };

  const launchOnce = async (current: LaunchPlan, timeoutMs: number): Promise<Launch> => {
    for (const dir of current.makeDirs) await mkdir(dir, { recursive: true });
    const env = buildAgentEnv(def.env, processEnv, { ...current.env, HOME: home });
    redact = createKnownValueRedactor(env);
    const parser = adapter.createParser();
    const launch = { parser, sawEdit: false, lastError: undefined as string | undefined, lastStderr: undefined as string | undefined };
    const emit = (events: AgentEvent[]): void => {
      for (const e of events) {
        const event: AgentEvent = e.kind === "file_edit" ? { kind: "file_edit", path: relativize(e.path, workdir) } : e;
        if (event.kind === "file_edit") launch.sawEdit = true;
        if (event.kind === "usage") addUsage(usage, event);
        if (event.kind === "error") launch.lastError = event.message;
        deliver(event);
      }
    };
    let result: RunResult;
    try {
      result = await ctx.runner.run({
        command: [def.binary, ...flattenPlan(current)],
        cwd: workdir,
        env,
        timeoutMs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        readOnlyPaths: [taskDir, ...def.mounts, ...(adapter.readOnlyPaths ?? [])],
        network: def.network,
        onConnection: (attempt) => deliver({ kind: "connection", ...attempt }),
        onStdoutLine: (raw) => {
          const line = redact(raw);
          tail.push(line);
          emit(parser.stdoutLine(line));
        },
        onStderrLine: (raw) => {
          const line = redact(raw);
          tail.push(line);
          if (line.trim() !== "") launch.lastStderr = line.trim();
          emit(parser.stderrLine(line));
        },
      });
    } catch (err) {
      throw new ModeratorError(`${where} could not start ${def.label}: ${(err as Error).message}`, {
        phase: "execute",
        infrastructure: true,
        hint: `Install ${def.label} on the worker (${def.installHint}), or set backends.${def.name}.binary in moderator.config.yml to its absolute path (and its folder in mounts when the sandbox is on).`,
        cause: err,
      });
    }
    emit(parser.finish());
    return { ...launch, result };
  };

  let launch = await launchOnce(plan, budgetMs);
  elapsedMs += launch.result.durationMs;
  const first = launch.result;
  const remainingMs = budgetMs - elapsedMs;
  if (!first.cancelled && !first.timedOut && first.signal === null && first.exitCode !== 0 && !launch.sawEdit && remainingMs >= 1000) {
    const recovery = findRecovery(adapter.recoveries, `${first.stdout}\n${first.stderr}`, plan);
    if (recovery) {
      const reason = redactSecrets(redact(recovery.reason));
      deliver({ kind: "raw", data: { type: "recovery", rule: recovery.rule, fix: recovery.fix, reason } });
      tail.push(`[moderator] ${def.label} failed to start (${reason}); ${recovery.fix}`);
      plan = recovery.plan;
      launch = await launchOnce(plan, remainingMs);
      elapsedMs += launch.result.durationMs;
    }
  }

  const { result } = launch;
  const clean = (text: string): string => redactSecrets(redact(text));
  const base = {
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: elapsedMs,
    outputTail: clean(tail.text()),
    usage,
    command: describePlan(def.binary, plan),
    sandbox: result.sandbox,
  };
  if (result.cancelled) return { ...base, status: "cancelled", error: "cancelled" };
  if (result.timedOut) return { ...base, status: "timed_out", error: `${def.label} did not finish within ${def.timeoutSeconds}s` };
  if (result.signal !== null) return { ...base, status: "crashed", error: `${def.label} was killed by signal ${result.signal}` };
  const failure = launch.parser.failure();
  if (result.exitCode === 0 && failure === undefined) return { ...base, status: "succeeded" };
  if (result.exitCode === 0) return { ...base, status: "failed", error: clean(`${def.label} reported a failure: ${failure}`) };
  const why = failure ?? launch.lastError ?? launch.lastStderr ?? "it printed no error message";
  return { ...base, status: "failed", error: clean(`${def.label} exited with code ${String(result.exitCode)}: ${why}`) };
}

/**
 * The Backend for one CLI adapter: health by `<binary> --version`, runs through runCliAgent. Each adapter
 * supplies only what differs (its type, label, install hint and how it launches and parses).
 */
export function createCliBackend(
  identity: { name: string; type: string; label: string; installHint: string },
  cfg: { binary: string; timeoutSeconds: number; network: NetworkSetting; env: string[]; mounts: string[]; model?: string | undefined },
  adapter: CliAgentAdapter | ((ctx: BackendRunContext) => CliAgentAdapter),
  processEnv: Readonly<Record<string, string | undefined>>,
): Backend {
  const { access } = resolveBackendNetwork(identity.type, cfg.network, cfg.env, processEnv, cfg.model);
  const cli: CliAgentDefinition = { ...identity, binary: cfg.binary, timeoutSeconds: cfg.timeoutSeconds, network: access, env: cfg.env, mounts: cfg.mounts };
  return {
    name: identity.name,
    type: identity.type,
    health: () => checkCliHealth({ name: identity.name, label: identity.label, binary: cfg.binary, env: cfg.env, processEnv, installHint: identity.installHint }),
    run: (ctx) => runCliAgent(cli, typeof adapter === "function" ? adapter(ctx) : adapter, ctx, processEnv),
  };
}
