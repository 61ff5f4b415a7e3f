import type { ReviewThread } from "../../codehost/code-host.ts";
import type { CommandContext } from "./command-context.ts";

export interface CommandThread {
  /** The review thread the command was written in; undefined when it was not written in one (or it is gone). */
  thread: ReviewThread | undefined;
  /** Every review thread of the pull request, as read (for postReply, so it does not read them again). */
  threads: ReviewThread[];
}

/**
 * The review thread that holds the command's comment (or its root, `in_reply_to_id`). Its `fingerprints`
 * are those Moderator marked in the thread's root comment, read only when a bot wrote that root, so a
 * human cannot point `explain` or `dismiss` at a finding by quoting its marker.
 */
export async function findCommandThread(ctx: CommandContext): Promise<CommandThread> {
  const review = ctx.reviewComment;
  if (review === undefined || !ctx.isPullRequest) return { thread: undefined, threads: [] };
  const threads = await ctx.codeHost.listReviewThreads(ctx.ref, ctx.issueNumber);
  const rootId = review.inReplyToId ?? review.id;
  const thread = threads.find((t) => t.comments[0]?.id === rootId) ?? threads.find((t) => t.comments.some((c) => c.id === review.id));
  return { thread, threads };
}
