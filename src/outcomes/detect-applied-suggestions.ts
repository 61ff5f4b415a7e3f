import type { PullRequestCommit, PullRequestFile, ReviewCommentSummary } from "../codehost/code-host.ts";
import { parseFindingMarkers } from "../qa/finding-marker.ts";
import { cachePermissions } from "./cache-permissions.ts";
import { isBotAuthor } from "./is-bot-author.ts";
import { candidateCommits, GITHUB_SUGGESTION_MESSAGE, matchAppliedSuggestion, type PostedSuggestion } from "./match-applied-suggestion.ts";
import type { CollectionResult } from "./outcome-deps.ts";
import { parseSuggestionBlock } from "./parse-suggestion-block.ts";
import { checkTarget, type CollectorDeps, type PullRequestTarget } from "./pull-request-target.ts";
import { resolveFindings } from "./resolve-findings.ts";
import { writeFeedback, type FeedbackCandidate } from "./write-feedback.ts";

/** Commits whose files are read at most, per pull request and collection (one request each). */
export const MAX_INSPECTED_COMMITS = 50;

/** The Feedback source key of an applied suggestion: a posted suggestion counts once, whoever applied it. */
export function suggestionSourceKey(repositoryId: number, commentId: number): string {
  return `suggestion:${repositoryId}:${commentId}`;
}

/**
 * Suggestions Moderator posted that someone committed become `suggestion_applied` Feedback rows.
 *
 * What was suggested is read back from Moderator's review comments (a thread's root, by a bot, with a finding
 * marker and a ```suggestion block): the Finding row stores the human advice (`suggestion`) but not the exact
 * replacement, and the posted block is what a person could commit. The commits that may have applied it are the
 * pull request's commits after the one the comment was made on, by a person (GitHub authors a "Commit
 * suggestion" commit as whoever clicked). A commit applied it when its patch of that file writes the block's
 * lines (see `matchAppliedSuggestion`); the first such commit counts, once per suggestion.
 *
 * Suggestions already recorded are not looked at again, so a repeated collection reads no commit. At most
 * MAX_INSPECTED_COMMITS commits' files are read per call; suggestions left unchecked are reported as skipped.
 */
export async function detectAppliedSuggestions(
  deps: CollectorDeps,
  target: PullRequestTarget & { reviewComments?: readonly ReviewCommentSummary[] },
): Promise<CollectionResult> {
  const where = `detectAppliedSuggestions(${target.ref.owner}/${target.ref.repo}#${target.prNumber})`;
  checkTarget(where, target);
  const { codeHost } = deps;
  const prisma = deps.store.prisma;

  const reviewComments = target.reviewComments ?? (await codeHost.listReviewComments(target.ref, target.prNumber));
  const posted: Array<PostedSuggestion & { fingerprint: string; line: number | null }> = [];
  for (const c of reviewComments) {
    if (c.inReplyToId !== null || !c.author || !isBotAuthor(c.author)) continue;
    const fingerprint = parseFindingMarkers(c.body)[0];
    const replacement = parseSuggestionBlock(c.body);
    if (fingerprint === undefined || replacement === undefined) continue;
    posted.push({
      commentId: c.id,
      path: c.path,
      replacement,
      originalCommitId: c.originalCommitId,
      createdAt: c.createdAt,
      fingerprint,
      line: c.originalLine,
    });
  }
  const result: CollectionResult = { recorded: [], alreadyRecorded: 0, skipped: [] };
  if (posted.length === 0) return result;

  const stored = await prisma.feedback.findMany({
    where: { sourceKey: { in: posted.map((s) => suggestionSourceKey(target.repositoryId, s.commentId)) } },
    select: { sourceKey: true },
  });
  const known = new Set(stored.map((r) => r.sourceKey));
  const pending = posted.filter((s) => !known.has(suggestionSourceKey(target.repositoryId, s.commentId)));
  result.alreadyRecorded = posted.length - pending.length;
  if (pending.length === 0) return result;

  const commits = await codeHost.listPullRequestCommits(target.ref, target.prNumber);
  const files = new Map<string, readonly PullRequestFile[]>();
  const applied: Array<{ suggestion: (typeof pending)[number]; commit: PullRequestCommit; match: string }> = [];
  for (const suggestion of pending) {
    for (const commit of candidateCommits(suggestion, commits)) {
      let changed = files.get(commit.sha);
      if (changed === undefined) {
        if (files.size >= MAX_INSPECTED_COMMITS) {
          result.skipped.push({
            sourceKey: suggestionSourceKey(target.repositoryId, suggestion.commentId),
            reason: `more than ${MAX_INSPECTED_COMMITS} commits to read; the rest is checked by the next collection`,
          });
          break;
        }
        changed = await codeHost.getCommitFiles(target.ref, commit.sha);
        files.set(commit.sha, changed);
      }
      const match = matchAppliedSuggestion(suggestion, { message: commit.message, files: changed });
      if (match !== null) {
        applied.push({ suggestion, commit, match });
        break;
      }
    }
  }
  if (applied.length === 0) return result;

  const findings = await resolveFindings(prisma, target.repositoryId, applied.map((a) => a.suggestion.fingerprint));
  const candidates: FeedbackCandidate[] = applied.map(({ suggestion, commit, match }) => {
    const finding = findings.get(suggestion.fingerprint);
    const subject = (commit.message.split("\n")[0] ?? "").trim();
    return {
      repositoryId: target.repositoryId,
      kind: "suggestion_applied",
      actor: (commit.author as { login: string }).login,
      sourceKey: suggestionSourceKey(target.repositoryId, suggestion.commentId),
      executionId: finding?.executionId ?? null,
      findingId: finding?.findingId ?? null,
      backend: finding?.backend ?? null,
      detail: {
        commentId: suggestion.commentId,
        fingerprint: suggestion.fingerprint,
        ...(finding ? { ruleId: finding.ruleId } : {}),
        path: suggestion.path,
        ...(suggestion.line === null ? {} : { line: suggestion.line }),
        commitSha: commit.sha,
        commitMessage: subject.length > 200 ? `${subject.slice(0, 199)}…` : subject,
        viaGitHubSuggestion: GITHUB_SUGGESTION_MESSAGE.test(subject),
        match,
        prNumber: target.prNumber,
      },
    };
  });
  const canWrite = deps.canWrite ?? cachePermissions(deps.getPermission);
  const written = await writeFeedback(prisma, canWrite, target.ref, candidates);
  return {
    recorded: written.recorded,
    alreadyRecorded: result.alreadyRecorded + written.alreadyRecorded,
    skipped: [...result.skipped, ...written.skipped],
  };
}
