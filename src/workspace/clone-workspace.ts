import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { CancelledError, ModeratorError } from "../util/errors.ts";
import { classifyGitError } from "./classify-git-error.ts";
import type { CloneOptions, MergeBundleResult, Workspace } from "./workspace.ts";

const DEFAULT_AUTHOR = { name: "Moderator", email: "moderator@users.noreply.github.com" };
const SHA = /^[0-9a-f]{4,64}$/i;

/**
 * Config every git command of ours runs with (as GIT_CONFIG_* environment, above any repository
 * config): the clone is written by the agent, so nothing in it may make our git run a program —
 * no hooks, no fsmonitor, no credential helpers, no signing program — and no background gc may
 * outlive the command.
 */
const SAFE_CONFIG: Array<[string, string]> = [
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  ["credential.helper", ""],
  ["commit.gpgSign", "false"],
  ["gc.auto", "0"],
  ["maintenance.auto", "false"],
  ["advice.detachedHead", "false"],
  ["init.defaultBranch", "main"],
];

/** Network commands also abort a transfer that stalls below 1 KB/s for 60 s (then retried as transient). */
const NETWORK_CONFIG: Array<[string, string]> = [
  ["http.lowSpeedLimit", "1000"],
  ["http.lowSpeedTime", "60"],
];

function configEnv(entries: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

function validateBranchName(name: string, what: string): void {
  const bad =
    name.length === 0 ||
    name.startsWith("-") ||
    name.startsWith("/") ||
    name.endsWith("/") ||
    name.endsWith(".") ||
    name.endsWith(".lock") ||
    name.includes("..") ||
    name.includes("//") ||
    name.includes("@{") ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(name);
  if (bad) throw new ModeratorError(`${what} ${JSON.stringify(name)} is not a valid git branch name`, { phase: "prepare" });
}

/** Written to .git/info/exclude before every operation. */
const AGENT_CACHE_EXCLUDES = [".aider.tags.cache.v*/", ".aider.chat.history.md", ".aider.input.history", ".aider.llm.history", ""].join("\n");

/** The URL with any user:password removed, for messages; and the origin the auth header is scoped to. */
function describeUrl(cloneUrl: string): { display: string; origin: string | undefined } {
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    throw new ModeratorError(`clone URL ${JSON.stringify(cloneUrl)} is not a valid URL`, { phase: "prepare" });
  }
  if (!["https:", "http:", "file:"].includes(url.protocol)) {
    throw new ModeratorError(`clone URL for ${url.host}${url.pathname} uses ${url.protocol}; only https, http and file are supported`, { phase: "prepare" });
  }
  if (url.username || url.password) {
    throw new ModeratorError(`clone URL for ${url.host}${url.pathname} must not contain credentials; the token is passed separately`, { phase: "prepare" });
  }
  return { display: url.toString(), origin: url.protocol === "file:" ? undefined : `${url.protocol}//${url.host}/` };
}

/**
 * Clone one branch of a repository into a fresh folder below opts.rootDir and start the work branch.
 *
 * The token is only ever an HTTP header (`Authorization: Basic base64("x-access-token:" + token)`)
 * given to the fetch and push commands through GIT_CONFIG_* environment variables, scoped to the clone
 * URL's origin: never in the URL, never in .git/config, never on a command line (where `ps` shows it).
 * git never prompts (GIT_TERMINAL_PROMPT=0, empty credential.helper) and ignores the user's global
 * config. Before each operation the clone's .git/config is restored from a snapshot and object
 * alternates are removed, because the agent could have written them.
 */
export async function cloneWorkspace(opts: CloneOptions): Promise<Workspace> {
  validateBranchName(opts.baseBranch, "base branch");
  validateBranchName(opts.branch, "branch");
  if (opts.resumeSha !== undefined && !SHA.test(opts.resumeSha)) {
    throw new ModeratorError(`resumeSha ${JSON.stringify(opts.resumeSha)} is not a commit sha`, { phase: "prepare" });
  }
  const { display: url, origin } = describeUrl(opts.cloneUrl);
  // A local (file://) repository needs no credential; an HTTP(S) one always does.
  if (!opts.token && origin !== undefined) throw new ModeratorError("cloneWorkspace: token is empty", { phase: "prepare", infrastructure: true });
  if (opts.signal?.aborted) throw new CancelledError(`clone of ${url} was cancelled`);
  const author = opts.author ?? DEFAULT_AUTHOR;

  const basic = Buffer.from(`x-access-token:${opts.token}`).toString("base64");
  const redact = (text: string): string => (opts.token ? text.split(opts.token).join("***").split(basic).join("***") : text);

  await mkdir(opts.rootDir, { recursive: true });
  const dir = await mkdtemp(path.join(path.resolve(opts.rootDir), "ws-"));

  const baseEnv: Record<string, string> = {
    PATH: DEFAULT_PATH,
    ...opts.gitEnv,
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  const unsafe = {
    allowUnsafeConfigEnvCount: true,
    allowUnsafeConfigPaths: true,
    allowUnsafeHooksPath: true,
    allowUnsafeFsMonitor: true,
    allowUnsafeCredentialHelper: true,
  };
  const make = (extra: Array<[string, string]>, signal?: AbortSignal): SimpleGit =>
    simpleGit({ baseDir: dir, maxConcurrentProcesses: 1, unsafe, ...(signal ? { abort: signal } : {}) }).env({
      ...baseEnv,
      ...configEnv([...SAFE_CONFIG, ...extra]),
    });
  const authConfig: Array<[string, string]> = [
    ...NETWORK_CONFIG,
    ...(origin ? ([[`http.${origin}.extraHeader`, `Authorization: Basic ${basic}`]] as Array<[string, string]>) : []),
  ];
  const local = make([]);
  // opts.signal cancels the clone only; later operations (checkpoint, rollback, push) are not cut off
  // half-way, so the caller can still clean up or keep a partial result after a cancel.
  const fetcher = make(authConfig, opts.signal);
  const remote = make(authConfig);

  const fail = (err: unknown, action: string, phase: "prepare" | "publish"): Error =>
    classifyGitError(err, { action, url, phase, redact, aborted: phase === "prepare" && (opts.signal?.aborted ?? false) });

  let baseSha: string;
  let configSnapshot: string;
  try {
    await local.raw(["init", "--quiet"]);
    await local.raw(["remote", "add", "origin", opts.cloneUrl]);
    try {
      await fetcher.raw(["fetch", "--no-tags", "--quiet", "origin", `+refs/heads/${opts.baseBranch}:refs/remotes/origin/${opts.baseBranch}`]);
    } catch (err) {
      throw fail(err, `clone branch ${opts.baseBranch} of`, "prepare");
    }
    baseSha = (await local.raw(["rev-parse", "--verify", `refs/remotes/origin/${opts.baseBranch}^{commit}`])).trim();

    let resumed = false;
    if (opts.resumeSha !== undefined) {
      let remoteSha: string | undefined;
      try {
        await fetcher.raw(["fetch", "--no-tags", "--quiet", "origin", `+refs/heads/${opts.branch}:refs/remotes/origin/${opts.branch}`]);
        remoteSha = (await local.raw(["rev-parse", "--verify", `refs/remotes/origin/${opts.branch}^{commit}`])).trim();
      } catch (err) {
        if (!/couldn't find remote ref/i.test(String((err as Error).message))) throw fail(err, `fetch branch ${opts.branch} of`, "prepare");
      }
      if (remoteSha !== undefined && remoteSha.startsWith(opts.resumeSha.toLowerCase())) {
        await local.raw(["checkout", "--quiet", "-B", opts.branch, remoteSha]);
        try {
          baseSha = (await local.raw(["merge-base", baseSha, remoteSha])).trim();
        } catch {
          // unrelated histories: keep the base tip
        }
        resumed = true;
      }
    }
    if (!resumed) await local.raw(["checkout", "--quiet", "-B", opts.branch, baseSha]);
    await local.raw(["config", "user.name", author.name]);
    await local.raw(["config", "user.email", author.email]);
    configSnapshot = await readFile(path.join(dir, ".git", "config"), "utf8");
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if (err instanceof Error && (err.name === "ModeratorError" || err.name === "CancelledError")) throw err;
    throw fail(err, "prepare the clone of", "prepare");
  }

  let lastHead = baseSha;
  const gitDir = path.join(dir, ".git");

  /** Undo what the agent may have done to .git that would make our (unsandboxed) git misbehave. */
  const sanitize = async (): Promise<void> => {
    const st = await lstat(gitDir).catch(() => undefined);
    if (!st || !st.isDirectory()) {
      throw new ModeratorError(`the clone's .git folder (${gitDir}) was removed or replaced, so its history cannot be trusted`, { phase: "execute" });
    }
    const configPath = path.join(gitDir, "config");
    await rm(configPath, { force: true });
    await writeFile(configPath, configSnapshot, { flag: "wx" });
    await rm(path.join(gitDir, "objects", "info", "alternates"), { force: true });
    await rm(path.join(gitDir, "objects", "info", "http-alternates"), { force: true });
    // Agents' own caches and histories never belong in a commit (aider cannot be told to write them elsewhere).
    await mkdir(path.join(gitDir, "info"), { recursive: true });
    await writeFile(path.join(gitDir, "info", "exclude"), AGENT_CACHE_EXCLUDES);
  };

  const headSha = async (): Promise<string> => (await local.raw(["rev-parse", "--verify", "HEAD^{commit}"])).trim();

  return {
    dir,
    baseBranch: opts.baseBranch,
    branch: opts.branch,
    baseSha,

    async checkpoint(message: string): Promise<string | null> {
      if (message.trim() === "") throw new ModeratorError("checkpoint needs a non-empty commit message", { phase: "execute" });
      await sanitize();
      await local.raw(["add", "-A"]);
      const staged = await local.raw(["diff", "--cached", "--name-only", "-z"]);
      if (staged.length > 0) await local.raw(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message]);
      const head = await headSha();
      if (head === lastHead) return null;
      lastHead = head;
      return head;
    },

    async rollback(sha: string): Promise<void> {
      if (!SHA.test(sha)) throw new ModeratorError(`rollback: ${JSON.stringify(sha)} is not a commit sha`, { phase: "execute" });
      await sanitize();
      await local.raw(["reset", "--hard", "--quiet", sha]);
      await local.raw(["clean", "-ffdxq"]);
      lastHead = await headSha();
    },

    async diff(): Promise<string> {
      await sanitize();
      return local.raw(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", baseSha, "HEAD"]);
    },

    async changedFiles() {
      await sanitize();
      const out = await local.raw(["diff", "--name-status", "-z", "--no-ext-diff", "-M", baseSha, "HEAD"]);
      return parseNameStatus(out);
    },

    headSha: async () => {
      await sanitize();
      return headSha();
    },

    async push(): Promise<void> {
      await sanitize();
      try {
        await remote.raw(["push", "--force", "--no-verify", "--quiet", "origin", `HEAD:refs/heads/${opts.branch}`]);
      } catch (err) {
        throw fail(err, `push branch ${opts.branch} to`, "publish");
      }
    },

    async bundle(): Promise<Buffer> {
      await sanitize();
      const head = await headSha();
      if (head === baseSha) throw new ModeratorError("bundle: the branch has no commit beyond its base", { phase: "execute" });
      const file = path.join(gitDir, "moderator-result.bundle");
      await local.raw(["bundle", "create", "--quiet", file, `refs/heads/${opts.branch}`, `^${baseSha}`]);
      try {
        return await readFile(file);
      } finally {
        await rm(file, { force: true });
      }
    },

    async adoptBundle(bundle: Buffer): Promise<string> {
      await sanitize();
      const file = path.join(gitDir, "moderator-adopt.bundle");
      await writeFile(file, bundle);
      try {
        await local.raw(["fetch", "--no-tags", "--quiet", file, "+refs/heads/*:refs/moderator/adopted/*"]);
        const refs = (await local.raw(["for-each-ref", "--format=%(objectname)", "refs/moderator/"])).trim().split("\n").filter(Boolean);
        const sha = refs[0];
        if (!sha || !SHA.test(sha)) throw new ModeratorError("adoptBundle: the bundle holds no commit", { phase: "publish" });
        await local.raw(["reset", "--hard", "--quiet", sha]);
        lastHead = await headSha();
        return lastHead;
      } finally {
        await rm(file, { force: true });
      }
    },

    async mergeBundle(bundle: Buffer): Promise<MergeBundleResult> {
      await sanitize();
      const file = path.join(gitDir, "moderator-merge.bundle");
      await writeFile(file, bundle);
      try {
        const heads = (await local.raw(["bundle", "list-heads", file])).trim().split("\n").filter(Boolean);
        const incoming = heads[0]?.split(" ")[0] ?? "";
        if (!SHA.test(incoming)) throw new ModeratorError("mergeBundle: the bundle holds no commit", { phase: "execute" });
        await local.raw(["fetch", "--no-tags", "--quiet", file, `+refs/heads/*:refs/moderator/incoming/*`]);
        const head = await headSha();
        const base = (await local.raw(["merge-base", head, incoming])).trim();
        // A conflict is read from the index, not from the exit: git may print it on stdout only.
        const failure = await local.raw(["merge", "--squash", "--no-verify", "--quiet", incoming]).then(() => undefined, (err: unknown) => err as Error);
        const conflicts = (await local.raw(["diff", "--name-only", "--diff-filter=U", "-z"])).split("\0").filter(Boolean);
        if (failure && conflicts.length === 0) throw new ModeratorError(`could not combine commit ${incoming.slice(0, 12)}: ${failure.message.trim().slice(0, 500)}`, { phase: "execute" });
        if (conflicts.length === 0) return { head, incoming, base, conflicts, ours: "", theirs: "" };
        const diffOf = (a: string, b: string) => local.raw(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", a, b]);
        const [ours, theirs] = await Promise.all([diffOf(base, head), diffOf(base, incoming)]);
        return { head, incoming, base, conflicts, ours, theirs };
      } finally {
        await rm(file, { force: true });
      }
    },

    async pushBundle(bundle: Buffer, branch: string): Promise<string> {
      const file = path.join(gitDir, "moderator-push.bundle");
      await writeFile(file, bundle);
      try {
        const sha = (await local.raw(["bundle", "list-heads", file])).trim().split(/\s+/)[0] ?? "";
        if (!SHA.test(sha)) throw new ModeratorError("pushBundle: the bundle holds no commit", { phase: "publish" });
        await local.raw(["fetch", "--no-tags", "--quiet", file, `+refs/heads/*:refs/moderator/push/*`]);
        try {
          await remote.raw(["push", "--force", "--no-verify", "--quiet", "origin", `${sha}:refs/heads/${branch}`]);
        } catch (err) {
          throw fail(err, `push branch ${branch} to`, "publish");
        }
        return sha;
      } finally {
        await rm(file, { force: true });
      }
    },

    async deleteRemoteBranch(branch: string): Promise<boolean> {
      try {
        const listed = (await remote.raw(["ls-remote", "--heads", "origin", `refs/heads/${branch}`])).trim();
        if (listed === "") return false;
        await remote.raw(["push", "--no-verify", "--quiet", "origin", `:refs/heads/${branch}`]);
        return true;
      } catch (err) {
        throw fail(err, `delete branch ${branch} on`, "publish");
      }
    },

    async dispose(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type ChangedFile = Awaited<ReturnType<Workspace["changedFiles"]>>[number];

/** `git diff --name-status -z` output -> changed files. Copies count as added, type changes as modified. */
function parseNameStatus(out: string): ChangedFile[] {
  const tokens = out.split("\0");
  const files: ChangedFile[] = [];
  let i = 0;
  while (i < tokens.length) {
    const status = tokens[i++];
    if (!status) continue;
    const code = status[0];
    if (code === "R" || code === "C") {
      const oldPath = tokens[i++] ?? "";
      const newPath = tokens[i++] ?? "";
      files.push(code === "R" ? { path: newPath, status: "renamed", oldPath } : { path: newPath, status: "added" });
      continue;
    }
    const file = tokens[i++] ?? "";
    if (code === "A") files.push({ path: file, status: "added" });
    else if (code === "D") files.push({ path: file, status: "deleted" });
    else files.push({ path: file, status: "modified" });
  }
  return files;
}
