import type { CodeHost } from "../../codehost/code-host.ts";
import type { Store } from "../../store/store.ts";
import type { Logger } from "../../util/logger.ts";
import type { ReviewCommentPayload } from "../review-comment-payload.ts";
import type { CommentPayload } from "../trigger-payload.ts";
import type { CommandContext } from "./command-context.ts";

export type CommandPayload =
  | { event: "issue_comment"; payload: CommentPayload }
  | { event: "pull_request_review_comment"; payload: ReviewCommentPayload };

/**
 * The CommandContext of a validated `issue_comment.created` or `pull_request_review_comment.created` payload:
 * the repository row is upserted (its id is what findings and executions reference).
 */
export async function buildCommandContext(
  input: CommandPayload,
  deps: { codeHost: CodeHost; store: Store; log: Logger; now?: () => Date },
): Promise<CommandContext> {
  const p = input.payload;
  const repository = await deps.store.upsertRepository({
    githubId: p.repository.id,
    owner: p.repository.owner.login,
    name: p.repository.name,
    installationId: p.installation.id,
    ...(p.repository.default_branch === undefined ? {} : { defaultBranch: p.repository.default_branch }),
  });
  const common = {
    codeHost: deps.codeHost,
    store: deps.store,
    ref: { owner: p.repository.owner.login, repo: p.repository.name },
    repositoryId: repository.id,
    sender: p.sender.login,
    log: deps.log,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  };
  if (input.event === "issue_comment") {
    const c = input.payload;
    return {
      ...common,
      issueNumber: c.issue.number,
      isPullRequest: c.issue.pull_request !== undefined && c.issue.pull_request !== null,
      commentId: c.comment.id,
    };
  }
  const r = input.payload;
  const inReplyToId = r.comment.in_reply_to_id ?? undefined;
  return {
    ...common,
    issueNumber: r.pull_request.number,
    isPullRequest: true,
    commentId: r.comment.id,
    reviewComment: {
      id: r.comment.id,
      ...(inReplyToId === undefined ? {} : { inReplyToId }),
      path: r.comment.path,
      line: r.comment.line ?? r.comment.original_line ?? null,
      body: r.comment.body ?? "",
    },
  };
}
