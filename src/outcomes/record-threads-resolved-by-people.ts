import { loadReviewHistory } from "../codehost/load-review-history.ts";
import type { PostingHistoryWithResolutions } from "../qa/posting-history.ts";
import { cachePermissions } from "./cache-permissions.ts";
import type { CollectionResult } from "./outcome-deps.ts";
import { checkTarget, type CollectorDeps, type PullRequestTarget } from "./pull-request-target.ts";
import { resolveFindings } from "./resolve-findings.ts";
import { writeFeedback, type FeedbackCandidate } from "./write-feedback.ts";

/**
 * The Feedback source key of a thread a person resolved: `thread-resolved:<repositoryId>:<threadId>` for the
 * thread's first fingerprint (a finding comment carries one), with `:<fingerprint>` appended for any other.
 */
export function threadResolvedSourceKey(repositoryId: number, threadId: string, fingerprint: string, index: number): string {
  const base = `thread-resolved:${repositoryId}:${threadId}`;
  return index === 0 ? base : `${base}:${fingerprint}`;
}

/**
 * Moderator's review threads a person resolved (`resolvedByPeople` of `loadReviewHistory`: resolved by a
 * login that is not a bot's) become `thread_resolved_by_human` Feedback rows, one per thread (and fingerprint),
 * with the newest Finding row of the fingerprint and `detail.actorCanWrite`. Pass `resolvedByPeople` when the
 * history was already loaded; otherwise it is read through the CodeHost. A thread unresolved later keeps its row.
 */
export async function recordThreadsResolvedByPeople(
  deps: CollectorDeps,
  target: PullRequestTarget & { resolvedByPeople?: PostingHistoryWithResolutions["resolvedByPeople"] },
): Promise<CollectionResult> {
  checkTarget(`recordThreadsResolvedByPeople(${target.ref.owner}/${target.ref.repo}#${target.prNumber})`, target);
  const prisma = deps.store.prisma;
  const resolved = target.resolvedByPeople ?? (await loadReviewHistory(deps.codeHost, target.ref, target.prNumber)).resolvedByPeople;
  if (resolved.length === 0) return { recorded: [], alreadyRecorded: 0, skipped: [] };

  const findings = await resolveFindings(prisma, target.repositoryId, resolved.map((r) => r.fingerprint));
  const seen = new Map<string, number>();
  const candidates: FeedbackCandidate[] = resolved.map((r) => {
    const index = seen.get(r.threadId) ?? 0;
    seen.set(r.threadId, index + 1);
    const finding = findings.get(r.fingerprint);
    return {
      repositoryId: target.repositoryId,
      kind: "thread_resolved_by_human",
      actor: r.login,
      sourceKey: threadResolvedSourceKey(target.repositoryId, r.threadId, r.fingerprint, index),
      executionId: finding?.executionId ?? null,
      findingId: finding?.findingId ?? null,
      backend: finding?.backend ?? null,
      detail: { threadId: r.threadId, fingerprint: r.fingerprint, ...(finding ? { ruleId: finding.ruleId } : {}), prNumber: target.prNumber },
    };
  });
  const canWrite = deps.canWrite ?? cachePermissions(deps.getPermission);
  return writeFeedback(prisma, canWrite, target.ref, candidates);
}
