import { renderNotInFindingThread } from "../../render/render-explain.ts";
import type { ParsedCommand } from "../parse-command.ts";
import { sanitizeUserText } from "../sanitize-user-text.ts";
import type { CommandContext } from "./command-context.ts";
import { findCommandThread } from "./find-command-thread.ts";
import { postReply } from "./post-reply.ts";
import { recordDismissal } from "./record-dismissal.ts";
import { renderDismissReply } from "./render-dismiss-reply.ts";

/** Longest reason stored with a dismissal. */
const MAX_REASON_CHARS = 1_000;

/**
 * `/moderator dismiss [reason]` in a finding's review thread (the caller has checked write permission):
 * every open stored finding with the thread's fingerprint on this repository becomes `dismissed`, a Feedback
 * row records who and why (once per comment), the thread is resolved and the reply quotes the reason.
 * Idempotent: a redelivered webhook changes nothing, counts nothing twice and does not reply again.
 */
export async function handleDismiss(ctx: CommandContext, command: ParsedCommand & { ok: true }): Promise<string> {
  const { thread, threads } = await findCommandThread(ctx);
  if (thread === undefined || thread.fingerprints.length === 0) {
    await postReply(ctx, renderNotInFindingThread("dismiss"), { threads });
    return "dismiss: not in a finding's thread";
  }

  const reason = sanitizeUserText(command.args).replace(/\s+/g, " ").trim().slice(0, MAX_REASON_CHARS);
  const result = await recordDismissal(ctx.store.prisma, {
    repositoryId: ctx.repositoryId,
    fingerprints: thread.fingerprints,
    actor: ctx.sender,
    reason,
    commentId: ctx.commentId,
  });

  let resolveError: string | undefined;
  if (result.dismissed.length > 0 && !thread.isResolved) {
    try {
      await ctx.codeHost.resolveReviewThread(thread.id);
    } catch (err) {
      // The dismissal stands without the resolved thread; say so in the reply rather than failing the command.
      resolveError = err instanceof Error ? err.message : String(err);
      ctx.log.warn({ err, threadId: thread.id }, "could not resolve the dismissed finding's thread");
    }
  }

  const body = renderDismissReply({
    ruleIds: result.dismissed.map((d) => d.ruleId),
    reason,
    actor: ctx.sender,
    unknown: result.unknown,
    ...(resolveError === undefined ? {} : { resolveError }),
  });
  await postReply(ctx, body, { threads });

  if (result.dismissed.length === 0) return "dismiss: no stored finding";
  const recorded = result.dismissed.filter((d) => d.feedbackRecorded);
  if (recorded.length === 0) return "dismiss: already recorded";
  return `dismissed ${recorded.map((d) => `${d.ruleId} (${d.fingerprint})`).join(", ")}`;
}
