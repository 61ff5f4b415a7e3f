import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import type { RepoRef } from "../codehost/code-host.ts";
import type { CanWriteCheck } from "./cache-permissions.ts";
import type { FeedbackKind } from "./feedback-kind.ts";
import type { CollectionResult, RecordedFeedback } from "./outcome-deps.ts";

/** A Feedback row before the actor's permission is known. */
export interface FeedbackCandidate {
  repositoryId: number;
  kind: FeedbackKind;
  /** GitHub login of the person whose action this is. */
  actor: string;
  /** Unique in the table: what makes re-collection write nothing new. */
  sourceKey: string;
  executionId?: string | null;
  findingId?: string | null;
  improvementId?: string | null;
  backend?: string | null;
  value?: number | null;
  /** What else is known; `actorCanWrite` is added here. */
  detail: Prisma.InputJsonObject;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Writes the candidates that are not in the table yet, idempotently:
 * 1. candidates whose source key is already stored are counted and left alone, without asking anything;
 * 2. the permission of each remaining actor is asked (through `canWrite`, cached per collection run) and
 *    recorded as `detail.actorCanWrite`; a candidate whose permission cannot be read is skipped with the
 *    reason (never guessed), and the next collection tries it again;
 * 3. the rows are inserted with ON CONFLICT DO NOTHING on `sourceKey`, so a concurrent collector or a
 *    repeated one never double counts.
 */
export async function writeFeedback(
  prisma: PrismaClient,
  canWrite: CanWriteCheck,
  ref: RepoRef,
  candidates: readonly FeedbackCandidate[],
): Promise<CollectionResult> {
  const result: CollectionResult = { recorded: [], alreadyRecorded: 0, skipped: [] };
  const unique = [...new Map(candidates.map((c) => [c.sourceKey, c])).values()];
  if (unique.length === 0) return result;

  const stored = await prisma.feedback.findMany({
    where: { sourceKey: { in: unique.map((c) => c.sourceKey) } },
    select: { sourceKey: true },
  });
  const known = new Set(stored.map((r) => r.sourceKey));
  const fresh = unique.filter((c) => !known.has(c.sourceKey));
  result.alreadyRecorded = unique.length - fresh.length;

  const rows: Prisma.FeedbackCreateManyInput[] = [];
  const writes = new Map<string, boolean>();
  for (const c of fresh) {
    let writer: boolean;
    try {
      writer = await canWrite(ref, c.actor);
    } catch (error) {
      result.skipped.push({ sourceKey: c.sourceKey, reason: `could not read ${c.actor}'s permission: ${errorMessage(error)}` });
      continue;
    }
    writes.set(c.sourceKey, writer);
    rows.push({
      repositoryId: c.repositoryId,
      executionId: c.executionId ?? null,
      findingId: c.findingId ?? null,
      improvementId: c.improvementId ?? null,
      backend: c.backend ?? null,
      kind: c.kind,
      actor: c.actor,
      value: c.value ?? null,
      detail: { ...c.detail, actorCanWrite: writer },
      sourceKey: c.sourceKey,
    });
  }
  if (rows.length === 0) return result;

  const created = await prisma.feedback.createManyAndReturn({
    data: rows,
    skipDuplicates: true,
    select: { id: true, kind: true, sourceKey: true, actor: true, findingId: true, executionId: true },
  });
  for (const row of created) {
    const recorded: RecordedFeedback = {
      id: row.id,
      kind: row.kind,
      sourceKey: row.sourceKey ?? "",
      actor: row.actor ?? "",
      actorCanWrite: writes.get(row.sourceKey ?? "") ?? false,
      findingId: row.findingId,
      executionId: row.executionId,
    };
    result.recorded.push(recorded);
  }
  // Rows another collector inserted between our read and our write.
  result.alreadyRecorded += rows.length - created.length;
  return result;
}
