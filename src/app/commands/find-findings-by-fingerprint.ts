import type { Finding as FindingRow, PrismaClient } from "../../generated/prisma/client.ts";

/** What the Store knows about one fingerprint on one repository. */
export interface FingerprintRecord {
  /** The newest row (the latest run that raised it). */
  latest: FindingRow;
  /** How many runs raised it. */
  runs: number;
  firstSeen: Date;
  /** Its rows' statuses, each once. */
  statuses: string[];
}

/** Rows read per fingerprint at most (one per run that raised it). */
const MAX_ROWS_PER_FINGERPRINT = 500;

/** Stored findings of `fingerprints` on repository `repositoryId`, by fingerprint; unknown ones are absent. */
export async function findFindingsByFingerprint(
  prisma: PrismaClient,
  repositoryId: number,
  fingerprints: readonly string[],
): Promise<Map<string, FingerprintRecord>> {
  const out = new Map<string, FingerprintRecord>();
  const wanted = [...new Set(fingerprints)];
  if (wanted.length === 0) return out;
  const rows = await prisma.finding.findMany({
    where: { repositoryId, fingerprint: { in: wanted } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MAX_ROWS_PER_FINGERPRINT * wanted.length,
  });
  for (const row of rows) {
    const record = out.get(row.fingerprint);
    if (record === undefined) {
      out.set(row.fingerprint, { latest: row, runs: 1, firstSeen: row.createdAt, statuses: [row.status] });
      continue;
    }
    record.runs += 1;
    if (row.createdAt < record.firstSeen) record.firstSeen = row.createdAt;
    if (!record.statuses.includes(row.status)) record.statuses.push(row.status);
  }
  return out;
}
