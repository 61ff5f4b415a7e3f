import { buildPostingHistory, type PostingHistoryWithResolutions } from "../qa/posting-history.ts";
import type { CodeHost, RepoRef } from "./code-host.ts";

/**
 * What Moderator already posted on pull request `pullNumber`: its review threads (GraphQL) and review
 * bodies (REST), read through the CodeHost, plus the fingerprints a maintainer dismissed (from the Store).
 * The result is `planReviewPosting`'s `previous`. Errors from GitHub propagate: without this history a
 * run would repeat every finding, so it must not post on a guess.
 */
export async function loadReviewHistory(
  host: CodeHost,
  ref: RepoRef,
  pullNumber: number,
  opts: { dismissed?: Iterable<string> } = {},
): Promise<PostingHistoryWithResolutions> {
  const [threads, reviews] = await Promise.all([host.listReviewThreads(ref, pullNumber), host.listReviews(ref, pullNumber)]);
  return buildPostingHistory({ threads, reviews, ...(opts.dismissed === undefined ? {} : { dismissed: opts.dismissed }) });
}
