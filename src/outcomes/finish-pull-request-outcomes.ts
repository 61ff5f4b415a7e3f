import { collectPullRequestOutcomes, type PullRequestOutcomes } from "./collect-pull-request-outcomes.ts";
import { markOutcomesFinal } from "./mark-outcomes-final.ts";
import type { CollectorDeps, PullRequestTarget } from "./pull-request-target.ts";

/**
 * The last collection of a closed pull request Moderator ran on (its own PR, or a `/moderator review`):
 * reactions, applied suggestions and resolved threads, then the final mark (an `outcomes.final` event on its
 * newest execution) so the repeatable collector stops visiting it. The mark is set only when every step
 * succeeded, so a failure is retried by the next collection. Returns null, without any API call, when no
 * execution has that PR number.
 */
export async function finishPullRequestOutcomes(deps: CollectorDeps, target: PullRequestTarget, merged: boolean): Promise<PullRequestOutcomes | null> {
  const newest = await deps.store.prisma.execution.findFirst({
    where: { repositoryId: target.repositoryId, prNumber: target.prNumber },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (newest === null) return null;
  const outcomes = await collectPullRequestOutcomes(deps, target);
  if (outcomes.failures.length === 0) {
    await markOutcomesFinal(deps.store, target, newest.id, {
      message: `pull request #${target.prNumber} ${merged ? "merged" : "closed"}: outcomes collected for the last time`,
      data: { prNumber: target.prNumber, merged },
    });
  }
  return outcomes;
}
