/**
 * A local, in-memory fake of the parts of GitHub's REST API Moderator uses: a real HTTP server on
 * 127.0.0.1 (random port) that answers under both `/api/v3` (the GHE-style base URL Probot uses with
 * GHE_HOST) and `/`, records every request, and can be told to fail. With `gitProjectRoot` it also
 * serves git smart HTTP under `/git/` (see ./git-http-backend.ts).
 *
 * Everything it creates on behalf of the caller (comments, pull requests, reviews, check runs,
 * reactions, labels) is authored by `moderator[bot]` (type "Bot"); use the `add*` helpers to seed
 * objects made by humans.
 *
 * GraphQL: `POST /api/graphql` (where Octokit sends it for a GHE base URL) and `POST /graphql` answer the
 * review-thread operations Moderator uses (the `reviewThreads` query, `resolveReviewThread` and
 * `unresolveReviewThread`); threads are built from the stored review comments (a root comment and its
 * replies). Any other operation answers a GraphQL error and is listed by `unhandled()`.
 */
import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface RecordedRequest {
  method: string;
  /** Path without the `/api/v3` prefix and without the query string, e.g. `/repos/o/r/pulls`. */
  path: string;
  /** The URL exactly as received (prefix and query included). */
  url: string;
  query: Record<string, string>;
  /** Parsed JSON body (undefined when there was none; the raw text when it was not JSON; never read for git). */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The route that answered, e.g. "POST /repos/{owner}/{repo}/check-runs"; null when none matched (404). */
  route: string | null;
  /** The status code answered; 0 until the response is sent. */
  status: number;
  /** When the request arrived (Date.now()). */
  at: number;
}

export type Permission = "admin" | "write" | "read" | "none";

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface FakeIssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: FakeUser;
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  user: FakeUser;
  labels: string[];
  /** Edits of the body (GraphQL `userContentEdits`), oldest first; seeded with `editIssue`. */
  edits: Array<{ editedAt: string; editor: FakeUser }>;
}

export interface FakePull {
  id: number;
  node_id: string;
  number: number;
  state: "open" | "closed";
  title: string;
  body: string | null;
  draft: boolean;
  merged: boolean;
  headRef: string;
  headOwner: string;
  headSha: string;
  baseRef: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  /** Set by `closePullRequest` when merged. */
  merged_by?: FakeUser | null;
}

export interface FakeReview {
  id: number;
  node_id: string;
  pullNumber: number;
  user: FakeUser;
  body: string;
  state: "COMMENTED" | "APPROVED" | "CHANGES_REQUESTED" | "PENDING";
  commit_id: string;
  submitted_at: string | null;
}

export interface FakeReviewComment {
  id: number;
  node_id: string;
  pullNumber: number;
  pull_request_review_id: number;
  path: string;
  line: number | null;
  side: string;
  start_line: number | null;
  start_side: string | null;
  position: number | null;
  body: string;
  commit_id: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  /** The root comment of the thread this one replies to. */
  in_reply_to_id?: number;
  /** Set by tests: GitHub marks a thread outdated when a later push changed its line (its `line` becomes null). */
  outdated?: boolean;
}

export interface FakeReaction {
  id: number;
  content: string;
  user: FakeUser;
  created_at: string;
}

/** One commit of a pull request, seeded with `addPullRequestCommit`. */
export interface FakeCommit {
  sha: string;
  message: string;
  /** The author's GitHub account; null when the author email matches none. */
  author: FakeUser | null;
  authorName: string;
  authorEmail: string;
  date: string;
  parents: string[];
  files: FakePullFile[];
}

/** One event of an issue or pull request timeline (`GET .../issues/{n}/events`). */
export interface FakeIssueEvent {
  id: number;
  issueNumber: number;
  event: string;
  actor: FakeUser;
  created_at: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: string;
  title?: string;
  message: string;
  raw_details?: string;
}

export interface FakeCheckRun {
  id: number;
  node_id: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  started_at: string;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: FakeAnnotation[];
  actions: unknown[];
}

export interface FakePullFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

export interface FakeRepo {
  owner: string;
  name: string;
  id: number;
  installationId: number;
  defaultBranch: string;
  cloneUrl: string;
  private: boolean;
  /** Whether draft pull requests are available (false answers 422 like a private repo on a free plan). */
  draftPullRequests: boolean;
  /** File contents served by GET contents (the same for every ref). */
  files: Map<string, string>;
  /** login (lower case) -> permission. */
  permissions: Map<string, { login: string; permission: Permission; roleName: string }>;
  /** Branch -> sha, set by `setBranchSha`; otherwise read from the git repo, otherwise a stable fake sha. */
  branches: Map<string, string>;
  issueComments: FakeIssueComment[];
  /** Issues answered by GET .../issues/{n}, seeded with `addIssue`. */
  issues: Map<number, FakeIssue>;
  reactions: Array<{ id: number; issueNumber: number; content: string; user: FakeUser; created_at: string }>;
  /** Issue number -> label names. */
  labels: Map<number, string[]>;
  pulls: FakePull[];
  reviews: FakeReview[];
  reviewComments: FakeReviewComment[];
  /** Root review comment id -> who resolved its thread (null: the app, through the API). */
  resolvedThreads: Map<number, { resolvedBy: FakeUser | null }>;
  /** When true, resolveReviewThread answers FORBIDDEN like GitHub does for a token without the permission. */
  threadResolutionForbidden: boolean;
  /** Review comment id -> its reactions. */
  reviewCommentReactions: Map<number, FakeReaction[]>;
  /** Issue comment id -> its reactions. */
  issueCommentReactions: Map<number, FakeReaction[]>;
  /** Pull number -> its commits, oldest first (answered by GET .../pulls/{n}/commits and GET .../commits/{sha}). */
  pullCommits: Map<number, FakeCommit[]>;
  /** Issue and pull request events (closed, reopened, merged), oldest first. */
  issueEvents: FakeIssueEvent[];
  checkRuns: FakeCheckRun[];
  /** Pull number -> path -> RIGHT-side lines a review comment may use. Unset: every line is accepted. */
  commentableLines: Map<number, Record<string, number[]>>;
  /** Pull number -> files answered by GET .../pulls/{n}/files (else derived from `commentableLines`). */
  pullFiles: Map<number, FakePullFile[]>;
  nextNumber: number;
}

export interface FakeGitHubState {
  /** Key: `owner/name` in lower case. */
  repos: Map<string, FakeRepo>;
  /** Installation tokens handed out, in order. */
  tokens: Array<{ installationId: number; token: string; expiresAt: string }>;
  nextId: number;
}

export interface FakeFailure {
  message?: string;
  headers?: Record<string, string>;
}

export interface AddRepoInput {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  cloneUrl?: string;
  files?: Record<string, string>;
  installationId?: number;
  private?: boolean;
  draftPullRequests?: boolean;
  /** First number given to pull requests opened through the API (default 100, so they do not collide with test issues). */
  firstPullNumber?: number;
}

export interface FakeGitHub {
  /** http://127.0.0.1:port */
  url: string;
  /** url + "/api/v3" */
  apiUrl: string;
  /** 127.0.0.1:port */
  host: string;
  requests: RecordedRequest[];
  state: FakeGitHubState;
  /** The next `times` requests whose method and API path match answer `status` with a GitHub-like error body. */
  failNext(method: string, pathRegex: RegExp, status: number, times?: number, failure?: FakeFailure): void;
  setPermission(owner: string, repo: string, login: string, permission: Permission, roleName?: string): void;
  /** Sign-in with GitHub: the App's OAuth client id and secret the token endpoint accepts. */
  enableOAuth(client: { clientId: string; clientSecret: string }): void;
  /** Who is signed in at GitHub in "the browser": the authorize page approves as them at once. */
  signInAs(login: string): void;
  addRepo(input: AddRepoInput): FakeRepo;
  /** The stored repository; throws when it was never added. */
  repo(owner: string, name: string): FakeRepo;
  setFile(owner: string, repo: string, path: string, content: string | null): void;
  setBranchSha(owner: string, repo: string, branch: string, sha: string): void;
  setCommentableLines(owner: string, repo: string, pull: number, lines: Record<string, number[]>): void;
  setPullFiles(owner: string, repo: string, pull: number, files: FakePullFile[]): void;
  /** Seed an issue, opened by a human unless `user` says otherwise. */
  addIssue(
    owner: string,
    repo: string,
    input: { number: number; title: string; body?: string; state?: "open" | "closed"; user?: { login: string; type?: "User" | "Bot" } },
  ): FakeIssue;
  /** Edit an issue's body as `editor` would (recorded for GraphQL `userContentEdits`). */
  editIssue(owner: string, repo: string, number: number, input: { body: string; editor: { login: string; type?: "User" | "Bot" }; editedAt?: string }): void;
  /** Seed an issue comment, by a human unless `user` says otherwise. */
  addIssueComment(
    owner: string,
    repo: string,
    issueNumber: number,
    input: { body: string; user?: { login: string; type?: "User" | "Bot" } },
  ): FakeIssueComment;
  /** Seed a pull request, opened by a human unless `user` says otherwise. */
  addPullRequest(
    owner: string,
    repo: string,
    input: {
      head: string;
      base?: string;
      title: string;
      body?: string;
      draft?: boolean;
      state?: "open" | "closed";
      number?: number;
      user?: { login: string; type?: "User" | "Bot" };
    },
  ): FakePull;
  /** Seed a review comment (a new thread, or a reply with `inReplyTo`), by a human unless `user` says otherwise. */
  addReviewComment(
    owner: string,
    repo: string,
    pull: number,
    input: { path?: string; line?: number; body: string; inReplyTo?: number; user?: { login: string; type?: "User" | "Bot" } },
  ): FakeReviewComment;
  /** Resolve (by a human unless `by` is null, which means the app) or unresolve the thread rooted at `commentId`. */
  setThreadResolved(owner: string, repo: string, commentId: number, resolved: boolean, by?: { login: string } | null): void;
  /** The GraphQL node id of the thread rooted at review comment `commentId`. */
  threadId(commentId: number): string;
  /** Seed a reaction on a review comment, by a human unless `user` says otherwise. */
  addReviewCommentReaction(
    owner: string,
    repo: string,
    commentId: number,
    content: string,
    user?: { login: string; type?: "User" | "Bot" },
  ): FakeReaction;
  /** Seed a reaction on an issue comment, by a human unless `user` says otherwise. */
  addIssueCommentReaction(
    owner: string,
    repo: string,
    commentId: number,
    content: string,
    user?: { login: string; type?: "User" | "Bot" },
  ): FakeReaction;
  /**
   * Seed a commit on pull request `pull` (after the ones it has) and move its head branch to it. The author is a
   * human unless `author` says otherwise; `author: null` is a commit whose email matches no GitHub account.
   */
  addPullRequestCommit(
    owner: string,
    repo: string,
    pull: number,
    input: {
      message: string;
      files: FakePullFile[];
      sha?: string;
      author?: { login: string; type?: "User" | "Bot" } | null;
      date?: string;
    },
  ): FakeCommit;
  /** Close pull request `pull` as `by` (a human unless told otherwise), merging it when `merged`; records the events. */
  closePullRequest(owner: string, repo: string, pull: number, input?: { merged?: boolean; by?: { login: string; type?: "User" | "Bot" } }): FakePull;
  /** Requests no route answered (each got a 404), and GraphQL operations the fake does not know. */
  unhandled(): RecordedRequest[];
  close(): Promise<void>;
}

interface Ctx {
  method: string;
  path: string;
  prefix: string;
  origin: string;
  query: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as text/plain instead of JSON. */
  text?: string;
  /** The route matched but could not serve the request (an unknown GraphQL operation): listed by `unhandled()`. */
  unhandled?: boolean;
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  /** jwt: the App; token: an installation token; none: OAuth's web endpoints; user: a user's OAuth token. */
  auth: "jwt" | "token" | "none" | "user";
  handle: (ctx: Ctx, params: string[]) => Reply | Promise<Reply>;
}

const DOCS = "https://docs.github.com/rest";
const APP_BOT: FakeUser = { login: "moderator[bot]", id: 9_000_001, type: "Bot" };
const REACTIONS = new Set(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]);
const ANNOTATION_LEVELS = new Set(["notice", "warning", "failure"]);
const CHECK_STATUSES = new Set(["queued", "in_progress", "completed", "waiting", "requested", "pending"]);
const CONCLUSIONS = new Set([
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "stale",
  "timed_out",
]);

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");
const blobSha = (content: string): string =>
  createHash("sha1").update(`blob ${Buffer.byteLength(content)}\0`).update(content).digest("hex");
const userJson = (u: FakeUser) => ({ login: u.login, id: u.id, node_id: `U_${u.id}`, type: u.type, site_admin: false });
const userFrom = (u: { login: string; type?: "User" | "Bot" } | undefined, fallback: FakeUser): FakeUser =>
  u === undefined ? fallback : { login: u.login, id: 5_000_000 + (parseInt(sha1(u.login).slice(0, 6), 16) % 1_000_000), type: u.type ?? "User" };
const HUMAN: FakeUser = { login: "octocat", id: 583_231, type: "User" };

function errorReply(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { message, ...extra, documentation_url: DOCS, status: String(status) } };
}
const notFound = (): Reply => errorReply(404, "Not Found");
function validationFailed(errors: unknown[]): Reply {
  return errorReply(422, "Validation Failed", { errors });
}
function invalidRequest(detail: string): Reply {
  return errorReply(422, `Invalid request.\n\n${detail}`);
}
function notSupplied(fields: string[]): string {
  const quoted = fields.map((f) => `"${f}"`).join(", ");
  return fields.length === 1 ? `${quoted} wasn't supplied.` : `${quoted} weren't supplied.`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
};

function isJwt(authorization: string | undefined): boolean {
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(authorization ?? "");
  if (!match) return false;
  try {
    const header = JSON.parse(Buffer.from(match[1] as string, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(match[2] as string, "base64url").toString("utf8")) as unknown;
    return typeof asRecord(header).alg === "string" && asRecord(payload).iss !== undefined;
  } catch {
    return false;
  }
}

function compileTemplate(template: string): RegExp {
  const pattern = template
    .split("/")
    .map((part) => (/^\{\w+\*\}$/.test(part) ? "(.*)" : /^\{\w+\}$/.test(part) ? "([^/]+)" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${pattern}$`);
}

/** A patch whose hunks cover exactly `lines` on the RIGHT side (for GET .../files when only lines were set). */
function synthesizePatch(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const hunks: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j += 1;
    const start = sorted[i] as number;
    const count = j - i + 1;
    hunks.push(`@@ -${start},0 +${start},${count} @@`);
    for (let k = 0; k < count; k += 1) hunks.push(`+line ${start + k}`);
    i = j + 1;
  }
  return hunks.join("\n");
}

function readBody(req: IncomingMessage, limit = 20 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startFakeGitHub(opts: { gitProjectRoot?: string; token?: string } = {}): Promise<FakeGitHub> {
  // Loaded only when git is served, so API-only tests do not depend on the git backend.
  const gitBackend = opts.gitProjectRoot === undefined ? undefined : await import("./git-http-backend.ts");
  const state: FakeGitHubState = { repos: new Map(), tokens: [], nextId: 1000 };
  const requests: RecordedRequest[] = [];
  const failures: Array<{ method: string; regex: RegExp; status: number; remaining: number; failure: FakeFailure }> = [];
  let web = "";
  let api = "";
  /** Sign-in with GitHub: the OAuth client, who is signed in at "github.com" in the browser, codes and user tokens. */
  const oauth = {
    client: undefined as { clientId: string; clientSecret: string } | undefined,
    browserLogin: undefined as string | undefined,
    codes: new Map<string, string>(),
    tokens: new Map<string, string>(),
  };

  const nextId = (): number => {
    state.nextId += 1;
    return state.nextId;
  };

  function findRepo(owner: string, name: string): FakeRepo | undefined {
    return state.repos.get(`${owner}/${name}`.toLowerCase());
  }
  function requireRepo(owner: string, name: string): FakeRepo {
    const repo = findRepo(owner, name);
    if (!repo) throw new Error(`fake GitHub: repository ${owner}/${name} was not added (call addRepo first)`);
    return repo;
  }

  function repoJson(repo: FakeRepo) {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner, id: 1_000_000 + repo.id, type: "User" },
      private: repo.private,
      html_url: `${web}/${repo.owner}/${repo.name}`,
      url: `${api}/repos/${repo.owner}/${repo.name}`,
      clone_url: repo.cloneUrl,
      default_branch: repo.defaultBranch,
      visibility: repo.private ? "private" : "public",
      archived: false,
      disabled: false,
      fork: false,
    };
  }

  async function resolveSha(repo: FakeRepo, branch: string): Promise<string> {
    const explicit = repo.branches.get(branch);
    if (explicit) return explicit;
    if (opts.gitProjectRoot) {
      const gitDir = join(opts.gitProjectRoot, repo.owner, `${repo.name}.git`);
      if (existsSync(gitDir)) {
        try {
          const { stdout } = await execFileAsync("git", ["--git-dir", gitDir, "rev-parse", "--verify", "-q", `refs/heads/${branch}`]);
          const sha = stdout.trim();
          if (/^[0-9a-f]{40}$/.test(sha)) return sha;
        } catch {
          // Branch not in the git repo (yet): fall through to the stable fake sha.
        }
      }
    }
    return sha1(`${repo.owner}/${repo.name}:${branch}`);
  }

  const isPull = (repo: FakeRepo, n: number): boolean => repo.pulls.some((p) => p.number === n);

  function commentJson(c: FakeIssueComment) {
    return { ...c, user: userJson(c.user), reactions: { total_count: 0 } };
  }

  async function pullJson(repo: FakeRepo, pr: FakePull) {
    if (pr.state === "open") pr.headSha = await resolveSha(repo, pr.headRef);
    const baseSha = await resolveSha(repo, pr.baseRef);
    const repoObj = repoJson(repo);
    return {
      id: pr.id,
      node_id: pr.node_id,
      number: pr.number,
      url: `${api}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
      html_url: `${web}/${repo.owner}/${repo.name}/pull/${pr.number}`,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      merged: pr.merged,
      user: userJson(pr.user),
      head: { ref: pr.headRef, sha: pr.headSha, label: `${pr.headOwner}:${pr.headRef}`, repo: repoObj },
      base: { ref: pr.baseRef, sha: baseSha, label: `${repo.owner}:${pr.baseRef}`, repo: repoObj },
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      merged_at: pr.merged_at,
      merged_by: pr.merged_by ? userJson(pr.merged_by) : null,
    };
  }

  function reviewJson(repo: FakeRepo, r: FakeReview) {
    return {
      id: r.id,
      node_id: r.node_id,
      user: userJson(r.user),
      body: r.body,
      state: r.state,
      commit_id: r.commit_id,
      submitted_at: r.submitted_at,
      html_url: `${web}/${repo.owner}/${repo.name}/pull/${r.pullNumber}#pullrequestreview-${r.id}`,
      pull_request_url: `${api}/repos/${repo.owner}/${repo.name}/pulls/${r.pullNumber}`,
    };
  }

  function reviewCommentJson(repo: FakeRepo, c: FakeReviewComment) {
    const { pullNumber, outdated, ...rest } = c;
    return {
      ...rest,
      ...(outdated ? { line: null, original_line: c.line } : { original_line: c.line }),
      ...(outdated ? { start_line: null } : {}),
      original_start_line: c.start_line,
      original_commit_id: c.commit_id,
      user: userJson(c.user),
      url: `${api}/repos/${repo.owner}/${repo.name}/pulls/comments/${c.id}`,
      html_url: `${web}/${repo.owner}/${repo.name}/pull/${pullNumber}#discussion_r${c.id}`,
      pull_request_url: `${api}/repos/${repo.owner}/${repo.name}/pulls/${pullNumber}`,
    };
  }

  function checkRunJson(repo: FakeRepo, run: FakeCheckRun) {
    return {
      id: run.id,
      node_id: run.node_id,
      name: run.name,
      head_sha: run.head_sha,
      status: run.status,
      conclusion: run.conclusion,
      details_url: run.details_url,
      external_id: run.external_id,
      started_at: run.started_at,
      completed_at: run.completed_at,
      url: `${api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
      html_url: `${web}/${repo.owner}/${repo.name}/runs/${run.id}`,
      output: {
        ...run.output,
        annotations_count: run.annotations.length,
        annotations_url: `${api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}/annotations`,
      },
      app: { id: 1, slug: "moderator", name: "Moderator" },
    };
  }

  function labelJson(repo: FakeRepo, name: string) {
    return {
      id: parseInt(sha1(`${repo.id}:${name}`).slice(0, 8), 16),
      node_id: `LA_${name}`,
      url: `${api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
      name,
      color: "ededed",
      default: false,
      description: null,
    };
  }

  function paginate(ctx: Ctx, items: unknown[]): Reply {
    const perPage = Math.min(100, Math.max(1, int(ctx.query.per_page) ?? 30));
    const pageNo = Math.max(1, int(ctx.query.page) ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => {
      const q = new URLSearchParams({ ...ctx.query, per_page: String(perPage), page: String(p) });
      return `<${ctx.origin}${ctx.prefix}${ctx.path}?${q.toString()}>`;
    };
    const links: string[] = [];
    if (pageNo > 1) links.push(`${link(pageNo - 1)}; rel="prev"`);
    if (pageNo < last) links.push(`${link(pageNo + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (pageNo > 1) links.push(`${link(1)}; rel="first"`);
    return {
      status: 200,
      body: items.slice((pageNo - 1) * perPage, pageNo * perPage),
      headers: links.length > 0 ? { link: links.join(", ") } : {},
    };
  }

  /** Validates one review comment against the commentable lines; null when fine, else GitHub's message. */
  function reviewCommentProblem(repo: FakeRepo, pullNumber: number, c: Record<string, unknown>): string | null {
    const path = str(c.path);
    const line = int(c.line);
    const startLine = int(c.start_line);
    if (!path || str(c.body) === undefined || (line === undefined && int(c.position) === undefined)) {
      return "Pull request review thread path, body and line (or position) are required";
    }
    if (startLine !== undefined && line !== undefined && startLine >= line) {
      return "Pull request review thread start line must precede the end line.";
    }
    const allowed = repo.commentableLines.get(pullNumber);
    if (!allowed) return null;
    const lines = allowed[path];
    if (lines === undefined) return "Pull request review thread path is invalid and Pull request review thread diff hunk can't be blank";
    if (line !== undefined && !lines.includes(line)) {
      return "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank";
    }
    if (startLine !== undefined && !lines.includes(startLine)) {
      return "Pull request review thread start line must be part of the same hunk as the line.";
    }
    return null;
  }

  function validateAnnotations(value: unknown): { annotations: FakeAnnotation[] } | { error: Reply } {
    if (value === undefined) return { annotations: [] };
    if (!Array.isArray(value)) return { error: invalidRequest(`For 'properties/annotations', ${JSON.stringify(value)} is not an array.`) };
    if (value.length > 50) {
      return { error: invalidRequest(`No more than 50 items are allowed; ${value.length} were supplied.`) };
    }
    const annotations: FakeAnnotation[] = [];
    for (const item of value) {
      const a = asRecord(item);
      const missing = ["path", "start_line", "end_line", "annotation_level", "message"].filter((f) => a[f] === undefined);
      if (missing.length > 0) return { error: invalidRequest(notSupplied(missing)) };
      const level = str(a.annotation_level) ?? "";
      if (!ANNOTATION_LEVELS.has(level)) {
        return { error: invalidRequest(`For 'properties/annotation_level', "${level}" is not a member of ["notice", "warning", "failure"].`) };
      }
      annotations.push({
        path: String(a.path),
        start_line: int(a.start_line) ?? 0,
        end_line: int(a.end_line) ?? 0,
        ...(int(a.start_column) === undefined ? {} : { start_column: int(a.start_column) }),
        ...(int(a.end_column) === undefined ? {} : { end_column: int(a.end_column) }),
        annotation_level: level,
        ...(str(a.title) === undefined ? {} : { title: str(a.title) }),
        message: String(a.message),
        ...(str(a.raw_details) === undefined ? {} : { raw_details: str(a.raw_details) }),
      });
    }
    return { annotations };
  }

  /** Applies the fields of a create/update check-run body to `run`; an error reply when invalid. */
  function applyCheckRun(run: FakeCheckRun, body: Record<string, unknown>): Reply | null {
    const status = str(body.status);
    const conclusion = str(body.conclusion);
    if (status !== undefined && !CHECK_STATUSES.has(status)) {
      return invalidRequest(`For 'properties/status', "${status}" is not a member of ${JSON.stringify([...CHECK_STATUSES])}.`);
    }
    if (conclusion !== undefined && !CONCLUSIONS.has(conclusion)) {
      return invalidRequest(`For 'properties/conclusion', "${conclusion}" is not a member of ${JSON.stringify([...CONCLUSIONS])}.`);
    }
    if (status === "completed" && conclusion === undefined && run.conclusion === null) {
      return invalidRequest(`"conclusion" wasn't supplied.`);
    }
    let added: FakeAnnotation[] = [];
    if (body.output !== undefined) {
      const output = asRecord(body.output);
      const missing = ["title", "summary"].filter((f) => output[f] === undefined);
      if (missing.length > 0) return invalidRequest(notSupplied(missing));
      const checked = validateAnnotations(output.annotations);
      if ("error" in checked) return checked.error;
      added = checked.annotations;
      run.output = { title: String(output.title), summary: String(output.summary), text: str(output.text) ?? run.output.text };
    }
    if (str(body.name) !== undefined) run.name = String(body.name);
    if (str(body.details_url) !== undefined) run.details_url = String(body.details_url);
    if (str(body.external_id) !== undefined) run.external_id = String(body.external_id);
    if (Array.isArray(body.actions)) run.actions = body.actions;
    if (status !== undefined) run.status = status;
    if (conclusion !== undefined) {
      run.conclusion = conclusion;
      run.status = "completed";
    }
    if (run.status === "completed") run.completed_at = str(body.completed_at) ?? run.completed_at ?? now();
    run.annotations.push(...added);
    return null;
  }

  function withRepo(handle: (repo: FakeRepo, ctx: Ctx, params: string[]) => Reply | Promise<Reply>) {
    return (ctx: Ctx, params: string[]): Reply | Promise<Reply> => {
      const repo = findRepo(params[0] as string, params[1] as string);
      return repo ? handle(repo, ctx, params.slice(2)) : notFound();
    };
  }

  function findPull(repo: FakeRepo, n: string | undefined): FakePull | undefined {
    const number = int(n);
    return repo.pulls.find((p) => p.number === number);
  }

  const routes: Route[] = [];
  const on = (
    method: string,
    template: string,
    handle: Route["handle"],
    auth: Route["auth"] = "token",
  ): void => {
    routes.push({ method, template, regex: compileTemplate(template), auth, handle });
  };

  // --- Sign-in with GitHub (OAuth web flow) ------------------------------------------------------------
  on(
    "GET",
    "/login/oauth/authorize",
    (ctx) => {
      const clientId = ctx.query["client_id"];
      const redirect = ctx.query["redirect_uri"];
      if (!oauth.client || clientId !== oauth.client.clientId) return errorReply(404, "unknown client_id");
      if (!redirect) return errorReply(400, "redirect_uri is required by this fake");
      if (!oauth.browserLogin) return { status: 200, text: "Sign in to GitHub (the fake has nobody signed in: call signInAs)" };
      const code = randomBytes(10).toString("hex");
      oauth.codes.set(code, oauth.browserLogin);
      const to = new URL(redirect);
      to.searchParams.set("code", code);
      if (ctx.query["state"] !== undefined) to.searchParams.set("state", ctx.query["state"]);
      return { status: 302, headers: { location: to.toString() }, text: "" };
    },
    "none",
  );
  on(
    "POST",
    "/login/oauth/access_token",
    (ctx) => {
      const b = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
      if (!oauth.client || b["client_id"] !== oauth.client.clientId || b["client_secret"] !== oauth.client.clientSecret) {
        return { status: 200, body: { error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." } };
      }
      const login = typeof b["code"] === "string" ? oauth.codes.get(b["code"]) : undefined;
      if (login === undefined) return { status: 200, body: { error: "bad_verification_code", error_description: "The code passed is incorrect or expired." } };
      oauth.codes.delete(b["code"] as string);
      const token = `gho_${randomBytes(16).toString("hex")}`;
      oauth.tokens.set(token, login);
      return { status: 200, body: { access_token: token, token_type: "bearer", scope: "" } };
    },
    "none",
  );
  on(
    "GET",
    "/user",
    (ctx) => {
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(String(ctx.headers.authorization ?? ""))?.[1] ?? "";
      const login = oauth.tokens.get(token) ?? "";
      return { status: 200, body: userJson(userFrom({ login }, HUMAN)) };
    },
    "user",
  );

  // --- App authentication -------------------------------------------------------------------------
  on(
    "POST",
    "/app/installations/{installation_id}/access_tokens",
    (_ctx, [id]) => {
      const installationId = int(id) ?? 0;
      const token = opts.token ?? `ghs_${randomBytes(18).toString("hex")}`;
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      state.tokens.push({ installationId, token, expiresAt });
      return {
        status: 201,
        body: {
          token,
          expires_at: expiresAt,
          permissions: { checks: "write", contents: "write", issues: "write", metadata: "read", pull_requests: "write" },
          repository_selection: "all",
        },
      };
    },
    "jwt",
  );
  on("GET", "/app", () => ({ status: 200, body: { id: 1, slug: "moderator", name: "Moderator", owner: { login: "moderator-dev", type: "Organization" } } }), "jwt");
  on(
    "GET",
    "/app/installations/{installation_id}",
    (_ctx, [id]) => ({ status: 200, body: { id: int(id), app_id: 1, app_slug: "moderator", target_type: "Organization" } }),
    "jwt",
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/installation",
    withRepo((repo) => ({
      status: 200,
      body: { id: repo.installationId, app_id: 1, app_slug: "moderator", account: { login: repo.owner, type: "User" } },
    })),
    "jwt",
  );

  // --- Repository, permissions, contents -----------------------------------------------------------
  on("GET", "/repos/{owner}/{repo}", withRepo((repo) => ({ status: 200, body: repoJson(repo) })));
  on(
    "GET",
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    withRepo((repo, _ctx, [login]) => {
      const entry = repo.permissions.get((login as string).toLowerCase());
      if (!entry) return notFound();
      const user = userFrom({ login: entry.login }, HUMAN);
      return { status: 200, body: { permission: entry.permission, role_name: entry.roleName, user: userJson(user) } };
    }),
  );
  const contents = withRepo((repo, ctx, [rawPath]) => {
    const path = (rawPath ?? "").replace(/^\/+|\/+$/g, "");
    const file = path === "" ? undefined : repo.files.get(path);
    const entryJson = (p: string, type: "file" | "dir", content?: string) => ({
      type,
      name: p.split("/").pop(),
      path: p,
      sha: type === "file" ? blobSha(content ?? "") : sha1(`tree:${p}`),
      size: type === "file" ? Buffer.byteLength(content ?? "") : 0,
      url: `${api}/repos/${repo.owner}/${repo.name}/contents/${p}`,
      html_url: `${web}/${repo.owner}/${repo.name}/blob/${repo.defaultBranch}/${p}`,
      download_url: type === "file" ? `${web}/${repo.owner}/${repo.name}/raw/${repo.defaultBranch}/${p}` : null,
    });
    if (file !== undefined) {
      if (/raw/i.test(String(ctx.headers.accept ?? ""))) return { status: 200, text: file };
      const base64 = Buffer.from(file, "utf8").toString("base64");
      const wrapped = `${(base64.match(/.{1,60}/g) ?? []).join("\n")}\n`;
      return { status: 200, body: { ...entryJson(path, "file", file), encoding: "base64", content: wrapped } };
    }
    const prefix = path === "" ? "" : `${path}/`;
    const children = new Map<string, ReturnType<typeof entryJson>>();
    for (const [p, content] of repo.files) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf("/");
      const child = slash === -1 ? p : prefix + rest.slice(0, slash);
      if (!children.has(child)) children.set(child, slash === -1 ? entryJson(p, "file", content) : entryJson(child, "dir"));
    }
    if (children.size === 0) return notFound();
    return { status: 200, body: [...children.values()].sort((a, b) => a.path.localeCompare(b.path)) };
  });
  on("GET", "/repos/{owner}/{repo}/contents", contents);
  on("GET", "/repos/{owner}/{repo}/contents/{path*}", contents);

  // --- Issues: reactions, comments, labels ---------------------------------------------------------
  on(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/reactions",
    withRepo((repo, ctx, [n]) => {
      const issueNumber = int(n);
      const content = str(asRecord(ctx.body).content);
      if (issueNumber === undefined) return notFound();
      if (!content || !REACTIONS.has(content)) {
        return validationFailed([{ resource: "Reaction", code: "invalid", field: "content" }]);
      }
      const existing = repo.reactions.find(
        (r) => r.issueNumber === issueNumber && r.content === content && r.user.login === APP_BOT.login,
      );
      const reaction = existing ?? { id: nextId(), issueNumber, content, user: APP_BOT, created_at: now() };
      if (!existing) repo.reactions.push(reaction);
      const { issueNumber: _n, ...json } = reaction;
      return { status: existing ? 200 : 201, body: { ...json, node_id: `REA_${reaction.id}`, user: userJson(reaction.user) } };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/reactions",
    withRepo((repo, ctx, [n]) =>
      paginate(
        ctx,
        repo.reactions
          .filter((r) => r.issueNumber === int(n) && (ctx.query.content === undefined || r.content === ctx.query.content))
          .map(({ issueNumber: _n, ...r }) => ({ ...r, user: userJson(r.user) })),
      ),
    ),
  );

  const createIssueComment = (repo: FakeRepo, issueNumber: number, body: string, user: FakeUser): FakeIssueComment => {
    const id = nextId();
    const kind = isPull(repo, issueNumber) ? "pull" : "issues";
    const at = now();
    const comment: FakeIssueComment = {
      id,
      node_id: `IC_${id}`,
      url: `${api}/repos/${repo.owner}/${repo.name}/issues/comments/${id}`,
      html_url: `${web}/${repo.owner}/${repo.name}/${kind}/${issueNumber}#issuecomment-${id}`,
      issue_url: `${api}/repos/${repo.owner}/${repo.name}/issues/${issueNumber}`,
      body,
      user,
      author_association: user.type === "Bot" ? "NONE" : "MEMBER",
      created_at: at,
      updated_at: at,
    };
    repo.issueComments.push(comment);
    return comment;
  };
  const commentBodyProblem = (body: unknown): Reply | null => {
    if (typeof body !== "string" || body === "") {
      return validationFailed([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
    }
    if (body.length > 65_536) {
      return validationFailed([
        { resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" },
      ]);
    }
    return null;
  };
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    withRepo((repo, _ctx, [n]) => {
      const issue = repo.issues.get(int(n) ?? -1);
      if (!issue) return notFound();
      return {
        status: 200,
        body: {
          id: 70_000 + issue.number,
          number: issue.number,
          title: issue.title,
          body: issue.body,
          state: issue.state,
          user: userJson(issue.user),
          labels: (repo.labels.get(issue.number) ?? issue.labels).map((name) => ({ name })),
          html_url: `${web}/${repo.owner}/${repo.name}/issues/${issue.number}`,
          url: `${api}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`,
        },
      };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    withRepo((repo, ctx, [n]) =>
      paginate(
        ctx,
        repo.issueComments.filter((c) => c.issue_url.endsWith(`/issues/${int(n)}`)).map(commentJson),
      ),
    ),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    withRepo((repo, ctx, [n]) => {
      const issueNumber = int(n);
      if (issueNumber === undefined) return notFound();
      const body = asRecord(ctx.body).body;
      const problem = commentBodyProblem(body);
      if (problem) return problem;
      return { status: 201, body: commentJson(createIssueComment(repo, issueNumber, body as string, APP_BOT)) };
    }),
  );
  const findComment = (repo: FakeRepo, id: string | undefined) => repo.issueComments.find((c) => c.id === int(id));
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    withRepo((repo, _ctx, [id]) => {
      const comment = findComment(repo, id);
      return comment ? { status: 200, body: commentJson(comment) } : notFound();
    }),
  );
  on(
    "PATCH",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    withRepo((repo, ctx, [id]) => {
      const comment = findComment(repo, id);
      if (!comment) return notFound();
      const body = asRecord(ctx.body).body;
      const problem = commentBodyProblem(body);
      if (problem) return problem;
      comment.body = body as string;
      comment.updated_at = now();
      return { status: 200, body: commentJson(comment) };
    }),
  );
  on(
    "DELETE",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    withRepo((repo, _ctx, [id]) => {
      const comment = findComment(repo, id);
      if (!comment) return notFound();
      repo.issueComments.splice(repo.issueComments.indexOf(comment), 1);
      return { status: 204 };
    }),
  );

  const labelsOf = (repo: FakeRepo, n: number): string[] => {
    const existing = repo.labels.get(n);
    if (existing) return existing;
    const created: string[] = [];
    repo.labels.set(n, created);
    return created;
  };
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    withRepo((repo, ctx, [n]) => paginate(ctx, (repo.labels.get(int(n) ?? -1) ?? []).map((l) => labelJson(repo, l)))),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    withRepo((repo, ctx, [n]) => {
      const issueNumber = int(n);
      if (issueNumber === undefined) return notFound();
      const raw = Array.isArray(ctx.body) ? ctx.body : asRecord(ctx.body).labels;
      if (!Array.isArray(raw) || raw.some((l) => typeof l !== "string" && typeof asRecord(l).name !== "string")) {
        return validationFailed([{ resource: "Label", code: "invalid", field: "labels" }]);
      }
      const labels = labelsOf(repo, issueNumber);
      for (const l of raw) {
        const name = typeof l === "string" ? l : String(asRecord(l).name);
        if (!labels.includes(name)) labels.push(name);
      }
      return { status: 200, body: labels.map((l) => labelJson(repo, l)) };
    }),
  );
  on(
    "DELETE",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    withRepo((repo, _ctx, [n, name]) => {
      const labels = repo.labels.get(int(n) ?? -1);
      const index = labels?.indexOf(name as string) ?? -1;
      if (!labels || index === -1) return errorReply(404, "Label does not exist");
      labels.splice(index, 1);
      return { status: 200, body: labels.map((l) => labelJson(repo, l)) };
    }),
  );

  // --- Pull requests -------------------------------------------------------------------------------
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls",
    withRepo(async (repo, ctx) => {
      const stateFilter = ctx.query.state ?? "open";
      const head = ctx.query.head?.toLowerCase();
      const matches = repo.pulls
        .filter((p) => stateFilter === "all" || p.state === stateFilter)
        .filter((p) => head === undefined || `${p.headOwner}:${p.headRef}`.toLowerCase() === head || (!head.includes(":") && p.headRef.toLowerCase() === head))
        .filter((p) => ctx.query.base === undefined || p.baseRef === ctx.query.base)
        .sort((a, b) => (ctx.query.direction === "asc" ? a.number - b.number : b.number - a.number));
      return paginate(ctx, await Promise.all(matches.map((p) => pullJson(repo, p))));
    }),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/pulls",
    withRepo(async (repo, ctx) => {
      const body = asRecord(ctx.body);
      const missing = ["title", "head", "base"].filter((f) => typeof body[f] !== "string" || body[f] === "");
      if (missing.length > 0) {
        return validationFailed(missing.map((field) => ({ resource: "PullRequest", code: "missing_field", field })));
      }
      const headSpec = String(body.head);
      const [headOwner, headRef] = headSpec.includes(":") ? (headSpec.split(":", 2) as [string, string]) : [repo.owner, headSpec];
      const base = String(body.base);
      const draft = body.draft === true;
      if (draft && !repo.draftPullRequests) {
        return validationFailed([
          { resource: "PullRequest", code: "custom", message: "Draft pull requests are not supported in this repository." },
        ]);
      }
      if (headRef === base && headOwner.toLowerCase() === repo.owner.toLowerCase()) {
        return validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headRef}` }]);
      }
      const duplicate = repo.pulls.find(
        (p) => p.state === "open" && p.headRef === headRef && p.headOwner.toLowerCase() === headOwner.toLowerCase() && p.baseRef === base,
      );
      if (duplicate) {
        return validationFailed([
          { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${headOwner}:${headRef}.` },
        ]);
      }
      const pr = insertPull(repo, {
        headOwner,
        headRef,
        base,
        title: String(body.title),
        body: str(body.body) ?? null,
        draft,
        state: "open",
        user: APP_BOT,
      });
      return { status: 201, body: await pullJson(repo, pr) };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    withRepo(async (repo, _ctx, [n]) => {
      const pr = findPull(repo, n);
      return pr ? { status: 200, body: await pullJson(repo, pr) } : notFound();
    }),
  );
  on(
    "PATCH",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    withRepo(async (repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      const body = asRecord(ctx.body);
      if (body.title !== undefined) {
        if (typeof body.title !== "string" || body.title === "") {
          return validationFailed([{ resource: "PullRequest", code: "missing_field", field: "title" }]);
        }
        pr.title = body.title;
      }
      if (body.body !== undefined) pr.body = str(body.body) ?? null;
      if (typeof body.base === "string") pr.baseRef = body.base;
      if (body.state === "closed" && pr.state === "open") {
        pr.state = "closed";
        pr.closed_at = now();
        repo.issueEvents.push({ id: nextId(), issueNumber: pr.number, event: "closed", actor: APP_BOT, created_at: pr.closed_at });
      } else if (body.state === "open" && pr.state === "closed" && !pr.merged) {
        pr.state = "open";
        pr.closed_at = null;
      }
      pr.updated_at = now();
      return { status: 200, body: await pullJson(repo, pr) };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/files",
    withRepo((repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      const explicit = repo.pullFiles.get(pr.number);
      const lines = repo.commentableLines.get(pr.number) ?? {};
      const files =
        explicit ??
        Object.entries(lines).map(([filename, l]) => ({
          filename,
          status: "modified",
          additions: new Set(l).size,
          deletions: 0,
          changes: new Set(l).size,
          patch: synthesizePatch(l),
        }));
      return paginate(
        ctx,
        files.map((f) => ({
          sha: blobSha(f.filename),
          blob_url: `${web}/${repo.owner}/${repo.name}/blob/${pr.headSha}/${f.filename}`,
          ...f,
        })),
      );
    }),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    withRepo(async (repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      const body = asRecord(ctx.body);
      const event = body.event === undefined ? undefined : str(body.event);
      const states = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" } as const;
      if (event !== undefined && !(event in states)) {
        return validationFailed([{ resource: "PullRequestReview", code: "invalid", field: "event" }]);
      }
      const comments = Array.isArray(body.comments) ? body.comments.map(asRecord) : [];
      const text = str(body.body) ?? "";
      if ((event === "COMMENT" || event === "REQUEST_CHANGES") && text === "" && comments.length === 0) {
        return errorReply(422, "Unprocessable Entity", { errors: ["Review Can not request changes or comment without a body"] });
      }
      for (const c of comments) {
        const problem = reviewCommentProblem(repo, pr.number, c);
        if (problem) {
          return {
            status: 422,
            body: {
              message: "Unprocessable Entity",
              errors: [problem],
              documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
              status: "422",
            },
          };
        }
      }
      await pullJson(repo, pr);
      const commitId = str(body.commit_id) ?? pr.headSha;
      const review = insertReview(repo, pr, APP_BOT, text, event === undefined ? "PENDING" : states[event as keyof typeof states], commitId);
      for (const c of comments) {
        insertReviewComment(repo, pr, review, {
          path: String(c.path),
          line: int(c.line) ?? null,
          side: str(c.side) ?? "RIGHT",
          startLine: int(c.start_line) ?? null,
          startSide: str(c.start_side) ?? null,
          position: int(c.position) ?? null,
          body: String(c.body),
          user: APP_BOT,
        });
      }
      return { status: 200, body: reviewJson(repo, review) };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    withRepo((repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      return paginate(ctx, repo.reviews.filter((r) => r.pullNumber === pr.number).map((r) => reviewJson(repo, r)));
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
    withRepo((repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      return paginate(
        ctx,
        repo.reviewComments.filter((c) => c.pullNumber === pr.number).map((c) => reviewCommentJson(repo, c)),
      );
    }),
  );

  function insertReview(
    repo: FakeRepo,
    pr: FakePull,
    user: FakeUser,
    body: string,
    state: FakeReview["state"],
    commitId: string,
  ): FakeReview {
    const id = nextId();
    const review: FakeReview = {
      id,
      node_id: `PRR_${id}`,
      pullNumber: pr.number,
      user,
      body,
      state,
      commit_id: commitId,
      submitted_at: state === "PENDING" ? null : now(),
    };
    repo.reviews.push(review);
    return review;
  }

  function insertReviewComment(
    repo: FakeRepo,
    pr: FakePull,
    review: FakeReview,
    c: {
      path: string;
      line: number | null;
      body: string;
      user: FakeUser;
      side?: string;
      startLine?: number | null;
      startSide?: string | null;
      position?: number | null;
      inReplyTo?: number;
    },
  ): FakeReviewComment {
    const id = nextId();
    const at = now();
    const startLine = c.startLine ?? null;
    const comment: FakeReviewComment = {
      id,
      node_id: `PRRC_${id}`,
      pullNumber: pr.number,
      pull_request_review_id: review.id,
      path: c.path,
      line: c.line,
      side: c.side ?? "RIGHT",
      start_line: startLine,
      start_side: startLine === null ? null : (c.startSide ?? "RIGHT"),
      position: c.position ?? null,
      body: c.body,
      commit_id: review.commit_id,
      user: c.user,
      created_at: at,
      updated_at: at,
      ...(c.inReplyTo === undefined ? {} : { in_reply_to_id: c.inReplyTo }),
    };
    repo.reviewComments.push(comment);
    return comment;
  }

  /** The root comment of the thread `commentId` belongs to. */
  function threadRoot(repo: FakeRepo, commentId: number): FakeReviewComment | undefined {
    const comment = repo.reviewComments.find((c) => c.id === commentId);
    if (!comment) return undefined;
    if (comment.in_reply_to_id === undefined) return comment;
    return repo.reviewComments.find((c) => c.id === comment.in_reply_to_id);
  }

  /** A reply in the thread of `commentId` (GitHub attaches it to the thread's root); undefined when not on `pr`. */
  function createReply(repo: FakeRepo, pr: FakePull, commentId: number, body: string, user: FakeUser): FakeReviewComment | undefined {
    const root = threadRoot(repo, commentId);
    if (!root || root.pullNumber !== pr.number) return undefined;
    const review = insertReview(repo, pr, user, "", "COMMENTED", root.commit_id);
    return insertReviewComment(repo, pr, review, {
      path: root.path,
      line: root.line,
      side: root.side,
      body,
      user,
      inReplyTo: root.id,
    });
  }

  on(
    "POST",
    "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
    withRepo((repo, ctx, [n, id]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      const body = asRecord(ctx.body).body;
      if (typeof body !== "string" || body === "") {
        return validationFailed([{ resource: "PullRequestReviewComment", code: "missing_field", field: "body" }]);
      }
      const reply = createReply(repo, pr, int(id) ?? -1, body, APP_BOT);
      return reply ? { status: 201, body: reviewCommentJson(repo, reply) } : notFound();
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
    withRepo((repo, _ctx, [id]) => {
      const comment = repo.reviewComments.find((c) => c.id === int(id));
      return comment ? { status: 200, body: reviewCommentJson(repo, comment) } : notFound();
    }),
  );
  const reactionJson = (r: FakeReaction) => ({ ...r, node_id: `REA_${r.id}`, user: userJson(r.user) });
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
    withRepo((repo, ctx, [id]) => {
      const commentId = int(id);
      if (!repo.reviewComments.some((c) => c.id === commentId)) return notFound();
      const reactions = (repo.reviewCommentReactions.get(commentId ?? -1) ?? []).filter(
        (r) => ctx.query.content === undefined || r.content === ctx.query.content,
      );
      return paginate(ctx, reactions.map(reactionJson));
    }),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
    withRepo((repo, ctx, [id]) => {
      const commentId = int(id);
      if (commentId === undefined || !repo.reviewComments.some((c) => c.id === commentId)) return notFound();
      const content = str(asRecord(ctx.body).content);
      if (!content || !REACTIONS.has(content)) {
        return validationFailed([{ resource: "Reaction", code: "invalid", field: "content" }]);
      }
      const list = repo.reviewCommentReactions.get(commentId) ?? [];
      const existing = list.find((r) => r.content === content && r.user.login === APP_BOT.login);
      if (existing) return { status: 200, body: reactionJson(existing) };
      const reaction: FakeReaction = { id: nextId(), content, user: APP_BOT, created_at: now() };
      list.push(reaction);
      repo.reviewCommentReactions.set(commentId, list);
      return { status: 201, body: reactionJson(reaction) };
    }),
  );

  on(
    "GET",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    withRepo((repo, ctx, [id]) => {
      const commentId = int(id);
      if (!repo.issueComments.some((c) => c.id === commentId)) return notFound();
      const reactions = (repo.issueCommentReactions.get(commentId ?? -1) ?? []).filter(
        (r) => ctx.query.content === undefined || r.content === ctx.query.content,
      );
      return paginate(ctx, reactions.map(reactionJson));
    }),
  );
  on(
    "POST",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    withRepo((repo, ctx, [id]) => {
      const commentId = int(id);
      if (commentId === undefined || !repo.issueComments.some((c) => c.id === commentId)) return notFound();
      const content = str(asRecord(ctx.body).content);
      if (!content || !REACTIONS.has(content)) {
        return validationFailed([{ resource: "Reaction", code: "invalid", field: "content" }]);
      }
      const list = repo.issueCommentReactions.get(commentId) ?? [];
      const existing = list.find((r) => r.content === content && r.user.login === APP_BOT.login);
      if (existing) return { status: 200, body: reactionJson(existing) };
      const reaction: FakeReaction = { id: nextId(), content, user: APP_BOT, created_at: now() };
      list.push(reaction);
      repo.issueCommentReactions.set(commentId, list);
      return { status: 201, body: reactionJson(reaction) };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/events",
    withRepo((repo, ctx, [n]) =>
      paginate(
        ctx,
        repo.issueEvents
          .filter((e) => e.issueNumber === int(n))
          .map((e) => ({ id: e.id, node_id: `E_${e.id}`, event: e.event, actor: userJson(e.actor), created_at: e.created_at, commit_id: null })),
      ),
    ),
  );

  // --- Commits -------------------------------------------------------------------------------------
  const commitJson = (repo: FakeRepo, c: FakeCommit) => ({
    sha: c.sha,
    node_id: `C_${c.sha}`,
    url: `${api}/repos/${repo.owner}/${repo.name}/commits/${c.sha}`,
    html_url: `${web}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    commit: {
      message: c.message,
      author: { name: c.authorName, email: c.authorEmail, date: c.date },
      committer: { name: c.authorName, email: c.authorEmail, date: c.date },
    },
    author: c.author ? userJson(c.author) : null,
    committer: c.author ? userJson(c.author) : null,
    parents: c.parents.map((sha) => ({ sha, url: `${api}/repos/${repo.owner}/${repo.name}/commits/${sha}` })),
  });
  on(
    "GET",
    "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
    withRepo((repo, ctx, [n]) => {
      const pr = findPull(repo, n);
      if (!pr) return notFound();
      // GitHub lists at most 250 commits of a pull request.
      return paginate(ctx, (repo.pullCommits.get(pr.number) ?? []).slice(0, 250).map((c) => commitJson(repo, c)));
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/commits/{ref}",
    withRepo((repo, ctx, [ref]) => {
      const commit = [...repo.pullCommits.values()].flat().find((c) => c.sha === ref);
      if (!commit) return errorReply(422, `No commit found for SHA: ${String(ref)}`);
      const page = paginate(
        ctx,
        commit.files.map((f) => ({ sha: blobSha(`${commit.sha}:${f.filename}`), blob_url: `${web}/${repo.owner}/${repo.name}/blob/${commit.sha}/${f.filename}`, ...f })),
      );
      const additions = commit.files.reduce((n, f) => n + f.additions, 0);
      const deletions = commit.files.reduce((n, f) => n + f.deletions, 0);
      return {
        status: 200,
        body: { ...commitJson(repo, commit), stats: { additions, deletions, total: additions + deletions }, files: page.body },
        ...(page.headers ? { headers: page.headers } : {}),
      };
    }),
  );

  // --- GraphQL: review threads -------------------------------------------------------------------
  const graphqlError = (message: string, extra: Record<string, unknown> = {}): Reply => ({
    status: 200,
    body: { errors: [{ message, ...extra }] },
  });

  /** The arguments of the first `field(...)` in `query`, with `$variables` substituted. */
  function graphqlArgs(query: string, field: string, variables: Record<string, unknown>): Record<string, unknown> | undefined {
    const match = new RegExp(`\\b${field}\\s*\\(([^)]*)\\)`).exec(query);
    if (!match) return undefined;
    const args: Record<string, unknown> = {};
    const pair = /(\w+)\s*:\s*(?:\{\s*(\w+)\s*:\s*)?("(?:[^"\\]|\\.)*"|\$\w+|-?\d+|null|true|false)/g;
    for (const m of (match[1] ?? "").matchAll(pair)) {
      const raw = m[3] as string;
      const value = raw.startsWith("$")
        ? variables[raw.slice(1)]
        : raw.startsWith('"')
          ? (JSON.parse(raw) as string)
          : raw === "null"
            ? null
            : raw === "true" || raw === "false"
              ? raw === "true"
              : Number(raw);
      args[m[2] ?? (m[1] as string)] = value;
    }
    return args;
  }

  const graphqlAuthor = (u: FakeUser) =>
    u.type === "Bot" ? { __typename: "Bot", login: u.login.replace(/\[bot\]$/, "") } : { __typename: "User", login: u.login };

  function threadJson(repo: FakeRepo, root: FakeReviewComment, commentsFirst: number) {
    const all = [root, ...repo.reviewComments.filter((c) => c.in_reply_to_id === root.id)];
    const resolution = repo.resolvedThreads.get(root.id);
    const outdated = root.outdated === true;
    return {
      id: `PRRT_${root.id}`,
      isResolved: resolution !== undefined,
      isOutdated: outdated,
      path: root.path,
      line: outdated ? null : root.line,
      originalLine: root.line,
      startLine: outdated ? null : root.start_line,
      diffSide: root.side,
      resolvedBy: resolution?.resolvedBy ? { login: resolution.resolvedBy.login } : null,
      viewerCanResolve: true,
      comments: {
        totalCount: all.length,
        nodes: all.slice(0, commentsFirst).map((c) => ({
          id: c.node_id,
          databaseId: c.id,
          body: c.body,
          path: c.path,
          line: outdated ? null : c.line,
          originalLine: c.line,
          createdAt: c.created_at,
          author: graphqlAuthor(c.user),
        })),
      },
    };
  }

  function issueEditsQuery(query: string, variables: Record<string, unknown>): Reply {
    const repoArgs = graphqlArgs(query, "repository", variables);
    const issueArgs = graphqlArgs(query, "issue", variables);
    const owner = str(repoArgs?.owner);
    const name = str(repoArgs?.name);
    const repo = owner && name ? findRepo(owner, name) : undefined;
    if (!repo) return { status: 200, body: { data: { repository: null }, errors: [{ type: "NOT_FOUND", path: ["repository"], message: `Could not resolve to a Repository with the name '${owner}/${name}'.` }] } };
    const issue = repo.issues.get(int(issueArgs?.number) ?? -1);
    if (!issue) return { status: 200, body: { data: { repository: { issue: null } }, errors: [{ type: "NOT_FOUND", path: ["repository", "issue"], message: "Could not resolve to an Issue." }] } };
    const nodes = issue.edits.map((e) => ({ editedAt: e.editedAt, editor: graphqlAuthor(e.editor) }));
    return { status: 200, body: { data: { repository: { issue: { userContentEdits: { nodes } } } } } };
  }

  function reviewThreadsQuery(query: string, variables: Record<string, unknown>): Reply {
    const repoArgs = graphqlArgs(query, "repository", variables);
    const pullArgs = graphqlArgs(query, "pullRequest", variables);
    const threadArgs = graphqlArgs(query, "reviewThreads", variables) ?? {};
    const commentArgs = graphqlArgs(query, "comments", variables) ?? {};
    const owner = str(repoArgs?.owner);
    const name = str(repoArgs?.name);
    const repo = owner && name ? findRepo(owner, name) : undefined;
    if (!repo) {
      return {
        status: 200,
        body: {
          data: { repository: null },
          errors: [{ type: "NOT_FOUND", path: ["repository"], message: `Could not resolve to a Repository with the name '${owner}/${name}'.` }],
        },
      };
    }
    const number = int(pullArgs?.number);
    const pr = repo.pulls.find((p) => p.number === number);
    if (!pr) {
      return {
        status: 200,
        body: {
          data: { repository: { pullRequest: null } },
          errors: [
            { type: "NOT_FOUND", path: ["repository", "pullRequest"], message: `Could not resolve to a PullRequest with the number of ${String(number)}.` },
          ],
        },
      };
    }
    const first = int(threadArgs.first);
    if (first === undefined || first < 1 || first > 100) {
      return graphqlError("You must provide a `first` or `last` value between 1 and 100 to properly paginate the `reviewThreads` connection.");
    }
    const roots = repo.reviewComments.filter((c) => c.pullNumber === pr.number && c.in_reply_to_id === undefined).sort((a, b) => a.id - b.id);
    const after = str(threadArgs.after);
    const start = after === undefined ? 0 : Number(Buffer.from(after, "base64").toString("utf8").replace(/^cursor:/, "")) + 1;
    if (!Number.isInteger(start) || start < 0) return graphqlError(`\`${after}\` does not appear to be a valid cursor.`);
    const page = roots.slice(start, start + first);
    const end = start + page.length - 1;
    return {
      status: 200,
      body: {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: {
                totalCount: roots.length,
                pageInfo: {
                  hasNextPage: start + first < roots.length,
                  endCursor: page.length === 0 ? null : Buffer.from(`cursor:${end}`).toString("base64"),
                },
                nodes: page.map((root) => threadJson(repo, root, Math.min(100, Math.max(1, int(commentArgs.first) ?? 100)))),
              },
            },
          },
        },
      },
    };
  }

  function setThreadMutation(field: "resolveReviewThread" | "unresolveReviewThread", query: string, variables: Record<string, unknown>): Reply {
    const threadId = str(graphqlArgs(query, field, variables)?.threadId);
    const rootId = /^PRRT_(\d+)$/.exec(threadId ?? "")?.[1];
    for (const repo of state.repos.values()) {
      const root = repo.reviewComments.find((c) => String(c.id) === rootId && c.in_reply_to_id === undefined);
      if (!root) continue;
      if (repo.threadResolutionForbidden) {
        return {
          status: 200,
          body: {
            data: { [field]: null },
            errors: [{ type: "FORBIDDEN", path: [field], message: "Resource not accessible by integration" }],
          },
        };
      }
      if (field === "resolveReviewThread") {
        if (!repo.resolvedThreads.has(root.id)) repo.resolvedThreads.set(root.id, { resolvedBy: null });
      } else {
        repo.resolvedThreads.delete(root.id);
      }
      return { status: 200, body: { data: { [field]: { thread: threadJson(repo, root, 100) } } } };
    }
    return {
      status: 200,
      body: {
        data: { [field]: null },
        errors: [{ type: "NOT_FOUND", path: [field], message: `Could not resolve to a node with the global id of '${String(threadId)}'` }],
      },
    };
  }

  on("POST", "/graphql", (ctx) => {
    const body = asRecord(ctx.body);
    const query = str(body.query);
    if (query === undefined) return graphqlError("A query attribute must be specified and must be a string.");
    const variables = asRecord(body.variables);
    if (/\bunresolveReviewThread\s*\(/.test(query)) return setThreadMutation("unresolveReviewThread", query, variables);
    if (/\bresolveReviewThread\s*\(/.test(query)) return setThreadMutation("resolveReviewThread", query, variables);
    if (/\breviewThreads\b/.test(query)) return reviewThreadsQuery(query, variables);
    if (/\buserContentEdits\b/.test(query)) return issueEditsQuery(query, variables);
    return { ...graphqlError("fake GitHub: this GraphQL operation is not emulated"), unhandled: true };
  });

  // --- Check runs ----------------------------------------------------------------------------------
  on(
    "POST",
    "/repos/{owner}/{repo}/check-runs",
    withRepo((repo, ctx) => {
      const body = asRecord(ctx.body);
      const missing = ["name", "head_sha"].filter((f) => typeof body[f] !== "string" || body[f] === "");
      if (missing.length > 0) return invalidRequest(notSupplied(missing));
      const id = nextId();
      const run: FakeCheckRun = {
        id,
        node_id: `CR_${id}`,
        name: String(body.name),
        head_sha: String(body.head_sha),
        status: "queued",
        conclusion: null,
        details_url: null,
        external_id: null,
        started_at: str(body.started_at) ?? now(),
        completed_at: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
        actions: [],
      };
      const problem = applyCheckRun(run, body);
      if (problem) return problem;
      repo.checkRuns.push(run);
      return { status: 201, body: checkRunJson(repo, run) };
    }),
  );
  const findRun = (repo: FakeRepo, id: string | undefined) => repo.checkRuns.find((r) => r.id === int(id));
  on(
    "GET",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    withRepo((repo, _ctx, [id]) => {
      const run = findRun(repo, id);
      return run ? { status: 200, body: checkRunJson(repo, run) } : notFound();
    }),
  );
  on(
    "PATCH",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    withRepo((repo, ctx, [id]) => {
      const run = findRun(repo, id);
      if (!run) return notFound();
      // Validate on a copy so a refused update changes nothing.
      const draft: FakeCheckRun = { ...run, output: { ...run.output }, annotations: [...run.annotations] };
      const problem = applyCheckRun(draft, asRecord(ctx.body));
      if (problem) return problem;
      Object.assign(run, draft);
      return { status: 200, body: checkRunJson(repo, run) };
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
    withRepo((repo, ctx, [id]) => {
      const run = findRun(repo, id);
      return run ? paginate(ctx, run.annotations.map((a) => ({ ...a, blob_href: "" }))) : notFound();
    }),
  );
  on(
    "GET",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    withRepo(async (repo, ctx, [ref]) => {
      const sha = /^[0-9a-f]{40}$/.test(ref as string) ? (ref as string) : await resolveSha(repo, ref as string);
      const runs = repo.checkRuns
        .filter((r) => r.head_sha === sha)
        .filter((r) => ctx.query.check_name === undefined || r.name === ctx.query.check_name)
        .filter((r) => ctx.query.status === undefined || r.status === ctx.query.status)
        .sort((a, b) => b.id - a.id);
      return { status: 200, body: { total_count: runs.length, check_runs: runs.map((r) => checkRunJson(repo, r)) } };
    }),
  );

  function insertPull(
    repo: FakeRepo,
    input: {
      headOwner: string;
      headRef: string;
      base: string;
      title: string;
      body: string | null;
      draft: boolean;
      state: "open" | "closed";
      user: FakeUser;
      number?: number;
    },
  ): FakePull {
    const number = input.number ?? repo.nextNumber;
    if (repo.pulls.some((p) => p.number === number)) {
      throw new Error(`fake GitHub: pull request #${number} already exists in ${repo.owner}/${repo.name}`);
    }
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const id = nextId();
    const at = now();
    const pr: FakePull = {
      id,
      node_id: `PR_${id}`,
      number,
      state: input.state,
      title: input.title,
      body: input.body,
      draft: input.draft,
      merged: false,
      headRef: input.headRef,
      headOwner: input.headOwner,
      headSha: sha1(`${repo.owner}/${repo.name}:${input.headRef}`),
      baseRef: input.base,
      user: input.user,
      created_at: at,
      updated_at: at,
      closed_at: input.state === "closed" ? at : null,
      merged_at: null,
    };
    repo.pulls.push(pr);
    return pr;
  }

  // --- Dispatch ------------------------------------------------------------------------------------
  function takeFailure(method: string, path: string): { status: number; failure: FakeFailure } | undefined {
    const rule = failures.find((f) => (f.method === "*" || f.method === method) && f.regex.test(path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) failures.splice(failures.indexOf(rule), 1);
    return { status: rule.status, failure: rule.failure };
  }

  function send(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    record.status = reply.status;
    if (reply.unhandled) record.route = null;
    const headers: Record<string, string> = {
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      ...reply.headers,
    };
    if (reply.status === 204 || (reply.body === undefined && reply.text === undefined)) {
      res.writeHead(reply.status, headers).end();
    } else if (reply.text !== undefined) {
      res.writeHead(reply.status, { ...headers, "content-type": "text/plain; charset=utf-8" }).end(reply.text);
    } else {
      res.writeHead(reply.status, { ...headers, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(reply.body));
    }
  }

  function authProblem(route: Route, headers: IncomingHttpHeaders): Reply | null {
    const authorization = headers.authorization;
    if (route.auth === "jwt") {
      return isJwt(authorization) ? null : errorReply(401, "A JSON web token could not be decoded");
    }
    if (route.auth === "none") return null;
    if (route.auth === "user") {
      const m = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
      return m?.[1] !== undefined && oauth.tokens.has(m[1]) ? null : errorReply(401, "Bad credentials");
    }
    if (opts.token === undefined) return null;
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
    return match?.[1] === opts.token ? null : errorReply(401, "Bad credentials");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    let prefix = "";
    let path = url.pathname;
    if (path === "/api/v3" || path.startsWith("/api/v3/")) {
      prefix = "/api/v3";
      path = path.slice(prefix.length) || "/";
    } else if (path === "/api/graphql") {
      // GHE serves GraphQL beside the REST prefix, and Octokit's graphql goes there for an /api/v3 base URL.
      prefix = "/api";
      path = "/graphql";
    }
    const record: RecordedRequest = {
      method,
      path,
      url: req.url ?? "/",
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: req.headers,
      route: null,
      status: 0,
      at: Date.now(),
    };
    requests.push(record);
    try {
      await dispatch(req, res, record, prefix);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) {
        res.destroy();
        if (record.status === 0) record.status = 500;
      } else {
        send(res, record, errorReply(500, `fake GitHub failed: ${message}`));
      }
    }
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, prefix: string): Promise<void> {
    const { method, path } = record;
    const failure = takeFailure(method, path);

    if (prefix === "" && gitBackend !== undefined && opts.gitProjectRoot !== undefined && path.startsWith("/git/")) {
      if (failure) {
        send(res, record, errorReply(failure.status, failure.failure.message ?? STATUS_CODES[failure.status] ?? "Error"));
        return;
      }
      record.route = "GIT";
      res.on("finish", () => {
        record.status = res.statusCode;
      });
      await gitBackend.handleGitHttp(req, res, { projectRoot: opts.gitProjectRoot, pathPrefix: "/git", token: opts.token });
      return;
    }

    const raw = await readBody(req);
    if (raw !== "") {
      try {
        record.body = JSON.parse(raw) as unknown;
      } catch {
        record.body = raw;
        if (String(req.headers["content-type"] ?? "").includes("json")) {
          send(res, record, errorReply(400, "Problems parsing JSON"));
          return;
        }
      }
    }
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (!match) continue;
      record.route = `${route.method} ${route.template}`;
      if (failure) break;
      const problem = authProblem(route, req.headers);
      if (problem) {
        send(res, record, problem);
        return;
      }
      const params = match.slice(1).map((p) => decodeURIComponent(p));
      const ctx: Ctx = {
        method,
        path,
        prefix,
        origin: `http://${req.headers.host ?? host}`,
        query: record.query,
        body: record.body,
        headers: req.headers,
      };
      send(res, record, await route.handle(ctx, params));
      return;
    }
    if (failure) {
      // A forced failure counts as handled even on a path no route serves.
      record.route ??= "(failNext)";
      const message = failure.failure.message ?? STATUS_CODES[failure.status] ?? "Error";
      send(res, record, { ...errorReply(failure.status, message), headers: failure.failure.headers ?? {} });
      return;
    }
    send(res, record, notFound());
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  web = `http://${host}`;
  api = `${web}/api/v3`;

  const fake: FakeGitHub = {
    url: web,
    apiUrl: api,
    host,
    requests,
    state,
    failNext(method, pathRegex, status, times = 1, failure = {}) {
      failures.push({ method: method.toUpperCase(), regex: pathRegex, status, remaining: times, failure });
    },
    enableOAuth(client) {
      oauth.client = client;
    },
    signInAs(login) {
      oauth.browserLogin = login;
    },
    setPermission(owner, repo, login, permission, roleName) {
      requireRepo(owner, repo).permissions.set(login.toLowerCase(), { login, permission, roleName: roleName ?? permission });
    },
    addRepo(input) {
      const key = `${input.owner}/${input.name}`.toLowerCase();
      if (state.repos.has(key)) throw new Error(`fake GitHub: repository ${input.owner}/${input.name} was already added`);
      const repo: FakeRepo = {
        owner: input.owner,
        name: input.name,
        id: input.id,
        installationId: input.installationId ?? 1,
        defaultBranch: input.defaultBranch,
        cloneUrl:
          input.cloneUrl ??
          (opts.gitProjectRoot === undefined ? `${web}/${input.owner}/${input.name}.git` : `${web}/git/${input.owner}/${input.name}.git`),
        private: input.private ?? false,
        draftPullRequests: input.draftPullRequests ?? true,
        files: new Map(Object.entries(input.files ?? {})),
        permissions: new Map(),
        branches: new Map(),
        issueComments: [],
        issues: new Map(),
        reactions: [],
        labels: new Map(),
        pulls: [],
        reviews: [],
        reviewComments: [],
        resolvedThreads: new Map(),
        threadResolutionForbidden: false,
        reviewCommentReactions: new Map(),
        issueCommentReactions: new Map(),
        pullCommits: new Map(),
        issueEvents: [],
        checkRuns: [],
        commentableLines: new Map(),
        pullFiles: new Map(),
        nextNumber: input.firstPullNumber ?? 100,
      };
      state.repos.set(key, repo);
      return repo;
    },
    repo: requireRepo,
    setFile(owner, repo, path, content) {
      const files = requireRepo(owner, repo).files;
      if (content === null) files.delete(path);
      else files.set(path, content);
    },
    setBranchSha(owner, repo, branch, sha) {
      requireRepo(owner, repo).branches.set(branch, sha);
    },
    setCommentableLines(owner, repo, pull, lines) {
      requireRepo(owner, repo).commentableLines.set(pull, lines);
    },
    setPullFiles(owner, repo, pull, files) {
      requireRepo(owner, repo).pullFiles.set(pull, files);
    },
    addIssue(owner, repo, input) {
      const issue: FakeIssue = {
        number: input.number,
        title: input.title,
        body: input.body ?? null,
        state: input.state ?? "open",
        user: userFrom(input.user, HUMAN),
        labels: [],
        edits: [],
      };
      requireRepo(owner, repo).issues.set(input.number, issue);
      return issue;
    },
    editIssue(owner, repo, number, input) {
      const issue = requireRepo(owner, repo).issues.get(number);
      if (!issue) throw new Error(`fake GitHub: no issue #${number} in ${owner}/${repo}`);
      issue.body = input.body;
      issue.edits.push({ editedAt: input.editedAt ?? now(), editor: userFrom(input.editor, HUMAN) });
    },
    addIssueComment(owner, repo, issueNumber, input) {
      return createIssueComment(requireRepo(owner, repo), issueNumber, input.body, userFrom(input.user, HUMAN));
    },
    addPullRequest(owner, repo, input) {
      const r = requireRepo(owner, repo);
      const [headOwner, headRef] = input.head.includes(":") ? (input.head.split(":", 2) as [string, string]) : [r.owner, input.head];
      return insertPull(r, {
        headOwner,
        headRef,
        base: input.base ?? r.defaultBranch,
        title: input.title,
        body: input.body ?? null,
        draft: input.draft ?? false,
        state: input.state ?? "open",
        user: userFrom(input.user, HUMAN),
        ...(input.number === undefined ? {} : { number: input.number }),
      });
    },
    addReviewComment(owner, repo, pull, input) {
      const r = requireRepo(owner, repo);
      const pr = r.pulls.find((p) => p.number === pull);
      if (!pr) throw new Error(`fake GitHub: pull request #${pull} does not exist in ${owner}/${repo}`);
      const user = userFrom(input.user, HUMAN);
      if (input.inReplyTo !== undefined) {
        const created = createReply(r, pr, input.inReplyTo, input.body, user);
        if (!created) throw new Error(`fake GitHub: review comment ${input.inReplyTo} is not on pull request #${pull}`);
        return created;
      }
      if (input.path === undefined || input.line === undefined) {
        throw new Error("fake GitHub: addReviewComment needs a path and a line for a new thread");
      }
      const review = insertReview(r, pr, user, "", "COMMENTED", pr.headSha);
      return insertReviewComment(r, pr, review, { path: input.path, line: input.line, body: input.body, user });
    },
    setThreadResolved(owner, repo, commentId, resolved, by) {
      const r = requireRepo(owner, repo);
      const root = threadRoot(r, commentId);
      if (!root) throw new Error(`fake GitHub: review comment ${commentId} does not exist in ${owner}/${repo}`);
      if (!resolved) r.resolvedThreads.delete(root.id);
      else r.resolvedThreads.set(root.id, { resolvedBy: by === null ? null : userFrom(by ?? { login: HUMAN.login }, HUMAN) });
    },
    threadId(commentId) {
      return `PRRT_${commentId}`;
    },
    addReviewCommentReaction(owner, repo, commentId, content, user) {
      const r = requireRepo(owner, repo);
      if (!r.reviewComments.some((c) => c.id === commentId)) {
        throw new Error(`fake GitHub: review comment ${commentId} does not exist in ${owner}/${repo}`);
      }
      const reaction: FakeReaction = { id: nextId(), content, user: userFrom(user, HUMAN), created_at: now() };
      const list = r.reviewCommentReactions.get(commentId) ?? [];
      list.push(reaction);
      r.reviewCommentReactions.set(commentId, list);
      return reaction;
    },
    addIssueCommentReaction(owner, repo, commentId, content, user) {
      const r = requireRepo(owner, repo);
      if (!r.issueComments.some((c) => c.id === commentId)) {
        throw new Error(`fake GitHub: issue comment ${commentId} does not exist in ${owner}/${repo}`);
      }
      const reaction: FakeReaction = { id: nextId(), content, user: userFrom(user, HUMAN), created_at: now() };
      const list = r.issueCommentReactions.get(commentId) ?? [];
      list.push(reaction);
      r.issueCommentReactions.set(commentId, list);
      return reaction;
    },
    addPullRequestCommit(owner, repo, pull, input) {
      const r = requireRepo(owner, repo);
      const pr = r.pulls.find((p) => p.number === pull);
      if (!pr) throw new Error(`fake GitHub: pull request #${pull} does not exist in ${owner}/${repo}`);
      const list = r.pullCommits.get(pull) ?? [];
      const parent = list.at(-1)?.sha ?? r.branches.get(pr.headRef) ?? pr.headSha;
      const sha = input.sha ?? sha1(`${owner}/${repo}#${pull}:${list.length}:${input.message}:${nextId()}`);
      const author = input.author === null ? null : userFrom(input.author ?? undefined, HUMAN);
      const login = author?.login ?? "someone";
      const commit: FakeCommit = {
        sha,
        message: input.message,
        author,
        authorName: login,
        authorEmail: `${author?.id ?? 0}+${login}@users.noreply.github.com`,
        date: input.date ?? now(),
        parents: [parent],
        files: input.files,
      };
      list.push(commit);
      r.pullCommits.set(pull, list);
      r.branches.set(pr.headRef, sha);
      pr.headSha = sha;
      return commit;
    },
    closePullRequest(owner, repo, pull, input = {}) {
      const r = requireRepo(owner, repo);
      const pr = r.pulls.find((p) => p.number === pull);
      if (!pr) throw new Error(`fake GitHub: pull request #${pull} does not exist in ${owner}/${repo}`);
      const by = userFrom(input.by, HUMAN);
      const at = now();
      pr.state = "closed";
      pr.closed_at = at;
      pr.updated_at = at;
      if (input.merged) {
        pr.merged = true;
        pr.merged_at = at;
        pr.merged_by = by;
        r.issueEvents.push({ id: nextId(), issueNumber: pull, event: "merged", actor: by, created_at: at });
      }
      r.issueEvents.push({ id: nextId(), issueNumber: pull, event: "closed", actor: by, created_at: at });
      return pr;
    },
    unhandled() {
      return requests.filter((r) => r.route === null);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
