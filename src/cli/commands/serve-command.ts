import type { Env } from "../../config/env.ts";
import { loadOperatorConfig } from "../../config/operator-config.ts";
import { detectContainer } from "../../doctor/detect-container.ts";
import type { DoctorRole } from "../../doctor/doctor-check.ts";
import { DOCTOR_CHECKS } from "../../doctor/doctor-checks.ts";
import { renderDoctorTable } from "../../doctor/render-doctor-table.ts";
import { runDoctor } from "../../doctor/run-doctor.ts";
import { startModerator, WORKER_QUEUES, type WorkerQueue } from "../../server/start-moderator.ts";
import { ConfigError, ModeratorError } from "../../util/errors.ts";
import { chooseLogFormat, createLogger, type Logger } from "../../util/logger.ts";
import { stringValue, type CliCommand } from "../cli-command.ts";

type Mode = "serve" | "web" | "worker";
const ROLES: Record<Mode, DoctorRole[]> = { serve: ["web", "worker"], web: ["web"], worker: ["worker"] };
const SUMMARY: Record<Mode, string> = {
  serve: "web server (webhooks) and worker in one process (what `npm start` runs)",
  web: "only the web server: receives webhooks and queues runs",
  worker: "only a worker: takes queued jobs (start any number, on any number of machines)",
};

/** `moderator serve|web|worker`: the doctor's checks of its role (logged as a table), then Moderator until SIGTERM. */
export function createServeCommand(mode: Mode): CliCommand {
  return {
    name: mode,
    summary: SUMMARY[mode],
    description: "Runs the checks of `moderator doctor` that concern it first and logs the table; it refuses to start when the sandbox or the workspace (worker) or the webhook secret in production (web) fails.",
    options:
      mode === "worker"
        ? { queues: { type: "string", value: "list", description: `take jobs only from these queues, comma-separated (${WORKER_QUEUES.join(", ")}; default all)` } }
        : {},
    run: ({ env, values }) => serve(env(), mode, parseQueues(stringValue(values, "queues"))),
  };
}

function parseQueues(raw: string | undefined): WorkerQueue[] | undefined {
  if (raw === undefined) return undefined;
  const queues = raw.split(",").map((q) => q.trim()).filter(Boolean);
  const bad = queues.filter((q) => !(WORKER_QUEUES as readonly string[]).includes(q));
  if (queues.length === 0 || bad.length > 0) {
    throw new ConfigError("moderator worker", [`--queues: ${bad.length > 0 ? `'${bad.join("', '")}' is not a queue` : "empty"} (${WORKER_QUEUES.join(", ")})`]);
  }
  return queues as WorkerQueue[];
}

async function serve(env: Env, mode: Mode, workerQueues?: WorkerQueue[]): Promise<number> {
  const log = createLogger(env.logLevel, { format: chooseLogFormat({ configured: env.logFormat, production: env.production, isTTY: process.stdout.isTTY }) });
  if ((mode === "serve" || mode === "web") && (!env.appId || !env.privateKey)) {
    // First run: Probot's GitHub App registration (manifest flow) from app.yml; it writes .env and asks for a restart.
    const { run } = await import("probot");
    log.info("APP_ID is not set: serving the GitHub App setup page; open it in a browser to register Moderator");
    // Probot's setup server logs through Moderator's logger: one format per process.
    await run(() => undefined, { env: { PORT: String(env.port), HOST: env.host, NODE_ENV: "development" } as NodeJS.ProcessEnv, log });
    return new Promise<number>(() => undefined);
  }
  const { config: operator, path: configPath } = loadOperatorConfig(env.configPath);
  log.info({ config: configPath ?? "(none: no backends defined)", backends: Object.keys(operator.backends) }, "operator config loaded");
  await checkAtStart(env, operator, mode, log);
  const app = await startModerator({ env, operator, web: mode !== "worker", worker: mode !== "web", log, ...(workerQueues ? { workerQueues } : {}) });
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

async function checkAtStart(env: Env, operator: Parameters<typeof startModerator>[0]["operator"], mode: Mode, log: Logger): Promise<void> {
  const report = await runDoctor(DOCTOR_CHECKS, { env, operator, inContainer: detectContainer(), timeoutMs: 5000, startUp: true }, ROLES[mode]);
  const table = renderDoctorTable(report.results);
  const summary = report.results.map(({ what, status, detail }) => ({ what, status, detail }));
  if (report.failed) log.warn({ doctor: summary }, `start-up checks (moderator doctor):\n${table}`);
  else log.info({ doctor: summary }, `start-up checks (moderator doctor):\n${table}`);
  if (report.blocking.length > 0) {
    throw new ModeratorError(`refusing to start ${mode}: ${report.blocking.map((r) => `${r.what}: ${r.detail}`).join("; ")}`, {
      infrastructure: true,
      hint: report.blocking.map((r) => r.fix).filter(Boolean).join("\n"),
    });
  }
}
