/**
 * Parallel tasks bench: the wall time of one run whose plan has `--tasks` independent tasks, agents of `--agent-ms`
 * each, with the repository's `planning.parallel` off (one after the other) and on (at most `--limit` at once),
 * side by side in one process (real Redis, PostgreSQL, git, bubblewrap; a fake GitHub and a fake planning model).
 * It also prints the execute phase's overhead over the agents' own time. It prints, it never asserts.
 *
 *   npm run build && node dist/bench/parallel-tasks/run-parallel-tasks-bench.js [--tasks 3] [--agent-ms 5000] [--limit 3] [--rounds 1]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) and Redis (TEST_REDIS_URL).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { startFakeOllama } from "../../test/support/fake-ollama.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../../test/support/moderator-harness.ts";
import { issueLabeled } from "../../test/support/payloads.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const AGENT = path.join(ROOT, "test/fixtures/agents/parallel-agent.mjs");

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "3" },
    "agent-ms": { type: "string", default: "5000" },
    limit: { type: "string", default: "3" },
    rounds: { type: "string", default: "1" },
  },
});
/** A whole number of at least 1, or the bench stops saying which option was wrong. */
const whole = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`run-parallel-tasks-bench: --${name} must be a whole number >= 1, got ${String(values[name])}`);
    process.exit(2);
  }
  return n;
};
const taskCount = whole("tasks");
const agentMs = whole("agent-ms");
const limit = whole("limit");
const rounds = whole("rounds");

const ollama = await startFakeOllama({ models: ["planner:latest"] });
const tasks = Array.from({ length: taskCount }, (_, i) => ({ title: `Write file-${i + 1}.txt saying ${i + 1}`, description: "bench", type: "change", dependsOn: [] }));
const backend = (name: string) => [
  `  ${name}:`,
  "    type: command",
  `    command: ${JSON.stringify([process.execPath, AGENT, String(agentMs), "resolve"])}`,
  "    timeoutSeconds: 600",
  `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
];
const yaml = [
  "defaultBackend: alpha",
  "backends:",
  ...backend("alpha"),
  ...backend("beta"),
  `llm: { host: ${JSON.stringify(ollama.url)}, model: "planner:latest" }`,
  `limits: { attempts: 1, backoffSeconds: 0.2, parallelTasks: ${limit} }`,
].join("\n");

async function timeOne(h: Harness, issue: number, parallel: boolean): Promise<{ wallMs: number; executeMs: number }> {
  h.fake.setFile(OWNER, REPO, ".github/moderator.yml", `planning: { parallel: ${parallel} }\nbackends: [alpha, beta]\ndecision: { maxRetries: 0, ask: { enabled: false } }\nimprovements: { enabled: false }\n`);
  ollama.reply({ kind: "message", content: JSON.stringify({ tasks }) });
  h.fake.addIssue(OWNER, REPO, { number: issue, title: `Bench ${issue}`, body: "Several files." });
  const t0 = Date.now();
  await h.send("issues", issueLabeled({ number: issue, title: `Bench ${issue}`, sender: MAINTAINER }), { settle: false });
  const e = await h.waitFor(`issue ${issue}`, async () => {
    const x = await h.moderator.db.prisma.execution.findFirst({ where: { issueNumber: issue } });
    return x && ["completed", "failed", "cancelled"].includes(x.status) ? x : undefined;
  }, 15 * 60_000);
  const wallMs = Date.now() - t0;
  if (e.status !== "completed") console.log(`  issue ${issue}: ${e.status}: ${e.error ?? ""}`);
  const timings = e.phaseTimings as Record<string, { durationMs?: number }> | null;
  const result = { wallMs, executeMs: timings?.["execute"]?.durationMs ?? Number.NaN };
  if (!parallel) return result;
  // Where the parallel execute step spends its time, from the event log and the agent runs.
  const db = h.moderator.db.prisma;
  const events = await db.executionEvent.findMany({ where: { executionId: e.id }, orderBy: { id: "asc" } });
  const at = (type: string) => events.filter((x) => x.type === type).map((x) => x.at.getTime());
  const runs = await db.agentRun.findMany({ where: { executionId: e.id } });
  const [intro] = at("tasks.parallel");
  const firstAgent = Math.min(...runs.map((r) => r.startedAt.getTime()));
  const lastAgentStart = Math.max(...runs.map((r) => r.startedAt.getTime()));
  const lastAgentEnd = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
  const lastCombined = Math.max(...at("task.combined"));
  const agentMean = runs.reduce((sum, r) => sum + (r.durationMs ?? 0), 0) / runs.length;
  console.log(
    `  parallel execute: clones and starts ${s(firstAgent - (intro ?? firstAgent))} to the first agent, ${s(lastAgentStart - firstAgent)} more to the last; ` +
      `agents ${s(agentMean)} each (of ${s(agentMs)} asleep); last agent's end -> last combined ${s(lastCombined - lastAgentEnd)}`,
  );
  return result;
}
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const h = await startHarness({ operatorYaml: yaml, files: { "README.md": "# hello\n" } });
try {
  console.log(`parallel tasks bench: ${taskCount} independent tasks, agents of ${agentMs} ms, at most ${limit} at once, ${rounds} round(s); ${process.platform}, ${(await import("node:os")).cpus().length} cores`);
  let issue = 200;
  for (let r = 1; r <= rounds; r++) {
    const seq = await timeOne(h, issue++, false);
    const par = await timeOne(h, issue++, true);
    const ideal = agentMs * Math.ceil(taskCount / limit);
    console.log(
      `round ${r}: sequential ${s(seq.wallMs)} (execute ${s(seq.executeMs)}, agents alone ${s(agentMs * taskCount)}); ` +
        `parallel ${s(par.wallMs)} (execute ${s(par.executeMs)}, agents alone ${s(ideal)}) = ${(par.wallMs / seq.wallMs).toFixed(2)}x the sequential run`,
    );
  }
} finally {
  await h.close();
  await ollama.close();
}
