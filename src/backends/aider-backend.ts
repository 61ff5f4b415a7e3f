import path from "node:path";
import { z } from "zod";
import type { Backend } from "./backend.ts";
import { cliBackendFields, validateCliBackendConfig } from "./cli-backend-config.ts";
import { operatorParts, type ArgPart, type LaunchPlan } from "./cli-launch-plan.ts";
import { unknownFlagRule, type RecoveryRule } from "./cli-recovery.ts";
import { createAiderStreamParser } from "./parse-aider-stream.ts";
import { createCliBackend, type CliPlanInput } from "./run-cli-agent.ts";

/**
 * backends.<name> with `type: aider` in moderator.config.yml: aider (aider.chat), one message, no chat.
 *
 *   aider --message <prompt> --yes-always --no-auto-commits --no-dirty-commits --no-pretty --no-stream
 *         --no-gitignore --no-check-update --no-show-release-notes --no-analytics
 *         --chat-history-file <home>/.aider/chat.history.md --input-history-file <home>/.aider/input.history
 *         [--model <model>] <args...>
 *
 * Moderator commits, so aider must not (no auto or dirty commits) and must not touch .gitignore; its
 * history files go to the agent's private HOME instead of the clone. Its output is plain text, parsed
 * for edits, token/cost reports and errors (aider exits 0 even when every model call failed).
 * Env: PYTHONUNBUFFERED=1 (lines arrive as they are printed), plus the operator's `env` names, e.g.
 * ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENAI_API_BASE.
 *
 * aider still writes its repo-map cache (.aider.tags.cache.v*) into the clone; keep `.aider*` out of
 * the commit (the workspace's exclude list).
 */
export const AiderBackendConfig = z.strictObject({
  type: z.literal("aider"),
  ...cliBackendFields("aider"),
});
export type AiderBackendConfig = z.infer<typeof AiderBackendConfig>;

const LABEL = "aider";
const INSTALL = "pipx install aider-chat";

function buildAiderPlan(cfg: AiderBackendConfig, input: CliPlanInput): LaunchPlan {
  const aiderHome = path.join(input.home, ".aider");
  const flag = (tokens: string[], extra: Partial<ArgPart> = {}): ArgPart => ({ tokens, flag: tokens[0], source: "adapter", ...extra });
  const parts: ArgPart[] = [
    { tokens: ["--message", input.prompt], source: "prompt" },
    flag(["--yes-always"], { fallback: ["--yes"] }),
    flag(["--no-auto-commits"]),
    flag(["--no-dirty-commits"], { optional: true }),
    flag(["--no-pretty"]),
    flag(["--no-stream"]),
    flag(["--no-gitignore"], { optional: true }),
    flag(["--no-check-update"], { optional: true }),
    flag(["--no-show-release-notes"], { optional: true }),
    flag(["--no-analytics"], { optional: true }),
    flag(["--chat-history-file", path.join(aiderHome, "chat.history.md")], { optional: true }),
    flag(["--input-history-file", path.join(aiderHome, "input.history")], { optional: true }),
  ];
  if (cfg.model) parts.push(flag(["--model", cfg.model]));
  parts.push(...operatorParts(cfg.args));
  return { parts, env: { PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", NO_COLOR: "1" }, makeDirs: [aiderHome] };
}

/**
 * aider's known start-up failure: an older version rejects flags ("aider: error: unrecognized arguments:
 * --yes-always --no-gitignore"): --yes instead of --yes-always, drop the optional ones.
 */
export const AIDER_RECOVERIES: readonly RecoveryRule[] = [
  unknownFlagRule("aider-unrecognized-arguments", LABEL, /unrecognized arguments: ([^\n]+)/, (m) => m[1]!.split(/\s+/).filter((t) => t.startsWith("-")).map((t) => t.split("=", 1)[0]!)),
];

/** A Backend that runs aider with one message (see AiderBackendConfig). */
export function createAiderBackend(def: AiderBackendConfig, deps: { processEnv: Readonly<Record<string, string | undefined>>; name?: string }): Backend {
  const name = deps.name ?? "aider";
  const cfg = validateCliBackendConfig(AiderBackendConfig, def, `aider backend "${name}"`);
  return createCliBackend(
    { name, type: "aider", label: LABEL, installHint: INSTALL },
    cfg,
    { buildPlan: (input) => buildAiderPlan(cfg, input), createParser: createAiderStreamParser, recoveries: AIDER_RECOVERIES },
    deps.processEnv,
  );
}
