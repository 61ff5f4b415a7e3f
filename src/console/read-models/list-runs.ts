import { z } from "zod";
import type { PrismaClient, Prisma } from "../../generated/prisma/client.ts";

export const RUN_STATUSES = ["queued", "preparing", "planning", "executing", "qa", "deciding", "publishing", "improving", "completed", "failed", "cancelled", "waiting_for_human"] as const;

/** The runs table's filters and page, as they come from the query string. */
export const RunsQuery = z.object({
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/).optional().catch(undefined),
  status: z.enum(RUN_STATUSES).optional().catch(undefined),
  backend: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).optional().catch(undefined),
  /** Keyset cursor: the createdAt and id of the last row of the previous page. */
  before: z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-f-]{36}$/).optional().catch(undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50).catch(50),
});
export type RunsQuery = z.infer<typeof RunsQuery>;

export interface RunRow {
  id: string;
  kind: string;
  repository: string;
  repositoryId: number;
  issueNumber: number;
  issueTitle: string;
  prNumber: number | null;
  prUrl: string | null;
  trigger: string;
  triggeredBy: string;
  backend: string | null;
  status: string;
  phase: string | null;
  createdAt: Date;
  durationMs: number | null;
  costUsd: number;
  findings: Record<string, number>;
  decision: string | null;
}

export interface RunsPage {
  rows: RunRow[];
  /** Cursor of the next (older) page, when there is one. */
  next: string | undefined;
}

/**
 * One page of the runs table, newest first, with keyset pagination over (createdAt, id) so page 500 costs what page 1
 * does (index Execution_createdAt_id_idx, or Execution_repositoryId_createdAt_id_idx with a repository). `visible`
 * limits it to repositories the viewer may read (undefined: all).
 */
export async function listRuns(prisma: PrismaClient, query: RunsQuery, visible: readonly number[] | undefined): Promise<RunsPage> {
  const where: Prisma.ExecutionWhereInput[] = [];
  if (visible !== undefined) where.push({ repositoryId: { in: [...visible] } });
  if (query.repository) {
    const [owner, name] = query.repository.split("/") as [string, string];
    const repo = await prisma.repository.findFirst({ where: { owner, name }, select: { id: true } });
    if (!repo) return { rows: [], next: undefined };
    where.push({ repositoryId: repo.id });
  }
  if (query.status) where.push({ status: query.status });
  if (query.backend) where.push({ backend: query.backend });
  if (query.before) {
    const cut = query.before.lastIndexOf("_");
    const createdAt = new Date(query.before.slice(0, cut));
    const id = query.before.slice(cut + 1);
    where.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
  }
  const executions = await prisma.execution.findMany({
    where: { AND: where },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    select: {
      id: true,
      kind: true,
      issueNumber: true,
      issueTitle: true,
      prNumber: true,
      prUrl: true,
      trigger: true,
      triggeredBy: true,
      backend: true,
      status: true,
      phase: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
      decision: true,
      repositoryId: true,
      repository: { select: { owner: true, name: true } },
    },
  });
  const page = executions.slice(0, query.limit);
  const ids = page.map((e) => e.id);
  const [costs, findings] = ids.length === 0
    ? [[], []]
    : await Promise.all([
        prisma.agentRun.groupBy({ by: ["executionId"], where: { executionId: { in: ids } }, _sum: { costUsd: true } }),
        prisma.finding.groupBy({ by: ["executionId", "severity"], where: { executionId: { in: ids } }, _count: { _all: true } }),
      ]);
  const costOf = new Map(costs.map((c) => [c.executionId, c._sum.costUsd ?? 0]));
  const findingsOf = new Map<string, Record<string, number>>();
  for (const f of findings) {
    const m = findingsOf.get(f.executionId) ?? {};
    m[f.severity] = f._count._all;
    findingsOf.set(f.executionId, m);
  }
  const rows = page.map((e): RunRow => ({
    id: e.id,
    kind: e.kind,
    repository: `${e.repository.owner}/${e.repository.name}`,
    repositoryId: e.repositoryId,
    issueNumber: e.issueNumber,
    issueTitle: e.issueTitle,
    prNumber: e.prNumber,
    prUrl: e.prUrl,
    trigger: e.trigger,
    triggeredBy: e.triggeredBy,
    backend: e.backend,
    status: e.status,
    phase: e.phase,
    createdAt: e.createdAt,
    durationMs: e.startedAt ? (e.finishedAt ?? new Date()).getTime() - e.startedAt.getTime() : null,
    costUsd: costOf.get(e.id) ?? 0,
    findings: findingsOf.get(e.id) ?? {},
    decision: decisionAction(e.decision),
  }));
  const last = page[page.length - 1];
  return { rows, next: executions.length > query.limit && last ? `${last.createdAt.toISOString()}_${last.id}` : undefined };
}

function decisionAction(decision: unknown): string | null {
  if (decision && typeof decision === "object" && "action" in decision && typeof decision.action === "string") return decision.action;
  return null;
}
