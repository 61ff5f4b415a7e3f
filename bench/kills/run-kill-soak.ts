/**
 * Kill soak: real `moderator worker` processes (the built CLI) are SIGKILLed at random moments while they work through
 * a batch of runs (real Redis, PostgreSQL, git, bubblewrap; a fake GitHub). It prints how many runs ended in a final
 * state, how many are stuck, and any duplicate pull request, tracking comment or review. It prints, it never asserts.
 *
 *   npm run build && npx tsc -p bench/kills/tsconfig.json && node dist/bench/kills/run-kill-soak.js \
 *     [--runs 30] [--kills 100] [--workers 2] [--seed 1] [--agent-ms 1500] [--no-reaper] [--max-recoveries 3] [--settle-seconds 240]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis (TEST_REDIS_URL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createRng } from "../../src/learner/create-rng.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../../test/support/moderator-harness.ts";
import { issueLabeled } from "../../test/support/payloads.ts";

interface Options {
  runs: number;
  kills: number;
  workers: number;
  seed: number;
  agentMs: number;
  reaper: boolean;
  maxRecoveries: number;
  settleSeconds: number;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");
const AGENT = path.join(ROOT, "test/fixtures/agents/e2e-agent.mjs");
const FINAL = ["completed", "failed", "cancelled"];

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 30, kills: 100, workers: 2, seed: 1, agentMs: 1500, reaper: true, maxRecoveries: 3, settleSeconds: 240 };
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      console.error(`run-kill-soak: ${name} must be a number >= ${min}, got ${String(v)}`);
      process.exit(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") o.runs = num(a, argv[++i], 1);
    else if (a === "--kills") o.kills = num(a, argv[++i], 0);
    else if (a === "--workers") o.workers = num(a, argv[++i], 1);
    else if (a === "--seed") o.seed = num(a, argv[++i], 0);
    else if (a === "--agent-ms") o.agentMs = num(a, argv[++i], 0);
    else if (a === "--max-recoveries") o.maxRecoveries = num(a, argv[++i], 0);
    else if (a === "--settle-seconds") o.settleSeconds = num(a, argv[++i], 1);
    else if (a === "--no-reaper") o.reaper = false;
    else {
      console.error(`run-kill-soak: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) {
    console.error(`run-kill-soak: ${CLI} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  const rng = createRng(o.seed);
  const operatorYaml = [
    "defaultBackend: scripted",
    "backends:",
    "  scripted:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "slow", String(o.agentMs), "with-finding"])}`,
    "    timeoutSeconds: 120",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    `limits: { concurrency: 2, attempts: 3, backoffSeconds: 0.2, lockSeconds: 2, shutdownGraceSeconds: 1, reapEverySeconds: ${o.reaper ? 1 : 0}, maxRecoveries: ${o.maxRecoveries} }`,
    "outcomes: { enabled: false }",
  ].join("\n");
  const h: Harness = await startHarness({ operatorYaml, worker: false });
  h.fake.setFile(OWNER, REPO, ".github/moderator.yml", "decision:\n  maxRetries: 0\n  ask: { enabled: false }\nimprovements: { enabled: false }\n");
  const workers = new Map<ChildProcess, number>();
  const spawnWorker = () => {
    const child = spawn(process.execPath, [CLI, "worker"], { env: { ...h.envVars, LOG_LEVEL: "warn" }, cwd: h.tmp, stdio: ["ignore", "ignore", "ignore"] });
    workers.set(child, Date.now());
    child.on("exit", () => workers.delete(child));
    return child;
  };
  const started = Date.now();
  let kills = 0;
  try {
    for (let i = 0; i < o.workers; i++) spawnWorker();
    for (let n = 1; n <= o.runs; n++) {
      h.fake.addIssue(OWNER, REPO, { number: 1000 + n, title: `Soak ${n}` });
      await h.send("issues", issueLabeled({ number: 1000 + n, title: `Soak ${n}`, sender: MAINTAINER }));
    }
    const prisma = h.moderator.db.prisma;
    const unfinished = async () => prisma.execution.count({ where: { status: { notIn: ["completed", "failed", "cancelled"] } } });
    // Every 0.3-2.3 s while runs are unfinished, kill a random worker that has been up for 3 s at least (booted, so
    // the kill lands while it works), replacing it at once, until `kills` are done.
    while (kills < o.kills && (await unfinished()) > 0) {
      await sleep(300 + rng() * 2000);
      const live = [...workers].filter(([w, since]) => w.exitCode === null && w.signalCode === null && Date.now() - since >= 3000).map(([w]) => w);
      const victim = live[Math.floor(rng() * live.length)];
      if (!victim) continue;
      victim.kill("SIGKILL");
      kills++;
      spawnWorker();
    }
    const killsDoneAt = Date.now();
    const deadline = Date.now() + o.settleSeconds * 1000;
    while ((await unfinished()) > 0 && Date.now() < deadline) await sleep(500);
    const settledAfter = (Date.now() - killsDoneAt) / 1000;

    const executions = await prisma.execution.findMany({ where: { kind: "run" }, orderBy: { issueNumber: "asc" } });
    const byStatus: Record<string, number> = {};
    for (const e of executions) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    const perIssue = <T>(items: T[], issueOf: (x: T) => number | undefined) => {
      const m = new Map<number, number>();
      for (const x of items) {
        const n = issueOf(x);
        if (n !== undefined) m.set(n, (m.get(n) ?? 0) + 1);
      }
      return [...m.values()].filter((c) => c > 1).length;
    };
    const dupPrs = perIssue(h.repo.pulls, (p) => Number(/^moderator\/issue-(\d+)$/.exec(p.headRef)?.[1] ?? Number.NaN) || undefined);
    const dupTracking = perIssue(
      h.repo.issueComments.filter((c) => c.body.includes("<!-- moderator:tracking -->")),
      (c) => Number(/\/issues\/(\d+)$/.exec(c.issue_url)?.[1] ?? Number.NaN) || undefined,
    );
    const reviewsPerPr = perIssue(h.repo.reviews, (r) => r.pullNumber);
    const recoveries = await prisma.executionEvent.count({ where: { type: "run.requeued_by_reaper" } });
    const reapedFailures = await prisma.executionEvent.count({ where: { type: "run.failed", data: { path: ["reaped"], equals: true } } });
    const stuck = executions.filter((e) => !FINAL.includes(e.status));
    const agentRuns = await prisma.agentRun.count();
    const crashedAgentRuns = await prisma.agentRun.count({ where: { status: "crashed" } });

    console.log(`Kill soak: ${o.runs} runs, ${o.workers} workers (concurrency 2 each), agent ${o.agentMs} ms, seed ${o.seed}, reaper ${o.reaper ? `on (max ${o.maxRecoveries} recoveries)` : "off"}`);
    console.log(`  SIGKILLs                     ${kills} over ${((killsDoneAt - started) / 1000).toFixed(0)} s (each of a worker up for 3 s or more)`);
    console.log(`  runs final                   ${executions.length - stuck.length} / ${executions.length}  (${Object.entries(byStatus).map(([k, v]) => `${k} ${v}`).join(", ")})`);
    console.log(`  runs stuck (not final)       ${stuck.length}${stuck.length > 0 ? `: ${stuck.map((e) => `#${e.issueNumber} ${e.status}`).join(", ")}` : ""}  (waited ${settledAfter.toFixed(0)} s after the last kill)`);
    console.log(`  recoveries by the reaper     ${recoveries}; runs it failed: ${reapedFailures}`);
    console.log(`  agent runs started           ${agentRuns} (${(agentRuns / Math.max(1, executions.length)).toFixed(1)} per run; ${crashedAgentRuns} cut short by a kill)`);
    console.log(`  pull requests                ${h.repo.pulls.length}; issues with more than one: ${dupPrs}`);
    console.log(`  tracking comments            ${h.repo.issueComments.filter((c) => c.body.includes("<!-- moderator:tracking -->")).length}; issues with more than one: ${dupTracking}`);
    console.log(`  reviews                      ${h.repo.reviews.length}; pull requests with more than one: ${reviewsPerPr}`);
  } finally {
    for (const w of workers.keys()) w.kill("SIGKILL");
    await sleep(500);
    await h.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
