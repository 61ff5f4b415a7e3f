import { mkdir } from "node:fs/promises";
import { Redis } from "ioredis";
import { Probot, ProbotOctokit } from "probot";
import type { GitHubClient } from "../app/github-client.ts";
import type { Env } from "../config/env.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import { createWriteLimits } from "../github/create-write-limits.ts";
import type { WebhookReceiverDeps } from "../intake/receive-webhook.ts";
import { BREAKPOINT_TIMEOUT_JOB, BreakpointTimeoutData, createQueues, deriveQueueNames } from "../queue/run-queue.ts";
import { startWebServer } from "../web/start-web-server.ts";
import { UnrecoverableError } from "bullmq";
import type { OutcomeCollectorDeps } from "../outcomes/collect-outcomes-for-open-prs.ts";
import { cancelChannel, requestCancel } from "../queue/cancel-run.ts";
import { openDatabase, type Database } from "../store/open-database.ts";
import { Store } from "../store/store.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { resolveRedis } from "./resolve-redis.ts";
import { createOpsHandlers } from "../console/create-ops-handlers.ts";
import { createMetrics } from "../console/metrics/create-metrics.ts";
import { observeGitHubCalls } from "../console/metrics/observe-github-calls.ts";
import { resolveMigrationsDir } from "../store/resolve-migrations-dir.ts";
import { eventChannel } from "../console/live/event-channel.ts";

export const WORKER_QUEUES = ["intake", "runs", "timers", "outcomes"] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export interface StartOptions {
  env: Env;
  operator: OperatorConfig;
  web: boolean;
  worker: boolean;
  log: Logger;
  /** Which queues this process's worker takes jobs from (default all four): intake-only or run-only processes. */
  workerQueues?: ReadonlyArray<WorkerQueue>;
  /** Told of every webhook answer (benches). */
  onWebhookAnswer?: WebhookReceiverDeps["onAnswer"];
}

export interface RunningModerator {
  /** Base URL of the web server, when `web`. */
  url: string | undefined;
  /** Base URL of a worker-only process's health and metrics listener (WORKER_PORT). */
  workerUrl: string | undefined;
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
  // Each step of the shutdown gets a bounded time: a Redis or database that is gone must not keep the process alive.
  const close = async () => {
    for (const c of closers.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn("a shutdown step did not finish within 15 s; going on");
          resolve();
        }, 15_000);
      });
      await Promise.race([c().catch((err: unknown) => log.warn({ err }, "error while shutting down")), timeout]);
      clearTimeout(timer);
    }
  };
  try {
    // Each role's code is loaded only by a process that has the role: a worker never holds the console's (Express,
    // the queue board) in memory, a web process never the pipeline's (bench/soak).
    const webParts = opts.web ? await import("./web-parts.ts") : undefined;
    const workerParts = opts.worker ? await import("./worker-parts.ts") : undefined;
    const redis = await resolveRedis({ redisUrl: env.redisUrl, dataDir: env.dataDir, log: (l) => log.info(l) });
    closers.push(redis.stop);
    const db = await openDatabase({
      ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}),
      dataDir: env.dataDir,
      migrate: true,
      log: (l) => log.info(l),
    });
    closers.push(() => db.close());
    const names = deriveQueueNames(env.queuePrefix);
    // Health and metrics probe Redis on a connection that fails at once when it is down (no offline queue).
    const probeConnection = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    probeConnection.on("error", (err) => log.debug({ err: err.message }, "redis (probe) error"));
    closers.push(async () => void probeConnection.disconnect());
    const probeQueues = createQueues({ connection: probeConnection, names, attempts: 1, backoffSeconds: 1, onError: () => {} });
    closers.push(() => probeQueues.close());
    const metrics = createMetrics({
      role: opts.web && opts.worker ? "web+worker" : opts.web ? "web" : "worker",
      queues: WORKER_QUEUES.map((kind) => ({ kind, counts: () => probeQueues.queues[kind].getJobCounts() })),
      ...(webParts ? { totals: () => webParts.readMetricTotals(db.prisma) } : {}),
      onCollectError: (what, err) => log.warn({ err: (err as Error).message }, `metrics: cannot read ${what}`),
    });
    const readiness = { redis: probeConnection, prisma: db.prisma, migrationsDir: resolveMigrationsDir() };
    const events = eventChannel(env.queuePrefix);
    const store = new Store(db.prisma, {
      executionFinished: (e) => metrics.runFinished(e),
      // Every web process's console hears of every event, whichever process appended it.
      eventAppended: (e) => void probeConnection.publish(events, JSON.stringify({ executionId: e.executionId, id: String(e.id) })).catch(() => undefined),
    });

    // Every Octokit of this process shares the write limits (per installation): see create-write-limits.ts.
    const writeLimits = createWriteLimits(operator.github.writes);
    const Octokit = ProbotOctokit.plugin(observeGitHubCalls(metrics)).defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: operator.github.retry },
      throttle: { ...(o.throttle as object), enabled: operator.github.throttle, ...writeLimits },
    }));
    const ProbotBase = Probot.defaults({
      appId: env.appId,
      privateKey: env.privateKey,
      secret: env.webhookSecret ?? "development",
      baseUrl: env.githubApiUrl,
      log,
      Octokit,
    });
    const queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queueConnection.on("error", (err) => log.warn({ err: err.message }, "redis (queue) error"));
    closers.push(async () => void queueConnection.disconnect());
    // The deployment's queues on a connection, with the operator's retry settings.
    const openQueues = (connection: Redis, label: string) =>
      createQueues({
        connection,
        names,
        attempts: operator.limits.attempts,
        backoffSeconds: operator.limits.backoffSeconds,
        intakeAttempts: operator.intake.attempts,
        onError: (err, name) => log.warn({ err: err.message, queue: name }, `redis (${label}) error`),
      });
    const queue = openQueues(queueConnection, "queue");
    closers.push(() => queue.close());

    if (workerParts) {
      const {
        buildEgressDenyList,
        buildPipelineDeps,
        COLLECT_OUTCOMES_JOB,
        connectGitHub,
        createGitHubCodeHost,
        createProcessRunner,
        createWebhookHandlers,
        describeDefaultNetworks,
        expireBreakpoint,
        EXPORT_LEARNINGS_JOB,
        ExportLearningsData,
        exportLearningsPr,
        getSenderPermission,
        handleDeliveryJob,
        inspectRunJobs,
        listenForCancellations,
        observeJobWaits,
        processCollectOutcomesJob,
        REAP_STUCK_JOB,
        reapStuckExecutions,
        scheduleDeliverySweep,
        scheduleOutcomeCollection,
        scheduleReaper,
        startQueueWorker,
        startRunWorker,
        SWEEP_DELIVERIES_JOB,
        sweepDeliveries,
      } = workerParts;
      await mkdir(env.workspaceDir, { recursive: true });
      const runner = await createProcessRunner({ mode: operator.sandbox, log: (l) => log.warn(l), egressDeny: buildEgressDenyList(env) });
      for (const line of describeDefaultNetworks(operator.backends, env.raw)) log.warn(line);
      const auth = new ProbotBase() as Probot;
      const installationClient = async (installationId: number) => (await auth.auth(installationId)) as unknown as GitHubClient;
      const pipeline = buildPipelineDeps({
        scheduleBreakpointTimeout: (executionId, askedAt, delayMs) => queue.scheduleBreakpointTimeout({ executionId, askedAt }, delayMs),
        queue,
        cancelRun: (input) => requestCancel({ redis: queueConnection, queue: queue.queue, channel: cancelChannel(names.runs) }, input),
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
          const octokit = await installationClient(Number(installationId));
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
      closers.push(async () => void workerConnection.disconnect());
      const outcomeDeps: OutcomeCollectorDeps = {
        store,
        connect: async (repo) => {
          const octokit = await installationClient(Number(repo.installationId));
          return { codeHost: createGitHubCodeHost(octokit), getPermission: (r, login) => getSenderPermission(octokit, r.owner, r.repo, login) };
        },
        warn: (message, data) => log.warn(data, message),
      };

      const takes = new Set<WorkerQueue>(opts.workerQueues ?? WORKER_QUEUES);
      // Runs: few, long.
      if (takes.has("runs")) {
        const runWorker = startRunWorker({
          otherJobs: (job) => {
            if (job.name === EXPORT_LEARNINGS_JOB) {
              const data = ExportLearningsData.safeParse(job.data);
              if (!data.success) return Promise.reject(new UnrecoverableError(`${EXPORT_LEARNINGS_JOB} job ${job.id}: invalid data`));
              return exportLearningsPr(pipeline, data.data);
            }
            return undefined;
          },
          connection: workerConnection,
          queueName: names.runs,
          concurrency: operator.limits.concurrency,
          lockSeconds: operator.limits.lockSeconds,
          shutdownGraceSeconds: operator.limits.shutdownGraceSeconds,
          pipeline,
          log,
        });
        closers.push(() => runWorker.close());
        observeJobWaits(runWorker.worker, "runs", metrics);
        // Cancellations reach this worker's runs; its closer goes before the worker's in the list (closers run in
        // reverse), so a cancel still works during the shutdown grace period.
        const cancelSubscriber = new Redis(redis.url, { maxRetriesPerRequest: null });
        cancelSubscriber.on("error", (err) => log.warn({ err: err.message }, "redis (cancel) error"));
        const cancelListener = listenForCancellations({ redis: cancelSubscriber, channel: cancelChannel(names.runs), worker: runWorker.worker, log });
        closers.splice(closers.length - 1, 0, async () => {
          await cancelListener.close();
          cancelSubscriber.disconnect();
        });
      }

      // Intake: many, short, I/O bound. The handlers authorize, read the repository's config and start runs.
      const handlers = createWebhookHandlers({
        store,
        queue,
        cancelRun: (input) => requestCancel({ redis: queueConnection, queue: queue.queue, channel: cancelChannel(names.runs) }, input),
        createCodeHost: (octokit) => createGitHubCodeHost(octokit),
        log,
        learner: operator.learner,
      });
      if (takes.has("intake")) {
        const intakeWorker = startQueueWorker({
          kind: "intake",
          queueName: names.intake,
          connection: workerConnection,
          concurrency: operator.intake.concurrency,
          lockSeconds: operator.limits.lockSeconds,
          log,
          processor: (job, token) =>
            handleDeliveryJob(job, token, { deliveries: store.deliveries, handlers, octokitFor: installationClient, log, orderWaitMs: operator.intake.orderWaitSeconds * 1000 }),
        });
        closers.push(() => intakeWorker.close());
        observeJobWaits(intakeWorker.worker, "intake", metrics);
      }

      // Timers: breakpoint time-outs and housekeeping, never behind an agent.
      if (takes.has("timers")) {
        const timersWorker = startQueueWorker({
          kind: "timers",
          queueName: names.timers,
          connection: workerConnection,
          concurrency: 4,
          lockSeconds: operator.limits.lockSeconds,
          log,
          processor: async (job) => {
            if (job.name === BREAKPOINT_TIMEOUT_JOB) {
              const t = BreakpointTimeoutData.safeParse(job.data);
              if (!t.success) throw new UnrecoverableError(`job ${job.id}: invalid data`);
              return { breakpoint: await expireBreakpoint(t.data.executionId, t.data.askedAt, pipeline) };
            }
            if (job.name === REAP_STUCK_JOB.name) {
              return reapStuckExecutions(
                {
                  store,
                  connect: pipeline.connect,
                  inspectJobs: () => inspectRunJobs([queue.queues.runs]),
                  requeue: (executionId, jobId) => queue.enqueue({ executionId }, jobId),
                  expireBreakpoint: (executionId, askedAt, seen) => expireBreakpoint(executionId, askedAt, pipeline, seen),
                  log,
                },
                // Left alone for two lock periods: a job whose worker died is handed on (or failed) within one.
                { maxRecoveries: operator.limits.maxRecoveries, graceMs: Math.max(2 * operator.limits.lockSeconds, 10) * 1000 },
              );
            }
            if (job.name === SWEEP_DELIVERIES_JOB.name) {
              return sweepDeliveries({
                deliveries: store.deliveries,
                queue,
                log,
                staleMs: 10 * 60_000,
                keepPayloadDays: operator.intake.keepPayloadDays,
                keepDays: operator.intake.keepDays,
              });
            }
            throw new UnrecoverableError(`unknown timers job '${job.name}'`);
          },
        });
        closers.push(() => timersWorker.close());
        observeJobWaits(timersWorker.worker, "timers", metrics);
        await scheduleDeliverySweep(queue.queues.timers);
        await scheduleReaper(queue.queues.timers, operator.limits.reapEverySeconds * 1000);
      }

      // Outcomes: the repeatable collection of reactions, suggestions and threads.
      if (takes.has("outcomes")) {
        const outcomesWorker = startQueueWorker({
          kind: "outcomes",
          queueName: names.outcomes,
          connection: workerConnection,
          concurrency: 1,
          lockSeconds: Math.max(operator.limits.lockSeconds, 300),
          log,
          processor: async (job) => {
            if (job.name !== COLLECT_OUTCOMES_JOB.name) throw new UnrecoverableError(`unknown outcomes job '${job.name}'`);
            return processCollectOutcomesJob(outcomeDeps, job.data, operator.outcomes).catch((err: Error) => {
              throw /invalid data/.test(err.message) ? new UnrecoverableError(err.message) : err;
            });
          },
        });
        closers.push(() => outcomesWorker.close());
        observeJobWaits(outcomesWorker.worker, "outcomes", metrics);
        await scheduleOutcomeCollection(queue.queues.outcomes, { everyMs: operator.outcomes.enabled ? operator.outcomes.everyMinutes * 60_000 : 0 });
      }
      Object.assign(readiness, { backends: { names: Object.keys(operator.backends), health: (name: string) => pipeline.backendHealth(name) } });
      log.info({ queues: [...takes].map((k) => names[k]), concurrency: operator.limits.concurrency, intakeConcurrency: operator.intake.concurrency, sandbox: runner.mode }, "worker started");
    }

    let url: string | undefined;
    if (webParts) {
      const { createAwaitingAnswerCheck, createWebhookReceiver, startConsole, startWebhookProxy } = webParts;
      // Intake answers from Redis and the database alone; a producer connection that fails fast when Redis is down.
      const intakeConnection = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      intakeConnection.on("error", (err) => log.warn({ err: err.message }, "redis (intake) error"));
      closers.push(async () => void intakeConnection.disconnect());
      const intakeQueues = openQueues(intakeConnection, "intake");
      closers.push(() => intakeQueues.close());
      const receiver = createWebhookReceiver({
        path: env.webhookPath,
        secret: env.webhookSecret ?? "development",
        deliveries: store.deliveries,
        queue: intakeQueues,
        isAwaitingAnswer: createAwaitingAnswerCheck(() => store.deliveries.listAwaitingAnswer()),
        log,
        onAnswer: (answer) => {
          metrics.webhookAnswered(answer);
          opts.onWebhookAnswer?.(answer);
        },
      });
      const auth = new ProbotBase() as Probot;
      const consoleUi = await startConsole({
        env,
        operator,
        store,
        redisUrl: redis.url,
        redis: intakeConnection,
        queues: intakeQueues,
        installationClient: async (id) => (await auth.auth(id)) as unknown as GitHubClient,
        log,
      });
      closers.push(() => consoleUi.close());
      const web = await startWebServer({
        host: env.host,
        // PORT=0: any free port.
        port: env.port,
        handlers: [...createOpsHandlers({ role: "web", readiness, metrics, metricsToken: env.metricsToken }), consoleUi.handler, receiver],
        log,
      });
      closers.push(() => web.close());
      url = web.url;
      if (env.webhookProxyUrl) closers.push(await startWebhookProxy(env.webhookProxyUrl, `${web.url}${env.webhookPath}`, log));
    }
    let workerUrl: string | undefined;
    if (opts.worker && !opts.web && env.workerPort !== undefined) {
      const listener = await startWebServer({
        host: env.host,
        port: env.workerPort,
        handlers: createOpsHandlers({ role: "worker", readiness, metrics, metricsToken: env.metricsToken }),
        log,
      });
      closers.push(() => listener.close());
      workerUrl = listener.url;
    }
    return { url, workerUrl, db, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}
