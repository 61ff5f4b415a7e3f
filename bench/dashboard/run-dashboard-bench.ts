/**
 * Console bench: the real web process (`moderator web`, spawned from dist/), real Redis and PostgreSQL, a local fake
 * GitHub for sign-in. It prints; it never asserts.
 *
 *   npm run build && node dist/bench/dashboard/run-dashboard-bench.js [--executions 10000] [--events 1000000]
 *     [--requests 200] [--sse-samples 200] [--connections 100] [--feedback 20000]
 *
 * 1. Time to first byte of the runs page (/dashboard, 50 rows) for an admin and for a maintainer (permission asked of
 *    the fake GitHub, then cached), first page and a deep keyset page, with --executions runs and --events events.
 * 2. SSE delay: an event appended by another process (its own Store, publishing like a worker) until an SSE client
 *    reading /dashboard/runs/<id>/events has it; then until the line appears in a run page open in Chromium
 *    (playwright-core; skipped when /usr/bin/chromium, or CHROMIUM_PATH, is missing).
 * 3. The web process's resident memory before and with --connections open SSE connections.
 * 4. Time to first byte of one repository's Learning view, with --feedback feedback rows in the installation.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { chromium } from "playwright-core";
import { eventChannel } from "../../src/console/live/event-channel.ts";
import { Store } from "../../src/store/store.ts";
import { createTestDatabase } from "../../test/support/db.ts";
import { signIn, type ConsoleClient } from "../../test/support/console-client.ts";
import { startFakeGitHub } from "../../test/support/fake-github.ts";

const { values } = parseArgs({
  options: {
    executions: { type: "string", default: "10000" },
    events: { type: "string", default: "1000000" },
    requests: { type: "string", default: "200" },
    "sse-samples": { type: "string", default: "200" },
    connections: { type: "string", default: "100" },
    feedback: { type: "string", default: "20000" },
  },
});
const EXECUTIONS = Number(values.executions);
const EVENTS = Number(values.events);
const REQUESTS = Number(values.requests);
const SSE_SAMPLES = Number(values["sse-samples"]);
const CONNECTIONS = Number(values.connections);
const FEEDBACK = Number(values.feedback);
const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

/** Milliseconds until the first byte of the answer's body arrives. */
function ttfb(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { headers: { cookie } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.once("data", () => resolve(performance.now() - started));
      res.resume();
    });
    req.on("error", reject);
  });
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

const db = await createTestDatabase();
const tmp = await mkdtemp(path.join(tmpdir(), "moderator-dashboard-bench-"));
const fake = await startFakeGitHub({});
const cleanup: Array<() => Promise<void> | void> = [() => db.close(), () => rm(tmp, { recursive: true, force: true }), () => fake.close()];
try {
  const REPOS = 20;
  for (let r = 0; r < REPOS; r++) {
    fake.addRepo({ owner: "bench", name: `repo-${r}`, id: 5000 + r, defaultBranch: "main", installationId: 77 });
    fake.setPermission("bench", `repo-${r}`, "maia", "write");
  }
  const oauth = { clientId: "Iv1.bench", clientSecret: "bench-secret" };
  fake.enableOAuth(oauth);

  // --- Seed: repositories, executions over the last 60 days, EVENTS events spread over them, some cost and findings.
  let t = performance.now();
  const prisma = db.prisma;
  await prisma.$executeRawUnsafe(
    `INSERT INTO "Repository" ("githubId", owner, name, "installationId", "updatedAt") SELECT 5000 + g, 'bench', 'repo-' || g, 77, now() FROM generate_series(0, ${REPOS - 1}) g`,
  );
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Execution" (id, "repositoryId", status, "issueNumber", "issueTitle", trigger, "triggeredBy", backend, phase, "createdAt", "startedAt", "finishedAt", "updatedAt", decision)
    SELECT gen_random_uuid(), r.id, (ARRAY['completed','failed','cancelled','completed','waiting_for_human']::"ExecutionStatus"[])[1 + g % 5], g, 'Bench issue ' || g, 'label', 'maia',
           (ARRAY['claude','codex','ollama'])[1 + g % 3], 'publish', now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval,
           now() - (g || ' minutes')::interval + interval '7 minutes', now(), '{"action":"open_pr","confidence":0.8,"reasons":[]}'::jsonb
    FROM generate_series(1, ${EXECUTIONS}) g JOIN "Repository" r ON r."githubId" = 5000 + g % ${REPOS}`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "AgentRun" (id, "executionId", backend, status, "costUsd", "inputTokens", "outputTokens", "startedAt")
    SELECT gen_random_uuid(), e.id, coalesce(e.backend, 'claude'), 'succeeded', 0.12, 12000, 3000, e."createdAt" FROM "Execution" e`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Finding" (id, "executionId", "repositoryId", source, "ruleId", severity, confidence, message, fingerprint)
    SELECT gen_random_uuid(), e.id, e."repositoryId", 'bench', 'rule-' || s, (ARRAY['low','medium','high']::"Severity"[])[1 + s], 0.9, 'm', 'fp-' || s
    FROM "Execution" e CROSS JOIN generate_series(0, 2) s`);
  const perRun = Math.max(1, Math.floor(EVENTS / EXECUTIONS));
  await prisma.$executeRawUnsafe(`
    INSERT INTO "ExecutionEvent" ("executionId", at, phase, type, message)
    SELECT e.id, e."createdAt" + (g || ' seconds')::interval, 'execute', 'agent.message', 'bench line ' || g
    FROM "Execution" e CROSS JOIN generate_series(1, ${perRun}) g`);
  // Maintainers' feedback on 10 rules over the last 90 days, for the Learning view.
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Feedback" (id, "repositoryId", kind, actor, detail, "createdAt")
    SELECT gen_random_uuid(), r.id, (ARRAY['dismissed','suggestion_applied','dismissed'])[1 + g % 3], 'maia', jsonb_build_object('ruleId', 'rule-' || (g % 10)), now() - ((g % 90) || ' days')::interval
    FROM generate_series(1, ${FEEDBACK}) g JOIN "Repository" r ON r."githubId" = 5000 + g % ${REPOS}`);
  await prisma.$executeRawUnsafe(`ANALYZE`);
  const counts = { executions: await prisma.execution.count(), events: await prisma.executionEvent.count(), feedback: await prisma.feedback.count() };
  console.log(`seeded ${counts.executions} executions, ${counts.events} events, ${counts.feedback} feedback rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // --- The web process.
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const config = path.join(tmp, "moderator.config.yml");
  await writeFile(config, "backends: {}\ndashboard: { admins: [boss] }\ngithub: { retry: false, throttle: false }\n");
  const queue = `bench-dash-${Date.now().toString(36)}`;
  const cli = path.resolve(import.meta.dirname, "../../src/cli/main.js");
  const child = spawn(process.execPath, [cli, "web"], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      APP_ID: "1",
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: "bench",
      GHE_HOST: fake.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      REDIS_URL,
      DATABASE_URL: db.url,
      MODERATOR_DATA_DIR: path.join(tmp, "data"),
      MODERATOR_CONFIG: config,
      MODERATOR_QUEUE: queue,
      LOG_LEVEL: "info",
      GITHUB_CLIENT_ID: oauth.clientId,
      GITHUB_CLIENT_SECRET: oauth.clientSecret,
      SESSION_SECRET: "x".repeat(40),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.push(() => void child.kill("SIGTERM"));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the web process did not start:\n${out}`)), 60_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.on("exit", (code) => reject(new Error(`the web process exited (${code}):\n${out}`)));
  });

  const session = async (login: string): Promise<ConsoleClient> => {
    fake.signInAs(login);
    return signIn(url);
  };
  const cookieOf = (c: ConsoleClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const admin = await session("boss");
  const maia = await session("maia");

  // --- 1. TTFB of the runs page.
  let pages = 1;
  const deepPage = await (async () => {
    let next = "";
    for (let i = 0; i < 100; i++, pages++) {
      const html = await (await admin.get(`/dashboard${next}`)).text();
      const m = /id="older" href="\/dashboard\?([^"]+)"/.exec(html);
      if (!m) break;
      next = `?${m[1]!.replace(/&amp;/g, "&")}`;
    }
    return next;
  })();
  for (const [who, client, page] of [
    ["admin, first page", admin, ""],
    [`admin, page ${pages} (keyset)`, admin, deepPage],
    ["maintainer (20 repositories' permissions cached), first page", maia, ""],
    ["admin, filtered status=failed backend=codex", admin, "?status=failed&backend=codex"],
  ] as const) {
    const cookie = cookieOf(client);
    for (let i = 0; i < 20; i++) await ttfb(`${url}/dashboard${page}`, cookie);
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) samples.push(await ttfb(`${url}/dashboard${page}`, cookie));
    console.log(`runs page TTFB, ${who}: ${fmt(samples)}`);
  }

  // --- 2. SSE delay: another process's Store appends, the web process streams.
  const target = await prisma.execution.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
  const last = await prisma.executionEvent.findFirstOrThrow({ where: { executionId: target.id }, orderBy: { id: "desc" } });
  const publisher = new Redis(REDIS_URL);
  cleanup.push(() => publisher.disconnect());
  const worker = new Store(prisma, { eventAppended: (e) => void publisher.publish(eventChannel(queue), JSON.stringify({ executionId: e.executionId, id: String(e.id) })) });
  const sent = new Map<string, number>();
  const delays: number[] = [];
  const controller = new AbortController();
  const res = await fetch(`${url}/dashboard/runs/${target.id}/events`, { headers: { cookie: cookieOf(admin), "last-event-id": String(last.id) }, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const reading = (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (const m of buffer.matchAll(/^id: (\d+)$/gm)) {
        const at = sent.get(m[1]!);
        if (at !== undefined) {
          delays.push(performance.now() - at);
          sent.delete(m[1]!);
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < SSE_SAMPLES; i++) {
    const started = performance.now();
    const row = await worker.appendEvent(target.id, { type: "bench.tick", message: `tick ${i}` });
    sent.set(String(row.id), started);
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 10_000;
  while (delays.length < SSE_SAMPLES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  controller.abort();
  await reading;
  console.log(`SSE delay, append (another process) to client receipt: ${fmt(delays)}${delays.length < SSE_SAMPLES ? `, ${SSE_SAMPLES - delays.length} not received` : ""}`);

  // --- 2b. The same delay to a browser: Chromium (playwright-core) shows a waiting run's page, whose script follows
  // the SSE stream and adds each event to #events; a MutationObserver stamps each line as it is added.
  if (!existsSync(CHROMIUM)) console.log(`SSE delay to a browser: skipped, ${CHROMIUM} is missing (apt-get install chromium)`);
  else {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
    cleanup.push(() => browser.close());
    const context = await browser.newContext();
    await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url })));
    const page = await context.newPage();
    const live = await prisma.execution.findFirstOrThrow({ where: { status: "waiting_for_human" }, orderBy: { createdAt: "desc" } });
    await page.goto(`${url}/dashboard/runs/${live.id}`);
    await page.locator('#live-state:text-is("live")').waitFor();
    await page.evaluate(`(() => {
      window.__seen = {};
      new MutationObserver((records) => {
        const at = performance.timeOrigin + performance.now();
        for (const r of records) for (const n of r.addedNodes) if (n.dataset && n.dataset.id) window.__seen[n.dataset.id] = at;
      }).observe(document.getElementById("events"), { childList: true });
    })()`);
    const appendedAt = new Map<string, number>();
    for (let i = 0; i < SSE_SAMPLES; i++) {
      const started = performance.timeOrigin + performance.now();
      const row = await worker.appendEvent(live.id, { type: "bench.tick", message: `browser tick ${i}` });
      appendedAt.set(String(row.id), started);
      await new Promise((r) => setTimeout(r, 20));
    }
    let seen: Record<string, number> = {};
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      seen = (await page.evaluate("window.__seen")) as Record<string, number>;
      if ([...appendedAt.keys()].every((id) => seen[id] !== undefined)) break;
    }
    const browserDelays = [...appendedAt].filter(([id]) => seen[id] !== undefined).map(([id, at]) => seen[id]! - at);
    const missed = appendedAt.size - browserDelays.length;
    console.log(`SSE delay, append (another process) to the line in Chromium's page: ${fmt(browserDelays)}${missed > 0 ? `, ${missed} not received` : ""}`);
    await browser.close();
  }

  // --- 3. Memory with open SSE connections.
  await new Promise((r) => setTimeout(r, 1000));
  const before = await rssKb(child.pid!);
  const streams: AbortController[] = [];
  const runs = await prisma.execution.findMany({ take: CONNECTIONS, orderBy: { createdAt: "desc" }, select: { id: true } });
  for (let i = 0; i < CONNECTIONS; i++) {
    const c = new AbortController();
    streams.push(c);
    const r = await fetch(`${url}/dashboard/runs/${runs[i % runs.length]!.id}/events`, { headers: { cookie: cookieOf(admin) }, signal: c.signal });
    // Read the replay (up to 100 events per run) so the connection is idle and open.
    const rd = r.body!.getReader();
    void (async () => {
      for (;;) if ((await rd.read().catch(() => ({ done: true }))).done) return;
    })();
  }
  await new Promise((r) => setTimeout(r, 3000));
  const withStreams = await rssKb(child.pid!);
  console.log(`web process RSS: ${(before / 1024).toFixed(1)} MiB idle, ${(withStreams / 1024).toFixed(1)} MiB with ${CONNECTIONS} open SSE connections (+${((withStreams - before) / CONNECTIONS).toFixed(0)} KiB each)`);
  for (const c of streams) c.abort();

  // --- 4. One repository's Learning view: every feedback row read, 12 weekly estimates, the learnings file asked of
  // GitHub. Last, because reading every feedback row grows the heap that the memory figure above measures.
  {
    const cookie = cookieOf(maia);
    const learning = "/dashboard/learning/bench/repo-0";
    for (let i = 0; i < 3; i++) await ttfb(`${url}${learning}`, cookie);
    const samples: number[] = [];
    for (let i = 0; i < Math.max(5, Math.floor(REQUESTS / 10)); i++) samples.push(await ttfb(`${url}${learning}`, cookie));
    console.log(`Learning page TTFB, maintainer, ${counts.feedback} feedback rows in the installation: ${fmt(samples)}`);
    console.log(`web process RSS after ${samples.length + 3} Learning views: ${((await rssKb(child.pid!)) / 1024).toFixed(1)} MiB`);
  }
} finally {
  for (const c of cleanup.reverse()) await c();
}
process.exit(0);
