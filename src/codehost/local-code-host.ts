import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { parseFindingMarkers } from "../qa/finding-marker.ts";
import { parseDiff, type DiffFile } from "../qa/parse-diff.ts";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { appendUnplacedComments } from "./append-unplaced-comments.ts";
import type {
  Author,
  CheckRunAnnotation,
  CodeHost,
  IssueCommentSummary,
  PullRequestCommit,
  PullRequestDetails,
  PullRequestFile,
  RepoRef,
  ReviewComment,
  ReviewCommentSummary,
  ReviewThread,
} from "./code-host.ts";
import { fitsHunks, parseHunkRanges } from "./parse-hunk-ranges.ts";

export interface LocalCodeHostOptions {
  /** Folder that receives what would have been posted. Created when missing. */
  outDir: string;
  /** One line per artifact written (default: standard output). */
  log?: (line: string) => void;
  /**
   * The local repository Moderator pushes its branch to. When given, the pull request's head sha and
   * files come from it (`git diff base...branch`), and review comments outside the diff's hunks are
   * moved to the review body as GitHub would refuse them. Without it the head sha is "" and
   * listPullRequestFiles throws.
   */
  repoDir?: string;
  /** Per git command (default 30 s). */
  gitTimeoutMs?: number;
}

/** The author of everything the local host "posts". */
const LOCAL_BOT: Author = { login: "moderator[bot]", bot: true };
const TOPIC = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const GIT_TIMEOUT_MS = 30_000;
const MAX_GIT_OUTPUT = 64 * 1024 * 1024;

const PullRequestState = z.object({
  repo: z.string(),
  number: z.number().int().positive(),
  branch: z.string(),
  base: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  headSha: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type PullRequestState = z.infer<typeof PullRequestState>;

const StoredReply = z.object({ id: z.number().int(), body: z.string(), createdAt: z.string() });
const StoredComment = z.object({
  id: z.number().int(),
  path: z.string(),
  line: z.number().int(),
  startLine: z.number().int().optional(),
  body: z.string(),
  threadId: z.string(),
  resolved: z.boolean(),
  replies: z.array(StoredReply),
});
type StoredComment = z.infer<typeof StoredComment>;
const StoredReview = z.object({
  id: z.number().int(),
  pullNumber: z.number().int(),
  commitSha: z.string(),
  body: z.string(),
  state: z.string(),
  createdAt: z.string(),
  comments: z.array(StoredComment),
  movedToBody: z.number().int(),
});
type StoredReview = z.infer<typeof StoredReview>;
const ReviewState = z.object({ repo: z.string(), nextId: z.number().int().positive(), reviews: z.array(StoredReview) });
type ReviewState = z.infer<typeof ReviewState>;

const Annotation = z.object({
  path: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  annotation_level: z.enum(["notice", "warning", "failure"]),
  title: z.string(),
  message: z.string(),
  raw_details: z.string().optional(),
});
const CheckRunState = z.object({
  repo: z.string(),
  id: z.number().int(),
  name: z.string(),
  headSha: z.string(),
  status: z.string(),
  conclusion: z.string().nullable(),
  title: z.string(),
  summary: z.string(),
  text: z.string().nullable(),
  detailsUrl: z.string().nullable(),
  externalId: z.string().nullable(),
  annotations: z.array(Annotation),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
});
type CheckRunState = z.infer<typeof CheckRunState>;

const ReactionsState = z.array(
  z.object({ repo: z.string(), issue: z.number().int().optional(), comment: z.number().int().optional(), content: z.string(), createdAt: z.string() }),
);
const LabelsState = z.record(z.string(), z.array(z.string()));
const ClosedState = z.array(z.object({ pullNumber: z.number().int(), comment: z.string(), closedAt: z.string() }));

/** A positive 31-bit id derived from `key`: the same key gives the same id in every process. */
function stableId(key: string): number {
  return (parseInt(createHash("sha256").update(key).digest("hex").slice(0, 8), 16) & 0x7fffffff) || 1;
}

const repoName = (ref: RepoRef): string => `${ref.owner}/${ref.repo}`;
const normalizeNewlines = (s: string): string => s.replace(/\r\n/g, "\n");
const annotationKey = (a: CheckRunAnnotation): string =>
  JSON.stringify([a.path, a.start_line, a.end_line, a.annotation_level, a.title, a.message]);

function isMalformed(c: ReviewComment): boolean {
  return (
    c.path.trim() === "" ||
    !Number.isInteger(c.line) ||
    c.line < 1 ||
    (c.startLine !== undefined && (!Number.isInteger(c.startLine) || c.startLine < 1 || c.startLine > c.line))
  );
}

/** An error shaped like Octokit's RequestError for a missing resource, so callers treat it alike. */
function notFound(message: string): Error {
  return Object.assign(new Error(message), { status: 404 });
}

/** One file's hunks back to the `patch` text GitHub returns for it. */
/** A changed file of a local diff, shaped like GitHub's `GET /pulls/{n}/files` entry. */
function toPullRequestFile(f: DiffFile): PullRequestFile {
  const out: PullRequestFile = {
    path: f.path,
    status: f.status,
    additions: f.hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "add").length, 0),
    deletions: f.hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === "del").length, 0),
  };
  if (f.oldPath !== undefined) out.previousPath = f.oldPath;
  const patch = toPatch(f);
  if (patch !== undefined) out.patch = patch;
  return out;
}

function toPatch(file: DiffFile): string | undefined {
  if (file.binary || file.hunks.length === 0) return undefined;
  const lines: string[] = [];
  for (const h of file.hunks) {
    lines.push(h.header);
    for (const l of h.lines) {
      lines.push(`${l.kind === "add" ? "+" : l.kind === "del" ? "-" : " "}${l.text}`);
      if (l.noNewlineAtEnd) lines.push("\\ No newline at end of file");
    }
  }
  return lines.join("\n");
}

function renderPullRequest(pr: PullRequestState): string {
  return [
    `# ${pr.title}`,
    "",
    `> Pull request #${pr.number} in ${pr.repo}: \`${pr.branch}\` into \`${pr.base}\`${pr.draft ? " (draft)" : ""}${pr.headSha ? `, head ${pr.headSha.slice(0, 12)}` : ""}`,
    "",
    pr.body,
    "",
  ].join("\n");
}

function describeLines(c: { line: number; startLine?: number | undefined }): string {
  return c.startLine !== undefined && c.startLine < c.line ? `lines ${c.startLine}-${c.line}` : `line ${c.line}`;
}

function renderReviews(state: ReviewState): string {
  const out: string[] = [];
  for (const r of state.reviews) {
    out.push(`# Review ${r.id} of pull request #${r.pullNumber} at ${r.commitSha.slice(0, 12) || "(unknown commit)"}`, "");
    if (r.body.trim() !== "") out.push(r.body.trim(), "");
    out.push(`## Inline comments (${r.comments.length})`, "");
    if (r.comments.length === 0) out.push("None.", "");
    for (const c of r.comments) {
      out.push(`### \`${c.path}\` ${describeLines(c)}${c.resolved ? " (resolved)" : ""}`, "", c.body.trim(), "");
      for (const reply of c.replies) out.push(`> Reply: ${reply.body.trim().replace(/\n/g, "\n> ")}`, "");
    }
  }
  return out.join("\n");
}

function renderCheckRun(run: CheckRunState): string {
  const out = [
    `# ${run.name}: ${run.title}`,
    "",
    `> Check run ${run.id} on ${run.headSha.slice(0, 12) || "(unknown commit)"}: ${run.status}${run.conclusion ? `, ${run.conclusion}` : ""}`,
    "",
    run.summary.trim(),
    "",
  ];
  if (run.text) out.push(run.text.trim(), "");
  out.push(`## Annotations (${run.annotations.length})`, "");
  for (const a of run.annotations) {
    const lines = a.end_line > a.start_line ? `${a.start_line}-${a.end_line}` : `${a.start_line}`;
    out.push(`- **${a.annotation_level}** \`${a.path}:${lines}\` ${a.title}: ${a.message.replace(/\n/g, " ")}`);
  }
  return `${out.join("\n")}\n`;
}

/**
 * A CodeHost that posts nothing: it writes what it would post under `outDir`, for `moderator run` on a
 * local repository. Files: `comments/<issue>-<topic>.md` (find-or-update, stable ids),
 * `pull-request.md` + `.json`, `review.md` + `.json` (every review, its inline comments with path and
 * line, their threads, replies and resolution), `check-run-<name>.md` + `.json` for each check run name (with
 * annotations; `Moderator QA` -> `check-run-moderator-qa.*`) and
 * `reactions.json`. Each file written is reported with one line through `log`; unchanged files are not
 * rewritten. Calls are serialized, and every write is atomic (temporary file, then rename).
 */
export function createLocalCodeHost(opts: LocalCodeHostOptions): CodeHost {
  const outDir = path.resolve(opts.outDir);
  const log = opts.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const file = (...parts: string[]): string => path.join(outDir, ...parts);
  const urlOf = (abs: string): string => pathToFileURL(abs).href;
  const now = (): string => new Date().toISOString();

  // Calls run one after the other: two concurrent upserts must not both read the old file.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function write(abs: string, content: string, what: string): Promise<void> {
    await mkdir(path.dirname(abs), { recursive: true });
    const tmp = `${abs}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, content);
    await rename(tmp, abs);
    log(`${what} ${abs}`);
  }

  async function readText(abs: string): Promise<string | undefined> {
    try {
      return await readFile(abs, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async function readJson<S extends z.ZodType>(abs: string, schema: S): Promise<z.infer<S> | undefined> {
    const text = await readText(abs);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`local code host: ${abs} is not valid JSON (${(err as Error).message}); delete it or choose another output folder`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new Error(`local code host: ${abs} does not hold what this host writes: ${problems}`);
    }
    return parsed.data;
  }

  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

  function git(args: string[]): Promise<string> {
    const repoDir = opts.repoDir as string;
    const timeout = opts.gitTimeoutMs ?? GIT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      execFile(
        "git",
        ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", ...args],
        {
          cwd: repoDir,
          env: { PATH: DEFAULT_PATH, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" },
          timeout,
          killSignal: "SIGKILL",
          maxBuffer: MAX_GIT_OUTPUT,
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const killed = (error as { killed?: boolean }).killed === true;
          const detail = killed ? `timed out after ${timeout} ms` : stderr.trim().split("\n").slice(-2).join(" ") || error.message;
          reject(new Error(`local code host: git ${args.join(" ")} in ${repoDir} failed: ${detail}`));
        },
      );
    });
  }

  async function branchSha(branch: string): Promise<string> {
    if (opts.repoDir === undefined) return "";
    try {
      return (await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`])).trim();
    } catch {
      return "";
    }
  }

  async function pullRequestFiles(ref: RepoRef, pullNumber: number): Promise<PullRequestFile[]> {
    const pr = await readPull(ref, pullNumber);
    if (opts.repoDir === undefined) {
      throw new Error(`local code host: listing the files of pull request #${pullNumber} needs the local repository (repoDir)`);
    }
    const diff = await git(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", `refs/heads/${pr.base}...refs/heads/${pr.branch}`, "--"]);
    return parseDiff(diff).map(toPullRequestFile);
  }

  /** The comments `ensureComment` wrote on `issueNumber`, in topic order (the files keep no creation time). */
  async function issueComments(ref: RepoRef, issueNumber: number): Promise<IssueCommentSummary[]> {
    const dir = file("comments");
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: IssueCommentSummary[] = [];
    for (const name of names.filter((n) => n.startsWith(`${issueNumber}-`) && n.endsWith(".md")).sort()) {
      const abs = path.join(dir, name);
      const body = (await readText(abs)) ?? "";
      // The topic is in the marker ensureComment appended (the file name has it with unsafe characters replaced).
      const topic = [...body.matchAll(/<!-- moderator:([A-Za-z0-9][A-Za-z0-9._:/-]*) -->/g)].pop()?.[1];
      if (topic === undefined) continue;
      out.push({ id: stableId(`${repoName(ref)}#${issueNumber}:${topic}`), body, author: LOCAL_BOT, url: urlOf(abs), createdAt: "" });
    }
    return out;
  }

  /** The commits of `base..branch` in the local repository, oldest first. */
  async function pullRequestCommits(ref: RepoRef, pullNumber: number): Promise<PullRequestCommit[]> {
    const pr = await readPull(ref, pullNumber);
    if (opts.repoDir === undefined) {
      throw new Error(`local code host: listing the commits of pull request #${pullNumber} needs the local repository (repoDir)`);
    }
    const out = await git(["log", "--reverse", "--format=%H%x00%P%x00%an%x00%ae%x00%cI%x00%B%x1e", `refs/heads/${pr.base}..refs/heads/${pr.branch}`, "--"]);
    return out
      .split("\x1e")
      .map((record) => record.replace(/^\n/, ""))
      .filter((record) => record.trim() !== "")
      .map((record) => {
        const [sha = "", parents = "", name = "", email = "", date = "", ...message] = record.split("\0");
        // Local commits have no GitHub account: the author is unknown, as GitHub says for an unmatched email.
        return {
          sha,
          message: message.join("\0").replace(/\n+$/, ""),
          author: null,
          authorName: name || null,
          authorEmail: email || null,
          committedAt: date || null,
          parents: parents.split(" ").filter(Boolean),
        };
      });
  }

  async function commitFiles(sha: string): Promise<PullRequestFile[]> {
    if (opts.repoDir === undefined) throw new Error(`local code host: reading commit ${sha} needs the local repository (repoDir)`);
    if (!/^[0-9a-f]{4,64}$/i.test(sha)) throw new Error(`local code host: ${JSON.stringify(sha)} is not a commit sha`);
    const diff = await git(["diff-tree", "-p", "-r", "-M", "--root", "--no-commit-id", "--no-color", "--no-ext-diff", "--no-textconv", sha, "--"]);
    return parseDiff(diff).map(toPullRequestFile);
  }

  async function readPull(ref: RepoRef, pullNumber: number): Promise<PullRequestState> {
    const pr = await readJson(file("pull-request.json"), PullRequestState);
    if (!pr || pr.number !== pullNumber || pr.repo !== repoName(ref)) {
      throw notFound(`local code host: no pull request #${pullNumber} for ${repoName(ref)} in ${outDir}`);
    }
    return pr;
  }

  async function readReviews(ref: RepoRef): Promise<ReviewState> {
    return (await readJson(file("review.json"), ReviewState)) ?? { repo: repoName(ref), nextId: 1, reviews: [] };
  }

  async function writeReviews(state: ReviewState, what: string): Promise<void> {
    await write(file("review.json"), json(state), what);
    await write(file("review.md"), renderReviews(state), what);
  }

  function findThread(state: ReviewState, match: (c: StoredComment) => boolean): StoredComment | undefined {
    for (const r of state.reviews) {
      const found = r.comments.find(match);
      if (found) return found;
    }
    return undefined;
  }

  return {
    addLabels: (ref, issueNumber, labels) =>
      serialized(async () => {
        const abs = file("labels.json");
        const state = ((await readJson(abs, LabelsState)) ?? {}) as Record<string, string[]>;
        const key = `${repoName(ref)}#${issueNumber}`;
        state[key] = [...new Set([...(state[key] ?? []), ...labels])];
        await write(abs, json(state), `labels on #${issueNumber}:`);
      }),

    closePullRequest: (_ref, pullNumber, comment) =>
      serialized(async () => {
        const abs = file("closed-pull-requests.json");
        const closed = ((await readJson(abs, ClosedState)) ?? []) as Array<{ pullNumber: number; comment: string; closedAt: string }>;
        closed.push({ pullNumber, comment, closedAt: now() });
        await write(abs, json(closed), `pull request #${pullNumber} closed:`);
      }),

    removeLabel: (ref, issueNumber, label) =>
      serialized(async () => {
        const abs = file("labels.json");
        const state = ((await readJson(abs, LabelsState)) ?? {}) as Record<string, string[]>;
        const key = `${repoName(ref)}#${issueNumber}`;
        if (!(state[key] ?? []).includes(label)) return;
        state[key] = (state[key] ?? []).filter((l) => l !== label);
        await write(abs, json(state), `labels on #${issueNumber}:`);
      }),

    addCommentReaction: (ref, commentId, content) =>
      serialized(async () => {
        const abs = file("reactions.json");
        const reactions = (await readJson(abs, ReactionsState)) ?? [];
        if (reactions.some((r) => r.repo === repoName(ref) && r.comment === commentId && r.content === content)) return;
        reactions.push({ repo: repoName(ref), comment: commentId, content, createdAt: now() });
        await write(abs, json(reactions), `reaction ${content} on comment ${commentId}:`);
      }),
    addIssueReaction: (ref, issueNumber, content) =>
      serialized(async () => {
        const abs = file("reactions.json");
        const reactions = (await readJson(abs, ReactionsState)) ?? [];
        if (reactions.some((r) => r.repo === repoName(ref) && r.issue === issueNumber && r.content === content)) return;
        reactions.push({ repo: repoName(ref), issue: issueNumber, content, createdAt: now() });
        await write(abs, json(reactions), `reaction ${content} on #${issueNumber}:`);
      }),

    ensureComment: (ref, issueNumber, topic, body) =>
      serialized(async () => {
        if (!TOPIC.test(topic)) {
          throw new Error(`ensureComment: invalid topic ${JSON.stringify(topic)}; use letters, digits and . _ : / - (it goes into an HTML comment marker)`);
        }
        // The id is derived from repository, issue and topic, so it is the same in every process; a
        // remembered commentId is thus always this comment's id or a stale one (ignored, as on GitHub).
        const id = stableId(`${repoName(ref)}#${issueNumber}:${topic}`);
        const abs = file("comments", `${issueNumber}-${topic.replace(/[^A-Za-z0-9._-]/g, "_")}.md`);
        const fullBody = `${body.trimEnd()}\n\n<!-- moderator:${topic} -->\n`;
        const existing = await readText(abs);
        const url = urlOf(abs);
        if (existing !== undefined && normalizeNewlines(existing) === normalizeNewlines(fullBody)) {
          return { id, url, created: false, updated: false };
        }
        await write(abs, fullBody, existing === undefined ? `comment ${topic} on #${issueNumber} created:` : `comment ${topic} on #${issueNumber} updated:`);
        return { id, url, created: existing === undefined, updated: existing !== undefined };
      }),

    ensurePullRequest: (ref, input) =>
      serialized(async () => {
        const jsonPath = file("pull-request.json");
        const existing = await readJson(jsonPath, PullRequestState);
        const headSha = (await branchSha(input.branch)) || (existing?.branch === input.branch ? existing.headSha : "");
        const same = existing !== undefined && existing.repo === repoName(ref) && existing.branch === input.branch;
        const pr: PullRequestState = same
          ? { ...existing, title: input.title, body: input.body, base: input.base, headSha, updatedAt: existing.updatedAt }
          : {
              repo: repoName(ref),
              number: existing ? existing.number + 1 : 1,
              branch: input.branch,
              base: input.base,
              title: input.title,
              body: input.body,
              draft: input.draft,
              headSha,
              createdAt: now(),
              updatedAt: now(),
            };
        const changed =
          !same ||
          existing.title !== pr.title ||
          normalizeNewlines(existing.body) !== normalizeNewlines(pr.body) ||
          existing.base !== pr.base ||
          existing.headSha !== pr.headSha;
        if (changed) {
          if (same) pr.updatedAt = now();
          const what = same ? `pull request #${pr.number} updated:` : `pull request #${pr.number} created:`;
          await write(jsonPath, json(pr), what);
          await write(file("pull-request.md"), renderPullRequest(pr), what);
        }
        return { number: pr.number, url: urlOf(file("pull-request.md")), headSha: pr.headSha, draft: pr.draft, created: !same };
      }),

    createReview: (ref, pullNumber, input) =>
      serialized(async () => {
        const where = `createReview(${repoName(ref)}#${pullNumber})`;
        if (input.body.trim() === "" && input.comments.length === 0) {
          throw new Error(`${where}: a review needs a body or at least one comment`);
        }
        // As GitHub would: malformed comments, and with the repository at hand comments outside the
        // diff's hunks, go into the body instead of failing the review.
        let hunks: Map<string, ReturnType<typeof parseHunkRanges>> | undefined;
        if (opts.repoDir !== undefined) {
          const files = await pullRequestFiles(ref, pullNumber).catch(() => undefined);
          if (files) hunks = new Map(files.map((f) => [f.path, f.patch === undefined ? [] : parseHunkRanges(f.patch)]));
        }
        const fits = (c: ReviewComment): boolean =>
          !isMalformed(c) && (hunks === undefined || fitsHunks(hunks.get(c.path) ?? [], c.line, c.startLine));
        const inline = input.comments.filter(fits);
        const moved = input.comments.filter((c) => !fits(c));

        const state = await readReviews(ref);
        const id = state.nextId;
        let next = id + 1;
        const review: StoredReview = {
          id,
          pullNumber,
          commitSha: input.commitSha,
          body: appendUnplacedComments(input.body, moved),
          state: "COMMENTED",
          createdAt: now(),
          movedToBody: moved.length,
          comments: inline.map((c) => {
            const commentId = next++;
            return {
              id: commentId,
              path: c.path,
              line: c.line,
              ...(c.startLine !== undefined && c.startLine < c.line ? { startLine: c.startLine } : {}),
              body: c.body,
              threadId: `LOCAL_PRRT_${commentId}`,
              resolved: false,
              replies: [],
            };
          }),
        };
        state.reviews.push(review);
        state.nextId = next;
        await writeReviews(state, `review ${id} on #${pullNumber} (${inline.length} inline, ${moved.length} in the body):`);
        return { id, url: `${urlOf(file("review.md"))}#review-${id}`, inlineCount: inline.length, movedToBody: moved.length };
      }),

    upsertCheckRun: (ref, input) =>
      serialized(async () => {
        // One pair of files per check run name (check-run-moderator-qa.json, check-run-moderator.json).
        const base = checkRunFileBase(input.name);
        const jsonPath = file(`${base}.json`);
        const stored = await readJson(jsonPath, CheckRunState);
        const same = stored !== undefined && stored.repo === repoName(ref) && stored.name === input.name && stored.headSha === input.headSha;
        const have = new Set((same ? stored.annotations : []).map(annotationKey));
        const fresh = (input.annotations ?? []).filter((a) => !have.has(annotationKey(a)));
        const completed = input.conclusion !== undefined || input.status === "completed";
        const run: CheckRunState = {
          repo: repoName(ref),
          id: same ? stored.id : (input.id ?? stableId(`${repoName(ref)}:check:${input.name}:${input.headSha}`)),
          name: input.name,
          headSha: input.headSha,
          status: input.conclusion !== undefined ? "completed" : input.status,
          conclusion: input.conclusion ?? null,
          title: input.title,
          summary: input.summary,
          text: input.text ?? null,
          detailsUrl: input.detailsUrl ?? null,
          externalId: input.externalId ?? null,
          // GitHub appends the annotations of every update to the run's.
          annotations: [...(same ? stored.annotations : []), ...fresh],
          startedAt: same ? stored.startedAt : now(),
          completedAt: completed ? now() : null,
        };
        const what = `check run ${run.name} (${run.status}${run.conclusion ? `, ${run.conclusion}` : ""}, ${run.annotations.length} annotations):`;
        await write(jsonPath, json(run), what);
        await write(file(`${base}.md`), renderCheckRun(run), what);
        return { id: run.id, url: urlOf(file(`${base}.md`)) };
      }),

    listReviewThreads: (ref, pullNumber) =>
      serialized(async () => {
        const state = await readReviews(ref);
        const threads: ReviewThread[] = [];
        for (const r of state.reviews) {
          if (r.pullNumber !== pullNumber) continue;
          for (const c of r.comments) {
            const comments = [
              { id: c.id, body: c.body, author: LOCAL_BOT, path: c.path, line: c.line },
              ...c.replies.map((reply) => ({ id: reply.id, body: reply.body, author: LOCAL_BOT, path: c.path, line: c.line })),
            ];
            const fingerprints = [...new Set(comments.flatMap((x) => parseFindingMarkers(x.body)))];
            threads.push({
              id: c.threadId,
              isResolved: c.resolved,
              isOutdated: false,
              path: c.path,
              line: c.line,
              resolvedBy: null,
              comments,
              fingerprints,
            });
          }
        }
        return threads;
      }),

    listReviews: (ref, pullNumber) =>
      serialized(async () => {
        const state = await readReviews(ref);
        return state.reviews
          .filter((r) => r.pullNumber === pullNumber)
          .map((r) => ({
            id: r.id,
            body: r.body,
            state: r.state,
            commitId: r.commitSha || null,
            author: LOCAL_BOT,
            fingerprints: parseFindingMarkers(r.body),
          }));
      }),

    resolveReviewThread: (threadId) =>
      serialized(async () => {
        const where = `resolveReviewThread(${JSON.stringify(threadId)})`;
        const abs = file("review.json");
        const state = await readJson(abs, ReviewState);
        const thread = state ? findThread(state, (c) => c.threadId === threadId) : undefined;
        if (!state || !thread) throw notFound(`${where}: no such thread in ${abs}`);
        if (!thread.resolved) {
          thread.resolved = true;
          await writeReviews(state, `thread ${threadId} resolved:`);
        }
        return { isResolved: true };
      }),

    replyToReviewComment: (ref, pullNumber, commentId, body) =>
      serialized(async () => {
        const where = `replyToReviewComment(${repoName(ref)}#${pullNumber}, ${commentId})`;
        if (body.trim() === "") throw new Error(`${where}: the reply needs a body`);
        const state = await readReviews(ref);
        const thread = findThread(state, (c) => c.id === commentId);
        if (!thread) throw notFound(`${where}: no review comment ${commentId} in ${file("review.json")}`);
        const id = state.nextId;
        state.nextId += 1;
        thread.replies.push({ id, body, createdAt: now() });
        await writeReviews(state, `reply ${id} to review comment ${commentId}:`);
        return { id, url: `${urlOf(file("review.md"))}#comment-${id}` };
      }),

    getPullRequest: (ref, pullNumber) =>
      serialized(async (): Promise<PullRequestDetails> => {
        const pr = await readPull(ref, pullNumber);
        return {
          number: pr.number,
          url: urlOf(file("pull-request.md")),
          title: pr.title,
          body: pr.body,
          headSha: (await branchSha(pr.branch)) || pr.headSha,
          headRef: pr.branch,
          headRepo: pr.repo,
          baseRef: pr.base,
          state: "open",
          merged: false,
          draft: pr.draft,
          author: LOCAL_BOT,
        };
      }),

    listPullRequestFiles: (ref, pullNumber) => serialized(() => pullRequestFiles(ref, pullNumber)),

    listIssueComments: (ref, issueNumber) => serialized(() => issueComments(ref, issueNumber)),

    listReviewComments: (ref, pullNumber) =>
      serialized(async () => {
        const state = await readReviews(ref);
        const out: ReviewCommentSummary[] = [];
        for (const r of state.reviews) {
          if (r.pullNumber !== pullNumber) continue;
          for (const c of r.comments) {
            const url = `${urlOf(file("review.md"))}#comment-${c.id}`;
            const common = { path: c.path, line: c.line, originalLine: c.line, originalCommitId: r.commitSha || null, author: LOCAL_BOT };
            out.push({ ...common, id: c.id, body: c.body, startLine: c.startLine ?? null, originalStartLine: c.startLine ?? null, inReplyToId: null, url, createdAt: r.createdAt });
            for (const reply of c.replies) {
              out.push({ ...common, id: reply.id, body: reply.body, startLine: null, originalStartLine: null, inReplyToId: c.id, url: `${urlOf(file("review.md"))}#comment-${reply.id}`, createdAt: reply.createdAt });
            }
          }
        }
        return out.sort((a, b) => a.id - b.id);
      }),

    // Nobody reacts to files: a comment that exists has no reactions, one that does not is a 404.
    listIssueCommentReactions: (ref, commentId) =>
      serialized(async () => {
        let names: string[] = [];
        try {
          names = await readdir(file("comments"));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
        const issues = new Set(names.map((n) => /^(\d+)-/.exec(n)?.[1]).filter((n): n is string => n !== undefined));
        for (const issue of issues) {
          if ((await issueComments(ref, Number(issue))).some((c) => c.id === commentId)) return [];
        }
        throw notFound(`local code host: no issue comment ${commentId} in ${file("comments")}`);
      }),

    listReviewCommentReactions: (ref, commentId) =>
      serialized(async () => {
        const state = await readReviews(ref);
        const exists = state.reviews.some((r) => r.comments.some((c) => c.id === commentId || c.replies.some((x) => x.id === commentId)));
        if (!exists) throw notFound(`local code host: no review comment ${commentId} in ${file("review.json")}`);
        return [];
      }),

    listPullRequestCommits: (ref, pullNumber) => serialized(() => pullRequestCommits(ref, pullNumber)),

    getCommitFiles: (_ref, sha) => serialized(() => commitFiles(sha)),

    // Local pull requests are never closed.
    getPullRequestClosing: (ref, pullNumber) =>
      serialized(async () => {
        const pr = await readPull(ref, pullNumber);
        return { state: "open" as const, merged: false, createdAt: pr.createdAt, closedAt: null, mergedAt: null, mergedBy: null, closedBy: null };
      }),
  };
}

/** The file name (without extension) of a check run's files: `Moderator QA` -> `check-run-moderator-qa`. */
function checkRunFileBase(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `check-run-${slug || "unnamed"}`;
}
