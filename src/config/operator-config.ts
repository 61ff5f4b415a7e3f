import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AiderBackendConfig } from "../backends/aider-backend.ts";
import { NetworkAllowEntry, NetworkSetting } from "../backends/resolve-backend-network.ts";
import { ClaudeCodeBackendConfig } from "../backends/claude-code-backend.ts";
import { CodexBackendConfig } from "../backends/codex-backend.ts";
import { GeminiBackendConfig } from "../backends/gemini-backend.ts";
import { OllamaBackendConfig } from "../backends/ollama-backend.ts";
import { LearnerConfig } from "../learner/learner-config.ts";
import { OutcomeCollectionConfig } from "../outcomes/outcome-collection-config.ts";
import { ConfigError } from "../util/errors.ts";
import { formatZodIssues } from "./format-zod-issues.ts";
import { parseYamlDocument } from "./parse-yaml-document.ts";

/**
 * moderator.config.yml: what the OPERATOR decides. Only the operator defines agent commands and which
 * environment variables reach them; repositories only choose among these backends.
 */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const CommandBackendConfig = z.strictObject({
  type: z.literal("command"),
  /** argv, never a shell string: ["node", "/opt/agent.js"]. */
  command: z.array(z.string().min(1)).min(1, "needs at least the program"),
  timeoutSeconds: z.number().int().positive().max(24 * 3600).default(1800),
  /** Names of environment variables passed through to the agent (its API key, nothing else). */
  env: z.array(envName).default([]),
  /** The network the agent reaches, through the egress proxy: false, true (only passed-through base URLs) or { allow: [...] }. */
  network: NetworkSetting.default(false),
  /** Host folders the agent may read inside the sandbox, besides the system folders (its install folder, scripts). */
  mounts: z.array(z.string().startsWith("/", "must be an absolute path")).default([]),
});
export type CommandBackendConfig = z.infer<typeof CommandBackendConfig>;

export const BackendConfig = z.discriminatedUnion("type", [
  CommandBackendConfig,
  ClaudeCodeBackendConfig,
  CodexBackendConfig,
  GeminiBackendConfig,
  AiderBackendConfig,
  OllamaBackendConfig,
]);
export type BackendConfig = z.infer<typeof BackendConfig>;

export const OperatorConfig = z
  .strictObject({
    defaultBackend: z.string().optional(),
    sandbox: z.enum(["auto", "bwrap", "none"]).default("auto"),
    backends: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "backend names are lower-case words"), BackendConfig).default({}),
    /** Repositories may declare qa.commands that run in the sandbox after the agent. */
    allowRepoCommands: z.boolean().default(true),
    /** Network inside the sandbox for repositories' QA: `setup` (installing dependencies) and `checks` (tests, scanners). */
    qaNetwork: z
      .strictObject({
        setup: z.boolean().default(false),
        checks: z.boolean().default(false),
        /** The hosts QA commands may reach (through the egress proxy); default: the recognized ecosystems' package registries. */
        allow: z.array(NetworkAllowEntry).optional(),
      })
      .prefault({}),
    /** Collecting outcomes (reactions, applied suggestions, resolved threads) from Moderator's open PRs. */
    outcomes: OutcomeCollectionConfig.prefault({}),
    /** What Moderator learns from maintainers' outcomes (pooled across the installation's repositories). */
    learner: LearnerConfig.prefault({}),
    /** The operator's console (/dashboard): these GitHub logins see every repository, the queue board and all controls. */
    dashboard: z
      .strictObject({
        admins: z.array(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub login")).default([]),
      })
      .prefault({}),
    /** When the chosen backend is unavailable or crashes, try the next healthy one. */
    allowFallback: z.boolean().default(true),
    /** The operator's LLM (Ollama) for planning and LLM review; absent = heuristics only. */
    llm: z
      .strictObject({
        host: z.url().default("http://127.0.0.1:11434"),
        model: z.string().min(1),
        contextTokens: z.number().int().min(1024).max(1_048_576).default(16384),
        timeoutSeconds: z.number().positive().max(3600).default(120),
      })
      .optional(),
    /** Octokit's own retry (5xx, with backoff) and rate-limit throttling; turn off only for tests or a private GHE. */
    github: z
      .strictObject({
        retry: z.boolean().default(true),
        throttle: z.boolean().default(true),
        /**
         * GitHub's secondary rate limits for content-creating requests, per installation (with `throttle`): at most
         * `perMinute` in any minute (GitHub documents 80) and `perHour` notifying writes (comments, reviews, PRs; 500).
         * Installations never wait on each other; within one, a burst goes out at once instead of one per second.
         */
        writes: z
          .strictObject({
            perMinute: z.number().int().min(2).max(5000).default(80),
            perHour: z.number().int().min(1).max(50_000).default(500),
          })
          .prefault({}),
      })
      .prefault({}),
    /** The webhook intake: deliveries are stored, then handled by intake workers. */
    intake: z
      .strictObject({
        /** Deliveries one worker process handles at once (I/O bound). */
        concurrency: z.number().int().min(1).max(200).default(20),
        /** Attempts per delivery for transient GitHub errors (backoff from 1 s, doubling). */
        attempts: z.number().int().min(1).max(20).default(5),
        /** A delivery waits at most this long for an earlier one of the same issue or pull request. */
        orderWaitSeconds: z.number().min(0).max(3600).default(60),
        /** Payloads of settled deliveries are dropped after this many days, the rows after `keepDays`. */
        keepPayloadDays: z.number().min(0).max(365).default(7),
        keepDays: z.number().min(1).max(3650).default(30),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Jobs one worker process runs at once. */
        concurrency: z.number().int().min(1).max(64).default(2),
        /** Attempts per run for transient failures (network, GitHub 5xx, rate limits). */
        attempts: z.number().int().min(1).max(20).default(4),
        /** First retry delay; doubles each time. */
        backoffSeconds: z.number().min(0).max(3600).default(10),
        /** A job whose worker stops renewing its lock this long is handed to another worker. */
        lockSeconds: z.number().min(1).max(3600).default(60),
        /**
         * A run no job holds any more (its workers were killed more than BullMQ's maxStalledCount allows, or its job
         * was lost) is re-queued this many times by the reaper, then failed with the reason.
         */
        maxRecoveries: z.number().int().min(0).max(20).default(2),
        /** How often the reaper looks for such runs (0 = never). */
        reapEverySeconds: z.number().min(0).max(24 * 3600).default(60),
        /** On SIGTERM, how long the current job may run on before it is aborted and re-queued. */
        shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
        qaCommandTimeoutSeconds: z.number().int().positive().max(24 * 3600).default(900),
        maxOutputBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        /** At most this many candidates in one race (`/moderator run --race`, a repository's `race:`). */
        maxRaceAttempts: z.number().int().min(1).max(10).default(3),
        /** At most this many tasks of one run's plan run at once (a repository's `planning.parallel`). */
        parallelTasks: z.number().int().min(1).max(16).default(3),
        /**
         * Whether a repository's `race.keepBranches` may push losing candidates' commits to GitHub (as
         * `moderator/issue-<n>-<candidate>`, after the judge; each passed the push gate and QA). Off: they stay in the database.
         */
        allowRaceBranches: z.boolean().default(false),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.defaultBackend && !cfg.backends[cfg.defaultBackend]) {
      ctx.addIssue({
        code: "custom",
        path: ["defaultBackend"],
        message: `names backend '${cfg.defaultBackend}', which is not defined under backends (defined: ${Object.keys(cfg.backends).join(", ") || "none"})`,
      });
    }
  });
export type OperatorConfig = z.infer<typeof OperatorConfig>;

export function parseOperatorConfig(text: string, source = "moderator.config.yml"): OperatorConfig {
  const doc = parseYamlDocument(text);
  if (!doc.ok) throw new ConfigError(source, doc.problems);
  const parsed = OperatorConfig.safeParse(doc.value);
  if (!parsed.success) throw new ConfigError(source, formatZodIssues(parsed.error));
  return parsed.data;
}

/**
 * Load the operator config from `configPath`, or ./moderator.config.yml when it exists, or defaults
 * (no backends: runs then fail with a message that says to configure one).
 */
export function loadOperatorConfig(configPath: string | undefined, cwd = process.cwd()): { config: OperatorConfig; path: string | undefined } {
  const candidate = configPath ?? path.join(cwd, "moderator.config.yml");
  if (!existsSync(candidate)) {
    if (configPath) throw new ConfigError("MODERATOR_CONFIG", [`${configPath}: file not found`]);
    return { config: OperatorConfig.parse({}), path: undefined };
  }
  if (statSync(candidate).isDirectory()) {
    throw new ConfigError(configPath ? "MODERATOR_CONFIG" : "moderator.config.yml", [
      `${candidate}: is a directory, not a file (Docker makes an empty directory when the file it should bind-mount is missing: create the file, then recreate the container)`,
    ]);
  }
  return { config: parseOperatorConfig(readFileSync(candidate, "utf8"), candidate), path: candidate };
}
