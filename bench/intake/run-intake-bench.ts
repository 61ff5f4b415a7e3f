/**
 * Intake bench: signed webhooks at fixed rates against the real web process (`moderator web`) and intake workers
 * (`moderator worker --queues intake,timers`), real Redis and PostgreSQL, a local fake GitHub; and, side by side in
 * the same run, a bare Probot app receiving the same load on the same box. It prints; it never asserts.
 *
 *   npm run build && node dist/bench/intake/run-intake-bench.js [--rate 200] [--seconds 20] [--labels 200]
 *     [--label-rate 20] [--repos 10] [--single 10]
 *
 * 1. Acknowledgement: ordinary issue comments (no command) at --rate per second for --seconds: p50/p99/max and
 *    errors, Moderator and the bare Probot app.
 * 2. First signal: --labels `moderator` labels at --label-rate per second over --repos repositories (each its own
 *    installation, as separate customers are): time from sending the webhook to the 👀 reaction reaching the fake
 *    GitHub, p50/p99, and the time until every tracking comment of the burst exists.
 * 3. One label alone (--single times, one after the other): the first signal of a quiet system.
 * Octokit's retries and rate-limit throttling are on, with Moderator's default write limits (80 per minute per
 * installation): what production does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../../src/server/resolve-redis.ts";
import { createTestDatabase } from "../../test/support/db.ts";
import { startFakeGitHub, type FakeGitHub } from "../../test/support/fake-github.ts";
import { issueCommentCreated, issueLabeled } from "../../test/support/payloads.ts";
import { signWebhook } from "../../test/support/sign-webhook.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "20" },
    labels: { type: "string", default: "200" },
    "label-rate": { type: "string", default: "20" },
    repos: { type: "string", default: "10" },
    single: { type: "string", default: "10" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const LABELS = Number(values.labels);
const LABEL_RATE = Number(values["label-rate"]);
const REPOS = Number(values.repos);
const SINGLE = Number(values.single);
const SECRET = "bench-webhook-secret";
const OWNER = "bench-org";
const SENDER = "maia";

const dist = path.resolve(import.meta.dirname, "../..");
const cli = path.join(dist, "src/cli/main.js");

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 10 ? 1 : 0)} ms` : "-");

function retarget(p: Record<string, unknown>, repoIndex: number): Record<string, unknown> {
  const repository = p["repository"] as Record<string, unknown>;
  Object.assign(repository, { id: 50_000 + repoIndex, name: `repo-${repoIndex}`, full_name: `${OWNER}/repo-${repoIndex}`, owner: { ...(repository["owner"] as object), login: OWNER } });
  p["installation"] = { id: 90_000 + repoIndex };
  return p;
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited:\n${output()}`);
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer:\n${output()}`);
}

function spawnNode(args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, args, { env: { ...env, PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  return Object.assign(child, { output: () => out });
}

async function send(url: string, event: string, payload: unknown, deliveryId: string): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": deliveryId, "x-hub-signature-256": signWebhook(SECRET, body) },
      body,
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Fire `count` requests at `rate` per second (open loop: the schedule does not wait for answers). */
async function fire(count: number, rate: number, one: (i: number) => Promise<{ status: number; ms: number }>): Promise<{ latencies: number[]; errors: number; statuses: Record<number, number> }> {
  const t0 = performance.now();
  const pending: Array<Promise<{ status: number; ms: number }>> = [];
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(i));
  }
  const results = await Promise.all(pending);
  const statuses: Record<number, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return { latencies: results.map((r) => r.ms).sort((a, b) => a - b), errors: results.filter((r) => r.status < 200 || r.status >= 300).length, statuses };
}

async function waitUntil(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`  (gave up waiting for ${what} after ${timeoutMs / 1000} s)`);
  return false;
}

function reactionTimes(fake: FakeGitHub, content: "reactions" | "comments"): Map<string, number> {
  const first = new Map<string, number>();
  for (const r of fake.requests) {
    const m = new RegExp(`^/repos/${OWNER}/(repo-\\d+)/issues/(\\d+)/${content}$`).exec(r.path);
    if (r.method !== "POST" || !m || r.status >= 300 || r.status === 0) continue;
    const key = `${m[1]}#${m[2]}`;
    if (!first.has(key)) first.set(key, r.at);
  }
  return first;
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(tmpdir(), "moderator-bench-intake-"));
  const fake = await startFakeGitHub({ token: `ghs_${randomBytes(18).toString("hex")}` });
  const issuesPerRepo = Math.ceil((LABELS + SINGLE) / REPOS) + 1;
  for (let r = 0; r < REPOS; r++) {
    fake.addRepo({ owner: OWNER, name: `repo-${r}`, id: 50_000 + r, defaultBranch: "main", installationId: 90_000 + r, cloneUrl: `${fake.url}/git/${OWNER}/repo-${r}.git` });
    fake.setPermission(OWNER, `repo-${r}`, SENDER, "write", "maintain");
    for (let n = 1; n <= issuesPerRepo; n++) fake.addIssue(OWNER, `repo-${r}`, { number: n, title: `Issue ${n}` });
  }
  const db = await createTestDatabase();
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const configPath = path.join(tmp, "moderator.config.yml");
  await writeFile(configPath, "backends:\n  noop: { type: command, command: [/bin/true] }\n");
  const webPort = await freePort();
  const probotPort = await freePort();
  const env: Record<string, string> = {
    APP_ID: "4242",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    REDIS_URL: process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
    DATABASE_URL: db.url,
    MODERATOR_DATA_DIR: path.join(tmp, "data"),
    MODERATOR_QUEUE: `bench-${randomBytes(4).toString("hex")}`,
    MODERATOR_CONFIG: configPath,
    LOG_LEVEL: "warn",
  };
  const web = spawnNode(["--enable-source-maps", cli, "web"], { ...env, PORT: String(webPort) });
  const worker = spawnNode(["--enable-source-maps", cli, "worker", "--queues", "intake,timers"], env);
  const probot = spawnNode([path.join(dist, "bench/intake/bare-probot-app.js")], { APP_ID: "4242", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, PORT: String(probotPort), LOG_LEVEL: "warn" });
  const children = [web, worker, probot];
  try {
    await waitForHttp(`http://127.0.0.1:${webPort}/ping`, web, web.output);
    await waitForHttp(`http://127.0.0.1:${probotPort}/ping`, probot, probot.output);
    const moderatorUrl = `http://127.0.0.1:${webPort}/api/github/webhooks`;
    const probotUrl = `http://127.0.0.1:${probotPort}/api/github/webhooks`;
    const comment = (i: number) => retarget(issueCommentCreated({ number: 1 + (i % issuesPerRepo), title: "x", body: "Thanks, looks good!", sender: SENDER }), i % REPOS);
    // Warm-up: connections, JIT, prepared statements.
    await fire(200, 100, (i) => send(probotUrl, "issue_comment", comment(i), `warm-p-${i}`));
    await fire(200, 100, (i) => send(moderatorUrl, "issue_comment", comment(i), `warm-m-${i}`));

    console.log(`Intake bench: ${RATE} req/s for ${SECONDS} s of ordinary comments; ${LABELS} labels at ${LABEL_RATE}/s over ${REPOS} repositories (one installation each)\n`);
    const total = RATE * SECONDS;
    const bare = await fire(total, RATE, (i) => send(probotUrl, "issue_comment", comment(i), `bare-${i}-${randomBytes(3).toString("hex")}`));
    const mod = await fire(total, RATE, (i) => send(moderatorUrl, "issue_comment", comment(i), `ack-${i}-${randomBytes(3).toString("hex")}`));
    console.log("1. Webhook acknowledgement (ordinary comments)");
    console.log(`   bare Probot app : p50 ${ms(percentile(bare.latencies, 50))}  p99 ${ms(percentile(bare.latencies, 99))}  max ${ms(percentile(bare.latencies, 100))}  errors ${bare.errors}/${total}  ${JSON.stringify(bare.statuses)}`);
    console.log(`   Moderator (web) : p50 ${ms(percentile(mod.latencies, 50))}  p99 ${ms(percentile(mod.latencies, 99))}  max ${ms(percentile(mod.latencies, 100))}  errors ${mod.errors}/${total}  ${JSON.stringify(mod.statuses)}`);
    console.log(`   p99 ratio       : ${(percentile(mod.latencies, 99) / percentile(bare.latencies, 99)).toFixed(2)}x the bare Probot app's`);

    // Let the intake workers drain the comments before the burst.
    const drainStart = Date.now();
    await waitUntil("the comment deliveries to be handled", async () => (await db.prisma.webhookDelivery.count({ where: { status: { in: ["received", "processing", "retrying"] } } })) === 0, 300_000);
    console.log(`   (intake workers handled the ${total} comments ${((Date.now() - drainStart) / 1000).toFixed(1)} s after the last was acknowledged)\n`);

    const sentAt = new Map<string, number>();
    const label = (i: number) => {
      const repo = i % REPOS;
      const number = 1 + Math.floor(i / REPOS);
      sentAt.set(`repo-${repo}#${number}`, Date.now());
      return retarget(issueLabeled({ number, title: `Issue ${number}`, sender: SENDER }), repo);
    };
    const burstStart = Date.now();
    const burst = await fire(LABELS, LABEL_RATE, (i) => send(moderatorUrl, "issues", label(i), `label-${i}-${randomBytes(3).toString("hex")}`));
    await waitUntil("every 👀", () => [...sentAt.keys()].every((k) => reactionTimes(fake, "reactions").has(k)), 180_000);
    await waitUntil("every tracking comment", () => [...sentAt.keys()].every((k) => reactionTimes(fake, "comments").has(k)), 600_000);
    const eyes = reactionTimes(fake, "reactions");
    const comments = reactionTimes(fake, "comments");
    const signal = [...sentAt].map(([k, t]) => (eyes.get(k) ?? Number.NaN) - t).filter(Number.isFinite).sort((a, b) => a - b);
    const lastComment = Math.max(...[...sentAt.keys()].map((k) => comments.get(k) ?? Number.NaN));
    console.log(`2. First signal: ${LABELS} labels at ${LABEL_RATE}/s over ${REPOS} repositories`);
    console.log(`   acknowledgement : p50 ${ms(percentile(burst.latencies, 50))}  p99 ${ms(percentile(burst.latencies, 99))}  errors ${burst.errors}`);
    console.log(`   👀 on GitHub     : p50 ${ms(percentile(signal, 50))}  p99 ${ms(percentile(signal, 99))}  max ${ms(percentile(signal, 100))}  (${signal.length}/${LABELS} within the wait)`);
    console.log(`   every tracking comment exists ${Number.isFinite(lastComment) ? `${((lastComment - burstStart) / 1000).toFixed(1)} s after the first label (the burst itself lasts ${(LABELS / LABEL_RATE).toFixed(0)} s)` : "- (not all within the wait)"}\n`);

    const single: number[] = [];
    const base = LABELS;
    for (let i = 0; i < SINGLE; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const key = `repo-${(base + i) % REPOS}#${1 + Math.floor((base + i) / REPOS)}`;
      await send(moderatorUrl, "issues", label(base + i), `single-${i}-${randomBytes(3).toString("hex")}`);
      await waitUntil("the 👀", () => reactionTimes(fake, "reactions").has(key), 30_000);
      single.push((reactionTimes(fake, "reactions").get(key) ?? Number.NaN) - (sentAt.get(key) ?? Number.NaN));
    }
    single.sort((a, b) => a - b);
    console.log(`3. One label alone (${SINGLE} times): 👀 p50 ${ms(percentile(single, 50))}  max ${ms(percentile(single, 100))}`);
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await db.close();
    await fake.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
