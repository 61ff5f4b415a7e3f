import type { ReviewCommentSummary } from "../codehost/code-host.ts";
import { cachePermissions } from "./cache-permissions.ts";
import { collectReactions } from "./collect-reactions.ts";
import { detectAppliedSuggestions } from "./detect-applied-suggestions.ts";
import type { CollectionResult } from "./outcome-deps.ts";
import { checkTarget, type CollectorDeps, type PullRequestTarget } from "./pull-request-target.ts";
import { recordThreadsResolvedByPeople } from "./record-threads-resolved-by-people.ts";

export type OutcomeStep = "reactions" | "suggestions" | "threads";

/** What one collection found on one pull request; a step that failed is empty and listed in `failures`. */
export interface PullRequestOutcomes {
  repositoryId: number;
  prNumber: number;
  reactions: CollectionResult;
  suggestions: CollectionResult;
  threads: CollectionResult;
  failures: Array<{ step: OutcomeStep; error: string }>;
}

const empty = (): CollectionResult => ({ recorded: [], alreadyRecorded: 0, skipped: [] });
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Collects the outcomes of one pull request that arrive without a webhook: reactions on Moderator's comments,
 * suggestions someone committed, and threads a person resolved. The review comments are read once for the
 * first two, and one permission cache serves all three. A step that fails (GitHub down, say) does not stop the
 * others; its error is returned, and the next collection tries again (nothing is counted twice).
 */
export async function collectPullRequestOutcomes(deps: CollectorDeps, target: PullRequestTarget): Promise<PullRequestOutcomes> {
  checkTarget(`collectPullRequestOutcomes(${target.ref?.owner}/${target.ref?.repo}#${target.prNumber})`, target);
  const shared: CollectorDeps = { ...deps, canWrite: deps.canWrite ?? cachePermissions(deps.getPermission) };
  const out: PullRequestOutcomes = {
    repositoryId: target.repositoryId,
    prNumber: target.prNumber,
    reactions: empty(),
    suggestions: empty(),
    threads: empty(),
    failures: [],
  };

  let reviewComments: ReviewCommentSummary[] | undefined;
  let listError: string | undefined;
  try {
    reviewComments = await deps.codeHost.listReviewComments(target.ref, target.prNumber);
  } catch (error) {
    listError = `could not list the review comments: ${messageOf(error)}`;
  }
  const run = async (step: OutcomeStep, fn: () => Promise<CollectionResult>): Promise<void> => {
    try {
      out[step] = await fn();
    } catch (error) {
      out.failures.push({ step, error: messageOf(error) });
    }
  };
  if (reviewComments === undefined) {
    out.failures.push({ step: "reactions", error: listError ?? "no review comments" }, { step: "suggestions", error: listError ?? "no review comments" });
  } else {
    const comments = reviewComments;
    await run("reactions", () => collectReactions(shared, { ...target, reviewComments: comments }));
    await run("suggestions", () => detectAppliedSuggestions(shared, { ...target, reviewComments: comments }));
  }
  await run("threads", () => recordThreadsResolvedByPeople(shared, target));
  return out;
}
