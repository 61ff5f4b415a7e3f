import { COMMAND_CATALOG, type CommandAccess, type CommandPlace } from "../app/commands/command-catalog.ts";
import { quoteUserText } from "../app/commands/quote-user-text.ts";
import { COMMANDS } from "../app/parse-command.ts";
import { tableCell } from "../qa/format.ts";

export interface HelpInput {
  /**
   * What was wrong with the command that asked for this help (an unknown command, a flag without a value,
   * a flag the command does not take), shown on top; `raw` is the line as written. Both are the user's text
   * and are quoted safely.
   */
  error?: { message: string; raw?: string };
}

const PLACE: Record<CommandPlace, string> = {
  issue: "issue",
  "pull-request": "pull request",
  "finding-thread": "reply in a finding's review thread",
};

const ACCESS: Record<CommandAccess, string> = {
  anyone: "anyone",
  write: "write access",
};

/**
 * The command reference: every command with its arguments, what it does, where it works and who may use it,
 * with the error on top when a command could not be understood. Pure; the hidden reply marker is added by
 * whoever posts it.
 */
export function renderHelp(input: HelpInput = {}): string {
  const out: string[] = [];
  if (input.error) {
    const message = quoteUserText(input.error.message);
    const raw = input.error.raw === undefined ? "" : quoteUserText(input.error.raw, { max: 200, inCode: true });
    out.push(`⚠️ ${raw === "" ? "" : `\`${raw}\`: `}${message === "" ? "this command could not be understood" : message}. Here is what Moderator understands:`);
    out.push("");
  }
  out.push("### Moderator commands");
  out.push("");
  out.push("Write a command at the start of its own line in a comment, one per line. Commands in code blocks, inline code and quotes are ignored.");
  out.push("");
  out.push("| command | what it does | where | who |");
  out.push("|---|---|---|---|");
  for (const name of COMMANDS) {
    const info = COMMAND_CATALOG[name];
    const usage = `/moderator ${name}${info.usage === "" ? "" : ` ${info.usage}`}`;
    const where = info.where.map((p) => PLACE[p]).join(", ");
    out.push(`| \`${tableCell(usage)}\` | ${tableCell(info.summary)} | ${where} | ${ACCESS[info.access]} |`);
  }
  out.push("");
  out.push(
    "**Who:** _write access_ means GitHub reports write, maintain or admin permission for you on this repository; " +
      "Moderator asks GitHub, it does not guess. Bots' commands are ignored.",
  );
  return out.join("\n");
}
