/**
 * What the V8 flags that src/cli/v8-flags.ts sets cost in speed, measured side by side: child processes with and
 * without each flag take turns (so the machine's load hits all alike), and the medians are compared with the
 * run without flags. Two CPU-bound parts of a run:
 *   - Prisma queries: the mix a run makes (creates, reads with relations, updates, counts, a groupBy) on the test
 *     PostgreSQL; the Prisma client compiles each query with its WebAssembly query compiler, which --liftoff-only
 *     keeps on V8's baseline compiler. First 100 queries (cold: the WebAssembly compiled on the way) and the rest.
 *   - The QA analyzers on bench/qa's generated large diff (JavaScript only: what the semi-space size changes).
 * It prints, it never asserts.
 *
 *   npm run build && node dist/bench/soak/run-flags-bench.js [--rounds 5] [--queries 2000] [--large-mb 4]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { createTestDatabase } from "../../test/support/db.ts";

const CONFIGS: Array<{ name: string; flags: string[] }> = [
  { name: "no flags", flags: [] },
  { name: "--liftoff-only", flags: ["--liftoff-only"] },
  { name: "--max-semi-space-size=2", flags: ["--max-semi-space-size=2"] },
  { name: "both (liftoff, semi-space 2)", flags: ["--liftoff-only", "--max-semi-space-size=2"] },
];

interface PrismaResult {
  coldMs: number;
  steadyQps: number;
  rssMb: number;
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`run-flags-bench: ${name} must be a positive number, got ${String(argv[i + 1])}`);
    process.exit(2);
  }
  return n;
}

/** In a child: the query mix, timed. */
async function prismaChild(queries: number): Promise<void> {
  const db = await createTestDatabase();
  try {
    const prisma = db.prisma;
    let n = 0;
    const one = async () => {
      const repo = await prisma.repository.upsert({
        where: { githubId: BigInt(1000 + (n % 7)) },
        create: { githubId: BigInt(1000 + (n % 7)), owner: "octo", name: `r${n % 7}`, installationId: 42n },
        update: { defaultBranch: "main" },
      });
      const execution = await prisma.execution.create({
        data: { repositoryId: repo.id, issueNumber: n, trigger: "label", triggeredBy: "maia", issueTitle: `Issue ${n}` },
      });
      await prisma.execution.update({ where: { id: execution.id }, data: { status: "executing", phase: "agent", phaseTimings: { prepare: 12, agent: n } } });
      await prisma.executionEvent.create({ data: { executionId: execution.id, type: "phase", message: "agent", data: { n } } });
      await prisma.execution.findUnique({ where: { id: execution.id }, include: { repository: true, tasks: true, agentRuns: true } });
      await prisma.execution.findMany({ where: { repositoryId: repo.id, status: { notIn: ["completed", "failed"] } }, orderBy: { createdAt: "desc" }, take: 20 });
      await prisma.execution.count({ where: { status: "executing" } });
      await prisma.execution.update({ where: { id: execution.id }, data: { status: "completed", finishedAt: new Date(), activeKey: null } });
      if (n % 10 === 0) await prisma.execution.groupBy({ by: ["status"], _count: true });
      n++;
    };
    const t0 = performance.now();
    // About 100 queries: 12 rounds of the mix (8.1 queries each).
    while (n < 12) await one();
    const coldMs = performance.now() - t0;
    const rounds = Math.max(1, Math.round(queries / 8.1));
    const t1 = performance.now();
    for (let i = 0; i < rounds; i++) await one();
    const steadyQps = (rounds * 8.1) / ((performance.now() - t1) / 1000);
    const result: PrismaResult = { coldMs, steadyQps, rssMb: process.memoryUsage().rss / 1024 / 1024 };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child-prisma") {
    prismaChild(Number(argv[1])).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
    return;
  }
  const rounds = option(argv, "--rounds", 5);
  const queries = option(argv, "--queries", 2000);
  const largeMb = option(argv, "--large-mb", 4);
  const qaBench = path.resolve(import.meta.dirname, "../qa/run-qa-bench.js");
  const results = new Map<string, { cold: number[]; qps: number[]; qa: number[] }>(CONFIGS.map((c) => [c.name, { cold: [], qps: [], qa: [] }]));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: process.env });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  for (let round = 1; round <= rounds; round++) {
    // A new order each round, so a change of the machine's load does not always fall on the same flag.
    const order = CONFIGS.map((c, i) => ({ c, key: (i * 7919 + round * 104729) % 65537 })).sort((a, b) => a.key - b.key).map((x) => x.c);
    for (const c of order) {
      const prisma = JSON.parse(run([...c.flags, import.meta.filename, "--child-prisma", String(queries)]).trim().split("\n").at(-1) ?? "{}") as PrismaResult;
      const qa = JSON.parse(run([...c.flags, qaBench, "--json", "--large-mb", String(largeMb), "--min-seconds", "2"])) as {
        throughput: Array<{ label: string; medianMbPerSecond: number }>;
      };
      const r = results.get(c.name)!;
      r.cold.push(prisma.coldMs);
      r.qps.push(prisma.steadyQps);
      r.qa.push(qa.throughput.at(-1)?.medianMbPerSecond ?? Number.NaN);
    }
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
  // Each figure against the run without flags of the same round, then the median of those ratios.
  const base = results.get(CONFIGS[0]!.name)!;
  const ratios = (xs: number[], ys: number[]) => median(xs.map((x, i) => x / ys[i]!));
  console.log(`V8 flags, ${rounds} rounds taking turns; medians, and the median of each round's ratio to no flags (timings move with the machine's load)`);
  console.log(`${"".padEnd(30)} ${"first 100 queries".padStart(22)} ${"queries/s after".padStart(22)} ${"QA MB/s (large diff)".padStart(24)}`);
  for (const c of CONFIGS) {
    const r = results.get(c.name)!;
    console.log(
      `${c.name.padEnd(30)} ${`${median(r.cold).toFixed(0)} ms (${ratios(r.cold, base.cold).toFixed(2)}×)`.padStart(22)} ${`${median(r.qps).toFixed(0)} (${ratios(r.qps, base.qps).toFixed(2)}×)`.padStart(22)} ${`${median(r.qa).toFixed(2)} (${ratios(r.qa, base.qa).toFixed(2)}×)`.padStart(24)}`,
    );
  }
}

main();
