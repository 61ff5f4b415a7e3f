import { canWrite, type Permission } from "../get-sender-permission.ts";
import type { CommandName, ParsedCommand } from "../parse-command.ts";
import { COMMAND_CATALOG, validateCommandFlags } from "./command-catalog.ts";
import type { CommandContext, CommandHandler } from "./command-context.ts";
import { handleDismiss } from "./handle-dismiss.ts";
import { handleExplain } from "./handle-explain.ts";
import { handleHelp, handleInvalidCommand } from "./handle-help.ts";
import { handleStatus } from "./handle-status.ts";
import { replyDenied } from "./reply-denied.ts";

/** The commands answered by a reply (no run): what handleConversationCommand handles. */
export const CONVERSATION_COMMANDS = ["help", "status", "explain", "dismiss"] as const satisfies readonly CommandName[];
export type ConversationCommandName = (typeof CONVERSATION_COMMANDS)[number];

const HANDLERS: Readonly<Record<ConversationCommandName, CommandHandler>> = {
  help: handleHelp,
  status: handleStatus,
  explain: handleExplain,
  dismiss: handleDismiss,
};

/** Whether handleConversationCommand answers this parsed command (a conversation command, or one it could not parse). */
export function isConversationCommand(command: ParsedCommand): boolean {
  return !command.ok || (CONVERSATION_COMMANDS as readonly string[]).includes(command.name);
}

/**
 * Answers one conversation command, or one that could not be understood:
 * - not understood (unknown command, flag without a value) or a flag the command does not take -> the help,
 *   with the problem on top;
 * - a command that needs write access from a sender without it -> the one "denied" reply per sender (replyDenied);
 *   the permission is asked of GitHub only for such commands;
 * - otherwise its handler.
 * Returns the outcome for the delivery log. Other commands (run, review, ...) are not handled here:
 * "ignored: ..." says so.
 */
export async function handleConversationCommand(
  ctx: CommandContext,
  command: ParsedCommand,
  deps: { getPermission: () => Promise<Permission> },
): Promise<string> {
  if (!command.ok) return handleInvalidCommand(ctx, command);
  if (!(CONVERSATION_COMMANDS as readonly string[]).includes(command.name)) {
    return `ignored: /moderator ${command.name} is not a conversation command`;
  }
  const name = command.name as ConversationCommandName;
  const flagProblem = validateCommandFlags(command);
  if (flagProblem !== undefined) {
    return handleInvalidCommand(ctx, { ok: false, error: flagProblem, line: command.line, raw: rawOf(command) });
  }
  if (COMMAND_CATALOG[name].access === "write" && !canWrite(await deps.getPermission())) return replyDenied(ctx);
  return HANDLERS[name](ctx, command);
}

/** The command as written (near enough: flags and arguments in parse order). */
function rawOf(command: ParsedCommand & { ok: true }): string {
  const flags = Object.entries(command.flags).map(([k, v]) => `--${k} ${v}`);
  return ["/moderator", command.name, ...flags, command.args].filter((s) => s !== "").join(" ");
}
