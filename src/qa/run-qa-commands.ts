import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { ConnectionAttempt, NetworkAccess, ProcessRunner, RunResult } from "../sandbox/process-runner.ts";
import { CancelledError } from "../util/errors.ts";
import { relativizePaths } from "../util/relativize-paths.ts";
import { redactSecrets } from "../util/redact.ts";
import type { CommandRun } from "./build-check-run.ts";
import { commandFindings } from "./command-findings.ts";
import type { Finding } from "./finding.ts";
import { truncate } from "./format.ts";

/** One command of `qa.setup` or `qa.commands` in .github/moderator.yml. */
export interface QaCommand {
  name: string;
  /** Shell text, run as `sh -c <run>`. */
  run: string;
  timeoutSeconds?: number | undefined;
}

/** What ran, for the check run's command table, the PR body and the event log. */
export interface QaCommandRun extends CommandRun {
  /** `setup` prepares the workspace (install dependencies); `check` is a test/lint command. */
  stage: "setup" | "check";
  /** The last lines of stdout+stderr, ANSI codes stripped and secrets redacted. */
  outputTail: string;
  /** True when the runner dropped output beyond its byte limit (the tail is still right). */
  truncated: boolean;
}

export interface RunQaCommandsOptions {
  setup: QaCommand[];
  commands: QaCommand[];
  /** The clone; commands run there. */
  cwd: string;
  /** A private folder outside the clone; the commands' HOME is created in it and it is writable. */
  scratchDir: string;
  /** For commands without their own timeoutSeconds. */
  defaultTimeoutMs: number;
  signal?: AbortSignal;
  /** Values to mask in every output (the installation token, API keys). */
  knownSecrets: readonly string[];
  /** Bytes of stdout and of stderr kept per command. Default 256 KiB. */
  maxOutputBytes?: number;
  /** Extra environment for every command (merged over PATH, HOME, LANG, CI). Never pass credentials. */
  env?: Record<string, string>;
  /** Network inside the sandbox for setup commands (installing dependencies needs it) and for checks. Default: none. */
  network?: { setup?: NetworkAccess; checks?: NetworkAccess };
  /** Each connection attempt through the egress proxy, with the command's name. */
  onConnection?: (attempt: ConnectionAttempt & { command: string }) => void;
}

export interface RunQaCommandsResult {
  results: QaCommandRun[];
  /** Failing and timed-out checks, from commandFindings. Setup problems are not findings: see qaError. */
  findings: Finding[];
  /**
   * Set when QA could not run (a setup command failed or timed out, or a command could not be started):
   * pass it to buildCheckRunOutput as `qaError`, which concludes the check run `neutral`.
   */
  qaError?: string;
}

const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;
const TAIL_LINES = 40;
const MAX_LINE_CHARS = 400;
const QA_ERROR_TAIL_LINES = 15;
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Run the repository's QA commands in the sandbox: `setup` first (a failing setup stops everything and
 * reports QA as not run: `qaError`), then every check (all of them, even after one fails, so the maintainer
 * sees every failure at once). Each command is `sh -c <run>` in `cwd` through the runner: env allow-list,
 * timeout, group kill, bounded output. Throws CancelledError when `signal` aborts; never throws otherwise.
 */
export async function runQaCommands(runner: ProcessRunner, opts: RunQaCommandsOptions): Promise<RunQaCommandsResult> {
  const problem = validateOptions(opts);
  if (problem) return { results: [], findings: [], qaError: `runQaCommands: ${problem}` };
  const home = path.join(opts.scratchDir, "qa-home");
  await mkdir(home, { recursive: true });
  const env: Record<string, string> = { PATH: BASE_PATH, HOME: home, LANG: "C.UTF-8", CI: "true", ...(opts.env ?? {}) };
  const secrets = [...opts.knownSecrets];
  const results: QaCommandRun[] = [];
  const checkOutputs: { run: QaCommandRun; output: string }[] = [];

  const runOne = async (c: QaCommand, stage: QaCommandRun["stage"]): Promise<{ run: QaCommandRun; output: string } | { startError: string }> => {
    const command = ["sh", "-c", c.run];
    const timeoutMs = c.timeoutSeconds !== undefined ? c.timeoutSeconds * 1000 : opts.defaultTimeoutMs;
    let r: RunResult;
    try {
      r = await runner.run({
        command,
        cwd: opts.cwd,
        env,
        timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        writablePaths: [opts.scratchDir],
        network: (stage === "setup" ? opts.network?.setup : opts.network?.checks) ?? false,
        ...(opts.onConnection ? { onConnection: (a: ConnectionAttempt) => opts.onConnection?.({ ...a, command: c.name }) } : {}),
      });
    } catch (err) {
      return { startError: `${stage} command \`${c.name}\` could not be started: ${redactSecrets((err as Error).message, secrets)}` };
    }
    if (r.cancelled || opts.signal?.aborted) throw new CancelledError(`the run was cancelled during QA (${c.name})`);
    // What people see is repository-relative: the server's workspace and scratch folders never show.
    const output = relativizePaths(
      redactSecrets(`${r.stdout}${r.stderr ? `${r.stdout && !r.stdout.endsWith("\n") ? "\n" : ""}${r.stderr}` : ""}`, secrets),
      [
        { dir: opts.cwd, shownAs: "." },
        { dir: opts.scratchDir, shownAs: "<scratch>" },
      ],
    );
    const run: QaCommandRun = {
      name: c.name,
      // Shown in the check run and findings: a secret that made it into the command text is masked there too.
      command: command.map((arg) => redactSecrets(arg, secrets)),
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      stage,
      outputTail: tailLines(output, TAIL_LINES),
      truncated: r.truncated,
    };
    return { run, output };
  };

  for (const c of opts.setup) {
    const outcome = await runOne(c, "setup");
    if ("startError" in outcome) return { results, findings: [], qaError: outcome.startError };
    results.push(outcome.run);
    const { run } = outcome;
    if (run.timedOut || run.exitCode !== 0) {
      const how = run.timedOut ? `timed out after ${Math.round(run.durationMs / 1000)} s` : run.exitCode === null ? "was killed by a signal" : `exited with code ${run.exitCode}`;
      const tail = tailLines(outcome.output, QA_ERROR_TAIL_LINES);
      const skipped = opts.commands.length > 0 ? ` The ${opts.commands.length === 1 ? "check was" : `${opts.commands.length} checks were`} not run.` : "";
      return {
        results,
        findings: [],
        qaError:
          `setup command \`${c.name}\` ${how}, so QA could not run.${skipped}` +
          (tail ? `\nLast lines of its output:\n${tail}` : " It printed nothing.") +
          "\nFix the setup commands in .github/moderator.yml (qa.setup), or ask the operator whether the sandbox allows what they need (network, tools).",
      };
    }
  }

  let startError: string | undefined;
  for (const c of opts.commands) {
    const outcome = await runOne(c, "check");
    if ("startError" in outcome) {
      startError ??= outcome.startError;
      continue;
    }
    results.push(outcome.run);
    checkOutputs.push(outcome);
  }
  const findings = commandFindings(
    checkOutputs.map(({ run, output }) => ({ name: run.name, command: run.command, exitCode: run.exitCode, timedOut: run.timedOut, output, durationMs: run.durationMs })),
    secrets,
  );
  return startError ? { results, findings, qaError: startError } : { results, findings };
}

function validateOptions(opts: RunQaCommandsOptions): string | undefined {
  if (!Array.isArray(opts.setup) || !Array.isArray(opts.commands)) return "setup and commands must be arrays";
  for (const [i, c] of [...opts.setup, ...opts.commands].entries()) {
    if (!c || typeof c.name !== "string" || typeof c.run !== "string" || c.run.trim() === "") {
      return `command ${i} needs a name and a non-empty run, got ${truncate(JSON.stringify(c) ?? String(c), 200)}`;
    }
    if (c.timeoutSeconds !== undefined && !(Number.isFinite(c.timeoutSeconds) && c.timeoutSeconds > 0)) {
      return `command \`${c.name}\`: timeoutSeconds must be a positive number, got ${String(c.timeoutSeconds)}`;
    }
  }
  if (!(Number.isFinite(opts.defaultTimeoutMs) && opts.defaultTimeoutMs > 0)) {
    return `defaultTimeoutMs must be a positive number, got ${String(opts.defaultTimeoutMs)}`;
  }
  if (typeof opts.cwd !== "string" || !path.isAbsolute(opts.cwd)) return `cwd must be an absolute path, got ${String(opts.cwd)}`;
  if (typeof opts.scratchDir !== "string" || !path.isAbsolute(opts.scratchDir)) return `scratchDir must be an absolute path, got ${String(opts.scratchDir)}`;
  return undefined;
}

/** The last `n` non-empty-tail lines, ANSI stripped, carriage-return progress bars collapsed, long lines cut. */
function tailLines(output: string, n: number): string {
  const lines = output
    .replace(ANSI, "")
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.replace(/^.*\r(?=[^\r]*$)/, ""));
  while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
  return lines
    .slice(-n)
    .map((line) => truncate(line, MAX_LINE_CHARS))
    .join("\n");
}
