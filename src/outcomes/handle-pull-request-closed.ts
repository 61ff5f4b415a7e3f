import { cachePermissions } from "./cache-permissions.ts";
import type { PullRequestOutcomes } from "./collect-pull-request-outcomes.ts";
import { finishPullRequestOutcomes } from "./finish-pull-request-outcomes.ts";
import { recordPullRequestClosed, type PullRequestClosedInput, type PullRequestClosedResult } from "./record-pull-request-closed.ts";
import type { CollectorDeps, PullRequestTarget } from "./pull-request-target.ts";

export interface PullRequestClosedOutcome {
  closed: PullRequestClosedResult;
  /** The last collection of reactions, suggestions and resolved threads; null when Moderator never ran on the PR. */
  outcomes: PullRequestOutcomes | null;
}

/**
 * Everything to do when a pull request closes (the `pull_request.closed` handler): record the merge or close
 * when the PR is Moderator's (`recordPullRequestClosed`), then `finishPullRequestOutcomes`. A pull request
 * Moderator never touched costs a few queries and no API call. Repeating it records nothing new.
 */
export async function handlePullRequestClosed(
  deps: CollectorDeps,
  input: PullRequestClosedInput & Pick<PullRequestTarget, "ref">,
): Promise<PullRequestClosedOutcome> {
  const shared: CollectorDeps = { ...deps, canWrite: deps.canWrite ?? cachePermissions(deps.getPermission) };
  const closed = await recordPullRequestClosed(shared, input);
  const outcomes = await finishPullRequestOutcomes(shared, { repositoryId: input.repositoryId, ref: input.ref, prNumber: input.prNumber }, input.merged);
  return { closed, outcomes };
}
