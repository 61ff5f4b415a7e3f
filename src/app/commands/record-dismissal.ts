import type { PrismaClient } from "../../generated/prisma/client.ts";
import { findFindingsByFingerprint } from "./find-findings-by-fingerprint.ts";

export interface DismissalInput {
  repositoryId: number;
  /** Fingerprints marked in the thread, in order. */
  fingerprints: readonly string[];
  /** Login of the maintainer who dismissed. */
  actor: string;
  /** Their reason, already sanitized; "" for none. */
  reason: string;
  /** REST id of the comment that carried `/moderator dismiss`: the dedupe key of the feedback. */
  commentId: number;
}

export interface DismissedFingerprint {
  fingerprint: string;
  ruleId: string;
  /** Finding rows this call moved to `dismissed` (0 on a repeat). */
  findingsDismissed: number;
  /** Whether this call wrote the Feedback row (false: a repeat of the same comment, already counted). */
  feedbackRecorded: boolean;
}

export interface DismissalResult {
  dismissed: DismissedFingerprint[];
  /** Fingerprints with no stored finding on the repository: nothing could be recorded for them. */
  unknown: string[];
}

/**
 * The feedback dedupe key of dismissing `fingerprint` with comment `commentId`: `dismiss:<commentId>` for the
 * thread's first fingerprint (a finding comment carries one), `dismiss:<commentId>:<fingerprint>` for others.
 */
export function dismissSourceKey(commentId: number, fingerprint: string, index: number): string {
  return index === 0 ? `dismiss:${commentId}` : `dismiss:${commentId}:${fingerprint}`;
}

/**
 * Records a maintainer's dismissal, idempotently (each step can be repeated, so a redelivered webhook or a
 * retry after a crash completes it without counting it twice):
 * - every open Finding row of the fingerprint on the repository becomes `dismissed`; when none was open nor
 *   already dismissed (all `fixed`, say), the newest row is, so the fingerprint is never raised again;
 * - one Feedback row (kind `dismissed`), unique by its source key.
 */
export async function recordDismissal(prisma: PrismaClient, input: DismissalInput): Promise<DismissalResult> {
  const fingerprints = [...new Set(input.fingerprints)];
  const records = await findFindingsByFingerprint(prisma, input.repositoryId, fingerprints);
  const result: DismissalResult = { dismissed: [], unknown: [] };
  for (const [index, fingerprint] of fingerprints.entries()) {
    const record = records.get(fingerprint);
    if (record === undefined) {
      result.unknown.push(fingerprint);
      continue;
    }
    const updated = await prisma.finding.updateMany({
      where: { repositoryId: input.repositoryId, fingerprint, status: "open" },
      data: { status: "dismissed" },
    });
    let findingsDismissed = updated.count;
    if (findingsDismissed === 0 && !record.statuses.includes("dismissed")) {
      const latest = await prisma.finding.updateMany({ where: { id: record.latest.id }, data: { status: "dismissed" } });
      findingsDismissed = latest.count;
    }
    const feedback = await prisma.feedback.createMany({
      data: [
        {
          repositoryId: input.repositoryId,
          executionId: record.latest.executionId,
          findingId: record.latest.id,
          kind: "dismissed",
          actor: input.actor,
          detail: { reason: input.reason, fingerprint, ruleId: record.latest.ruleId },
          sourceKey: dismissSourceKey(input.commentId, fingerprint, index),
        },
      ],
      skipDuplicates: true,
    });
    result.dismissed.push({ fingerprint, ruleId: record.latest.ruleId, findingsDismissed, feedbackRecorded: feedback.count > 0 });
  }
  return result;
}
