import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { MetricTotals } from "../read-models/read-metric-totals.ts";

/** What a queue says of itself at scrape time (BullMQ's getJobCounts). */
export interface QueueProbe {
  kind: string;
  counts(): Promise<Record<string, number>>;
}

export interface MetricsOptions {
  /** "web", "worker" or "web+worker": a label on every metric of the process. */
  role: string;
  /** Queues whose depth is read at each scrape. */
  queues?: readonly QueueProbe[];
  /** Row totals (runs, agent usage, findings, feedback) read at each scrape; the web process serves them. */
  totals?: () => Promise<MetricTotals>;
  /** Called when a scrape-time read fails (the other metrics are still served). */
  onCollectError?: (what: string, err: unknown) => void;
}

/** The metrics of one process. The steps call these; the registry renders them. */
export interface Metrics {
  registry: Registry;
  webhookAnswered(answer: { status: number; event: string; result: string; ms: number }): void;
  /** A run ended: one observation per phase it went through. */
  runFinished(run: { status: string; backend: string | null; phaseTimings: unknown }): void;
  jobStarted(job: { queue: string; waitedMs: number }): void;
  githubCall(call: { method: string; status: number; rateLimitRemaining?: number | undefined; installation?: string | undefined }): void;
}

/**
 * One prom-client registry per process (no module-level state): default process metrics, the moment metrics
 * observed here, and collectors that read queue depths and database totals when Prometheus scrapes.
 */
export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: opts.role });
  collectDefaultMetrics({ register: registry, prefix: "moderator_" });
  const fail = (what: string, err: unknown) => opts.onCollectError?.(what, err);

  const webhooks = new Counter({ name: "moderator_webhooks_received_total", help: "Webhook deliveries answered, by event and outcome", labelNames: ["event", "outcome", "status"], registers: [registry] });
  const ack = new Histogram({
    name: "moderator_webhook_ack_seconds",
    help: "Time from a delivery's arrival to its answer",
    labelNames: ["status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const runsFinished = new Counter({ name: "moderator_runs_finished_total", help: "Runs this process ended, by status and backend", labelNames: ["status", "backend"], registers: [registry] });
  const phases = new Histogram({
    name: "moderator_phase_duration_seconds",
    help: "Duration of each phase of the runs this process ended",
    labelNames: ["phase", "state"],
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const wait = new Histogram({
    name: "moderator_queue_wait_seconds",
    help: "Time a job waited in its queue before a worker took it",
    labelNames: ["queue"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const github = new Counter({ name: "moderator_github_api_calls_total", help: "GitHub API requests, by method and status", labelNames: ["method", "status"], registers: [registry] });
  const rateLimit = new Gauge({ name: "moderator_github_rate_limit_remaining", help: "x-ratelimit-remaining of the last GitHub answer, per installation", labelNames: ["installation"], registers: [registry] });

  const queues = opts.queues ?? [];
  if (queues.length > 0) {
    new Gauge({
      name: "moderator_queue_jobs",
      help: "Jobs in each queue, by state",
      labelNames: ["queue", "state"],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.map(async (q) => {
            try {
              const counts = await q.counts();
              for (const [state, n] of Object.entries(counts)) this.set({ queue: q.kind, state }, n);
            } catch (err) {
              fail(`queue ${q.kind}`, err);
            }
          }),
        );
      },
    });
  }

  const totals = opts.totals;
  if (totals) {
    // One database read per scrape, shared by the gauges below.
    let pending: Promise<MetricTotals | undefined> | undefined;
    const read = () => {
      pending ??= totals()
        .catch((err: unknown) => {
          fail("database totals", err);
          return undefined;
        })
        .finally(() => setTimeout(() => (pending = undefined), 0));
      return pending;
    };
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, t: MetricTotals) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const t = await read();
          this.reset();
          if (t) fill(this, t);
        },
      });
    gauge("moderator_runs", "Runs in the database, by status and backend", ["status", "backend"], (g, t) => {
      for (const r of t.runs) g.set({ status: r.status, backend: r.backend }, r.count);
    });
    gauge("moderator_agent_cost_usd", "Agent cost recorded in the database, by backend", ["backend"], (g, t) => {
      for (const a of t.agents) g.set({ backend: a.backend }, a.costUsd);
    });
    gauge("moderator_agent_tokens", "Agent tokens recorded in the database, by backend and direction", ["backend", "direction"], (g, t) => {
      for (const a of t.agents) {
        g.set({ backend: a.backend, direction: "input" }, a.inputTokens);
        g.set({ backend: a.backend, direction: "output" }, a.outputTokens);
      }
    });
    gauge("moderator_agent_runs", "Agent runs in the database, by backend", ["backend"], (g, t) => {
      for (const a of t.agents) g.set({ backend: a.backend }, a.runs);
    });
    gauge("moderator_findings", "QA findings in the database, by rule and status (open = posted, suppressed by the learner, dismissed, fixed)", ["rule", "status"], (g, t) => {
      for (const f of t.findings) g.set({ rule: f.ruleId, status: f.status }, f.count);
    });
    gauge("moderator_feedback", "Feedback recorded in the database, by kind", ["kind"], (g, t) => {
      for (const f of t.feedback) g.set({ kind: f.kind }, f.count);
    });
  }

  return {
    registry,
    webhookAnswered(a) {
      webhooks.inc({ event: a.event || "unknown", outcome: a.result, status: String(a.status) });
      ack.observe({ status: String(a.status) }, a.ms / 1000);
    },
    runFinished(run) {
      runsFinished.inc({ status: run.status, backend: run.backend ?? "none" });
      const timings = (run.phaseTimings ?? {}) as Record<string, { state?: unknown; durationMs?: unknown }>;
      if (typeof timings !== "object" || Array.isArray(timings)) return;
      for (const [phase, t] of Object.entries(timings)) {
        if (t && typeof t.durationMs === "number" && Number.isFinite(t.durationMs)) {
          phases.observe({ phase, state: typeof t.state === "string" ? t.state : "unknown" }, t.durationMs / 1000);
        }
      }
    },
    jobStarted(job) {
      wait.observe({ queue: job.queue }, Math.max(0, job.waitedMs) / 1000);
    },
    githubCall(call) {
      github.inc({ method: call.method, status: String(call.status) });
      if (call.rateLimitRemaining !== undefined && Number.isFinite(call.rateLimitRemaining)) {
        rateLimit.set({ installation: call.installation ?? "app" }, call.rateLimitRemaining);
      }
    },
  };
}
