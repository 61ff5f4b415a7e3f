import type { PrismaClient } from "../generated/prisma/client.ts";

/** The finding a posted marker points at, as feedback rows need it. */
export interface ResolvedFinding {
  findingId: string;
  executionId: string;
  ruleId: string;
  backend: string | null;
}

/**
 * The newest Finding row of each fingerprint on repository `repositoryId` (the latest run that raised it),
 * with its execution's backend. Fingerprints with no stored finding are absent from the map.
 */
export async function resolveFindings(
  prisma: PrismaClient,
  repositoryId: number,
  fingerprints: Iterable<string>,
): Promise<Map<string, ResolvedFinding>> {
  const wanted = [...new Set(fingerprints)];
  const out = new Map<string, ResolvedFinding>();
  if (wanted.length === 0) return out;
  const rows = await prisma.finding.findMany({
    where: { repositoryId, fingerprint: { in: wanted } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    distinct: ["fingerprint"],
    select: { id: true, fingerprint: true, executionId: true, ruleId: true, execution: { select: { backend: true } } },
  });
  for (const row of rows) {
    if (out.has(row.fingerprint)) continue;
    out.set(row.fingerprint, { findingId: row.id, executionId: row.executionId, ruleId: row.ruleId, backend: row.execution.backend });
  }
  return out;
}
