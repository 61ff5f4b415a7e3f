import { mkdir } from "node:fs/promises";
import { Redis } from "ioredis";
import { Probot, ProbotOctokit, Server } from "probot";
import { createApp } from "../app/create-app.ts";
import type { GitHubClient } from "../app/github-client.ts";
import { createGitHubCodeHost } from "../codehost/github-code-host.ts";
import type { Env } from "../config/env.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import { connectGitHub } from "../pipeline/connect-github.ts";
import { createRunQueue } from "../queue/run-queue.ts";
import { UnrecoverableError } from "bullmq";
import { getSenderPermission } from "../app/get-sender-permission.ts";
import { EXPORT_LEARNINGS_JOB, ExportLearningsData, exportLearningsPr } from "../learner/export-learnings-pr.ts";
import { COLLECT_OUTCOMES_JOB, processCollectOutcomesJob, scheduleOutcomeCollection } from "../outcomes/collect-outcomes-job.ts";
import type { OutcomeCollectorDeps } from "../outcomes/collect-outcomes-for-open-prs.ts";
import { cancelChannel, requestCancel } from "../queue/cancel-run.ts";
import { listenForCancellations } from "../queue/listen-for-cancellations.ts";
import { startRunWorker, type RunWorker } from "../queue/start-run-worker.ts";
import { createProcessRunner } from "../sandbox/create-process-runner.ts";
import { openDatabase, type Database } from "../store/open-database.ts";
import { Store } from "../store/store.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { buildPipelineDeps } from "./build-pipeline-deps.ts";
import { REAP_STUCK_JOB, reapStuckExecutions } from "../pipeline/reap-stuck-executions.ts";
import { inspectRunJobs } from "../queue/inspect-run-jobs.ts";
import { scheduleReaper } from "../queue/schedule-reaper.ts";
import { freePort, resolveRedis } from "./resolve-redis.ts";

export interface StartOptions {
  env: Env;
  operator: OperatorConfig;
  web: boolean;
  worker: boolean;
  log: Logger;
}

export interface RunningModerator {
  /** Base URL of the web server, when `web`. */
  url: string | undefined;
  db: Database;
  store: Store;
  close(): Promise<void>;
}

/**
 * Start Moderator: web (Probot webhooks) and/or worker (BullMQ) in this process, sharing one
 * Redis and one PostgreSQL with any number of other processes.
 */
export async function startModerator(opts: StartOptions): Promise<RunningModerator> {
  const { env, operator, log } = opts;
  if (!env.appId || !env.privateKey) {
    throw new ModeratorError("APP_ID and PRIVATE_KEY are not set", {
      infrastructure: true,
      hint: "Run `npm start` once without them to register the GitHub App (Probot's setup page), or set them in .env.",
    });
  }
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => log.warn({ err }, "error while shutting down"));
  };
  try {
    const redis = await resolveRedis({ redisUrl: env.redisUrl, dataDir: env.dataDir, log: (l) => log.info(l) });
    closers.push(redis.stop);
    const db = await openDatabase({
      ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}),
      dataDir: env.dataDir,
      migrate: true,
      log: (l) => log.info(l),
    });
    closers.push(() => db.close());
    const store = new Store(db.prisma);

    const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: operator.github.retry },
      throttle: { ...(o.throttle as object), enabled: operator.github.throttle },
    }));
    const ProbotBase = Probot.defaults({
      appId: env.appId,
      privateKey: env.privateKey,
      secret: env.webhookSecret ?? "development",
      baseUrl: env.githubApiUrl,
      log,
      Octokit,
    });
    const queueName = env.queueName;
    const queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queueConnection.on("error", (err) => log.warn({ err: err.message }, "redis (queue) error"));
    closers.push(async () => void queueConnection.disconnect());
    const queue = createRunQueue({
      connection: queueConnection,
      name: queueName,
      attempts: operator.limits.attempts,
      backoffSeconds: operator.limits.backoffSeconds,
    });
    closers.push(() => queue.close());

    let worker: RunWorker | undefined;
    if (opts.worker) {
      await mkdir(env.workspaceDir, { recursive: true });
      const runner = await createProcessRunner({ mode: operator.sandbox, log: (l) => log.warn(l) });
      const auth = new ProbotBase() as Probot;
      const pipeline = buildPipelineDeps({
        scheduleBreakpointTimeout: (executionId, askedAt, delayMs) => queue.scheduleBreakpointTimeout({ executionId, askedAt }, delayMs),
        queue,
        operator,
        processEnv: env.raw,
        store,
        runner,
        workspaceDir: env.workspaceDir,
        log,
        async connect(execution) {
          const installationId = execution.repository.installationId;
          if (installationId === null) {
            throw new ModeratorError("the repository has no installation id", { phase: "prepare", infrastructure: true });
          }
          const octokit = (await auth.auth(Number(installationId))) as unknown as GitHubClient;
          // A token of its own for git, asked of the app-authenticated client (octokit.auth() would ask
          // api.github.com whatever the base URL). It is valid for an hour: longer than any agent timeout we allow by default.
          const app = (await auth.auth()) as unknown as GitHubClient;
          const { data } = await app.request("POST /app/installations/{installation_id}/access_tokens", { installation_id: Number(installationId) });
          const ref = { owner: execution.repository.owner, repo: execution.repository.name };
          return connectGitHub(ref, { octokit, token: data.token }, createGitHubCodeHost(octokit));
        },
      });
      const workerConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
      workerConnection.on("error", (err) => log.warn({ err: err.message }, "redis (worker) error"));
      const outcomeDeps: OutcomeCollectorDeps = {
        store,
        connect: async (repo) => {
          const octokit = (await auth.auth(Number(repo.installationId))) as unknown as GitHubClient;
          return { codeHost: createGitHubCodeHost(octokit), getPermission: (r, login) => getSenderPermission(octokit, r.owner, r.repo, login) };
        },
        warn: (message, data) => log.warn(data, message),
      };
      worker = startRunWorker({
        otherJobs: (job) => {
          if (job.name === COLLECT_OUTCOMES_JOB.name) {
            return processCollectOutcomesJob(outcomeDeps, job.data, operator.outcomes).catch((err: Error) => {
              throw /invalid data/.test(err.message) ? new UnrecoverableError(err.message) : err;
            });
          }
          if (job.name === REAP_STUCK_JOB.name) {
            return reapStuckExecutions(
              {
                store,
                connect: pipeline.connect,
                inspectJobs: () => inspectRunJobs([queue.queue]),
                requeue: (executionId, jobId) => queue.enqueue({ executionId }, jobId),
                log,
              },
              // Left alone for two lock periods: a job whose worker died is handed on (or failed) within one.
              { maxRecoveries: operator.limits.maxRecoveries, graceMs: Math.max(2 * operator.limits.lockSeconds, 10) * 1000 },
            );
          }
          if (job.name === EXPORT_LEARNINGS_JOB) {
            const data = ExportLearningsData.safeParse(job.data);
            if (!data.success) return Promise.reject(new UnrecoverableError(`${EXPORT_LEARNINGS_JOB} job ${job.id}: invalid data`));
            return exportLearningsPr(pipeline, data.data);
          }
          return undefined;
        },
        connection: workerConnection,
        queueName,
        concurrency: operator.limits.concurrency,
        lockSeconds: operator.limits.lockSeconds,
        shutdownGraceSeconds: operator.limits.shutdownGraceSeconds,
        pipeline,
        log,
      });
      const w = worker;
      closers.push(async () => {
        await w.close();
        workerConnection.disconnect();
      });
      // Cancellations reach this worker's runs; its closer goes before the worker's in the list (closers run in
      // reverse), so a cancel still works during the shutdown grace period.
      const cancelSubscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
      cancelSubscriber.on("error", (err) => log.warn({ err: err.message }, "redis (cancel) error"));
      const cancelListener = listenForCancellations({ redis: cancelSubscriber, channel: cancelChannel(queueName), worker: w.worker, log });
      closers.splice(closers.length - 1, 0, async () => {
        await cancelListener.close();
        cancelSubscriber.disconnect();
      });
      await scheduleOutcomeCollection(queue.queue, { everyMs: operator.outcomes.enabled ? operator.outcomes.everyMinutes * 60_000 : 0 });
      await scheduleReaper(queue.queue, operator.limits.reapEverySeconds * 1000);
      log.info({ queue: queueName, concurrency: operator.limits.concurrency, sandbox: runner.mode }, "worker started");
    }

    let url: string | undefined;
    if (opts.web) {
      const server = new Server({
        host: env.host,
        // Probot reads 0 as "unset" (3000): find a free port for PORT=0 ourselves.
        port: env.port === 0 ? await freePort(env.host) : env.port,
        webhookPath: env.webhookPath,
        ...(env.webhookProxyUrl ? { webhookProxy: env.webhookProxyUrl } : {}),
        Probot: ProbotBase,
        log,
      });
      await server.load(
        createApp({
          store,
          queue,
          cancelRun: (input) => requestCancel({ redis: queueConnection, queue: queue.queue, channel: cancelChannel(queueName) }, input),
          createCodeHost: (octokit) => createGitHubCodeHost(octokit),
          log,
          learner: operator.learner,
        }),
      );
      const http = await server.start();
      closers.push(() => server.stop());
      const addr = http.address();
      const port = typeof addr === "object" && addr ? addr.port : env.port;
      url = `http://${env.host === "0.0.0.0" || env.host === "::" ? "127.0.0.1" : env.host}:${port}`;
    }
    return { url, db, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}
