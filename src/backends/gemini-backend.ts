import { stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Backend } from "./backend.ts";
import { AbsolutePath, cliBackendFields, validateCliBackendConfig } from "./cli-backend-config.ts";
import { checkCliHealth } from "./cli-health.ts";
import { operatorParts, type ArgPart, type LaunchPlan } from "./cli-launch-plan.ts";
import { lineAround, unknownFlagRule, type RecoveryRule } from "./cli-recovery.ts";
import { resolveBackendNetwork } from "./resolve-backend-network.ts";
import { createGeminiStreamParser } from "./parse-gemini-stream.ts";
import { runCliAgent, type CliAgentDefinition, type CliPlanInput } from "./run-cli-agent.ts";

/**
 * backends.<name> with `type: gemini` in moderator.config.yml: Google's Gemini CLI, headless.
 *
 *   gemini -p <prompt> -o stream-json --approval-mode <approvalMode> [-m <model>]
 *          [--include-directories <dir>]... <args...>
 *
 * Env: GEMINI_CLI_TRUST_WORKSPACE=true (gemini's documented switch for headless runs: recent versions
 * exit 55 in a folder nobody trusted interactively; the clone is Moderator's own fresh checkout), plus
 * the operator's `env` names, e.g. GEMINI_API_KEY.
 *
 * approvalMode: "auto_edit" (default) lets gemini edit files; tools that need approval (shell commands)
 * are refused in headless mode. "yolo" allows every tool (inside Moderator's sandbox). includeDirectories:
 * more host folders gemini may read (also mounted read-only in the sandbox when they exist).
 */
export const GeminiBackendConfig = z.strictObject({
  type: z.literal("gemini"),
  ...cliBackendFields("gemini"),
  approvalMode: z.enum(["auto_edit", "yolo", "default"]).default("auto_edit"),
  includeDirectories: z.array(AbsolutePath).default(() => []),
});
export type GeminiBackendConfig = z.infer<typeof GeminiBackendConfig>;

const LABEL = "Gemini CLI";
const INSTALL = "npm install -g @google/gemini-cli";
const INCLUDE_FLAG = "--include-directories";

function buildGeminiPlan(cfg: GeminiBackendConfig, input: CliPlanInput): LaunchPlan {
  const parts: ArgPart[] = [
    { tokens: ["-p", input.prompt], source: "prompt" },
    { tokens: ["-o", "stream-json"], flag: "-o", source: "adapter" },
    // Versions before --approval-mode only knew --yolo; without it, auto_edit cannot be expressed.
    { tokens: ["--approval-mode", cfg.approvalMode], flag: "--approval-mode", source: "adapter", ...(cfg.approvalMode === "yolo" ? { fallback: ["--yolo"] } : {}) },
  ];
  if (cfg.model) parts.push({ tokens: ["-m", cfg.model], flag: "-m", source: "adapter" });
  for (const dir of cfg.includeDirectories) parts.push({ tokens: [INCLUDE_FLAG, dir], flag: INCLUDE_FLAG, optional: true, source: "adapter" });
  parts.push(...operatorParts(cfg.args));
  return { parts, env: { GEMINI_CLI_TRUST_WORKSPACE: "true" }, makeDirs: [] };
}

/**
 * Gemini CLI's known start-up failures:
 * - an include directory that does not exist ("Directory does not exist: <dir>", or "Path is not a
 *   directory"): relaunch without it, and without any other configured one that is missing on this host;
 * - an older version rejects a flag ("Unknown arguments: approval-mode"): --yolo for approval-mode yolo,
 *   drop the optional ones.
 */
export function geminiRecoveries(missingIncludes: ReadonlySet<string>): RecoveryRule[] {
  return [
    {
      id: "gemini-missing-include-directory",
      apply(output, plan) {
        const m = /Directory does not exist: (\S+)|Error adding '([^']+)'.*Path is not a directory/.exec(output);
        if (!m) return undefined;
        const named = path.resolve((m[1] ?? m[2])!.replace(/[.,;:]+$/, ""));
        const drop = (dir: string): boolean => path.resolve(dir) === named || missingIncludes.has(dir);
        const ours = plan.parts.filter((p) => p.flag === INCLUDE_FLAG && p.tokens[1] !== undefined && drop(p.tokens[1]));
        if (!ours.some((p) => path.resolve(p.tokens[1]!) === named)) return undefined;
        return {
          rule: "gemini-missing-include-directory",
          fix: `relaunched Gemini CLI without ${ours.map((p) => `${INCLUDE_FLAG} ${p.tokens[1]}`).join(", ")}`,
          reason: lineAround(output, m.index),
          plan: { ...plan, parts: plan.parts.filter((p) => !ours.includes(p)) },
        };
      },
    },
    unknownFlagRule("gemini-unknown-argument", LABEL, /Unknown arguments?: ([^\n]+)/, (m) =>
      m[1]!
        .split(",")
        .map((s) => s.trim())
        .filter((s) => /^[A-Za-z0-9][A-Za-z0-9-]*$/.test(s))
        .map((s) => (s.length === 1 ? `-${s}` : `--${s}`)),
    ),
  ];
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A Backend that runs Gemini CLI headless on the task's prompt (see GeminiBackendConfig). */
export function createGeminiBackend(def: GeminiBackendConfig, deps: { processEnv: Readonly<Record<string, string | undefined>>; name?: string }): Backend {
  const name = deps.name ?? "gemini";
  const cfg = validateCliBackendConfig(GeminiBackendConfig, def, `gemini backend "${name}"`);
  const cli: CliAgentDefinition = {
    name,
    type: "gemini",
    label: LABEL,
    binary: cfg.binary,
    timeoutSeconds: cfg.timeoutSeconds,
    network: resolveBackendNetwork("gemini", cfg.network, cfg.env, deps.processEnv, cfg.model).access,
    env: cfg.env,
    mounts: cfg.mounts,
    installHint: INSTALL,
  };
  return {
    name,
    type: "gemini",
    health: () => checkCliHealth({ name, label: LABEL, binary: cfg.binary, env: cfg.env, processEnv: deps.processEnv, installHint: INSTALL }),
    async run(ctx) {
      const present: string[] = [];
      const missing = new Set<string>();
      for (const dir of cfg.includeDirectories) {
        if (await isDirectory(dir)) present.push(dir);
        else missing.add(dir);
      }
      return runCliAgent(
        cli,
        { buildPlan: (input) => buildGeminiPlan(cfg, input), createParser: createGeminiStreamParser, recoveries: geminiRecoveries(missing), readOnlyPaths: present },
        ctx,
        deps.processEnv,
      );
    },
  };
}
