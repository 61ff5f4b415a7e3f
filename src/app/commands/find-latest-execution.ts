import type { Execution, PrismaClient } from "../../generated/prisma/client.ts";

export interface LatestExecution {
  /** The newest execution of the issue or pull request; null when there has been none. */
  latest: Execution | null;
  /** How many executions it has had in all. */
  count: number;
}

/**
 * The latest execution of issue or pull request `number`: a run started on that issue, or a run whose pull
 * request it is (a run is keyed by its issue; its PR has another number), or a review of that pull request.
 * Issues and pull requests share one number space on GitHub, so the two cannot be confused.
 */
export async function findLatestExecution(prisma: PrismaClient, repositoryId: number, number: number): Promise<LatestExecution> {
  // A race's candidates are parts of the race (its parent execution), not runs of their own.
  const where = { repositoryId, kind: { not: "candidate" as const }, OR: [{ issueNumber: number }, { prNumber: number }] };
  const [latest, count] = await Promise.all([
    prisma.execution.findFirst({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
    prisma.execution.count({ where }),
  ]);
  return { latest, count };
}
