import type { ReviewThread } from "../../codehost/code-host.ts";
import type { CommandContext } from "./command-context.ts";

/** Topic of the reply to comment `commentId` (its hidden marker is `<!-- moderator:reply-<id> -->`). */
export function replyTopic(commentId: number): string {
  return `reply-${commentId}`;
}

export interface PostedReply {
  /** False when this comment had been answered already (a redelivered webhook) and nothing was posted. */
  posted: boolean;
  where: "thread" | "issue";
}

/**
 * Answer the comment that carried a command, once: in its review thread when it came from one, otherwise
 * as a comment on the issue or pull request. Every reply carries the marker of the comment it answers, so
 * a second delivery of the same command finds the first reply (by the bot, in the same thread, or by
 * topic on the issue) instead of adding another. `threads` saves a second GraphQL read when the caller
 * has listed them already.
 */
export async function postReply(ctx: CommandContext, body: string, opts: { threads?: ReviewThread[] } = {}): Promise<PostedReply> {
  const topic = replyTopic(ctx.commentId);
  const review = ctx.reviewComment;
  if (review === undefined) {
    const res = await ctx.codeHost.ensureComment(ctx.ref, ctx.issueNumber, topic, body);
    return { posted: res.created || res.updated, where: "issue" };
  }

  const marker = `<!-- moderator:${topic} -->`;
  const rootId = review.inReplyToId ?? review.id;
  let threads = opts.threads;
  if (threads === undefined) {
    try {
      threads = await ctx.codeHost.listReviewThreads(ctx.ref, ctx.issueNumber);
    } catch (err) {
      // Without the threads a duplicate reply cannot be ruled out; answering twice beats not answering.
      ctx.log.warn({ err, commentId: ctx.commentId }, "could not list review threads to check for an earlier reply");
      threads = [];
    }
  }
  const thread = threads.find((t) => t.comments.some((c) => c.id === rootId || c.id === review.id));
  if (thread?.comments.some((c) => c.author?.bot === true && c.body.includes(marker))) return { posted: false, where: "thread" };

  try {
    await ctx.codeHost.replyToReviewComment(ctx.ref, ctx.issueNumber, rootId, `${body.trimEnd()}\n\n${marker}`);
    return { posted: true, where: "thread" };
  } catch (err) {
    // The thread is gone (its root comment was deleted): answer on the pull request instead.
    if ((err as { status?: unknown }).status !== 404) throw err;
    ctx.log.warn({ err, commentId: ctx.commentId }, "review thread gone; replying on the pull request instead");
    const res = await ctx.codeHost.ensureComment(ctx.ref, ctx.issueNumber, topic, body);
    return { posted: res.created || res.updated, where: "issue" };
  }
}
