import type { CodeHost, RepoRef } from "../../codehost/code-host.ts";
import type { Store } from "../../store/store.ts";
import type { Logger } from "../../util/logger.ts";
import type { ParsedCommand } from "../parse-command.ts";

/** The review comment that carried a command, when it was written in a pull request's review thread. */
export interface CommandReviewComment {
  /** REST id of the comment with the command. */
  id: number;
  /** The thread's root comment (GitHub's `in_reply_to_id`); absent when the command opened the thread. */
  inReplyToId?: number;
  path: string;
  /** `line` (or `original_line` once outdated); null when GitHub gives neither. */
  line: number | null;
  body: string;
}

/** What every conversation-command handler gets; built per webhook (see buildCommandContext). */
export interface CommandContext {
  codeHost: CodeHost;
  store: Store;
  ref: RepoRef;
  /** The Repository row's id (after upsert), not GitHub's id. */
  repositoryId: number;
  /** The issue's or pull request's number. */
  issueNumber: number;
  isPullRequest: boolean;
  /** Login of the human who wrote the command. */
  sender: string;
  /**
   * REST id of the comment that carried the command (the issue comment, or the review comment in a thread):
   * replies are keyed by it, so a redelivered webhook edits the same reply instead of posting a second one.
   */
  commentId: number;
  /** Set when the command was written in a review thread (`pull_request_review_comment.created`). */
  reviewComment?: CommandReviewComment;
  log: Logger;
  /** The clock for elapsed times; defaults to the real one. */
  now?: () => Date;
}

/** A handler of one command: replies (at most once per comment) and returns an outcome for the delivery log. */
export type CommandHandler = (ctx: CommandContext, command: ParsedCommand & { ok: true }) => Promise<string>;
