import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { ModeratorError } from "../util/errors.ts";

/**
 * Agent configuration at the top of the work tree: instructions, settings, MCP servers, hooks and
 * commands that coding agents load by themselves. A previous task's agent must not leave any here
 * for the next one.
 */
export const AGENT_CONFIG_PATHS: readonly string[] = [
  ".claude",
  "CLAUDE.md",
  "CLAUDE.local.md",
  ".mcp.json",
  "AGENTS.md",
  ".gemini",
  "GEMINI.md",
  ".codex",
  ".aider.conf.yml",
  ".aiderignore",
  ".cursor",
  ".github/copilot-instructions.md",
];

/** Instruction files agents also load from sub-folders (Claude Code, Codex, Gemini CLI): checked anywhere in the tree. */
export const NESTED_AGENT_FILES: readonly string[] = ["CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "AGENTS.override.md", "GEMINI.md"];

export interface RestoreAgentConfigOptions {
  /** Top-level paths to restore (default AGENT_CONFIG_PATHS; at most one folder level, like `.github/x`). */
  paths?: readonly string[];
  /** Also restore NESTED_AGENT_FILES found in sub-folders (default true). */
  nested?: boolean;
  /** Per git command (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type BaseNode =
  | { kind: "tree"; sha: string }
  | { kind: "file"; sha: string; executable: boolean }
  | { kind: "symlink"; sha: string }
  | { kind: "gitlink"; sha: string };

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;
const MAX_SYMLINK_HOPS = 8;

/**
 * Reads objects of the base commit with git plumbing, verifying each object's hash itself, so a
 * clone whose `.git` the agent could write cannot hand back different content for the base commit.
 * git runs without a shell, with a fresh empty GIT_DIR (only the clone's object folder is borrowed
 * through GIT_OBJECT_DIRECTORY): the clone's config, hooks, replace refs and grafts are never read.
 */
interface BaseReader {
  readObject(sha: string, type: "commit" | "tree" | "blob"): Promise<Buffer>;
  rootTree(): Promise<Map<string, BaseNode>>;
  tree(sha: string): Promise<Map<string, BaseNode>>;
  /** The base node at a `/`-separated path, or undefined (a non-tree on the way counts as absent). */
  lookup(relPath: string): Promise<BaseNode | undefined>;
  hashBlob(content: Buffer): string;
  dispose(): Promise<void>;
}

function fail(message: string, cause?: unknown): ModeratorError {
  return new ModeratorError(`restoring agent configuration: ${message}`, {
    phase: "execute",
    ...(cause === undefined ? {} : { cause }),
  });
}

async function createBaseReader(workspaceDir: string, baseSha: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<BaseReader> {
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(baseSha)) {
    throw fail(`base ${JSON.stringify(baseSha)} is not a full lower-case commit sha (40 or 64 hex digits)`);
  }
  const algorithm = baseSha.length === 64 ? "sha256" : "sha1";
  const hashBytes = baseSha.length / 2;
  const objectsDir = path.join(workspaceDir, ".git", "objects");
  for (const dir of [path.join(workspaceDir, ".git"), objectsDir]) {
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw fail(`${dir} is missing or not a folder, so the base commit cannot be read`);
  }

  const gitDir = await mkdtemp(path.join(tmpdir(), "moderator-restore-"));
  try {
    await mkdir(path.join(gitDir, "objects"));
    await mkdir(path.join(gitDir, "refs"));
    await writeFile(path.join(gitDir, "HEAD"), "ref: refs/heads/main\n");
    await writeFile(
      path.join(gitDir, "config"),
      algorithm === "sha256"
        ? "[core]\n\trepositoryformatversion = 1\n\tbare = true\n[extensions]\n\tobjectformat = sha256\n"
        : "[core]\n\trepositoryformatversion = 0\n\tbare = true\n",
    );
  } catch (err) {
    await rm(gitDir, { recursive: true, force: true });
    throw fail(`could not prepare a scratch git folder in ${tmpdir()}`, err);
  }

  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    LC_ALL: "C",
    HOME: gitDir,
    GIT_DIR: gitDir,
    GIT_OBJECT_DIRECTORY: objectsDir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
    GIT_NO_LAZY_FETCH: "1",
  };
  const safety = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "protocol.allow=never"];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const git = (args: string[]): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      execFile(
        "git",
        [...safety, ...args],
        {
          cwd: gitDir,
          env,
          encoding: "buffer",
          timeout: timeoutMs,
          killSignal: "SIGKILL",
          maxBuffer: MAX_OBJECT_BYTES,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
          const what = `git ${args.join(" ")}`;
          if (opts.signal?.aborted) return reject(fail(`${what} was cancelled`, error));
          if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return reject(fail(`${what}: object larger than ${MAX_OBJECT_BYTES} bytes`, error));
          if (e.killed) return reject(fail(`${what} timed out after ${timeoutMs} ms`, error));
          const detail = stderr.toString("utf8").trim().split("\n").slice(-3).join(" ") || e.message;
          reject(fail(`${what} failed: ${detail}`, error));
        },
      );
    });

  const hash = (type: string, content: Buffer): string =>
    createHash(algorithm).update(`${type} ${content.length}\0`).update(content).digest("hex");

  const readObject = async (sha: string, type: "commit" | "tree" | "blob"): Promise<Buffer> => {
    const content = await git(["cat-file", type, sha]);
    if (hash(type, content) !== sha) {
      throw fail(`the ${type} object ${sha} in ${objectsDir} does not match its hash; the clone's object store was tampered with`);
    }
    return content;
  };

  const trees = new Map<string, Map<string, BaseNode>>();
  const tree = async (sha: string): Promise<Map<string, BaseNode>> => {
    const cached = trees.get(sha);
    if (cached) return cached;
    const parsed = parseTree(await readObject(sha, "tree"), hashBytes, sha);
    trees.set(sha, parsed);
    return parsed;
  };

  let rootSha: string | undefined;
  const rootTree = async (): Promise<Map<string, BaseNode>> => {
    if (rootSha === undefined) {
      const commit = (await readObject(baseSha, "commit")).toString("utf8");
      const match = /^tree ([0-9a-f]+)\n/.exec(commit);
      if (!match?.[1] || match[1].length !== baseSha.length) throw fail(`commit ${baseSha} has no tree line`);
      rootSha = match[1];
    }
    return tree(rootSha);
  };

  return {
    readObject,
    rootTree,
    tree,
    async lookup(relPath) {
      let entries = await rootTree();
      const parts = relPath.split("/");
      for (let i = 0; i < parts.length; i += 1) {
        const node = entries.get(parts[i] as string);
        if (!node) return undefined;
        if (i === parts.length - 1) return node;
        if (node.kind !== "tree") return undefined;
        entries = await tree(node.sha);
      }
      return undefined;
    },
    hashBlob: (content) => hash("blob", content),
    dispose: () => rm(gitDir, { recursive: true, force: true }),
  };
}

/** A raw tree object: entries of `<octal mode> <name>\0<hash bytes>`. Entries named `.git` are ignored. */
function parseTree(raw: Buffer, hashBytes: number, sha: string): Map<string, BaseNode> {
  const entries = new Map<string, BaseNode>();
  let i = 0;
  while (i < raw.length) {
    const space = raw.indexOf(0x20, i);
    const nul = space < 0 ? -1 : raw.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + hashBytes > raw.length) throw fail(`tree ${sha} is malformed at byte ${i}`);
    const mode = raw.toString("latin1", i, space);
    const nameBytes = raw.subarray(space + 1, nul);
    const name = nameBytes.toString("utf8");
    const entrySha = raw.toString("hex", nul + 1, nul + 1 + hashBytes);
    i = nul + 1 + hashBytes;
    if (!Buffer.from(name, "utf8").equals(nameBytes) || name === "" || name === "." || name === ".." || name.includes("/")) {
      throw fail(`tree ${sha} has an entry whose name cannot be restored safely (${JSON.stringify(name)})`);
    }
    if (name.toLowerCase() === ".git") continue;
    if (mode === "40000") entries.set(name, { kind: "tree", sha: entrySha });
    else if (mode === "120000") entries.set(name, { kind: "symlink", sha: entrySha });
    else if (mode === "160000") entries.set(name, { kind: "gitlink", sha: entrySha });
    else if (/^100[0-7]{3}$/.test(mode)) entries.set(name, { kind: "file", sha: entrySha, executable: (parseInt(mode, 8) & 0o111) !== 0 });
    else throw fail(`tree ${sha} has an entry ${JSON.stringify(name)} with unknown mode ${mode}`);
  }
  return entries;
}

const toPosix = (rel: string): string => rel.split(path.sep).join("/");

async function lstatOrUndefined(abs: string): Promise<Stats | undefined> {
  try {
    return await lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
}

/**
 * Put agent configuration back as it is in the base commit, before each agent run: files changed since
 * `baseSha` are restored, files added since are deleted (tracked or not: the clone started clean), so a
 * previous task's agent cannot plant instructions, settings, MCP servers or hooks for the next one.
 * Covers AGENT_CONFIG_PATHS and, unless `nested: false`, NESTED_AGENT_FILES in any sub-folder.
 * Symlinks are never followed: a symlink where the base has a folder (say `.claude` -> elsewhere) is
 * replaced by the base folder. Returns the paths put back or deleted (relative, `/`-separated, sorted);
 * empty when nothing was changed.
 * Nothing outside these paths is touched. Each restored path differs from HEAD afterwards when an
 * earlier task committed a change to it; the next checkpoint records the restoration.
 */
export async function restoreAgentConfig(
  workspaceDir: string,
  baseSha: string,
  opts: RestoreAgentConfigOptions = {},
): Promise<string[]> {
  const root = path.resolve(workspaceDir);
  const paths = opts.paths ?? AGENT_CONFIG_PATHS;
  for (const p of paths) {
    const parts = p.split("/");
    if (parts.length > 2 || parts.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git")) {
      throw fail(`config path ${JSON.stringify(p)} must be a name or folder/name inside the work tree`);
    }
  }
  const base = await createBaseReader(root, baseSha, opts);
  const changes = new Set<string>();
  const abs = (rel: string): string => path.join(root, ...rel.split("/"));

  const remove = async (rel: string): Promise<void> => {
    await rm(abs(rel), { recursive: true, force: true });
    changes.add(rel);
  };

  /** Does the work-tree entry (lstat `st`) already equal the base blob? */
  const sameAsBase = async (rel: string, st: Stats, node: Extract<BaseNode, { kind: "file" | "symlink" }>): Promise<boolean> => {
    if (node.kind === "symlink") return st.isSymbolicLink() && base.hashBlob(await readlink(abs(rel), { encoding: "buffer" })) === node.sha;
    if (!st.isFile()) return false;
    if (((st.mode & 0o100) !== 0) !== node.executable) return false;
    return base.hashBlob(await readFile(abs(rel))) === node.sha;
  };

  /** Make the work-tree entry at `rel` (whose parent folder is real) equal the base node, or absent. */
  const reconcile = async (rel: string, node: BaseNode | undefined): Promise<void> => {
    opts.signal?.throwIfAborted();
    const target = abs(rel);
    const st = await lstatOrUndefined(target);
    if (node === undefined) {
      if (st) await remove(rel);
      return;
    }
    if (node.kind === "gitlink") return; // a submodule: not agent configuration, and not ours to touch
    if (node.kind === "tree") {
      if (!st?.isDirectory()) {
        if (st) await rm(target, { recursive: true, force: true });
        await mkdir(target);
        changes.add(rel);
      }
      const children = await base.tree(node.sha);
      // Entries the base does not have (a `.git` inside a config folder included) are deleted.
      const names = [...new Set([...children.keys(), ...(await readdir(target))])].sort();
      for (const name of names) await reconcile(`${rel}/${name}`, children.get(name));
      return;
    }
    if (st && (await sameAsBase(rel, st, node))) return;
    if (st) await rm(target, { recursive: true, force: true });
    const content = await base.readObject(node.sha, "blob");
    if (node.kind === "symlink") {
      await symlink(content, target);
    } else {
      const mode = node.executable ? 0o755 : 0o644;
      await writeFile(target, content, { flag: "wx", mode });
      await chmod(target, mode);
    }
    changes.add(rel);
  };

  try {
    const rootEntries = await base.rootTree();
    for (const p of paths) {
      const [first, second] = p.split("/") as [string, string | undefined];
      if (second === undefined) {
        await reconcile(first, rootEntries.get(first));
        continue;
      }
      // folder/name: the folder itself is not configuration, unless it stopped being a real folder.
      const parentNode = rootEntries.get(first);
      const childNode = parentNode?.kind === "tree" ? (await base.tree(parentNode.sha)).get(second) : undefined;
      const parentStat = await lstatOrUndefined(abs(first));
      if (parentStat?.isDirectory()) {
        await reconcile(p, childNode);
      } else if (parentStat?.isSymbolicLink()) {
        // `.github` -> somewhere: config could be read through it. Put the folder back as in the base.
        await reconcile(first, parentNode);
      } else if (childNode) {
        // Missing, or a plain file where the base has the folder: recreate the folder for the config file.
        if (parentStat) await rm(abs(first), { force: true });
        await mkdir(abs(first));
        await reconcile(p, childNode);
      }
    }

    if (opts.nested ?? true) {
      const covered = (rel: string): boolean => paths.some((p) => rel === p || rel.startsWith(`${p}/`));
      for (const rel of await findNamed(root, new Set(NESTED_AGENT_FILES), opts.signal)) {
        if (covered(rel)) continue;
        await reconcile(rel, await base.lookup(rel));
      }
    }
  } catch (err) {
    if (err instanceof ModeratorError) throw err;
    if ((err as Error).name === "AbortError") throw fail("cancelled", err);
    throw fail((err as Error).message, err);
  } finally {
    await base.dispose();
  }
  return [...changes].sort();
}

/** Files and symlinks named one of `names` anywhere below `root` (symlinked folders and `.git` are not entered). */
async function findNamed(root: string, names: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<string[]> {
  const found: string[] = [];
  const stack: string[] = [""];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const rel = stack.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") continue;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.toLowerCase() === ".git") continue;
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) stack.push(child);
      else if ((entry.isFile() || entry.isSymbolicLink()) && names.has(entry.name)) found.push(toPosix(child));
    }
  }
  return found.sort();
}

/**
 * Read files as they are in the base commit (for the prompt's guidance excerpts: what a previous
 * task's agent wrote to the work tree never counts). Objects are hash-verified like restoreAgentConfig's.
 * A symlink is followed inside the repository (AGENTS.md -> CLAUDE.md is common); missing files,
 * folders, binary files and links leaving the repository are skipped. Content beyond `maxBytes`
 * (default 256 KiB) is dropped; the prompt builder caps what it shows anyway.
 */
export async function readBaseFiles(
  workspaceDir: string,
  baseSha: string,
  paths: readonly string[],
  opts: { maxBytes?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Array<{ path: string; content: string }>> {
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const base = await createBaseReader(path.resolve(workspaceDir), baseSha, opts);
  try {
    const out: Array<{ path: string; content: string }> = [];
    for (const requested of paths) {
      let rel = path.posix.normalize(requested);
      let node: BaseNode | undefined;
      for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop += 1) {
        if (rel.startsWith("../") || rel === ".." || path.posix.isAbsolute(rel)) {
          node = undefined;
          break;
        }
        node = await base.lookup(rel);
        if (node?.kind !== "symlink") break;
        const linkTarget = (await base.readObject(node.sha, "blob")).toString("utf8");
        rel = path.posix.normalize(path.posix.join(path.posix.dirname(rel), linkTarget));
        node = undefined;
      }
      if (node?.kind !== "file") continue;
      const content = await base.readObject(node.sha, "blob");
      const head = content.subarray(0, maxBytes);
      if (head.includes(0)) continue;
      out.push({ path: requested, content: head.toString("utf8") });
    }
    return out;
  } finally {
    await base.dispose();
  }
}
