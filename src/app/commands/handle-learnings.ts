import type { Prisma } from "../../generated/prisma/client.ts";
import type { LearnerConfig } from "../../learner/learner-config.ts";
import { LEARNER_RESET_KIND, loadAcceptanceTable } from "../../learner/load-learnings.ts";
import { renderLearningsTable } from "../../learner/render-learnings-table.ts";
import type { ParsedCommand } from "../parse-command.ts";
import type { CommandContext } from "./command-context.ts";
import { postReply } from "./post-reply.ts";

/**
 * `/moderator learnings`: what Moderator has learned in this repository (and the committed learnings file's
 * overrides). `/moderator learnings reset [rule]`: forget what was learned before now, for one rule or all
 * (recorded, so it can be audited; the learner ignores older feedback). Writers only for reset.
 */
export async function handleLearnings(
  ctx: CommandContext,
  command: ParsedCommand & { ok: true },
  deps: { config: LearnerConfig; learningsFileText: string | undefined; canWrite: () => Promise<boolean> },
): Promise<string> {
  const [sub, rule] = command.args.split(/\s+/).filter(Boolean);
  if (sub === "reset") {
    if (!(await deps.canWrite())) {
      await postReply(ctx, "Resetting learnings needs write access to this repository.");
      return "denied";
    }
    const detail: Prisma.InputJsonObject = { ...(rule ? { ruleId: rule } : {}), by: ctx.sender };
    await ctx.store.prisma.feedback.create({
      data: { repositoryId: ctx.repositoryId, kind: LEARNER_RESET_KIND, actor: ctx.sender, detail, sourceKey: `learner-reset:${ctx.commentId}` },
    }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== "P2002") throw err; // a redelivery: already recorded
    });
    await postReply(ctx, rule ? `Forgot what was learned about \`${rule}\` in this repository; it starts again from the installation-wide rate.` : "Forgot everything learned in this repository; it starts again from the installation-wide rates.");
    return `learnings reset${rule ? `: ${rule}` : ""}`;
  }
  if (sub !== undefined && sub !== "show") {
    await postReply(ctx, "Usage: `/moderator learnings` shows them; `/moderator learnings reset [rule]` forgets them; `/moderator learnings export` opens a PR with them.");
    return "learnings: bad arguments";
  }
  const { table, overrides, problems } = await loadAcceptanceTable(ctx.store.prisma, {
    config: deps.config,
    now: new Date(),
    repositoryId: ctx.repositoryId,
    ...(deps.learningsFileText !== undefined ? { learningsFileText: deps.learningsFileText } : {}),
  });
  const body = [
    "### Moderator · What Moderator has learned here",
    "",
    renderLearningsTable(table, ctx.repositoryId, overrides, { suppression: deps.config.suppression }),
    ...(problems.length > 0 ? ["", `⚠️ \`.github/moderator-learnings.yml\` is invalid and is ignored: ${problems.join("; ")}`] : []),
    "",
    "Only feedback from people with write access counts. Commit `.github/moderator-learnings.yml` to override any of this; `/moderator learnings reset [rule]` forgets it.",
  ].join("\n");
  await postReply(ctx, body);
  return "learnings shown";
}
