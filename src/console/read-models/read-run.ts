import type { PrismaClient } from "../../generated/prisma/client.ts";

/** How many of a run's latest events the run page starts with (the live feed brings the rest). */
export const RUN_PAGE_EVENTS = 500;

/** Everything the run page shows of one execution; null when it does not exist. */
export async function readRun(prisma: PrismaClient, id: string) {
  if (!/^[0-9a-f-]{36}$/.test(id)) return null;
  const execution = await prisma.execution.findUnique({
    where: { id },
    include: {
      repository: { select: { id: true, owner: true, name: true, githubId: true } },
      tasks: { orderBy: { index: "asc" } },
      agentRuns: { orderBy: { startedAt: "asc" }, include: { task: { select: { index: true } } } },
      findings: { orderBy: [{ severity: "desc" }, { path: "asc" }, { line: "asc" }] },
      improvements: { orderBy: { createdAt: "asc" } },
      feedback: { orderBy: { createdAt: "asc" }, take: 200 },
    },
  });
  if (!execution) return null;
  const latest = await prisma.executionEvent.findMany({ where: { executionId: id }, orderBy: { id: "desc" }, take: RUN_PAGE_EVENTS });
  return { execution, events: latest.reverse() };
}

export type RunView = NonNullable<Awaited<ReturnType<typeof readRun>>>;
