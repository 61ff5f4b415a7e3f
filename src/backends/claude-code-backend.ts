import { z } from "zod";
import type { Backend } from "./backend.ts";
import { cliBackendFields, validateCliBackendConfig } from "./cli-backend-config.ts";
import { hasFlag, operatorParts, withoutFlags, type ArgPart, type LaunchPlan } from "./cli-launch-plan.ts";
import { lineAround, unknownFlagRule, type RecoveryRule } from "./cli-recovery.ts";
import { createClaudeStreamParser } from "./parse-claude-stream.ts";
import { createCliBackend, type CliPlanInput } from "./run-cli-agent.ts";

export const DEFAULT_CLAUDE_ALLOWED_TOOLS = ["Bash", "Read", "Edit", "Write", "Glob", "Grep"] as const;

/**
 * backends.<name> with `type: claude-code` in moderator.config.yml: Anthropic's Claude Code CLI, headless.
 *
 *   claude -p <prompt> --output-format stream-json --verbose --permission-mode <permissionMode>
 *          --allowedTools <allowedTools,...> [--model <model>] [--max-budget-usd <n>] [--max-turns <n>] <args...>
 *
 * Env: CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, DISABLE_TELEMETRY=1, DISABLE_AUTOUPDATER=1,
 * DISABLE_ERROR_REPORTING=1, CLAUDE_CODE_MAX_RETRIES=<maxRetries> (without it a permanent 401 keeps
 * Claude retrying for minutes), plus the operator's `env` names: ANTHROPIC_API_KEY (no login is needed
 * in -p mode when it is set) and ANTHROPIC_BASE_URL for a proxy or gateway.
 */
export const ClaudeCodeBackendConfig = z.strictObject({
  type: z.literal("claude-code"),
  ...cliBackendFields("claude"),
  /** acceptEdits: edits are allowed, other tools only when in allowedTools. bypassPermissions (= --dangerously-skip-permissions) is refused by Claude Code as root; the adapter then falls back to acceptEdits. */
  permissionMode: z.enum(["acceptEdits", "bypassPermissions", "default", "dontAsk"]).default("acceptEdits"),
  /** Tools Claude may use without asking (headless: anything else is denied). Empty: leave Claude's defaults. */
  allowedTools: z.array(z.string().min(1).regex(/^[^,]+$/, "one tool per entry (no commas)")).default(() => [...DEFAULT_CLAUDE_ALLOWED_TOOLS]),
  /** Claude Code stops when the run has cost this much (--max-budget-usd). */
  maxBudgetUsd: z.number().positive().optional(),
  /** Claude Code stops after this many agentic turns (--max-turns). */
  maxTurns: z.number().int().positive().optional(),
  /** CLAUDE_CODE_MAX_RETRIES: API retries before Claude gives up. */
  maxRetries: z.number().int().min(0).max(10).default(2),
});
export type ClaudeCodeBackendConfig = z.infer<typeof ClaudeCodeBackendConfig>;

const LABEL = "Claude Code";
const INSTALL = "npm install -g @anthropic-ai/claude-code";
const BYPASS_FLAGS = ["--dangerously-skip-permissions", "--allow-dangerously-skip-permissions"];

function buildClaudePlan(cfg: ClaudeCodeBackendConfig, input: CliPlanInput): LaunchPlan {
  const parts: ArgPart[] = [
    { tokens: ["-p", input.prompt], source: "prompt" },
    { tokens: ["--output-format", "stream-json"], flag: "--output-format", source: "adapter" },
    { tokens: ["--verbose"], flag: "--verbose", source: "adapter" },
    { tokens: ["--permission-mode", cfg.permissionMode], flag: "--permission-mode", source: "adapter" },
  ];
  if (cfg.allowedTools.length > 0) parts.push({ tokens: ["--allowedTools", cfg.allowedTools.join(",")], flag: "--allowedTools", source: "adapter" });
  if (cfg.model) parts.push({ tokens: ["--model", cfg.model], flag: "--model", source: "adapter" });
  if (cfg.maxBudgetUsd !== undefined) parts.push({ tokens: ["--max-budget-usd", String(cfg.maxBudgetUsd)], flag: "--max-budget-usd", optional: true, source: "adapter" });
  if (cfg.maxTurns !== undefined) parts.push({ tokens: ["--max-turns", String(cfg.maxTurns)], flag: "--max-turns", optional: true, source: "adapter" });
  parts.push(...operatorParts(cfg.args));
  return {
    parts,
    env: {
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
      CLAUDE_CODE_MAX_RETRIES: String(cfg.maxRetries),
    },
    makeDirs: [],
  };
}

/**
 * Claude Code's known start-up failures:
 * - as root it refuses to bypass permissions ("--dangerously-skip-permissions cannot be used with
 *   root/sudo privileges"): relaunch with --permission-mode acceptEdits (Bash etc. stay allowed through
 *   --allowedTools) and without the bypass flags;
 * - an older version rejects an optional flag ("error: unknown option '--max-budget-usd'"): drop it.
 */
export const CLAUDE_RECOVERIES: readonly RecoveryRule[] = [
  {
    id: "claude-root-bypass",
    apply(output, plan) {
      const at = output.search(/cannot be used with root\/sudo privileges/);
      if (at === -1) return undefined;
      const bypassing = plan.parts.some((p) => p.flag === "--permission-mode" && p.tokens[1] === "bypassPermissions") || BYPASS_FLAGS.some((f) => hasFlag(plan, f));
      if (!bypassing) return undefined;
      const without = withoutFlags(plan, BYPASS_FLAGS);
      const parts = without.parts.map((p) => (p.flag === "--permission-mode" ? { ...p, tokens: ["--permission-mode", "acceptEdits"] } : p));
      if (!parts.some((p) => p.flag === "--permission-mode")) {
        parts.splice(1, 0, { tokens: ["--permission-mode", "acceptEdits"], flag: "--permission-mode", source: "adapter" });
      }
      return {
        rule: "claude-root-bypass",
        fix: "relaunched Claude Code with --permission-mode acceptEdits instead of bypassing permissions (Claude Code refuses that as root)",
        reason: lineAround(output, at),
        plan: { ...without, parts },
      };
    },
  },
  unknownFlagRule("claude-unknown-option", LABEL, /error: unknown option '(--?[A-Za-z0-9][A-Za-z0-9-]*)'/, (m) => [m[1]!]),
];

/** A Backend that runs Claude Code headless on the task's prompt (see ClaudeCodeBackendConfig). */
export function createClaudeCodeBackend(def: ClaudeCodeBackendConfig, deps: { processEnv: Readonly<Record<string, string | undefined>>; name?: string }): Backend {
  const name = deps.name ?? "claude-code";
  const cfg = validateCliBackendConfig(ClaudeCodeBackendConfig, def, `claude-code backend "${name}"`);
  return createCliBackend(
    { name, type: "claude-code", label: LABEL, installHint: INSTALL },
    cfg,
    { buildPlan: (input) => buildClaudePlan(cfg, input), createParser: createClaudeStreamParser, recoveries: CLAUDE_RECOVERIES },
    deps.processEnv,
  );
}
