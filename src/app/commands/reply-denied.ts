import type { CommandContext } from "./command-context.ts";

/** Topic of the one "you need write access" reply to `login` on an issue or pull request. */
export function deniedTopic(login: string): string {
  return `denied-${login.toLowerCase().replace(/[^a-z0-9._-]/g, "-")}`;
}

/**
 * A command needs write access its sender does not have: tell them, at most once per sender per issue or
 * pull request (one sticky comment per sender whose text never changes, so it is never edited either).
 * Returns "denied".
 */
export async function replyDenied(ctx: CommandContext): Promise<"denied"> {
  const login = ctx.sender;
  const who = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login) ? `@${login}` : "Hi";
  const body =
    `${who}, this Moderator command needs write, maintain or admin permission on this repository, which GitHub ` +
    "does not report for you, so it was not run. A maintainer can run it instead. `/moderator help` lists the " +
    "commands anyone may use.";
  await ctx.codeHost.ensureComment(ctx.ref, ctx.issueNumber, deniedTopic(login), body);
  return "denied";
}
