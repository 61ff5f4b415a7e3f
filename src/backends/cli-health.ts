import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createProcessRunner } from "../sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { resolveProgram } from "../sandbox/resolve-program.ts";
import { redactSecrets } from "../util/redact.ts";
import type { BackendHealth } from "./backend.ts";
import { buildAgentEnv } from "./build-agent-env.ts";

export interface CliHealthCheck {
  /** The backend's name in moderator.config.yml, for the fix hint. */
  name: string;
  /** "Claude Code". */
  label: string;
  binary: string;
  /** The backend's pass-through list: PATH from it (when listed) is where the binary is looked up. */
  env: string[];
  processEnv: Readonly<Record<string, string | undefined>>;
  installHint: string;
  timeoutMs?: number;
}

const VERSION = /\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?/;

/**
 * Is the CLI installed and does it start? Resolves the binary on the agent's PATH, then runs
 * `<binary> --version` outside the sandbox (a short timeout, a throw-away HOME, the agent's env
 * allow-list). ok with the version it printed, or the reason and how to install it.
 */
export async function checkCliHealth(check: CliHealthCheck): Promise<BackendHealth> {
  const env = buildAgentEnv(check.env, check.processEnv, {});
  const pathVar = env.PATH ?? DEFAULT_PATH;
  const install = `install it with \`${check.installHint}\`, or set backends.${check.name}.binary to its absolute path`;
  let resolved: string;
  try {
    resolved = await resolveProgram(check.binary, pathVar, "/");
  } catch (err) {
    return { ok: false, detail: `${check.label} is not installed here: ${(err as Error).message}; ${install}` };
  }
  const home = await mkdtemp(path.join(tmpdir(), "moderator-health-"));
  try {
    const runner = await createProcessRunner({ mode: "none" });
    const timeoutMs = check.timeoutMs ?? 20_000;
    const result = await runner.run({ command: [resolved, "--version"], cwd: home, env: { ...env, PATH: pathVar, HOME: home }, timeoutMs, maxOutputBytes: 64 * 1024 });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    const firstLine = redactSecrets(output.split("\n", 1)[0] ?? "").slice(0, 300);
    if (result.timedOut) return { ok: false, detail: `${resolved} --version did not answer within ${Math.round(timeoutMs / 1000)}s` };
    if (result.signal !== null) return { ok: false, detail: `${resolved} --version was killed by signal ${result.signal}` };
    if (result.exitCode !== 0) {
      return { ok: false, detail: `${resolved} --version exited with code ${String(result.exitCode)}${firstLine ? `: ${firstLine}` : ""}; reinstall ${check.label} (${check.installHint})` };
    }
    const version = VERSION.exec(output)?.[0];
    return version ? { ok: true, version, detail: `${resolved}: ${firstLine}` } : { ok: true, detail: `${resolved}: ${firstLine || "(no version printed)"}` };
  } catch (err) {
    return { ok: false, detail: `${check.label} does not start: ${(err as Error).message}; ${install}` };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
