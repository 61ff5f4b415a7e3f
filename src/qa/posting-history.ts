import type { PullRequestReviewSummary, ReviewThread } from "../codehost/code-host.ts";
import { postingKey } from "./posting-key.ts";

/** One fingerprint Moderator marked in a review thread (a thread with two markers gives two entries). */
export interface PostedThread {
  /** GraphQL node id of the thread. */
  id: string;
  fingerprint: string;
  isResolved: boolean;
  path: string;
  line: number | null;
  /** REST id of the thread's root comment, to reply in the thread. */
  commentId?: number;
}

/** What earlier runs posted on a pull request, as `planReviewPosting` needs it. */
export interface PostingHistory {
  /** Fingerprints in open threads, in threads a person resolved, and in earlier review bodies. */
  postedFingerprints: Set<string>;
  /** Fingerprints a maintainer dismissed (from the Store's feedback), never to be posted again. */
  dismissedFingerprints: Set<string>;
  threads: PostedThread[];
}

export interface PostingHistoryWithResolutions extends PostingHistory {
  /** Threads a person resolved (feedback for the learner: resolving without fixing is a dismissal). */
  resolvedByPeople: Array<{ threadId: string; fingerprint: string; login: string }>;
}

/**
 * Reads what Moderator already posted on a pull request from its review threads and review bodies. Pure.
 *
 * - Only markers in comments and review bodies written by a bot count; a person quoting a marker does not.
 * - An open thread, outdated or not, is posted: its finding is never repeated while the thread is open.
 * - A thread a person resolved is posted too: that person decided, and repeating the finding would undo it.
 * - A thread resolved by an app (Moderator resolving a fixed finding, `resolvedBy` null or a bot) is not:
 *   if the finding comes back, it is a regression and is posted again.
 * - A fingerprint listed in an earlier review body is posted for good (there is no thread to resolve).
 */
export function buildPostingHistory(input: {
  threads: readonly ReviewThread[];
  reviews: readonly PullRequestReviewSummary[];
  dismissed?: Iterable<string>;
}): PostingHistoryWithResolutions {
  const posted = new Set<string>();
  const threads: PostedThread[] = [];
  const resolvedByPeople: PostingHistoryWithResolutions["resolvedByPeople"] = [];

  for (const thread of input.threads) {
    const root = thread.comments[0];
    const byPerson = thread.isResolved && thread.resolvedBy !== null && !thread.resolvedBy.endsWith("[bot]");
    for (const raw of thread.fingerprints) {
      const fingerprint = postingKey(raw);
      const entry: PostedThread = {
        id: thread.id,
        fingerprint,
        isResolved: thread.isResolved,
        path: thread.path,
        line: thread.line,
      };
      if (root) entry.commentId = root.id;
      threads.push(entry);
      if (!thread.isResolved || byPerson) posted.add(fingerprint);
      if (byPerson) resolvedByPeople.push({ threadId: thread.id, fingerprint, login: thread.resolvedBy as string });
    }
  }
  for (const review of input.reviews) {
    if (!review.author?.bot) continue;
    for (const fp of review.fingerprints) posted.add(postingKey(fp));
  }
  const dismissed = new Set<string>();
  for (const fp of input.dismissed ?? []) dismissed.add(postingKey(fp));
  return { postedFingerprints: posted, dismissedFingerprints: dismissed, threads, resolvedByPeople };
}
