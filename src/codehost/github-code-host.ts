import { z } from "zod";
import { appendUnplacedComments, MAX_BODY_LENGTH } from "./append-unplaced-comments.ts";
import type {
  CheckRunAnnotation,
  CheckRunInput,
  CodeHost,
  PullRequestInfo,
  RepoRef,
  ReviewComment,
} from "./code-host.ts";
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
const PullFile = z.object({
  filename: z.string(),
  status: z.string().optional(),
  changes: z.number().optional(),
  patch: z.string().nullish(),
});
const Review = z.object({ id: z.number(), html_url: z.string() });
const CheckRun = z.object({ id: z.number(), html_url: z.string().nullish(), url: z.string().nullish() });

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

function repoName(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
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

  function toPullRequestInfo(pr: PullRequest, created: boolean): PullRequestInfo {
    return { number: pr.number, url: pr.html_url, headSha: pr.head.sha, draft: pr.draft ?? false, created };
  }

  return {
    async addIssueReaction(ref, issueNumber, content) {
      // GitHub answers 200 when this reaction already exists and 201 when it was created.
      await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions", {
        owner: ref.owner,
        repo: ref.repo,
        issue_number: issueNumber,
        content,
      });
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
      if (input.status === "completed" && input.conclusion === undefined) {
        throw new Error(`upsertCheckRun(${repoName(ref)}, "${input.name}"): status "completed" needs a conclusion`);
      }
      const annotations = (input.annotations ?? []).map(sanitizeAnnotation);
      const batches: Array<Array<Record<string, unknown>>> = [];
      for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
        batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
      }
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
        output: { ...output, annotations: batches[0] ?? [] },
      };

      const res =
        input.id === undefined
          ? await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
              owner: ref.owner,
              repo: ref.repo,
              head_sha: input.headSha,
              ...fields,
            })
          : await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
              owner: ref.owner,
              repo: ref.repo,
              check_run_id: input.id,
              ...fields,
            });
      const run = parseResponse(CheckRun, res.data, "the check-run request");

      // GitHub appends the annotations of every update to the ones the run already has.
      for (const batch of batches.slice(1)) {
        await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          owner: ref.owner,
          repo: ref.repo,
          check_run_id: run.id,
          output: { ...output, annotations: batch },
        });
      }
      return { id: run.id, url: run.html_url ?? run.url ?? "" };
    },
  };
}
