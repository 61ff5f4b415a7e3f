import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../util/errors.ts";

/**
 * The process environment, parsed once. This is the ONLY module that reads process.env;
 * everything else receives an `Env` (or the parts it needs).
 */
const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = z.preprocess(
  emptyToUndefined,
  z.coerce.number().int("must be a whole number").min(0).max(65535, "must be a port number (0-65535)").optional(),
);

const EnvSchema = z
  .object({
    APP_ID: z.preprocess(emptyToUndefined, z.string().regex(/^\d+$/, "must be the numeric GitHub App ID").optional()),
    PRIVATE_KEY: optionalString,
    PRIVATE_KEY_PATH: optionalString,
    WEBHOOK_SECRET: optionalString,
    WEBHOOK_PATH: optionalString,
    WEBHOOK_PROXY_URL: z.preprocess(emptyToUndefined, z.url("must be a URL").optional()),
    GHE_HOST: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name with an optional port, without scheme or path")
        .optional(),
    ),
    GHE_PROTOCOL: z.preprocess(emptyToUndefined, z.enum(["http", "https"]).optional()),
    PORT: port,
    HOST: optionalString,
    WORKER_PORT: port,
    GITHUB_CLIENT_ID: optionalString,
    GITHUB_CLIENT_SECRET: optionalString,
    SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    PUBLIC_URL: z.preprocess(emptyToUndefined, z.url("must be a URL").optional()),
    METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "must be at least 16 characters").optional()),
    REDIS_URL: z.preprocess(emptyToUndefined, z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").optional()),
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^(postgres(ql)?:\/\/|pglite:)/, "must be a postgres:// URL, or pglite:<dir> / pglite:memory")
        .optional(),
    ),
    WORKSPACE_DIR: optionalString,
    MODERATOR_DATA_DIR: optionalString,
    MODERATOR_CONFIG: optionalString,
    MODERATOR_QUEUE: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' and '-' only").optional()),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional()),
    LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(["json", "pretty"]).optional()),
    GITHUB_TOKEN: optionalString,
    NODE_ENV: optionalString,
  })
  .loose();

export interface Env {
  appId: number | undefined;
  privateKey: string | undefined;
  webhookSecret: string | undefined;
  webhookPath: string;
  webhookProxyUrl: string | undefined;
  /** REST API base URL; GitHub Enterprise / fake GitHub when GHE_HOST is set. */
  githubApiUrl: string;
  githubHost: string | undefined;
  port: number;
  host: string;
  /** A worker-only process serves /healthz, /readyz and /metrics on this port when set (0: any free port). */
  workerPort: number | undefined;
  /** The App's OAuth client (sign-in to /dashboard); the dashboard shows nothing without both. */
  oauth: { clientId: string; clientSecret: string } | undefined;
  /** Key of the console's session cookies; derived from the App's private key when unset. */
  sessionSecret: string | undefined;
  /** Where browsers reach the web process (OAuth callback URL); default: the request's Host. */
  publicUrl: string | undefined;
  /** GitHub's web host (OAuth pages): https://github.com, or the GHE / fake host. */
  githubWebUrl: string;
  /** Bearer token /metrics asks for; without it /metrics answers 404 (not served). */
  metricsToken: string | undefined;
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  workspaceDir: string;
  configPath: string | undefined;
  /**
   * Prefix of Moderator's BullMQ queues (`<prefix>-intake`, `-runs`, `-timers`, `-outcomes`). Derived from the App id,
   * so two deployments sharing one Redis never take each other's jobs; MODERATOR_QUEUE overrides it.
   */
  queuePrefix: string;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  /** LOG_FORMAT; unset = JSON lines in production or when the log stream is not a terminal, pretty in a terminal. */
  logFormat: "json" | "pretty" | undefined;
  /** A (fine-grained) personal access token for `moderator run --github`; never given to agents. */
  githubToken: string | undefined;
  production: boolean;
  /** The raw environment, for the pass-through lists of backends (only names the operator allow-lists are read). */
  raw: Readonly<Record<string, string | undefined>>;
}

/** Parse and validate an environment. Throws ConfigError with one line per problem. */
export function loadEnv(source: Record<string, string | undefined> = process.env, cwd = process.cwd()): Env {
  const parsed = EnvSchema.safeParse(source);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".") || "(env)"}: ${issue.message}`);
  }
  const e = parsed.success ? parsed.data : ({} as z.infer<typeof EnvSchema>);

  let privateKey = e.PRIVATE_KEY?.replace(/\\n/g, "\n");
  if (!privateKey && e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(path.resolve(cwd, e.PRIVATE_KEY_PATH), "utf8");
    } catch (err) {
      problems.push(`PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    problems.push("PRIVATE_KEY: is not a PEM private key (expected '-----BEGIN RSA PRIVATE KEY-----')");
  }
  if (e.APP_ID && !privateKey && problems.length === 0) {
    problems.push("PRIVATE_KEY: APP_ID is set but neither PRIVATE_KEY nor PRIVATE_KEY_PATH is");
  }
  const production = e.NODE_ENV === "production";
  if (production && e.APP_ID && !e.WEBHOOK_SECRET) {
    problems.push("WEBHOOK_SECRET: required in production so webhook signatures can be verified");
  }
  if (problems.length > 0) throw new ConfigError("environment", problems);

  const dataDir = path.resolve(cwd, e.MODERATOR_DATA_DIR ?? ".moderator");
  const protocol = e.GHE_PROTOCOL ?? "https";
  return {
    appId: e.APP_ID ? Number(e.APP_ID) : undefined,
    privateKey,
    webhookSecret: e.WEBHOOK_SECRET,
    webhookPath: e.WEBHOOK_PATH ?? "/api/github/webhooks",
    webhookProxyUrl: e.WEBHOOK_PROXY_URL,
    githubApiUrl: e.GHE_HOST ? `${protocol}://${e.GHE_HOST}/api/v3` : "https://api.github.com",
    githubHost: e.GHE_HOST,
    port: e.PORT ?? 3000,
    host: e.HOST ?? "localhost",
    workerPort: e.WORKER_PORT,
    oauth: e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET ? { clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET } : undefined,
    sessionSecret: e.SESSION_SECRET,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    githubWebUrl: e.GHE_HOST ? `${protocol}://${e.GHE_HOST}` : "https://github.com",
    metricsToken: e.METRICS_TOKEN,
    redisUrl: e.REDIS_URL,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    workspaceDir: path.resolve(cwd, e.WORKSPACE_DIR ?? path.join(dataDir, "workspaces")),
    configPath: e.MODERATOR_CONFIG ? path.resolve(cwd, e.MODERATOR_CONFIG) : undefined,
    queuePrefix: e.MODERATOR_QUEUE ?? (e.APP_ID ? `moderator-app${e.APP_ID}` : "moderator"),
    logLevel: e.LOG_LEVEL ?? "info",
    logFormat: e.LOG_FORMAT,
    githubToken: e.GITHUB_TOKEN,
    production,
    raw: { ...source },
  };
}
