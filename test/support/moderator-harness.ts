import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { loadEnv, type Env } from "../../src/config/env.ts";
import { parseOperatorConfig, type OperatorConfig } from "../../src/config/operator-config.ts";
import { deriveQueueNames, type QueueNames } from "../../src/queue/run-queue.ts";
import { startModerator, type RunningModerator } from "../../src/server/start-moderator.ts";
import { createLogger } from "../../src/util/logger.ts";
import { createTestDatabase } from "./db.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "./fake-github.ts";
import { createBareRepo } from "./git-http-backend.ts";
import { signWebhook } from "./sign-webhook.ts";

export const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
export const WEBHOOK_SECRET = "test-webhook-secret";
export const OWNER = "octo-org";
export const REPO = "hello-world";
export const REPO_ID = 1296269;
export const INSTALLATION_ID = 4242;
export const MAINTAINER = "maia";
export const FIXTURE_AGENTS = path.resolve(import.meta.dirname, "fixtures-agents");

let cachedKey: string | undefined;
/** A real RSA key, so Probot signs real app JWTs (generated once per test file). */
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return cachedKey;
}

export interface HarnessOptions {
  /** Files of the repository's initial commit. */
  files?: Record<string, string>;
  /** Operator config YAML (backends etc.); `github` retry/throttle are turned off unless set. */
  operatorYaml: string;
  /** Start the web server / a worker in this process (default both). */
  web?: boolean;
  worker?: boolean;
  /** The App id (default 1). */
  appId?: number;
  /** Leave MODERATOR_QUEUE unset, so the queue names derive from the App id as in production. */
  queuesFromAppId?: boolean;
  /** Another Redis than the shared test one (a private redis-server a test stops and starts). */
  redisUrl?: string;
  /** More environment variables (METRICS_TOKEN, WORKER_PORT...). */
  env?: Record<string, string>;
}

export interface Harness {
  fake: FakeGitHub;
  repo: FakeRepo;
  barePath: string;
  env: Env;
  envVars: Record<string, string>;
  operator: OperatorConfig;
  moderator: RunningModerator;
  queueName: string;
  tmp: string;
  /** Start `moderator worker` (the built CLI) as a child process against the same Redis, database and fake GitHub. */
  spawnWorker(command?: "worker" | "web", env?: Record<string, string>): ChildProcess & { output: () => string };
  /**
   * POST a signed webhook to the running server; returns the HTTP status. Unless `settle: false`, waits until a
   * worker has settled the delivery (handled or failed), as GitHub's sequential deliveries would see it.
   */
  send(event: string, payload: unknown, opts?: { deliveryId?: string; signature?: string; settle?: boolean; headers?: Record<string, string> }): Promise<{ status: number; deliveryId: string; body: string }>;
  /** The queue names of this deployment (MODERATOR_QUEUE is `queueName`). */
  queueNames: QueueNames;
  /** Poll the database until `fn` returns a value (not undefined/false) or the time runs out. */
  waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const tmp = await mkdtemp(path.join(tmpdir(), "moderator-e2e-"));
  const gitRoot = path.join(tmp, "git");
  await mkdir(path.join(gitRoot, OWNER), { recursive: true });
  const { barePath } = await createBareRepo(path.join(gitRoot, OWNER, `${REPO}.git`), opts.files ?? { "README.md": "# hello\n" });
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  const fake = await startFakeGitHub({ gitProjectRoot: gitRoot, token });
  const repo = fake.addRepo({
    owner: OWNER,
    name: REPO,
    id: REPO_ID,
    defaultBranch: "main",
    installationId: INSTALLATION_ID,
    cloneUrl: `${fake.url}/git/${OWNER}/${REPO}.git`,
  });
  fake.setPermission(OWNER, REPO, MAINTAINER, "write", "maintain");
  const db = await createTestDatabase();
  const queueName = `test-${randomBytes(6).toString("hex")}`;
  const queueNames = deriveQueueNames(opts.queuesFromAppId ? `moderator-app${opts.appId ?? 1}` : queueName);
  const envVars: Record<string, string> = {
    APP_ID: String(opts.appId ?? 1),
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: "0",
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    DATABASE_URL: db.url,
    MODERATOR_DATA_DIR: path.join(tmp, "data"),
    WORKSPACE_DIR: path.join(tmp, "workspaces"),
    LOG_LEVEL: process.env["TEST_LOG_LEVEL"] ?? "silent",
    ...(opts.queuesFromAppId ? {} : { MODERATOR_QUEUE: queueName }),
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    ...opts.env,
  };
  const yaml = /\bgithub:/.test(opts.operatorYaml) ? opts.operatorYaml : `${opts.operatorYaml}\ngithub: { retry: false, throttle: false }\n`;
  const operator = parseOperatorConfig(yaml);
  envVars["MODERATOR_CONFIG"] = path.join(tmp, "moderator.config.yml");
  await writeFile(envVars["MODERATOR_CONFIG"], yaml);
  const env = loadEnv(envVars);
  const moderator = await startModerator({
    env,
    operator,
    web: opts.web ?? true,
    worker: opts.worker ?? true,
    log: createLogger(env.logLevel),
  });

  const waitFor: Harness["waitFor"] = async (what, fn, timeoutMs = 45_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as never;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const send: Harness["send"] = async (event, payload, o = {}) => {
    if (!moderator.url) throw new Error("the harness was started without the web server");
    const body = JSON.stringify(payload);
    const deliveryId = o.deliveryId ?? randomBytes(8).toString("hex");
    const res = await fetch(`${moderator.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": o.signature ?? signWebhook(WEBHOOK_SECRET, body),
        ...o.headers,
      },
      body,
    });
    const text = await res.text();
    if (res.status === 202 && o.settle !== false && opts.worker !== false) {
      await waitFor(`delivery ${deliveryId} to be handled`, async () => {
        const row = await moderator.store.deliveries.get(deliveryId);
        return row !== null && ["handled", "failed", "rejected"].includes(row.status);
      });
    }
    return { status: res.status, deliveryId, body: text };
  };


  const children: ChildProcess[] = [];
  const spawnWorker: Harness["spawnWorker"] = (command = "worker", extraEnv = {}) => {
    const cli = path.resolve(import.meta.dirname, "../../dist/src/cli/main.js");
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, ["--enable-source-maps", cli, command], {
      env: { ...envVars, LOG_LEVEL: "info", ...extraEnv },
      cwd: tmp,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    children.push(child);
    return Object.assign(child, { output: () => output });
  };

  return {
    fake,
    spawnWorker,
    repo,
    barePath,
    env,
    envVars,
    operator,
    moderator,
    queueName,
    queueNames,
    tmp,
    send,
    waitFor,
    async close() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await moderator.close();
      const conn = new Redis(opts.redisUrl ?? REDIS_URL, { maxRetriesPerRequest: null });
      for (const name of Object.values(queueNames)) {
        const q = new Queue(name, { connection: conn });
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      conn.disconnect();
      await db.close();
      await fake.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** The scripted e2e agent as the operator's only backend (`mode` is its argv, e.g. "slow 4000"). */
export function scriptedAgentYaml(mode: string, opts: { timeoutSeconds?: number; limits?: string } = {}): string {
  const agent = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
  return [
    "defaultBackend: scripted",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, agent, ...mode.split(" ")])}`,
    `    timeoutSeconds: ${opts.timeoutSeconds ?? 60}`,
    `    mounts: [${JSON.stringify(path.dirname(agent))}]`,
    `limits: ${opts.limits ?? "{ attempts: 2, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1 }"}`,
  ].join("\n");
}
