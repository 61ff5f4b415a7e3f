import type { CommandName, ParsedCommand } from "../parse-command.ts";

/** Where a command can be written. */
export type CommandPlace = "issue" | "pull-request" | "finding-thread";

/**
 * Who may use a command. `write`: GitHub reports write, maintain or admin permission (asked of the API).
 * `anyone`: any human who can comment (bots never); these commands only read and reply.
 */
export type CommandAccess = "anyone" | "write";

export interface CommandInfo {
  /** The arguments as shown in the help, e.g. `[--backend <name>] [instructions]`; "" for none. */
  usage: string;
  /** Flags the command accepts (without `--`); any other flag is an error. */
  flags: readonly string[];
  where: readonly CommandPlace[];
  access: CommandAccess;
  /** One line: what it does. */
  summary: string;
}

/**
 * Every command `parseCommands` knows, with what the help shows and what the handlers enforce. Typed as a
 * Record over CommandName, so a command added to COMMANDS does not compile until it is documented here.
 */
export const COMMAND_CATALOG: Readonly<Record<CommandName, CommandInfo>> = {
  run: {
    usage: "[--backend <name>] [--race <backends or n>] [instructions]",
    flags: ["backend", "race"],
    where: ["issue"],
    access: "write",
    summary: "Start a run: an agent resolves the issue and opens a pull request. Text after the command reaches the agent as a maintainer's instructions. `--race claude,codex` (or `--race 3`) runs several candidates and opens a PR from the best.",
  },
  pick: {
    usage: "<candidate>",
    flags: [],
    where: ["issue"],
    access: "write",
    summary: "After a race: swap the pull request to another candidate (its commits force-pushed, the PR body rewritten).",
  },
  retry: {
    usage: "[--backend <name>]",
    flags: ["backend"],
    where: ["issue", "pull-request"],
    access: "write",
    summary: "Run again after a run failed or was cancelled, optionally on another backend.",
  },
  cancel: {
    usage: "",
    flags: [],
    where: ["issue", "pull-request"],
    access: "write",
    summary: "Stop the active run of this issue or pull request.",
  },
  status: {
    usage: "",
    flags: [],
    where: ["issue", "pull-request", "finding-thread"],
    access: "anyone",
    summary: "Show the latest run: status, phase, time taken, backend, pull request, check run and the last error.",
  },
  review: {
    usage: "",
    flags: [],
    where: ["pull-request"],
    access: "write",
    summary: "Run QA alone on this pull request (any pull request, not only Moderator's) and post one review.",
  },
  improve: {
    usage: "",
    flags: [],
    where: ["pull-request"],
    access: "write",
    summary: "Look for follow-up improvements to this pull request and propose them as separate pull requests, within the repository's budgets.",
  },
  fix: {
    usage: "[instructions]",
    flags: [],
    where: ["pull-request", "finding-thread"],
    access: "write",
    summary: "Ask the agent to fix this pull request: the finding of the thread it is written in, or what the instructions say.",
  },
  explain: {
    usage: "[rule-id]",
    flags: [],
    where: ["finding-thread"],
    access: "anyone",
    summary: "Why this finding was raised: its rule, severity, confidence, source and how to dismiss it. With a rule id, anywhere: what that rule looks for.",
  },
  dismiss: {
    usage: "[reason]",
    flags: [],
    where: ["finding-thread"],
    access: "write",
    summary: "Dismiss this finding: the thread is resolved and Moderator never raises it again on this repository.",
  },
  learnings: {
    usage: "",
    flags: [],
    where: ["issue", "pull-request"],
    access: "write",
    summary: "List what Moderator has learned on this repository from maintainers' feedback.",
  },
  help: {
    usage: "",
    flags: [],
    where: ["issue", "pull-request", "finding-thread"],
    access: "anyone",
    summary: "Show this list.",
  },
};

/**
 * The first problem with a parsed command's flags (one its command does not take), as a sentence that names
 * the command and the flag; undefined when every flag is known. Pure.
 */
export function validateCommandFlags(command: ParsedCommand & { ok: true }): string | undefined {
  const info = COMMAND_CATALOG[command.name];
  const unknown = Object.keys(command.flags).filter((f) => !info.flags.includes(f));
  if (unknown.length === 0) return undefined;
  const accepted = info.flags.length === 0 ? "it takes no flags" : `it takes ${info.flags.map((f) => `--${f}`).join(", ")}`;
  return `/moderator ${command.name} does not know ${unknown.map((f) => `--${f}`).join(", ")}: ${accepted}`;
}
