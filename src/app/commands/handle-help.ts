import { renderHelp } from "../../render/render-help.ts";
import type { ParsedCommand } from "../parse-command.ts";
import type { CommandContext } from "./command-context.ts";
import { postReply } from "./post-reply.ts";

/** `/moderator help`: the command reference, once per comment (in the thread when asked in one). */
export async function handleHelp(ctx: CommandContext, _command: ParsedCommand & { ok: true }): Promise<string> {
  const reply = await postReply(ctx, renderHelp());
  return reply.posted ? "help" : "help: already answered";
}

/**
 * A command Moderator could not understand (unknown command, flag without a value, flag the command does not
 * take): the same reference with the problem on top.
 */
export async function handleInvalidCommand(ctx: CommandContext, command: ParsedCommand & { ok: false }): Promise<string> {
  const reply = await postReply(ctx, renderHelp({ error: { message: command.error, raw: command.raw } }));
  return `${reply.posted ? "help" : "help: already answered"} (${command.error})`;
}
