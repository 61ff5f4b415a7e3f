import type { Finding } from "../qa/finding.ts";

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
}

export interface CodeHost {
  /** Add a reaction (e.g. "eyes") to an issue; no-op when it exists. */
  addIssueReaction(ref: RepoRef, issueNumber: number, content: "eyes" | "+1" | "rocket" | "confused"): Promise<void>;
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
  /** Create or update a check run; annotations are sent in batches of at most 50. */
  upsertCheckRun(ref: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string }>;
}

export type { Finding };
