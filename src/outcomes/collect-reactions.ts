import type { CommentReaction, ReviewCommentSummary } from "../codehost/code-host.ts";
import { parseFindingMarkers } from "../qa/finding-marker.ts";
import { cachePermissions } from "./cache-permissions.ts";
import type { CollectionResult } from "./outcome-deps.ts";
import { isBotAuthor } from "./is-bot-author.ts";
import { checkTarget, type CollectorDeps, type PullRequestTarget } from "./pull-request-target.ts";
import { resolveFindings } from "./resolve-findings.ts";
import { statusOf } from "./status-of.ts";
import { writeFeedback, type FeedbackCandidate } from "./write-feedback.ts";

/** Hidden topic markers Moderator puts in its issue comments (`<!-- moderator:tracking -->`...). */
const TOPIC_MARKER = /<!--\s*moderator:([A-Za-z0-9][A-Za-z0-9._:/-]*)\s*-->/;
const COUNTED: Record<string, "reaction_up" | "reaction_down"> = { "+1": "reaction_up", "-1": "reaction_down" };

interface ModeratorComment {
  type: "review" | "issue";
  id: number;
  /** The issue the comment is on (issue comments only). */
  issueNumber?: number;
  fingerprints: string[];
  topic?: string;
  path?: string;
}

/** The Feedback source key of one person's reaction: one row per (comment, user, content). */
export function reactionSourceKey(repositoryId: number, type: "review" | "issue", commentId: number, login: string, content: string): string {
  return `reaction:${repositoryId}:${type}:${commentId}:${login.toLowerCase()}:${content}`;
}

/**
 * Thumbs up and down on Moderator's comments of one pull request become Feedback rows:
 * - the comments are Moderator's review comments (a thread's root, written by a bot, carrying a finding marker)
 *   and its marked issue comments (tracking comment, replies) on the pull request and on the issues its runs
 *   came from;
 * - one row per (comment, user, content): `reaction_up` for +1, `reaction_down` for -1; other reactions, and
 *   reactions by bots or deleted accounts, are ignored;
 * - `findingId` is the newest Finding row of the comment's fingerprint in the repository; the execution and
 *   backend come from that finding, else from the run whose tracking comment it is, else the newest run on the PR;
 * - `detail.actorCanWrite` is asked of the API once per person per collection.
 * A reaction removed later keeps its row (it was given). A comment deleted meanwhile is passed over.
 */
export async function collectReactions(
  deps: CollectorDeps,
  target: PullRequestTarget & { reviewComments?: readonly ReviewCommentSummary[] },
): Promise<CollectionResult> {
  const where = `collectReactions(${target.ref.owner}/${target.ref.repo}#${target.prNumber})`;
  checkTarget(where, target);
  const { codeHost } = deps;
  const prisma = deps.store.prisma;

  const executions = await prisma.execution.findMany({
    where: { repositoryId: target.repositoryId, prNumber: target.prNumber },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, backend: true, issueNumber: true, trackingCommentId: true },
  });
  const newest = executions[0];
  const byTrackingComment = new Map(
    executions.filter((e) => e.trackingCommentId !== null).map((e) => [Number(e.trackingCommentId), e] as const),
  );

  const comments: ModeratorComment[] = [];
  const reviewComments = target.reviewComments ?? (await codeHost.listReviewComments(target.ref, target.prNumber));
  for (const c of reviewComments) {
    if (c.inReplyToId !== null || !c.author || !isBotAuthor(c.author)) continue;
    const fingerprints = parseFindingMarkers(c.body);
    if (fingerprints.length > 0) comments.push({ type: "review", id: c.id, fingerprints, path: c.path });
  }
  const issueNumbers = [...new Set([target.prNumber, ...executions.map((e) => e.issueNumber)])];
  for (const issueNumber of issueNumbers) {
    for (const c of await codeHost.listIssueComments(target.ref, issueNumber)) {
      if (!c.author || !isBotAuthor(c.author)) continue;
      const topic = TOPIC_MARKER.exec(c.body)?.[1];
      const fingerprints = parseFindingMarkers(c.body);
      if (topic === undefined && fingerprints.length === 0) continue;
      comments.push({ type: "issue", id: c.id, issueNumber, fingerprints, ...(topic === undefined ? {} : { topic }) });
    }
  }

  const skipped: CollectionResult["skipped"] = [];
  const reactions: Array<{ comment: ModeratorComment; reaction: CommentReaction }> = [];
  for (const comment of comments) {
    let list: CommentReaction[];
    try {
      list =
        comment.type === "review"
          ? await codeHost.listReviewCommentReactions(target.ref, comment.id)
          : await codeHost.listIssueCommentReactions(target.ref, comment.id);
    } catch (error) {
      if (statusOf(error) === 404) continue; // deleted since it was listed
      skipped.push({ sourceKey: `reactions:${comment.type}:${comment.id}`, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    for (const reaction of list) {
      if (COUNTED[reaction.content] === undefined || isBotAuthor(reaction.user)) continue;
      reactions.push({ comment, reaction });
    }
  }

  const findings = await resolveFindings(prisma, target.repositoryId, reactions.flatMap((r) => r.comment.fingerprints.slice(0, 1)));
  const candidates: FeedbackCandidate[] = reactions.map(({ comment, reaction }) => {
    const login = (reaction.user as { login: string }).login;
    const fingerprint = comment.fingerprints[0];
    const finding = fingerprint === undefined ? undefined : findings.get(fingerprint);
    const run = byTrackingComment.get(comment.id) ?? newest;
    return {
      repositoryId: target.repositoryId,
      kind: COUNTED[reaction.content] as "reaction_up" | "reaction_down",
      actor: login,
      sourceKey: reactionSourceKey(target.repositoryId, comment.type, comment.id, login, reaction.content),
      executionId: finding?.executionId ?? run?.id ?? null,
      findingId: finding?.findingId ?? null,
      backend: finding?.backend ?? run?.backend ?? null,
      detail: {
        commentId: comment.id,
        commentType: comment.type === "review" ? "review_comment" : "issue_comment",
        content: reaction.content,
        reactionId: reaction.id,
        prNumber: target.prNumber,
        ...(comment.issueNumber === undefined ? {} : { issueNumber: comment.issueNumber }),
        ...(fingerprint === undefined ? {} : { fingerprint }),
        ...(finding ? { ruleId: finding.ruleId } : {}),
        ...(comment.topic === undefined ? {} : { topic: comment.topic }),
        ...(comment.path === undefined ? {} : { path: comment.path }),
        ...(reaction.createdAt ? { reactedAt: reaction.createdAt } : {}),
      },
    };
  });

  const canWrite = deps.canWrite ?? cachePermissions(deps.getPermission);
  const result = await writeFeedback(prisma, canWrite, target.ref, candidates);
  result.skipped.push(...skipped);
  return result;
}
