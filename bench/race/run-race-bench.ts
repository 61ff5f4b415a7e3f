/**
 * Race bench: the wall time of a race of N candidates whose agents each take `--agent-ms`, against one single run of
 * the same agent, on one worker process running `--workers` jobs at once (real Redis, PostgreSQL, git, bubblewrap;
 * a fake GitHub). It also prints the judge's added time: from the last candidate's end to the race's PR. It prints,
 * it never asserts.
 *
 *   npm run build && node dist/bench/race/run-race-bench.js [--candidates 3] [--agent-ms 10000] [--workers 3] [--rounds 1]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis (TEST_REDIS_URL).
 */
import path from "node:path";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../../test/support/moderator-harness.ts";
import { issueCommentCreated } from "../../test/support/payloads.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const AGENT = path.join(ROOT, "test/fixtures/agents/e2e-agent.mjs");
const FINAL = ["completed", "failed", "cancelled"];

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n < 1) {
    console.error(`run-race-bench: ${name} must be a number >= 1, got ${String(process.argv[i + 1])}`);
    process.exit(2);
  }
  return n;
}

const candidates = option("--candidates", 3);
const agentMs = option("--agent-ms", 10_000);
const workers = option("--workers", 3);
const rounds = option("--rounds", 1);

function yaml(): string {
  return [
    "defaultBackend: slow",
    "backends:",
    "  slow:",
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, "slow", String(agentMs)])}`,
    "    timeoutSeconds: 600",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
    `limits: { attempts: 1, backoffSeconds: 0.2, concurrency: ${workers}, maxRaceAttempts: ${Math.max(candidates, 2)} }`,
  ].join("\n");
}

async function timeOne(h: Harness, issue: number, body: string, kind: "run" | "race"): Promise<{ wallMs: number; judgeMs?: number }> {
  h.fake.addIssue(OWNER, REPO, { number: issue, title: `Bench ${issue}`, body: "Add NOTES.md.", user: { login: "reporter" } });
  const t0 = Date.now();
  await h.send("issue_comment", issueCommentCreated({ number: issue, title: `Bench ${issue}`, body, sender: MAINTAINER }), { settle: false });
  const db = h.moderator.db.prisma;
  const e = await h.waitFor(`issue ${issue}`, async () => {
    const x = await db.execution.findFirst({ where: { issueNumber: issue, kind } });
    return x && FINAL.includes(x.status) ? x : undefined;
  }, 15 * 60_000);
  const wallMs = Date.now() - t0;
  if (e.status !== "completed") console.log(`  issue ${issue}: ${kind} ${e.status}: ${e.error ?? ""}`);
  if (kind === "run") return { wallMs };
  const children = await db.execution.findMany({ where: { raceId: e.id } });
  const lastEnd = Math.max(...children.map((c) => c.finishedAt?.getTime() ?? 0));
  return { wallMs, judgeMs: (e.finishedAt?.getTime() ?? 0) - lastEnd };
}

const h = await startHarness({ operatorYaml: yaml(), files: { "README.md": "# hello\n" } });
try {
  h.fake.setFile(OWNER, REPO, ".github/moderator.yml", "planning: single\ndecision: { maxRetries: 0, ask: { enabled: false } }\n");
  console.log(`race bench: ${candidates} candidates, agents of ${agentMs} ms, ${workers} jobs at once, ${rounds} round(s); ${process.platform}, ${(await import("node:os")).cpus().length} cores`);
  let issue = 100;
  for (let r = 1; r <= rounds; r++) {
    const single = await timeOne(h, issue++, "/moderator run", "run");
    const raced = await timeOne(h, issue++, `/moderator run --race ${candidates}`, "race");
    console.log(`round ${r}: single run ${(single.wallMs / 1000).toFixed(1)} s; race of ${candidates} ${(raced.wallMs / 1000).toFixed(1)} s = ${(raced.wallMs / single.wallMs).toFixed(2)}x; judge (last candidate's end -> PR) ${((raced.judgeMs ?? 0) / 1000).toFixed(2)} s`);
  }
} finally {
  await h.close();
}
