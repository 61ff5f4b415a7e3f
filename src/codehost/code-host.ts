import type { Finding } from "../qa/finding.ts";
import type { DiffStatus } from "../qa/parse-diff.ts";

/** Everything Moderator does on the code host. GitHub (Octokit) and Local (files) implement it. */
export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  url: string;
  headSha: string;
  draft: boolean;
  created: boolean;
}

/** One inline review comment; `line` is a line of the PR's head version inside a diff hunk. */
export interface ReviewComment {
  path: string;
  line: number;
  startLine?: number;
  body: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
  raw_details?: string;
}

export interface CheckRunInput {
  /** Existing check run to update; created when absent. */
  id?: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "neutral" | "cancelled" | "action_required";
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckRunAnnotation[];
  detailsUrl?: string;
  externalId?: string;
  /** Buttons on the check run (at most 3; label <= 20, description <= 40, identifier <= 20 characters). */
  actions?: Array<{ label: string; description: string; identifier: string }>;
}

/** Who wrote something on GitHub; `bot` is true for GitHub Apps (Moderator among them). */
export interface Author {
  login: string;
  bot: boolean;
}

/** One comment of a review thread. */
export interface ReviewThreadComment {
  /** The REST id (GraphQL `databaseId`): what `replyToReviewComment` takes. */
  id: number;
  body: string;
  /** null when the account was deleted. */
  author: Author | null;
  path: string;
  /** null once the thread is outdated (its line changed in a later push). */
  line: number | null;
}

/** One review thread of a pull request (GraphQL `PullRequestReviewThread`). */
export interface ReviewThread {
  /** GraphQL node id (`PRRT_...`): what `resolveReviewThread` takes. */
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  line: number | null;
  /** Login of the user who resolved it; null when unresolved or resolved by an app. */
  resolvedBy: string | null;
  /** The first comment is the thread's root. */
  comments: ReviewThreadComment[];
  /** Finding fingerprints in the hidden markers of the root comment when a bot (Moderator) wrote it; [] otherwise. */
  fingerprints: string[];
}

/** One submitted review of a pull request, as far as deduplication needs it. */
export interface PullRequestReviewSummary {
  id: number;
  body: string;
  state: string;
  commitId: string | null;
  author: Author | null;
  /** Finding fingerprints marked in the body when a bot (Moderator) wrote it; [] otherwise. */
  fingerprints: string[];
}

/** A pull request as the review-only run needs it (also for PRs Moderator did not open). */
export interface PullRequestDetails {
  number: number;
  url: string;
  title: string;
  body: string;
  headSha: string;
  headRef: string;
  /** `owner/name` of the head repository; differs from the base for a fork, null when the fork was deleted. */
  headRepo: string | null;
  baseRef: string;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  author: Author | null;
}

/** When and by whom a pull request was opened, closed and merged (what its outcome needs). */
export interface PullRequestClosing {
  state: "open" | "closed";
  merged: boolean;
  /** ISO times; null when not (yet) closed or merged, or when the code host does not say. */
  createdAt: string | null;
  closedAt: string | null;
  mergedAt: string | null;
  /** Login of whoever merged it; null when unmerged or unknown. */
  mergedBy: string | null;
  /** Login of whoever last closed it (the merger for a merge); null when open or unknown. */
  closedBy: string | null;
}

/** One changed file of a pull request (`GET /pulls/{n}/files`). */
export interface PullRequestFile {
  path: string;
  /** The old path of a renamed (or copied) file. */
  previousPath?: string;
  status: DiffStatus;
  additions: number;
  deletions: number;
  /** The unified-diff hunks; absent for binary files and diffs too large for GitHub to return. */
  patch?: string;
}

/** One reaction on a comment (GitHub's reactions API). */
export interface CommentReaction {
  id: number;
  /** "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket" or "eyes". */
  content: string;
  /** null when the account was deleted. */
  user: Author | null;
  createdAt: string;
}

/** One comment of an issue or of a pull request's conversation. */
export interface IssueCommentSummary {
  id: number;
  body: string;
  author: Author | null;
  url: string;
  createdAt: string;
}

/** One review comment of a pull request (REST), root or reply. */
export interface ReviewCommentSummary {
  id: number;
  body: string;
  author: Author | null;
  path: string;
  /** Line in the PR head; null once outdated (a later push changed it). */
  line: number | null;
  startLine: number | null;
  /** Line in the commit the comment was made on (stays after the comment is outdated). */
  originalLine: number | null;
  originalStartLine: number | null;
  /** The commit the comment was made on. */
  originalCommitId: string | null;
  /** The thread's root comment when this one is a reply; null for a root. */
  inReplyToId: number | null;
  url: string;
  createdAt: string;
}

/** One commit of a pull request, oldest first (GitHub lists at most 250). */
export interface PullRequestCommit {
  sha: string;
  message: string;
  /** The GitHub account of the commit's author; null when the author email matches no account. */
  author: Author | null;
  authorName: string | null;
  authorEmail: string | null;
  /** ISO time the commit was committed (as the committer says). */
  committedAt: string | null;
  parents: string[];
}

export interface CodeHost {
  /** Add a reaction (e.g. "eyes") to an issue; no-op when it exists. */
  addIssueReaction(ref: RepoRef, issueNumber: number, content: "eyes" | "+1" | "rocket" | "confused"): Promise<void>;
  /** Add a reaction to an issue comment (acknowledging a maintainer's answer at once); no-op when it exists. */
  addCommentReaction(ref: RepoRef, commentId: number, content: "eyes" | "+1" | "rocket" | "confused"): Promise<void>;
  /** Add labels to an issue or pull request (GitHub creates a missing label). */
  addLabels(ref: RepoRef, issueNumber: number, labels: string[]): Promise<void>;
  /** Close a pull request (with a comment saying why). */
  closePullRequest(ref: RepoRef, pullNumber: number, comment: string): Promise<void>;
  /** Remove a label; no-op when it is not there. */
  removeLabel(ref: RepoRef, issueNumber: number, label: string): Promise<void>;
  /**
   * Find the comment on `issueNumber` carrying the hidden marker for `topic` (or `commentId` when given
   * and still present); create it when missing; edit it only when the body changed. Returns its id and URL.
   */
  ensureComment(
    ref: RepoRef,
    issueNumber: number,
    topic: string,
    body: string,
    commentId?: number,
  ): Promise<{ id: number; url: string; created: boolean; updated: boolean }>;
  /** Find the open PR for head branch `branch`; create it when there is none; update title/body when found. */
  ensurePullRequest(
    ref: RepoRef,
    input: { branch: string; base: string; title: string; body: string; draft: boolean },
  ): Promise<PullRequestInfo>;
  /** One review with inline comments; on 422 retries without the refused comments (moved to the body). */
  createReview(
    ref: RepoRef,
    pullNumber: number,
    input: { commitSha: string; body: string; comments: ReviewComment[] },
  ): Promise<{ id: number; url: string; inlineCount: number; movedToBody: number }>;
  /**
   * Create or update a check run; annotations are sent in batches of at most 50. Without `id`, an existing
   * run with the same name on the same head sha is updated instead of creating a second one. Annotations
   * the run already has are not sent again (GitHub appends, so a repeated upsert would duplicate them).
   */
  upsertCheckRun(ref: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string }>;
  /** The pull request's review threads with their comments and the fingerprints Moderator marked in them. */
  listReviewThreads(ref: RepoRef, pullNumber: number): Promise<ReviewThread[]>;
  /** The pull request's submitted reviews, with the fingerprints marked in Moderator's review bodies. */
  listReviews(ref: RepoRef, pullNumber: number): Promise<PullRequestReviewSummary[]>;
  /** Mark a review thread resolved (GraphQL node id); resolving a resolved thread is a no-op. */
  resolveReviewThread(threadId: string): Promise<{ isResolved: boolean }>;
  /** Reply in the thread of review comment `commentId` (the thread's root comment). */
  replyToReviewComment(ref: RepoRef, pullNumber: number, commentId: number, body: string): Promise<{ id: number; url: string }>;
  /** One pull request; throws (404) when there is none with that number. */
  getPullRequest(ref: RepoRef, pullNumber: number): Promise<PullRequestDetails>;
  /** Every changed file of the pull request (GitHub lists at most 3000). */
  listPullRequestFiles(ref: RepoRef, pullNumber: number): Promise<PullRequestFile[]>;
  /** Every comment of an issue or of a pull request's conversation, oldest first. */
  listIssueComments(ref: RepoRef, issueNumber: number): Promise<IssueCommentSummary[]>;
  /** Every review comment of a pull request (roots and replies), oldest first. */
  listReviewComments(ref: RepoRef, pullNumber: number): Promise<ReviewCommentSummary[]>;
  /** The reactions on issue comment `commentId`; throws (404) when the comment does not exist. */
  listIssueCommentReactions(ref: RepoRef, commentId: number): Promise<CommentReaction[]>;
  /** The reactions on review comment `commentId`; throws (404) when the comment does not exist. */
  listReviewCommentReactions(ref: RepoRef, commentId: number): Promise<CommentReaction[]>;
  /** The pull request's commits, oldest first, without their files (see getCommitFiles). */
  listPullRequestCommits(ref: RepoRef, pullNumber: number): Promise<PullRequestCommit[]>;
  /** The files one commit changed, with their patches (GitHub lists at most 3000). */
  getCommitFiles(ref: RepoRef, sha: string): Promise<PullRequestFile[]>;
  /** When and by whom pull request `pullNumber` was opened, closed and merged; throws (404) when there is none. */
  getPullRequestClosing(ref: RepoRef, pullNumber: number): Promise<PullRequestClosing>;
}

export type { Finding };
