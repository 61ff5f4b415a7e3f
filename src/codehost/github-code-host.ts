import { z } from "zod";
import { parseFindingMarkers } from "../qa/finding-marker.ts";
import type { DiffStatus } from "../qa/parse-diff.ts";
import { appendUnplacedComments, MAX_BODY_LENGTH } from "./append-unplaced-comments.ts";
import type {
  Author,
  CheckRunAnnotation,
  CodeHost,
  CommentReaction,
  IssueCommentSummary,
  PullRequestCommit,
  PullRequestFile,
  PullRequestInfo,
  RepoRef,
  ReviewComment,
  ReviewCommentSummary,
  ReviewThread,
} from "./code-host.ts";
import {
  parseReviewThreadsPage,
  RESOLVE_REVIEW_THREAD_MUTATION,
  ResolveReviewThreadResult,
  REVIEW_THREADS_QUERY,
} from "./graphql-review-threads.ts";
import { fitsHunks, parseHunkRanges, type HunkRange } from "./parse-hunk-ranges.ts";

/**
 * The part of an Octokit instance this module uses: `request` with a route string. A ProbotOctokit
 * (from `context.octokit` or `app.auth(installationId)`) and an `@octokit/rest` Octokit both fit.
 */
export interface OctokitLike {
  request(
    route: string,
    parameters?: Record<string, unknown>,
  ): Promise<{ status: number; data: unknown; headers: { [header: string]: string | number | undefined } }>;
  /**
   * GitHub's GraphQL API (review threads exist nowhere else). Octokit's `graphql` sends it to
   * `/graphql`, or `/api/graphql` for a GitHub Enterprise base URL ending in `/api/v3`.
   */
  graphql?(query: string, parameters?: Record<string, unknown>): Promise<unknown>;
}

/** GitHub accepts at most this many annotations per check-run request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Check-run output summary and text are limited to this many characters. */
const MAX_CHECK_OUTPUT = 65_535;
/** Leave-one-out probing of a refused review is only tried for this many remaining comments. */
const MAX_LEAVE_ONE_OUT = 10;
/** GET .../pulls/{n}/files lists at most 3000 files (30 pages of 100). */
const MAX_FILE_PAGES = 30;
/** Upper bound for listing issue comments (100 per page). */
const MAX_COMMENT_PAGES = 100;
/** GET .../pulls/{n}/commits lists at most 250 commits. */
const MAX_COMMIT_PAGES = 3;
/** Upper bound for listing a comment's reactions and an issue's events (100 per page). */
const MAX_REACTION_PAGES = 10;
const MAX_EVENT_PAGES = 30;
/** Upper bound for listing reviews, review threads and a check run's annotations (100 per page). */
const MAX_REVIEW_PAGES = 30;
const MAX_THREAD_PAGES = 50;
const MAX_ANNOTATION_PAGES = 30;

const User = z.object({ login: z.string(), type: z.string() }).nullish();
const IssueComment = z.object({
  id: z.number(),
  html_url: z.string(),
  body: z.string().nullish(),
  user: User,
  issue_url: z.string().optional(),
});
type IssueComment = z.infer<typeof IssueComment>;
const PullRequest = z.object({
  number: z.number(),
  html_url: z.string(),
  title: z.string(),
  body: z.string().nullish(),
  draft: z.boolean().nullish(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
});
type PullRequest = z.infer<typeof PullRequest>;
const PullRequestFull = PullRequest.extend({
  state: z.enum(["open", "closed"]),
  merged: z.boolean().nullish(),
  merged_at: z.string().nullish(),
  created_at: z.string().nullish(),
  closed_at: z.string().nullish(),
  merged_by: User,
  user: User,
  head: z.object({ ref: z.string(), sha: z.string(), repo: z.object({ full_name: z.string() }).nullish() }),
});
const PullFile = z.object({
  filename: z.string(),
  previous_filename: z.string().nullish(),
  status: z.string().optional(),
  additions: z.number().optional(),
  deletions: z.number().optional(),
  changes: z.number().optional(),
  patch: z.string().nullish(),
});
const Review = z.object({ id: z.number(), html_url: z.string() });
const ReviewListed = z.object({
  id: z.number(),
  body: z.string().nullish(),
  state: z.string(),
  commit_id: z.string().nullish(),
  user: User,
});
const ReviewCommentCreated = z.object({ id: z.number(), html_url: z.string() });
const CheckRun = z.object({ id: z.number(), html_url: z.string().nullish(), url: z.string().nullish() });
const CheckRunListed = CheckRun.extend({
  name: z.string(),
  head_sha: z.string(),
  output: z.object({ annotations_count: z.number().nullish() }).nullish(),
});
const CheckRunList = z.object({ total_count: z.number(), check_runs: z.array(CheckRunListed) });
const ListedReaction = z.object({ id: z.number(), content: z.string(), user: User, created_at: z.string().nullish() });
const ListedIssueComment = IssueComment.extend({ created_at: z.string().nullish() });
const ListedReviewComment = z.object({
  id: z.number(),
  body: z.string().nullish(),
  user: User,
  path: z.string(),
  line: z.number().nullish(),
  start_line: z.number().nullish(),
  original_line: z.number().nullish(),
  original_start_line: z.number().nullish(),
  commit_id: z.string().nullish(),
  original_commit_id: z.string().nullish(),
  in_reply_to_id: z.number().nullish(),
  html_url: z.string().nullish(),
  created_at: z.string().nullish(),
});
const ListedCommit = z.object({
  sha: z.string(),
  commit: z.object({
    message: z.string().nullish(),
    author: z.object({ name: z.string().nullish(), email: z.string().nullish(), date: z.string().nullish() }).nullish(),
    committer: z.object({ date: z.string().nullish() }).nullish(),
  }),
  author: User,
  parents: z.array(z.object({ sha: z.string() })).nullish(),
});
const CommitWithFiles = z.object({ sha: z.string(), files: z.array(PullFile).nullish() });
const IssueEvent = z.object({ event: z.string(), actor: User });
const ListedAnnotation = z.object({
  path: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  annotation_level: z.string().nullish(),
  title: z.string().nullish(),
  message: z.string().nullish(),
});

/** GitHub's file statuses in DiffFile terms ("copied" files are new files, like parseDiff reports them). */
const FILE_STATUS: Record<string, DiffStatus> = {
  added: "added",
  removed: "deleted",
  modified: "modified",
  renamed: "renamed",
  copied: "added",
  changed: "modified",
  unchanged: "modified",
};

function parseResponse<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new Error(`GitHub answered ${what} with an unexpected body: ${problems}`);
}

/** The HTTP status of an Octokit RequestError (or anything shaped like one). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** Error message plus the response body, to look for GitHub's explanation in either. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  return `${message} ${data === undefined ? "" : JSON.stringify(data)}`;
}

const normalizeNewlines = (s: string): string => s.replace(/\r\n/g, "\n");

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function toPullRequestFile(f: z.infer<typeof PullFile>): PullRequestFile {
  const file: PullRequestFile = {
    path: f.filename,
    status: FILE_STATUS[f.status ?? "modified"] ?? "modified",
    additions: f.additions ?? 0,
    deletions: f.deletions ?? 0,
  };
  if (f.previous_filename) file.previousPath = f.previous_filename;
  if (typeof f.patch === "string") file.patch = f.patch;
  return file;
}

function toReaction(r: z.infer<typeof ListedReaction>): CommentReaction {
  return { id: r.id, content: r.content, user: toAuthor(r.user), createdAt: r.created_at ?? "" };
}

function repoName(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

function toAuthor(user: z.infer<typeof User>): Author | null {
  return user ? { login: user.login, bot: user.type === "Bot" } : null;
}

/** What makes two annotations the same, to avoid sending one a check run already has. */
function annotationKey(a: { [field: string]: unknown }): string {
  return JSON.stringify([a.path, a.start_line, a.end_line, a.annotation_level ?? "", a.title ?? "", a.message ?? ""]);
}

/** A GraphQL error answer (HTTP 200 with `errors`), as @octokit/graphql throws it: it has no HTTP status. */
function isGraphqlResponseError(error: unknown): error is Error & { errors?: Array<{ type?: string; message?: string }> } {
  return error instanceof Error && statusOf(error) === undefined && Array.isArray((error as { errors?: unknown }).errors);
}

/** Hidden marker that identifies the comment for `topic`; the trailing ` -->` keeps topics from matching prefixes. */
function markerFor(topic: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(topic)) {
    throw new Error(
      `ensureComment: invalid topic ${JSON.stringify(topic)}; use letters, digits and . _ : / - (it goes into an HTML comment marker)`,
    );
  }
  return `<!-- moderator:${topic} -->`;
}

/** A comment GitHub could refuse for reasons we can see without asking: moved to the body up front. */
function isMalformed(c: ReviewComment): boolean {
  return (
    c.path.trim() === "" ||
    !Number.isInteger(c.line) ||
    c.line < 1 ||
    (c.startLine !== undefined && (!Number.isInteger(c.startLine) || c.startLine < 1 || c.startLine > c.line))
  );
}

function toApiComment(c: ReviewComment): Record<string, unknown> {
  const multiLine = c.startLine !== undefined && c.startLine < c.line;
  return {
    path: c.path,
    line: c.line,
    side: "RIGHT",
    ...(multiLine ? { start_line: c.startLine, start_side: "RIGHT" } : {}),
    body: c.body,
  };
}

function sanitizeAnnotation(a: CheckRunAnnotation): Record<string, unknown> {
  const start = Math.max(1, Math.trunc(a.start_line));
  const end = Math.max(start, Math.trunc(a.end_line));
  return {
    path: a.path,
    start_line: start,
    end_line: end,
    annotation_level: a.annotation_level,
    title: truncate(a.title, 255),
    message: truncate(a.message === "" ? a.title : a.message, 64_000),
    ...(a.raw_details === undefined ? {} : { raw_details: truncate(a.raw_details, 64_000) }),
  };
}

/**
 * The CodeHost backed by GitHub's REST API through an installation-authenticated Octokit.
 * Octokit's RequestError propagates (the caller decides what is transient), except where a method
 * documents a recovery.
 */
export function createGitHubCodeHost(octokit: OctokitLike): CodeHost {
  /**
   * Pages through a list endpoint (100 per page) until `stop` returns true, the Link header has no
   * next page, or `maxPages` pages were read.
   */
  async function eachPage<S extends z.ZodType>(
    route: string,
    params: Record<string, unknown>,
    item: S,
    maxPages: number,
    stop: (items: Array<z.infer<S>>) => boolean,
  ): Promise<void> {
    for (let page = 1; page <= maxPages; page += 1) {
      const res = await octokit.request(route, { ...params, per_page: 100, page });
      const items = parseResponse(z.array(item), res.data, route);
      if (stop(items)) return;
      const link = res.headers.link;
      if (items.length === 0 || typeof link !== "string" || !/rel="next"/.test(link)) return;
    }
  }

  async function getComment(ref: RepoRef, commentId: number): Promise<IssueComment | undefined> {
    try {
      const res = await octokit.request("GET /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner: ref.owner,
        repo: ref.repo,
        comment_id: commentId,
      });
      return parseResponse(IssueComment, res.data, "GET /repos/{owner}/{repo}/issues/comments/{comment_id}");
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  const isOurs = (c: IssueComment, marker: string): boolean =>
    c.user?.type === "Bot" && (c.body ?? "").includes(marker);

  async function findComment(ref: RepoRef, issueNumber: number, marker: string): Promise<IssueComment | undefined> {
    let found: IssueComment | undefined;
    await eachPage(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { owner: ref.owner, repo: ref.repo, issue_number: issueNumber },
      IssueComment,
      MAX_COMMENT_PAGES,
      (items) => {
        found = items.find((c) => isOurs(c, marker));
        return found !== undefined;
      },
    );
    return found;
  }

  /** RIGHT-side hunk ranges per file of the pull request; `undefined` for files GitHub gives no patch for. */
  async function listHunks(ref: RepoRef, pullNumber: number): Promise<Map<string, HunkRange[] | undefined>> {
    const hunks = new Map<string, HunkRange[] | undefined>();
    await eachPage(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      { owner: ref.owner, repo: ref.repo, pull_number: pullNumber },
      PullFile,
      MAX_FILE_PAGES,
      (files) => {
        for (const f of files) {
          if (typeof f.patch === "string") hunks.set(f.filename, parseHunkRanges(f.patch));
          // No patch: a binary file or a pure rename (no changes: nothing to comment on), or a diff
          // too large for GitHub to return (changes: comments may still be fine, so unknown).
          else hunks.set(f.filename, (f.changes ?? 0) > 0 ? undefined : []);
        }
        return false;
      },
    );
    return hunks;
  }

  /** Every reaction on one comment (issue or review comment), all pages. */
  async function listReactions(route: string, ref: RepoRef, commentId: number): Promise<CommentReaction[]> {
    const reactions: CommentReaction[] = [];
    await eachPage(route, { owner: ref.owner, repo: ref.repo, comment_id: commentId }, ListedReaction, MAX_REACTION_PAGES, (items) => {
      reactions.push(...items.map(toReaction));
      return false;
    });
    return reactions;
  }

  function toPullRequestInfo(pr: PullRequest, created: boolean): PullRequestInfo {
    return { number: pr.number, url: pr.html_url, headSha: pr.head.sha, draft: pr.draft ?? false, created };
  }

  /** Runs a GraphQL document; GraphQL error answers become errors that say where and what GitHub said. */
  async function graphql(where: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
    if (typeof octokit.graphql !== "function") {
      throw new Error(`${where}: this Octokit has no graphql method (use a ProbotOctokit or an @octokit/rest Octokit)`);
    }
    try {
      return await octokit.graphql(query, variables);
    } catch (error) {
      if (!isGraphqlResponseError(error)) throw error; // HTTP errors keep their status for the retry policy
      const messages = (error.errors ?? []).map((e) => `${e.type ? `${e.type}: ` : ""}${e.message ?? "?"}`);
      throw new Error(`${where}: GitHub's GraphQL API answered with errors: ${messages.join("; ") || error.message}`, {
        cause: error,
      });
    }
  }

  /** The latest check run named `name` on `headSha`, with its annotation count; undefined when there is none. */
  async function findCheckRun(
    ref: RepoRef,
    headSha: string,
    name: string,
  ): Promise<{ id: number; annotationsCount: number } | undefined> {
    const res = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: ref.owner,
      repo: ref.repo,
      ref: headSha,
      check_name: name,
      filter: "latest",
      per_page: 100,
    });
    const list = parseResponse(CheckRunList, res.data, "GET /repos/{owner}/{repo}/commits/{ref}/check-runs");
    const runs = list.check_runs.filter((r) => r.name === name && r.head_sha === headSha).sort((a, b) => b.id - a.id);
    const run = runs[0];
    return run ? { id: run.id, annotationsCount: run.output?.annotations_count ?? 0 } : undefined;
  }

  /** How many annotations check run `id` has; undefined when the run does not exist (any more). */
  async function countAnnotations(ref: RepoRef, id: number): Promise<number | undefined> {
    try {
      const res = await octokit.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        owner: ref.owner,
        repo: ref.repo,
        check_run_id: id,
      });
      return parseResponse(CheckRunListed, res.data, "GET /repos/{owner}/{repo}/check-runs/{check_run_id}").output?.annotations_count ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async function listAnnotationKeys(ref: RepoRef, id: number): Promise<Set<string>> {
    const keys = new Set<string>();
    await eachPage(
      "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
      { owner: ref.owner, repo: ref.repo, check_run_id: id },
      ListedAnnotation,
      MAX_ANNOTATION_PAGES,
      (items) => {
        for (const a of items) keys.add(annotationKey(a));
        return false;
      },
    );
    return keys;
  }

  return {
    async addCommentReaction(ref, commentId, content) {
      await octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        owner: ref.owner,
        repo: ref.repo,
        comment_id: commentId,
        content,
      });
    },
    async addIssueReaction(ref, issueNumber, content) {
      // GitHub answers 200 when this reaction already exists and 201 when it was created.
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions", {
        owner: ref.owner,
        repo: ref.repo,
        issue_number: issueNumber,
        content,
      });
    },

    async addLabels(ref, issueNumber, labels) {
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner: ref.owner, repo: ref.repo, issue_number: issueNumber, labels });
    },

    async closePullRequest(ref, pullNumber, comment) {
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: ref.owner, repo: ref.repo, issue_number: pullNumber, body: comment });
      await octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner: ref.owner, repo: ref.repo, pull_number: pullNumber, state: "closed" });
    },

    async removeLabel(ref, issueNumber, label) {
      try {
        await octokit.request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", { owner: ref.owner, repo: ref.repo, issue_number: issueNumber, name: label });
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err;
      }
    },

    async ensureComment(ref, issueNumber, topic, body, commentId) {
      const marker = markerFor(topic);
      const fullBody = `${truncate(body.trimEnd(), MAX_BODY_LENGTH - marker.length - 2)}\n\n${marker}`;

      let existing: IssueComment | undefined;
      if (commentId !== undefined) {
        const byId = await getComment(ref, commentId);
        // Only trust the remembered id while it is still our comment for this topic on this issue.
        const sameIssue = byId?.issue_url === undefined || byId.issue_url.endsWith(`/issues/${issueNumber}`);
        if (byId && sameIssue && isOurs(byId, marker)) existing = byId;
      }
      existing ??= await findComment(ref, issueNumber, marker);

      if (existing) {
        if (normalizeNewlines(existing.body ?? "") === normalizeNewlines(fullBody)) {
          return { id: existing.id, url: existing.html_url, created: false, updated: false };
        }
        const res = await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          owner: ref.owner,
          repo: ref.repo,
          comment_id: existing.id,
          body: fullBody,
        });
        const updated = parseResponse(IssueComment, res.data, "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}");
        return { id: updated.id, url: updated.html_url, created: false, updated: true };
      }

      const res = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: ref.owner,
        repo: ref.repo,
        issue_number: issueNumber,
        body: fullBody,
      });
      const created = parseResponse(IssueComment, res.data, "POST /repos/{owner}/{repo}/issues/{issue_number}/comments");
      return { id: created.id, url: created.html_url, created: true, updated: false };
    },

    async ensurePullRequest(ref, input) {
      const body = truncate(input.body, MAX_BODY_LENGTH);
      const list = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner: ref.owner,
        repo: ref.repo,
        head: `${ref.owner}:${input.branch}`,
        state: "open",
        per_page: 100,
      });
      const open = parseResponse(z.array(PullRequest), list.data, "GET /repos/{owner}/{repo}/pulls");
      const found = open.find((pr) => pr.head.ref === input.branch);

      if (found) {
        const changes: Record<string, unknown> = {};
        if (found.title !== input.title) changes.title = input.title;
        if (normalizeNewlines(found.body ?? "") !== normalizeNewlines(body)) changes.body = body;
        if (found.base.ref !== input.base) changes.base = input.base;
        if (Object.keys(changes).length === 0) return toPullRequestInfo(found, false);
        const res = await octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
          owner: ref.owner,
          repo: ref.repo,
          pull_number: found.number,
          ...changes,
        });
        return toPullRequestInfo(parseResponse(PullRequest, res.data, "PATCH /repos/{owner}/{repo}/pulls/{pull_number}"), false);
      }

      const create = async (draft: boolean) => {
        const res = await octokit.request("POST /repos/{owner}/{repo}/pulls", {
          owner: ref.owner,
          repo: ref.repo,
          title: input.title,
          head: input.branch,
          base: input.base,
          body,
          draft,
        });
        return parseResponse(PullRequest, res.data, "POST /repos/{owner}/{repo}/pulls");
      };
      try {
        return toPullRequestInfo(await create(input.draft), true);
      } catch (error) {
        // Private repositories on some plans have no draft pull requests: open a ready one instead
        // of failing the run; `draft: false` in the result tells the caller.
        if (input.draft && statusOf(error) === 422 && /draft pull requests are not supported/i.test(errorText(error))) {
          return toPullRequestInfo(await create(false), true);
        }
        throw error;
      }
    },

    /*
     * GitHub creates a review all-or-nothing: one comment outside the diff and the whole call fails
     * with 422, without saying which comment. Every successful call IS a review, so probes must be
     * calls we are content to keep. The strategy, each step only while the previous one was refused:
     *   0. comments we can see are malformed (empty path, line < 1, startLine > line) go to the body;
     *   1. post all other comments inline;
     *   2. on 422, read the pull request's files (no review is created) and move every comment whose
     *      line (and startLine) is not inside one hunk of its file's patch to the body, then post again
     *      if that moved anything (files GitHub gives no patch for stay candidates);
     *   3. still refused: leave one out, from the last comment to the first (at most
     *      MAX_LEAVE_ONE_OUT candidates). The first success drops exactly one comment, which is the
     *      best possible review when a single comment was the problem, the common case after step 2;
     *   4. otherwise post the body alone with every comment in it; if even that fails, throw.
     * Only the successful call creates a review, so at most one review is ever posted.
     */
    async createReview(ref, pullNumber, input) {
      const where = `createReview(${repoName(ref)}#${pullNumber})`;
      if (input.body.trim() === "" && input.comments.length === 0) {
        throw new Error(`${where}: a review needs a body or at least one comment`);
      }

      const post = async (inline: readonly ReviewComment[], moved: readonly ReviewComment[]) => {
        const res = await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
          owner: ref.owner,
          repo: ref.repo,
          pull_number: pullNumber,
          commit_id: input.commitSha,
          event: "COMMENT",
          body: appendUnplacedComments(input.body, moved),
          comments: inline.map(toApiComment),
        });
        const review = parseResponse(Review, res.data, "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews");
        return { id: review.id, url: review.html_url, inlineCount: inline.length, movedToBody: moved.length };
      };
      /** Posts; null when GitHub refused the comments with 422, any other error propagates. */
      const attempt = async (inline: readonly ReviewComment[], moved: readonly ReviewComment[]) => {
        try {
          return await post(inline, moved);
        } catch (error) {
          if (statusOf(error) === 422 && inline.length > 0) return null;
          throw error;
        }
      };

      const malformed = input.comments.filter(isMalformed);
      let candidates = input.comments.filter((c) => !isMalformed(c));
      let moved = [...malformed];
      if (candidates.length === 0) return post([], moved);

      const first = await attempt(candidates, moved);
      if (first) return first;

      // Without the file list (an error reading it), step 2 has nothing to go on and is skipped.
      const hunks = await listHunks(ref, pullNumber).catch(() => undefined);
      const outside = candidates.filter((c) => {
        if (hunks === undefined) return false;
        if (!hunks.has(c.path)) return true;
        const ranges = hunks.get(c.path);
        return ranges !== undefined && !fitsHunks(ranges, c.line, c.startLine);
      });
      if (outside.length > 0) {
        candidates = candidates.filter((c) => !outside.includes(c));
        moved = [...moved, ...outside];
        if (candidates.length === 0) return post([], moved);
        const second = await attempt(candidates, moved);
        if (second) return second;
      }

      if (candidates.length <= MAX_LEAVE_ONE_OUT) {
        for (let i = candidates.length - 1; i >= 0; i -= 1) {
          const left = candidates[i] as ReviewComment;
          const rest = candidates.filter((_, j) => j !== i);
          if (rest.length === 0) break;
          const result = await attempt(rest, [...moved, left]);
          if (result) return result;
        }
      }

      try {
        return await post([], [...moved, ...candidates]);
      } catch (error) {
        if (statusOf(error) !== 422) throw error;
        throw new Error(`${where}: GitHub refused the review even without inline comments: ${errorText(error)}`, {
          cause: error,
        });
      }
    },

    async upsertCheckRun(ref, input) {
      const where = `upsertCheckRun(${repoName(ref)}, "${input.name}")`;
      if (input.status === "completed" && input.conclusion === undefined) {
        throw new Error(`${where}: status "completed" needs a conclusion`);
      }
      const annotations = (input.annotations ?? []).map(sanitizeAnnotation);
      const output = {
        title: truncate(input.title, 1_000),
        summary: truncate(input.summary, MAX_CHECK_OUTPUT),
        ...(input.text === undefined ? {} : { text: truncate(input.text, MAX_CHECK_OUTPUT) }),
      };
      const fields = {
        name: input.name,
        status: input.conclusion === undefined ? input.status : "completed",
        ...(input.conclusion === undefined
          ? {}
          : { conclusion: input.conclusion, completed_at: new Date().toISOString() }),
        ...(input.detailsUrl === undefined ? {} : { details_url: input.detailsUrl }),
        ...(input.externalId === undefined ? {} : { external_id: input.externalId }),
        ...(input.actions === undefined ? {} : { actions: input.actions.slice(0, 3) }),
      };

      /** Sends `toSend` in batches: the first with the create/update itself, the rest appended. */
      const write = async (existingId: number | undefined, toSend: Array<Record<string, unknown>>) => {
        const body = { ...fields, output: { ...output, annotations: toSend.slice(0, ANNOTATIONS_PER_REQUEST) } };
        const res =
          existingId === undefined
            ? await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
                owner: ref.owner,
                repo: ref.repo,
                head_sha: input.headSha,
                ...body,
              })
            : await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
                owner: ref.owner,
                repo: ref.repo,
                check_run_id: existingId,
                ...body,
              });
        const run = parseResponse(CheckRun, res.data, "the check-run request");
        // GitHub appends the annotations of every update to the ones the run already has.
        for (let i = ANNOTATIONS_PER_REQUEST; i < toSend.length; i += ANNOTATIONS_PER_REQUEST) {
          await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
            owner: ref.owner,
            repo: ref.repo,
            check_run_id: run.id,
            output: { ...output, annotations: toSend.slice(i, i + ANNOTATIONS_PER_REQUEST) },
          });
        }
        return { id: run.id, url: run.html_url ?? run.url ?? "" };
      };

      // The run to update: the given id, else the latest run of this name on this head sha (a retried or
      // resumed job, or a second process, must not add a second run next to it).
      let existing: { id: number; annotationsCount?: number } | undefined =
        input.id === undefined ? await findCheckRun(ref, input.headSha, input.name) : { id: input.id };
      let toSend = annotations;
      if (existing && annotations.length > 0) {
        const count = existing.annotationsCount ?? (await countAnnotations(ref, existing.id));
        if (count === undefined) existing = undefined; // the run is gone: create a new one
        else if (count > 0) {
          const have = await listAnnotationKeys(ref, existing.id);
          toSend = annotations.filter((a) => !have.has(annotationKey(a)));
        }
      }
      if (existing === undefined) return write(undefined, annotations);
      try {
        return await write(existing.id, toSend);
      } catch (error) {
        // A run found by name that we may not update (another app's: 403) or that vanished (404): create ours.
        const status = statusOf(error);
        if (input.id === undefined && (status === 403 || status === 404)) return write(undefined, annotations);
        throw error;
      }
    },

    async listReviewThreads(ref, pullNumber) {
      const where = `listReviewThreads(${repoName(ref)}#${pullNumber})`;
      const threads: ReviewThread[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MAX_THREAD_PAGES; page += 1) {
        const data = await graphql(where, REVIEW_THREADS_QUERY, {
          owner: ref.owner,
          repo: ref.repo,
          number: pullNumber,
          cursor,
        });
        const parsed = parseReviewThreadsPage(data, where);
        threads.push(...parsed.threads);
        if (parsed.nextCursor === null || parsed.nextCursor === cursor) break;
        cursor = parsed.nextCursor;
      }
      return threads;
    },

    async listReviews(ref, pullNumber) {
      const reviews: Array<z.infer<typeof ReviewListed>> = [];
      await eachPage(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        { owner: ref.owner, repo: ref.repo, pull_number: pullNumber },
        ReviewListed,
        MAX_REVIEW_PAGES,
        (items) => {
          reviews.push(...items);
          return false;
        },
      );
      return reviews.map((r) => {
        const author = toAuthor(r.user);
        const body = r.body ?? "";
        return {
          id: r.id,
          body,
          state: r.state,
          commitId: r.commit_id ?? null,
          author,
          fingerprints: author?.bot ? parseFindingMarkers(body) : [],
        };
      });
    },

    async resolveReviewThread(threadId) {
      const where = `resolveReviewThread(${JSON.stringify(threadId)})`;
      if (typeof threadId !== "string" || threadId.trim() === "") {
        throw new Error(`${where}: the thread id must be a GraphQL node id (e.g. "PRRT_..."), got an empty string`);
      }
      const data = await graphql(where, RESOLVE_REVIEW_THREAD_MUTATION, { threadId });
      const result = ResolveReviewThreadResult.safeParse(data);
      if (!result.success || result.data.resolveReviewThread === null) {
        throw new Error(`${where}: GitHub's GraphQL answer has no resolved thread: ${JSON.stringify(data)}`);
      }
      return { isResolved: result.data.resolveReviewThread.thread.isResolved };
    },

    async replyToReviewComment(ref, pullNumber, commentId, body) {
      const where = `replyToReviewComment(${repoName(ref)}#${pullNumber}, ${commentId})`;
      if (!Number.isInteger(commentId) || commentId < 1) throw new Error(`${where}: the comment id must be a positive integer`);
      if (body.trim() === "") throw new Error(`${where}: the reply needs a body`);
      const res = await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", {
        owner: ref.owner,
        repo: ref.repo,
        pull_number: pullNumber,
        comment_id: commentId,
        body: truncate(body, MAX_BODY_LENGTH),
      });
      const created = parseResponse(
        ReviewCommentCreated,
        res.data,
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
      );
      return { id: created.id, url: created.html_url };
    },

    async getPullRequest(ref, pullNumber) {
      const res = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: ref.owner,
        repo: ref.repo,
        pull_number: pullNumber,
      });
      const pr = parseResponse(PullRequestFull, res.data, "GET /repos/{owner}/{repo}/pulls/{pull_number}");
      return {
        number: pr.number,
        url: pr.html_url,
        title: pr.title,
        body: pr.body ?? "",
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        headRepo: pr.head.repo?.full_name ?? null,
        baseRef: pr.base.ref,
        state: pr.state,
        merged: pr.merged ?? (pr.merged_at !== null && pr.merged_at !== undefined),
        draft: pr.draft ?? false,
        author: toAuthor(pr.user),
      };
    },

    async listPullRequestFiles(ref, pullNumber) {
      const files: PullRequestFile[] = [];
      await eachPage(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        { owner: ref.owner, repo: ref.repo, pull_number: pullNumber },
        PullFile,
        MAX_FILE_PAGES,
        (items) => {
          for (const f of items) {
            const file: PullRequestFile = {
              path: f.filename,
              status: FILE_STATUS[f.status ?? "modified"] ?? "modified",
              additions: f.additions ?? 0,
              deletions: f.deletions ?? 0,
            };
            if (f.previous_filename) file.previousPath = f.previous_filename;
            if (typeof f.patch === "string") file.patch = f.patch;
            files.push(file);
          }
          return false;
        },
      );
      return files;
    },

    async listIssueComments(ref, issueNumber) {
      const comments: IssueCommentSummary[] = [];
      await eachPage(
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
        { owner: ref.owner, repo: ref.repo, issue_number: issueNumber },
        ListedIssueComment,
        MAX_COMMENT_PAGES,
        (items) => {
          for (const c of items) {
            comments.push({ id: c.id, body: c.body ?? "", author: toAuthor(c.user), url: c.html_url, createdAt: c.created_at ?? "" });
          }
          return false;
        },
      );
      return comments;
    },

    async listReviewComments(ref, pullNumber) {
      const comments: ReviewCommentSummary[] = [];
      await eachPage(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
        { owner: ref.owner, repo: ref.repo, pull_number: pullNumber },
        ListedReviewComment,
        MAX_COMMENT_PAGES,
        (items) => {
          for (const c of items) {
            comments.push({
              id: c.id,
              body: c.body ?? "",
              author: toAuthor(c.user),
              path: c.path,
              line: c.line ?? null,
              startLine: c.start_line ?? null,
              originalLine: c.original_line ?? c.line ?? null,
              originalStartLine: c.original_start_line ?? c.start_line ?? null,
              originalCommitId: c.original_commit_id ?? c.commit_id ?? null,
              inReplyToId: c.in_reply_to_id ?? null,
              url: c.html_url ?? "",
              createdAt: c.created_at ?? "",
            });
          }
          return false;
        },
      );
      return comments;
    },

    listIssueCommentReactions: (ref, commentId) => listReactions("GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", ref, commentId),

    listReviewCommentReactions: (ref, commentId) => listReactions("GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions", ref, commentId),

    async listPullRequestCommits(ref, pullNumber) {
      const commits: PullRequestCommit[] = [];
      await eachPage(
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
        { owner: ref.owner, repo: ref.repo, pull_number: pullNumber },
        ListedCommit,
        MAX_COMMIT_PAGES,
        (items) => {
          for (const c of items) {
            commits.push({
              sha: c.sha,
              message: c.commit.message ?? "",
              author: toAuthor(c.author),
              authorName: c.commit.author?.name ?? null,
              authorEmail: c.commit.author?.email ?? null,
              committedAt: c.commit.committer?.date ?? c.commit.author?.date ?? null,
              parents: (c.parents ?? []).map((p) => p.sha),
            });
          }
          return false;
        },
      );
      return commits;
    },

    async getCommitFiles(ref, sha) {
      const route = "GET /repos/{owner}/{repo}/commits/{ref}";
      if (typeof sha !== "string" || !/^[0-9a-f]{4,64}$/i.test(sha)) {
        throw new Error(`getCommitFiles(${repoName(ref)}): ${JSON.stringify(sha)} is not a commit sha`);
      }
      const files: PullRequestFile[] = [];
      // The files of one commit come 300 per page by default and are paged like a list.
      for (let page = 1; page <= MAX_FILE_PAGES; page += 1) {
        const res = await octokit.request(route, { owner: ref.owner, repo: ref.repo, ref: sha, per_page: 100, page });
        const commit = parseResponse(CommitWithFiles, res.data, route);
        const items = commit.files ?? [];
        files.push(...items.map(toPullRequestFile));
        const link = res.headers.link;
        if (items.length === 0 || typeof link !== "string" || !/rel="next"/.test(link)) break;
      }
      return files;
    },

    async getPullRequestClosing(ref, pullNumber) {
      const route = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
      const res = await octokit.request(route, { owner: ref.owner, repo: ref.repo, pull_number: pullNumber });
      const pr = parseResponse(PullRequestFull, res.data, route);
      const merged = pr.merged ?? (pr.merged_at !== null && pr.merged_at !== undefined);
      const mergedBy = merged ? (pr.merged_by?.login ?? null) : null;
      let closedBy: string | null = null;
      if (pr.state === "closed") {
        // A pull request does not say who closed it; its latest `closed` event does (events come oldest first).
        closedBy = mergedBy;
        if (closedBy === null) {
          await eachPage(
            "GET /repos/{owner}/{repo}/issues/{issue_number}/events",
            { owner: ref.owner, repo: ref.repo, issue_number: pullNumber },
            IssueEvent,
            MAX_EVENT_PAGES,
            (items) => {
              for (const e of items) if (e.event === "closed") closedBy = e.actor?.login ?? null;
              return false;
            },
          );
        }
      }
      return {
        state: pr.state,
        merged,
        createdAt: pr.created_at ?? null,
        closedAt: pr.closed_at ?? null,
        mergedAt: pr.merged_at ?? null,
        mergedBy,
        closedBy,
      };
    },
  };
}
