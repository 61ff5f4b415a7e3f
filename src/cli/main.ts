#!/usr/bin/env node
import { existsSync } from "node:fs";
import path from "node:path";
import { loadEnv, type Env } from "../config/env.ts";
import { loadOperatorConfig } from "../config/operator-config.ts";
import { createBackendFactory } from "../backends/create-backend-factory.ts";
import { loadAcceptanceTable } from "../learner/load-learnings.ts";
import { renderLearningsTable } from "../learner/render-learnings-table.ts";
import { runLocal } from "../local/run-local.ts";
import { describeDefaultNetworks } from "../backends/resolve-backend-network.ts";
import { buildEgressDenyList } from "../sandbox/build-egress-deny-list.ts";
import { createProcessRunner } from "../sandbox/create-process-runner.ts";
import { startModerator, WORKER_QUEUES, type WorkerQueue } from "../server/start-moderator.ts";
import { openDatabase } from "../store/open-database.ts";
import { Store } from "../store/store.ts";
import { ConfigError, ModeratorError } from "../util/errors.ts";
import { createLogger } from "../util/logger.ts";
import { deliveriesCommand, redeliverCommand } from "./delivery-commands.ts";
import { formatExecution, formatExecutionList } from "./format-execution.ts";

const HELP = `moderator <command>

  serve              web server (webhooks) and worker in one process (what \`npm start\` runs)
  web                only the web server: receives webhooks and queues runs
  worker [--queues intake,runs,timers,outcomes]
                     only a worker: takes queued jobs (start any number, on any number of machines);
                     --queues limits it to some queues (e.g. intake-only processes beside run-only ones)
  run --repo <path> --issue <file|text> [--backend <name>] [--number N] [--base <branch>] [--out <dir>]
                     run the pipeline on a local git repository; what would be posted is written to files
  backends           each configured backend with its health and version
  stats [--repo owner/name]
                     what the learner has learned: acceptance per rule, improvement type and backend
  migrate            apply pending database migrations and exit
  list [--limit N]   recent runs
  status <run-id>    one run: phases, agent runs, findings, events
  deliveries [--failed] [--limit N]
                     recent webhook deliveries and their outcome (--failed: failed, refused or retrying ones)
  redeliver <delivery-id>
                     handle a stored delivery again (when GitHub's hook log no longer has it)

Configuration comes from the environment (and .env): see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command = "help", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(HELP);
    return 0;
  }
  if (existsSync(path.resolve(".env"))) process.loadEnvFile(path.resolve(".env"));
  const env = loadEnv(process.env);

  switch (command) {
    case "serve":
    case "web":
      return serve(env, command);
    case "worker": {
      const { flags, problems } = parseFlags(rest, ["queues"]);
      const queues = flags["queues"]?.split(",").map((q) => q.trim()).filter(Boolean);
      for (const q of queues ?? []) if (!(WORKER_QUEUES as readonly string[]).includes(q)) problems.push(`--queues: '${q}' is not a queue (${WORKER_QUEUES.join(", ")})`);
      if (problems.length > 0) throw new ConfigError("moderator worker", problems);
      return serve(env, command, queues as WorkerQueue[] | undefined);
    }
    case "run":
      return runCommand(env, rest);
    case "backends":
      return backendsCommand(env);
    case "stats":
      return statsCommand(env, rest);
    case "migrate": {
      const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: false });
      try {
        const { applied } = await db.migrate();
        console.log(applied.length > 0 ? `applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join("\n")}` : "database is up to date");
      } finally {
        await db.close();
      }
      return 0;
    }
    case "deliveries": {
      const { flags, problems } = parseFlags(rest.filter((a) => a !== "--failed"), ["limit"]);
      if (problems.length > 0) throw new ConfigError("moderator deliveries", problems);
      return deliveriesCommand(env, { failed: rest.includes("--failed"), limit: flags["limit"] ? Number(flags["limit"]) : 30 });
    }
    case "redeliver":
      return redeliverCommand(env, rest[0]);
    case "list":
    case "status": {
      const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
      try {
        const store = new Store(db.prisma);
        if (command === "list") {
          const limitIdx = rest.indexOf("--limit");
          const limit = limitIdx >= 0 ? Number(rest[limitIdx + 1]) : 20;
          if (!Number.isInteger(limit) || limit <= 0) throw new ConfigError("list", ["--limit: must be a positive whole number"]);
          console.log(formatExecutionList(await store.listExecutions({ limit })));
          return 0;
        }
        const id = rest[0];
        if (!id) throw new ConfigError("status", ["<run-id>: missing (see `moderator list`)"]);
        const execution = await store.getExecution(id).catch(() => null);
        if (!execution) {
          console.error(`no run with id ${id} (see \`moderator list\`)`);
          return 1;
        }
        console.log(formatExecution(execution, await store.listEvents(id), await store.listFindings(id)));
        return 0;
      } finally {
        await db.close();
      }
    }
    default:
      console.error(`unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

/** Parse `--name value` flags: the flags, and one line per problem (unknown flag, missing value, stray word). */
function parseFlags(args: string[], known: string[]): { flags: Record<string, string>; problems: string[] } {
  const flags: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      problems.push(`${a}: unexpected argument (flags are --name value)`);
      continue;
    }
    const name = m[1] ?? "";
    const next = args[i + 1];
    const value = m[2] ?? (next !== undefined && !next.startsWith("--") ? args[++i] : undefined);
    if (!known.includes(name)) problems.push(`--${name}: unknown argument (expected ${known.map((k) => `--${k}`).join(", ")})`);
    else if (value === undefined) problems.push(`--${name}: needs a value`);
    else flags[name] = value;
  }
  return { flags, problems };
}

async function runCommand(env: Env, args: string[]): Promise<number> {
  const { flags, problems } = parseFlags(args, ["repo", "issue", "backend", "number", "base", "out", "instructions"]);
  problems.push(...["repo", "issue"].filter((k) => !flags[k]).map((k) => `--${k}: required`));
  if (flags["number"] !== undefined && !/^[1-9]\d*$/.test(flags["number"])) problems.push("--number: must be a positive whole number");
  if (problems.length > 0) throw new ConfigError("moderator run", problems);
  const log = createLogger(env.logLevel === "info" ? "warn" : env.logLevel, { destination: 2 });
  const { config: operator } = loadOperatorConfig(env.configPath);
  const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
  const controller = new AbortController();
  const onSigint = () => controller.abort("interrupted (Ctrl-C)");
  process.once("SIGINT", onSigint);
  try {
    const runner = await createProcessRunner({ mode: operator.sandbox, log: (l) => console.error(l), egressDeny: buildEgressDenyList(env) });
    for (const line of describeDefaultNetworks(operator.backends, env.raw)) console.error(`WARNING: ${line}`);
    const result = await runLocal(
      {
        repoPath: flags["repo"] ?? "",
        issue: flags["issue"] ?? "",
        ...(flags["backend"] ? { backend: flags["backend"] } : {}),
        ...(flags["number"] ? { number: Number(flags["number"]) } : {}),
        ...(flags["base"] ? { base: flags["base"] } : {}),
        ...(flags["out"] ? { outDir: flags["out"] } : {}),
        ...(flags["instructions"] ? { instructions: flags["instructions"] } : {}),
      },
      {
        operator,
        processEnv: env.raw,
        store: new Store(db.prisma),
        runner,
        dataDir: env.dataDir,
        workspaceDir: env.workspaceDir,
        log,
        signal: controller.signal,
        print: (line) => console.log(line),
      },
    );
    const o = result.outcome;
    console.log(`run ${result.executionId}: ${o.status}${o.status === "completed" ? ` (QA ${o.conclusion}); branch ${result.branch} in your repository` : o.status === "failed" ? `: ${o.error.phase ?? "run"}: ${o.error.message}${o.error.hint ? `\n${o.error.hint}` : ""}` : ""}`);
    console.log(`what would be posted: ${result.outDir}`);
    return o.status === "completed" ? 0 : 1;
  } finally {
    process.off("SIGINT", onSigint);
    await db.close();
  }
}

async function statsCommand(env: Env, args: string[]): Promise<number> {
  const { flags, problems } = parseFlags(args, ["repo"]);
  if (problems.length > 0) throw new ConfigError("moderator stats", problems);
  const { config: operator } = loadOperatorConfig(env.configPath);
  const db = await openDatabase({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, migrate: true });
  try {
    const { table } = await loadAcceptanceTable(db.prisma, { config: operator.learner, now: new Date() });
    const repos = await db.prisma.repository.findMany({ orderBy: { id: "asc" } });
    const wanted = flags["repo"] ? repos.filter((r) => `${r.owner}/${r.name}` === flags["repo"]) : repos;
    if (flags["repo"] && wanted.length === 0) {
      console.error(`no repository ${flags["repo"]} in the database`);
      return 1;
    }
    const withData = wanted.filter((r) => table.some((e) => e.repositoryId === r.id));
    if (withData.length === 0) {
      console.log("nothing learned yet: no maintainer feedback has been recorded");
      return 0;
    }
    for (const r of withData) {
      console.log(`## ${r.owner}/${r.name}\n`);
      console.log(renderLearningsTable(table, r.id, undefined, { suppression: operator.learner.suppression }));
      console.log("");
    }
    return 0;
  } finally {
    await db.close();
  }
}

async function backendsCommand(env: Env): Promise<number> {
  const { config: operator, path: configPath } = loadOperatorConfig(env.configPath);
  const names = Object.keys(operator.backends);
  if (names.length === 0) {
    console.log(`no backends are configured${configPath ? ` in ${configPath}` : " (no moderator.config.yml)"}; see README: Configuration`);
    return 1;
  }
  const create = createBackendFactory(operator, env.raw);
  let healthy = 0;
  for (const name of names) {
    const backend = create(name);
    const h = await backend.health().catch((err: Error) => ({ ok: false, detail: err.message, version: undefined }));
    if (h.ok) healthy++;
    const mark = h.ok ? "ok     " : "missing";
    const isDefault = operator.defaultBackend === name ? " (default)" : "";
    console.log(`${mark}  ${name}${isDefault}  [${backend.type}]  ${h.version ?? ""}  ${h.detail ?? ""}`.replace(/\s+$/, ""));
  }
  // The sandbox as the worker would get it: a network that is not isolated is said loudly here too.
  try {
    const runner = await createProcessRunner({ mode: operator.sandbox, egressDeny: buildEgressDenyList(env) });
    console.log(`sandbox: ${runner.mode}${runner.mode === "bwrap" && !runner.networkWarning ? " (own network namespace; allow-listed hosts only, through the egress proxy)" : ""}`);
    if (runner.networkWarning) console.log(`WARNING: ${runner.networkWarning}`);
  } catch (err) {
    console.log(`sandbox: ERROR: ${(err as Error).message}`);
  }
  for (const line of describeDefaultNetworks(operator.backends, env.raw)) console.log(`WARNING: ${line}`);
  return healthy > 0 ? 0 : 1;
}

async function serve(env: Env, command: "serve" | "web" | "worker", workerQueues?: WorkerQueue[]): Promise<number> {
  const log = createLogger(env.logLevel);
  if ((command === "serve" || command === "web") && (!env.appId || !env.privateKey)) {
    // First run: Probot's GitHub App registration (manifest flow) from app.yml; it writes .env and asks for a restart.
    const { run } = await import("probot");
    log.info("APP_ID is not set: serving the GitHub App setup page; open it in a browser to register Moderator");
    await run(() => undefined, { env: { PORT: String(env.port), HOST: env.host, NODE_ENV: "development" } as NodeJS.ProcessEnv });
    return new Promise<number>(() => undefined);
  }
  const { config: operator, path: configPath } = loadOperatorConfig(env.configPath);
  log.info({ config: configPath ?? "(none: no backends defined)", backends: Object.keys(operator.backends) }, "operator config loaded");
  const app = await startModerator({ env, operator, web: command !== "worker", worker: command !== "web", log, ...(workerQueues ? { workerQueues } : {}) });
  if (app.url) log.info(`Moderator listening on ${app.url}${env.webhookPath}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
      log.info(`${signal}: stopping (no new jobs; current runs finish or are re-queued)`);
      app.close().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof ModeratorError) {
      console.error(`moderator: ${err.message}${err.hint ? `\n${err.hint}` : ""}`);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
