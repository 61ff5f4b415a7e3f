import type { PrismaClient } from "../../generated/prisma/client.ts";

export interface MetricTotals {
  runs: Array<{ status: string; backend: string; count: number }>;
  agents: Array<{ backend: string; costUsd: number; inputTokens: number; outputTokens: number; runs: number }>;
  findings: Array<{ ruleId: string; status: string; count: number }>;
  feedback: Array<{ kind: string; count: number }>;
}

/**
 * The totals that are rows of the database (runs, agent usage, findings, feedback), grouped for /metrics. Read at
 * scrape time, so every process reports the same numbers whichever worker did the work, and a restart loses none.
 */
export async function readMetricTotals(prisma: PrismaClient): Promise<MetricTotals> {
  const [runs, agents, findings, feedback] = await Promise.all([
    prisma.execution.groupBy({ by: ["status", "backend"], _count: { _all: true } }),
    prisma.agentRun.groupBy({ by: ["backend"], _count: { _all: true }, _sum: { costUsd: true, inputTokens: true, outputTokens: true } }),
    prisma.finding.groupBy({ by: ["ruleId", "status"], _count: { _all: true } }),
    prisma.feedback.groupBy({ by: ["kind"], _count: { _all: true } }),
  ]);
  return {
    runs: runs.map((r) => ({ status: r.status, backend: r.backend ?? "none", count: r._count._all })),
    agents: agents.map((a) => ({
      backend: a.backend,
      runs: a._count._all,
      costUsd: a._sum.costUsd ?? 0,
      inputTokens: a._sum.inputTokens ?? 0,
      outputTokens: a._sum.outputTokens ?? 0,
    })),
    findings: findings.map((f) => ({ ruleId: f.ruleId, status: f.status, count: f._count._all })),
    feedback: feedback.map((f) => ({ kind: f.kind, count: f._count._all })),
  };
}
