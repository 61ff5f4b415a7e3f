import path from "node:path";
import { z } from "zod";
import type { Backend } from "./backend.ts";
import { cliBackendFields, validateCliBackendConfig } from "./cli-backend-config.ts";
import { hasFlag, operatorParts, withParts, type ArgPart, type LaunchPlan } from "./cli-launch-plan.ts";
import { lineAround, unknownFlagRule, type RecoveryRule } from "./cli-recovery.ts";
import { createCodexStreamParser } from "./parse-codex-stream.ts";
import { createCliBackend, type CliPlanInput } from "./run-cli-agent.ts";

/**
 * backends.<name> with `type: codex` in moderator.config.yml: OpenAI's Codex CLI, non-interactive.
 *
 *   codex exec --json -C <clone> [--skip-git-repo-check] --sandbox <sandbox> [-m <model>]
 *              [--oss [--local-provider <localProvider>]] <args...> <prompt>
 *
 * CODEX_HOME is <scratch>/home/.codex (Codex keeps its config, sessions and logs there, never in the
 * host's ~/.codex). Pass CODEX_API_KEY (or OPENAI_API_KEY) through `env`; with `oss`, CODEX_OSS_BASE_URL
 * points Codex at the local model server. Codex waits forever when it cannot reach its model
 * ("Reconnecting..."): timeoutSeconds always applies.
 *
 * sandbox: Codex's own sandbox for the commands the model runs.
 * - "workspace-write" (default): Codex confines commands to the clone. Use it when Moderator runs with
 *   `sandbox: none`.
 * - "danger-full-access": no Codex sandbox. Use it when Moderator's bubblewrap is the sandbox: Codex's
 *   own sandbox does not nest inside it (and refuses to start its helper under a temporary folder),
 *   while Moderator's already confines the whole CLI to the clone, a private HOME and read-only mounts.
 */
export const CodexBackendConfig = z
  .strictObject({
    type: z.literal("codex"),
    ...cliBackendFields("codex"),
    sandbox: z.enum(["workspace-write", "danger-full-access"]).default("workspace-write"),
    /** Use a local open-source model (--oss). */
    oss: z.boolean().default(false),
    /** The local model server for --oss: "ollama" or "lmstudio" (--local-provider). */
    localProvider: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a provider id such as ollama or lmstudio").optional(),
    /**
     * Pass --skip-git-repo-check up front (default). When false it is added only if Codex refuses to
     * start ("Not inside a trusted directory").
     */
    skipGitRepoCheck: z.boolean().default(true),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.localProvider !== undefined && !cfg.oss) ctx.addIssue({ code: "custom", path: ["localProvider"], message: "needs oss: true" });
  });
export type CodexBackendConfig = z.infer<typeof CodexBackendConfig>;

const LABEL = "Codex";
const INSTALL = "npm install -g @openai/codex";

function buildCodexPlan(cfg: CodexBackendConfig, input: CliPlanInput): LaunchPlan {
  const parts: ArgPart[] = [
    { tokens: ["exec"], source: "adapter" },
    { tokens: ["--json"], flag: "--json", source: "adapter" },
    { tokens: ["-C", input.workdir], flag: "-C", source: "adapter" },
  ];
  if (cfg.skipGitRepoCheck) parts.push({ tokens: ["--skip-git-repo-check"], flag: "--skip-git-repo-check", source: "adapter" });
  parts.push({ tokens: ["--sandbox", cfg.sandbox], flag: "--sandbox", source: "adapter" });
  if (cfg.model) parts.push({ tokens: ["-m", cfg.model], flag: "-m", source: "adapter" });
  if (cfg.oss) parts.push({ tokens: ["--oss"], flag: "--oss", source: "adapter" });
  if (cfg.localProvider) parts.push({ tokens: ["--local-provider", cfg.localProvider], flag: "--local-provider", optional: true, source: "adapter" });
  parts.push(...operatorParts(cfg.args));
  parts.push({ tokens: [input.prompt], source: "prompt" });
  const codexHome = path.join(input.home, ".codex");
  return { parts, env: { CODEX_HOME: codexHome }, makeDirs: [codexHome] };
}

/**
 * Codex's known start-up failures:
 * - "Not inside a trusted directory and --skip-git-repo-check was not specified": add the flag;
 * - an older version rejects an optional flag ("error: unexpected argument '--local-provider' found"): drop it.
 */
export const CODEX_RECOVERIES: readonly RecoveryRule[] = [
  {
    id: "codex-untrusted-directory",
    apply(output, plan) {
      const at = output.search(/Not inside a trusted directory/);
      if (at === -1 || hasFlag(plan, "--skip-git-repo-check")) return undefined;
      return {
        rule: "codex-untrusted-directory",
        fix: "relaunched Codex with --skip-git-repo-check",
        reason: lineAround(output, at),
        plan: withParts(plan, [{ tokens: ["--skip-git-repo-check"], flag: "--skip-git-repo-check", source: "adapter" }]),
      };
    },
  },
  unknownFlagRule("codex-unknown-argument", LABEL, /error: unexpected argument '(--?[A-Za-z0-9][A-Za-z0-9-]*)' found/, (m) => [m[1]!]),
];

/** A Backend that runs `codex exec` on the task's prompt (see CodexBackendConfig). */
export function createCodexBackend(def: CodexBackendConfig, deps: { processEnv: Readonly<Record<string, string | undefined>>; name?: string }): Backend {
  const name = deps.name ?? "codex";
  const cfg = validateCliBackendConfig(CodexBackendConfig, def, `codex backend "${name}"`);
  return createCliBackend(
    { name, type: "codex", label: LABEL, installHint: INSTALL },
    cfg,
    { buildPlan: (input) => buildCodexPlan(cfg, input), createParser: createCodexStreamParser, recoveries: CODEX_RECOVERIES },
    deps.processEnv,
  );
}
