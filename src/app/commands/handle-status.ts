import { renderStatusReply } from "../../render/render-status-reply.ts";
import type { ParsedCommand } from "../parse-command.ts";
import type { CommandContext } from "./command-context.ts";
import { findLatestExecution } from "./find-latest-execution.ts";
import { postReply } from "./post-reply.ts";

/**
 * `/moderator status`: the latest run of this issue or pull request (a PR also shows the run that opened
 * it), or "no run yet". A repeated delivery updates the same reply with the state at that moment.
 */
export async function handleStatus(ctx: CommandContext, _command: ParsedCommand & { ok: true }): Promise<string> {
  const { latest, count } = await findLatestExecution(ctx.store.prisma, ctx.repositoryId, ctx.issueNumber);
  const body = renderStatusReply({
    run: latest,
    earlierRuns: Math.max(0, count - 1),
    isPullRequest: ctx.isPullRequest,
    now: (ctx.now ?? (() => new Date()))(),
  });
  await postReply(ctx, body);
  return latest === null ? "status: no run yet" : `status: ${latest.status} (${latest.id})`;
}
