import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { buildReadinessChecks } from "../../src/console/health/build-readiness-checks.ts";
import { checkReadiness } from "../../src/console/health/check-readiness.ts";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import { freePort } from "../../src/server/resolve-redis.ts";
import { resolveMigrationsDir } from "../../src/store/resolve-migrations-dir.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
const TOKEN = "metrics-token-0123456789abcdef";

function operatorYaml(command: string[] = [process.execPath, AGENT, "clean"]): string {
  return [
    "defaultBackend: scripted",
    "sandbox: auto",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify(command)}`,
    "    timeoutSeconds: 60",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    "limits: { attempts: 2, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1 }",
  ].join("\n");
}

const harnesses: Harness[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

async function start(opts: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(opts);
  harnesses.push(h);
  return h;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("health and readiness", () => {
  it("the web process answers /healthz and /readyz with every dependency named", async () => {
    const h = await start({ operatorYaml: operatorYaml() });
    const live = await getJson(`${h.moderator.url}/healthz`);
    expect(live).toMatchObject({ status: 200, body: { status: "ok", role: "web" } });
    const ready = await getJson(`${h.moderator.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", failing: [], checks: { redis: { ok: true }, database: { ok: true }, migrations: { ok: true }, backend: { ok: true } } });
  });

  it("Redis down: /readyz answers 503 naming redis; back up, 200 again", async () => {
    const port = await freePort();
    const startRedis = async () => {
      const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      children.push(child);
      const probe = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, retryStrategy: () => 100, lazyConnect: true });
      probe.on("error", () => undefined);
      for (let i = 0; i < 100; i++) {
        if (await probe.ping().then(() => true).catch(() => false)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      probe.disconnect();
      return child;
    };
    const redis = await startRedis();
    const h = await start({ operatorYaml: operatorYaml(), redisUrl: `redis://127.0.0.1:${port}` });
    expect((await getJson(`${h.moderator.url}/readyz`)).status).toBe(200);
    redis.kill("SIGKILL");
    await once(redis, "exit");
    const down = await getJson(`${h.moderator.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body["failing"]).toEqual(["redis"]);
    expect((down.body["checks"] as Record<string, { error?: string }>)["redis"]?.error).toBeTruthy();
    expect((await getJson(`${h.moderator.url}/healthz`)).status).toBe(200);
    await startRedis();
    await h.waitFor("readiness to come back", async () => (await getJson(`${h.moderator.url}/readyz`)).status === 200, 20_000);
  });

  it("a migration not applied makes /readyz 503 naming it", async () => {
    const h = await start({ operatorYaml: operatorYaml() });
    const [last] = await h.moderator.db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
      `SELECT migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`,
    );
    await h.moderator.db.prisma.$executeRawUnsafe(`DELETE FROM _prisma_migrations WHERE migration_name = $1`, last!.migration_name);
    const r = await getJson(`${h.moderator.url}/readyz`);
    expect(r.status).toBe(503);
    expect(r.body["failing"]).toEqual(["migrations"]);
    expect((r.body["checks"] as Record<string, { error?: string }>)["migrations"]?.error).toContain(last!.migration_name);
  });

  it("a worker-only process listens on WORKER_PORT; with no usable backend it is not ready and says why", async () => {
    const h = await start({ operatorYaml: operatorYaml(["/nonexistent/agent-binary"]), web: false, env: { WORKER_PORT: "0", METRICS_TOKEN: TOKEN } });
    expect(h.moderator.url).toBeUndefined();
    expect(h.moderator.workerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getJson(`${h.moderator.workerUrl}/healthz`)).body).toMatchObject({ status: "ok", role: "worker" });
    const r = await getJson(`${h.moderator.workerUrl}/readyz`);
    expect(r.status).toBe(503);
    expect(r.body["failing"]).toEqual(["backend"]);
    expect((r.body["checks"] as Record<string, { error?: string }>)["backend"]?.error).toMatch(/no usable backend: scripted: .*agent-binary/);
    const m = await fetch(`${h.moderator.workerUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('moderator_queue_jobs{queue="runs",state="waiting",role="worker"}');
  });

  it("a database that does not answer fails the database and migrations checks", async () => {
    const port = await freePort();
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, connectionTimeoutMillis: 1000 }) });
    try {
      const report = await checkReadiness(buildReadinessChecks({ redis: { ping: async () => "PONG" }, prisma, migrationsDir: resolveMigrationsDir() }), 5000);
      expect(report.ready).toBe(false);
      expect(report.failing).toEqual(["database", "migrations"]);
      expect(report.checks["database"]?.error).toMatch(/ECONNREFUSED|connect|reach/i);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("metrics", () => {
  it("/metrics needs the bearer token and counts webhooks, runs, queues and GitHub calls", async () => {
    const h = await start({ operatorYaml: operatorYaml(), env: { METRICS_TOKEN: TOKEN } });
    expect((await fetch(`${h.moderator.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.moderator.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789abcd" } })).status).toBe(401);

    h.fake.addIssue(OWNER, REPO, { number: 91, title: "Count me" });
    await h.send("issues", issueLabeled({ number: 91, title: "Count me", sender: MAINTAINER }));
    await h.waitFor("the run to end", async () => {
      const e = await h.moderator.db.prisma.execution.findFirst({ where: { issueNumber: 91 } });
      return e && ["completed", "failed", "cancelled"].includes(e.status) ? e : undefined;
    }, 60_000);

    const res = await fetch(`${h.moderator.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('moderator_webhooks_received_total{event="issues",outcome="queued",status="202",role="web+worker"} 1');
    expect(text).toMatch(/moderator_webhook_ack_seconds_count\{role="web\+worker",status="202"\} 1/);
    expect(text).toContain('moderator_runs{status="completed",backend="scripted",role="web+worker"} 1');
    expect(text).toContain('moderator_runs_finished_total{status="completed",backend="scripted",role="web+worker"} 1');
    expect(text).toMatch(/moderator_phase_duration_seconds_count\{role="web\+worker",phase="execute",state="done"\} 1/);
    expect(text).toMatch(/moderator_queue_wait_seconds_count\{role="web\+worker",queue="runs"\} 1/);
    expect(text).toMatch(/moderator_queue_jobs\{queue="intake",state="completed",role="web\+worker"\} \d+/);
    expect(text).toMatch(/moderator_agent_runs\{backend="scripted",role="web\+worker"\} 1/);
    expect(text).toMatch(/moderator_github_api_calls_total\{method="POST",status="201",role="web\+worker"\} \d+/);
    expect(text).toContain("moderator_process_resident_memory_bytes");
  });

  it("without METRICS_TOKEN /metrics is not served", async () => {
    const h = await start({ operatorYaml: operatorYaml() });
    expect((await fetch(`${h.moderator.url}/metrics`)).status).toBe(404);
  });
});
