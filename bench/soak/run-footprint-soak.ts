/**
 * Footprint soak: the resident memory (RSS) of a real `moderator web` and a real `moderator worker` process (the built
 * CLI), idle after start, then after every batch of runs (labeled issues through the web's webhook endpoint; the
 * command backend adds one small file; a fake GitHub; real Redis, PostgreSQL, git and sandbox). It prints, it never asserts.
 *
 *   npm run build && node dist/bench/soak/run-footprint-soak.js [--runs 200] [--batch 100] [--warmup 20] [--concurrency 2]
 *     [--idle-seconds 20] [--cli <another build's dist/src/cli/main.js>] [--env NAME=VALUE]... [--node-flag <flag>]...
 *     [--heap-snapshots <dir>]
 *
 * Both processes get memory-probe.ts preloaded and --expose-gc: after each raw RSS reading the soak asks them (SIGUSR2)
 * for a reading after a full garbage collection, split into V8 heap, external memory and RSS outside both, and with
 * --heap-snapshots, for a heap snapshot of the worker (compare two with diff-heap-snapshots.js).
 * --env sets a variable in both processes (e.g. --env MALLOC_ARENA_MAX=2); --node-flag passes a flag to node for both
 * (e.g. --node-flag --max-semi-space-size=16).
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis (TEST_REDIS_URL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { OWNER, REPO, MAINTAINER, WEBHOOK_SECRET, startHarness, type Harness } from "../../test/support/moderator-harness.ts";
import { issueLabeled } from "../../test/support/payloads.ts";
import { signWebhook } from "../../test/support/sign-webhook.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DEFAULT_CLI = path.join(ROOT, "dist/src/cli/main.js");
// The source tree's agent, not dist's (the fixtures are not compiled).
const AGENT = path.join(ROOT, "test/fixtures/agents/e2e-agent.mjs");
const FINAL: Array<"completed" | "failed" | "cancelled"> = ["completed", "failed", "cancelled"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`run-footprint-soak: ${name} must be a whole number, got ${String(argv[i + 1])}`);
    process.exit(2);
  }
  return n;
}

/** VmRSS of a process, in MB (Linux /proc). */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const PROBE = path.join(import.meta.dirname, "memory-probe.js");

function spawnCli(cli: string, h: Harness, command: "web" | "worker", env: Record<string, string>, nodeFlags: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [...nodeFlags, "--expose-gc", "--import", PROBE, cli, command], {
    env: { ...h.envVars, LOG_LEVEL: "info", MEMORY_PROBE_OUT: path.join(h.tmp, `memory-${command}.jsonl`), ...env },
    cwd: h.tmp,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  return Object.assign(child, { output: () => output });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = option(argv, "--runs", 200);
  const batch = Math.max(1, option(argv, "--batch", 100));
  const warmup = option(argv, "--warmup", 20);
  const concurrency = Math.max(1, option(argv, "--concurrency", 2));
  const idleSeconds = option(argv, "--idle-seconds", 20);
  // Another build of the CLI (a copy of dist/ from another commit), to compare.
  const CLI = path.resolve(argv.includes("--cli") ? (argv[argv.indexOf("--cli") + 1] ?? "") : DEFAULT_CLI);
  if (!existsSync(CLI)) {
    console.error(`run-footprint-soak: ${CLI} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  const operatorYaml = [
    "defaultBackend: scripted",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "clean"])}`,
    "    timeoutSeconds: 60",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    `limits: { concurrency: ${concurrency}, attempts: 1, lockSeconds: 30, shutdownGraceSeconds: 1 }`,
    "outcomes: { enabled: false }",
  ].join("\n");
  // The harness's own process is only the database and fake GitHub's host: no web, no worker in it.
  const h = await startHarness({ operatorYaml, web: false, worker: false });
  h.fake.setFile(OWNER, REPO, ".github/moderator.yml", "decision:\n  maxRetries: 0\n  ask: { enabled: false }\nimprovements: { enabled: false }\n");
  const extraEnv: Record<string, string> = {};
  argv.forEach((a, i) => {
    const m = a === "--env" ? /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(argv[i + 1] ?? "") : null;
    if (a === "--env" && !m) {
      console.error(`run-footprint-soak: --env wants NAME=VALUE, got ${String(argv[i + 1])}`);
      process.exit(2);
    }
    if (m) extraEnv[m[1]!] = m[2]!;
  });
  const snapshotDir = argv.includes("--heap-snapshots") ? path.resolve(argv[argv.indexOf("--heap-snapshots") + 1] ?? "") : undefined;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const nodeFlags = argv.flatMap((a, i) => (a === "--node-flag" && argv[i + 1] ? [argv[i + 1]!] : []));
  const web = spawnCli(CLI, h, "web", { ...extraEnv, LOG_LEVEL: "info" }, nodeFlags);
  const worker = spawnCli(CLI, h, "worker", {
    ...extraEnv,
    LOG_LEVEL: process.env["SOAK_WORKER_LOG"] ?? "warn",
    ...(snapshotDir ? { MEMORY_PROBE_SNAPSHOTS: snapshotDir } : {}),
  }, nodeFlags);
  /** Ask a process for a reading after a full GC (memory-probe.ts) and wait for its line. */
  const probe = async (child: ChildProcess, command: "web" | "worker"): Promise<Probe> => {
    const file = path.join(h.tmp, `memory-${command}.jsonl`);
    const lines = () => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).length : 0);
    const before = lines();
    child.kill("SIGUSR2");
    for (let i = 0; i < 1200 && lines() === before; i++) await sleep(100);
    const last = readFileSync(file, "utf8").trim().split("\n").at(-1) ?? "{}";
    return JSON.parse(last) as Probe;
  };
  /** Prints the readings after a full GC; returns their RSS. */
  const report = async (label: string): Promise<{ web: number; worker: number }> => {
    const rss = { web: Number.NaN, worker: Number.NaN };
    for (const [name, child] of [["web", web], ["worker", worker]] as const) {
      const p = await probe(child, name);
      rss[name] = p.rss;
      const outside = p.rss - p.heapTotal - p.external;
      const spaces = Object.entries(p.spaces ?? {})
        .filter(([, [, size]]) => size >= 1)
        .map(([name, [used, size]]) => `${name} ${used.toFixed(0)}/${size.toFixed(0)}`)
        .join(", ");
      console.log(
        `    ${label.padEnd(22)} ${name.padEnd(6)} after gc: rss ${p.rss.toFixed(0)} MB = heap ${p.heapTotal.toFixed(0)} (used ${p.heapUsed.toFixed(0)}) + external ${p.external.toFixed(0)} (buffers ${p.arrayBuffers.toFixed(0)}) + other ${outside.toFixed(0)} [heap spaces used/committed: ${spaces}]; anonymous ${p.smaps_anonymous?.toFixed(0)}, file-backed ${p.smaps_file?.toFixed(0)}; largest mappings (resident/size MB) ${(p.mappings ?? []).join(", ")}; handles ${Object.entries(p.handles).map(([k, v]) => `${k} ${v}`).join(", ")}${p.snapshot ? `; snapshot ${path.basename(p.snapshot)}` : ""}`,
      );
    }
    return rss;
  };
  const prisma = h.moderator.db.prisma;
  try {
    let url: string | undefined;
    for (let i = 0; i < 300 && !url; i++) {
      url = /listening on (http:\/\/[^\s"]+?)\/api\/github\/webhooks/.exec(web.output())?.[1];
      if (!url) await sleep(100);
    }
    if (!url) throw new Error(`the web process did not start:\n${web.output()}`);
    await sleep(idleSeconds * 1000);
    const idle = { web: rssMb(web.pid), worker: rssMb(worker.pid) };
    console.log(`Footprint soak: ${runs} runs (command backend adding NOTES.md), worker concurrency ${concurrency}, batches of ${batch}, warm-up ${warmup}`);
    const settings = [...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`), ...nodeFlags, ...(argv.includes("--cli") ? [`cli ${path.relative(process.cwd(), CLI)}`] : [])];
    if (settings.length > 0) console.log(`  with ${settings.join(" ")}`);
    console.log(`  idle after start (${idleSeconds} s)       web ${idle.web.toFixed(0)} MB   worker ${idle.worker.toFixed(0)} MB`);
    await report("idle");

    let sent = 0;
    const runBatch = async (count: number) => {
      const target = sent + count;
      for (; sent < target; sent++) {
        const n = 1000 + sent;
        h.fake.addIssue(OWNER, REPO, { number: n, title: `Soak ${n}` });
        const body = JSON.stringify(issueLabeled({ number: n, title: `Soak ${n}`, sender: MAINTAINER }));
        const res = await fetch(`${url}/api/github/webhooks`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": randomBytes(8).toString("hex"), "x-hub-signature-256": signWebhook(WEBHOOK_SECRET, body) },
          body,
        });
        if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
        // Keep a few runs queued ahead of the worker, no more: the queue's length is not what is measured.
        while ((await prisma.execution.count({ where: { status: { notIn: FINAL } } })) > concurrency * 2) await sleep(100);
        if (sent === 0) console.log(`  first delivery answered ${res.status}`);
      }
      const deadline = Date.now() + 60_000 + count * 10_000;
      while ((await prisma.execution.count({ where: { kind: "run" } })) < target || (await prisma.execution.count({ where: { status: { notIn: FINAL } } })) > 0) {
        if (Date.now() > deadline) throw new Error(`runs did not finish; worker output:\n${worker.output().slice(-4000)}\nweb output:\n${web.output().slice(-2000)}`);
        await sleep(200);
      }
      await sleep(3000);
    };
    const t0 = Date.now();
    if (warmup > 0) await runBatch(warmup);
    // Raw readings (RSS as the process has it, garbage included), then after a full GC (what it holds).
    const warm = { web: rssMb(web.pid), worker: rssMb(worker.pid) };
    console.log(`  after ${String(warmup).padStart(4)} runs (warm-up)    web ${warm.web.toFixed(0)} MB   worker ${warm.worker.toFixed(0)} MB`);
    const warmGc = await report(`after ${warmup} runs`);
    let last = warm;
    let lastGc = warmGc;
    while (sent < warmup + runs) {
      await runBatch(Math.min(batch, warmup + runs - sent));
      const now = { web: rssMb(web.pid), worker: rssMb(worker.pid) };
      console.log(
        `  after ${String(sent).padStart(4)} runs               web ${now.web.toFixed(0)} MB (${fmt(now.web - last.web)})   worker ${now.worker.toFixed(0)} MB (${fmt(now.worker - last.worker)})`,
      );
      last = now;
      lastGc = await report(`after ${sent} runs`);
    }
    if (runs > 0) {
      const per100 = (a: number, b: number) => fmt(((b - a) * 100) / runs);
      console.log(
        `  growth per 100 runs after warm-up: raw web ${per100(warm.web, last.web)}, worker ${per100(warm.worker, last.worker)}; after gc web ${per100(warmGc.web, lastGc.web)}, worker ${per100(warmGc.worker, lastGc.worker)}`,
      );
    }
    const byStatus = await prisma.execution.groupBy({ by: ["status"], _count: true });
    const errors = await prisma.execution.groupBy({ by: ["errorPhase", "error"], where: { status: "failed" }, _count: true });
    for (const e of errors) console.log(`  failed ${String(e._count).padStart(4)} × ${e.errorPhase ?? "run"}: ${(e.error ?? "").slice(0, 300)}`);
    console.log(`  runs                          ${byStatus.map((s) => `${s.status} ${s._count}`).join(", ")} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    web.kill("SIGKILL");
    worker.kill("SIGKILL");
    await sleep(300);
    await h.close();
  }
}

interface Probe {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  smaps_anonymous?: number;
  smaps_file?: number;
  handles: Record<string, number>;
  spaces?: Record<string, [number, number]>;
  mappings?: string[];
  snapshot?: string;
}

const fmt = (mb: number) => `${mb >= 0 ? "+" : ""}${mb.toFixed(0)} MB`;

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
