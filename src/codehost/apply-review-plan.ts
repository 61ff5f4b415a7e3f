import type { PostedThread, ReviewPostingPlan } from "../qa/plan-review-posting.ts";
import type { CodeHost, RepoRef } from "./code-host.ts";

export interface ApplyReviewPlanOptions {
  /** The head commit the review is about. */
  commitSha: string;
  /**
   * A reply to leave in each fixed thread before resolving it (e.g. "Fixed in abc1234."); none when absent
   * or when it returns undefined. A reply notifies the thread's participants, so it is opt-in.
   */
  replyOnResolve?: (thread: PostedThread) => string | undefined;
}

export interface AppliedReviewPlan {
  /** The review created, or null when the plan had nothing new (nothing was posted). */
  review: { id: number; url: string; inlineCount: number; movedToBody: number } | null;
  /** Threads resolved. */
  resolved: string[];
  /** Threads that could not be resolved (or replied to), with GitHub's reason; the run goes on. */
  failed: Array<{ threadId: string; error: string }>;
}

/**
 * Carries out a ReviewPostingPlan: at most one review, and only when there is something new; then the
 * fixed threads are resolved. A failure to post the review propagates (the caller's retry policy decides);
 * a thread that cannot be resolved (GitHub may refuse an integration, "Resource not accessible by
 * integration") is reported in `failed` and does not fail the run.
 */
export async function applyReviewPlan(
  host: CodeHost,
  ref: RepoRef,
  pullNumber: number,
  plan: ReviewPostingPlan,
  opts: ApplyReviewPlanOptions,
): Promise<AppliedReviewPlan> {
  let review: AppliedReviewPlan["review"] = null;
  if (plan.review !== null && (plan.review.comments.length > 0 || plan.review.inBody.length > 0)) {
    review = await host.createReview(ref, pullNumber, {
      commitSha: opts.commitSha,
      body: plan.review.body,
      comments: plan.review.comments,
    });
  }

  const resolved: string[] = [];
  const failed: AppliedReviewPlan["failed"] = [];
  for (const threadId of plan.resolve) {
    const thread = plan.fixed.find((t) => t.id === threadId);
    try {
      const reply = thread && opts.replyOnResolve ? opts.replyOnResolve(thread) : undefined;
      if (reply !== undefined && reply.trim() !== "" && thread?.commentId !== undefined) {
        await host.replyToReviewComment(ref, pullNumber, thread.commentId, reply);
      }
      const result = await host.resolveReviewThread(threadId);
      if (result.isResolved) resolved.push(threadId);
      else failed.push({ threadId, error: "GitHub answered that the thread is still unresolved" });
    } catch (error) {
      failed.push({ threadId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { review, resolved, failed };
}
