import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CancelledError, ModeratorError } from "../../../src/util/errors.ts";
import { cloneWorkspace } from "../../../src/workspace/clone-workspace.ts";
import type { Workspace } from "../../../src/workspace/workspace.ts";
import { createBareRepo, startGitHttpServer, type GitHttpServer } from "../../support/git-http-backend.ts";

const execFileAsync = promisify(execFile);
const TOKEN = "ghs_workspaceTestToken1234567890";
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");

const LONG_FILE = Array.from({ length: 40 }, (_, i) => `line ${i} of a file that will be renamed`).join("\n") + "\n";

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("git", args, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_GLOBAL: "/dev/null" } });
  return stdout.trim();
}

/** Every file below `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) hits.push(file);
  }
  return hits;
}

let root: string;
let projectRoot: string;
let rootDir: string;
let barePath: string;
let initialSha: string;
let server: GitHttpServer;
let cloneUrl: string;
const workspaces: Workspace[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "moderator-ws-"));
  projectRoot = path.join(root, "repos");
  rootDir = path.join(root, "workspaces");
  ({ barePath, sha: initialSha } = await createBareRepo(path.join(projectRoot, "demo.git"), {
    "README.md": "# demo\n",
    "src/keep.txt": "keep\n",
    "src/old-name.txt": LONG_FILE,
    "src/remove-me.txt": "bye\n",
  }));
  server = await startGitHttpServer({ projectRoot, token: TOKEN });
  cloneUrl = `${server.url}/demo.git`;
});

afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((w) => w.dispose()));
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function clone(extra: Partial<Parameters<typeof cloneWorkspace>[0]> = {}): Promise<Workspace> {
  const ws = await cloneWorkspace({ cloneUrl, token: TOKEN, baseBranch: "main", branch: "moderator/issue-1", rootDir, ...extra });
  workspaces.push(ws);
  return ws;
}

async function failure(promise: Promise<unknown>): Promise<ModeratorError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModeratorError);
  return err as ModeratorError;
}

describe("cloneWorkspace", () => {
  it("clones over authenticated smart HTTP and starts the branch at the base tip", async () => {
    const ws = await clone();
    expect(ws.dir.startsWith(rootDir)).toBe(true);
    expect(ws).toMatchObject({ baseBranch: "main", branch: "moderator/issue-1", baseSha: initialSha });
    expect(await ws.headSha()).toBe(initialSha);
    expect(await readFile(path.join(ws.dir, "README.md"), "utf8")).toBe("# demo\n");
    expect(await git(ws.dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("moderator/issue-1");
    expect(await git(ws.dir, "config", "user.name")).toBe("Moderator");
    expect(await git(ws.dir, "config", "user.email")).toBe("moderator@users.noreply.github.com");
    expect(await git(ws.dir, "remote", "get-url", "origin")).toBe(cloneUrl);
  });

  it("never writes the token into the clone", async () => {
    const ws = await clone();
    await writeFile(path.join(ws.dir, "README.md"), "# changed\n");
    await ws.checkpoint("change");
    await ws.push();
    const config = await readFile(path.join(ws.dir, ".git", "config"), "utf8");
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(BASIC);
    expect(config).not.toMatch(/extraheader/i);
    expect(await filesContaining(path.join(ws.dir, ".git"), TOKEN)).toEqual([]);
    expect(await filesContaining(path.join(ws.dir, ".git"), BASIC)).toEqual([]);
  });

  it("never commits agents' caches (aider's tag cache and histories), even if the agent rewrote info/exclude", async () => {
    const ws = await clone();
    await mkdir(path.join(ws.dir, ".aider.tags.cache.v4"), { recursive: true });
    await writeFile(path.join(ws.dir, ".aider.tags.cache.v4", "cache.db"), "x");
    await writeFile(path.join(ws.dir, ".aider.chat.history.md"), "chat");
    await writeFile(path.join(ws.dir, ".git", "info", "exclude"), "");
    await writeFile(path.join(ws.dir, "real.txt"), "change\n");
    expect(await ws.checkpoint("with caches around")).toMatch(/^[0-9a-f]{40}$/);
    expect((await ws.changedFiles()).map((f) => f.path)).toEqual(["real.txt"]);
  });

  it("checkpoints, diffs and lists changed files with renames", async () => {
    const ws = await clone({ author: { name: "Bot", email: "bot@example.com" } });
    expect(await ws.checkpoint("nothing yet")).toBeNull();

    await writeFile(path.join(ws.dir, "README.md"), "# demo\n\nMore text.\n");
    await writeFile(path.join(ws.dir, "src", "new.txt"), "new\n");
    await unlink(path.join(ws.dir, "src", "remove-me.txt"));
    await rename(path.join(ws.dir, "src", "old-name.txt"), path.join(ws.dir, "src", "new-name.txt"));
    const sha = await ws.checkpoint("task 1: edit files");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.headSha()).toBe(sha);
    expect(await git(ws.dir, "log", "-1", "--format=%an <%ae> %s")).toBe("Bot <bot@example.com> task 1: edit files");
    expect(await ws.checkpoint("again")).toBeNull();

    const files = await ws.changedFiles();
    expect([...files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "README.md", status: "modified" },
      { path: "src/new-name.txt", status: "renamed", oldPath: "src/old-name.txt" },
      { path: "src/new.txt", status: "added" },
      { path: "src/remove-me.txt", status: "deleted" },
    ]);
    const diff = await ws.diff();
    expect(diff).toContain("diff --git a/README.md b/README.md");
    expect(diff).toContain("+More text.");
    expect(diff).toContain("rename from src/old-name.txt");
    expect(diff).toContain("rename to src/new-name.txt");
    expect(diff).toContain("deleted file mode");
  });

  it("rolls back to a checkpoint and removes untracked files", async () => {
    const ws = await clone();
    await writeFile(path.join(ws.dir, "README.md"), "# one\n");
    const first = await ws.checkpoint("one");
    expect(first).not.toBeNull();
    await writeFile(path.join(ws.dir, "README.md"), "# two\n");
    const second = await ws.checkpoint("two");
    expect(second).not.toBe(first);
    await writeFile(path.join(ws.dir, "untracked.txt"), "junk");
    await mkdir(path.join(ws.dir, "build"));
    await writeFile(path.join(ws.dir, "build", "out.o"), "junk");

    await ws.rollback(first!);
    expect(await ws.headSha()).toBe(first);
    expect(await readFile(path.join(ws.dir, "README.md"), "utf8")).toBe("# one\n");
    expect(existsSync(path.join(ws.dir, "untracked.txt"))).toBe(false);
    expect(existsSync(path.join(ws.dir, "build"))).toBe(false);
    expect(await ws.checkpoint("after rollback")).toBeNull();
    await expect(ws.rollback("--hard")).rejects.toThrow(/rollback: "--hard" is not a commit sha/);
  });

  it("force-pushes the branch to the remote", async () => {
    const ws = await clone();
    await writeFile(path.join(ws.dir, "README.md"), "# pushed\n");
    const first = await ws.checkpoint("first");
    await ws.push();
    expect(await git(barePath, "rev-parse", "refs/heads/moderator/issue-1")).toBe(first);

    await ws.rollback(initialSha);
    await writeFile(path.join(ws.dir, "README.md"), "# rewritten\n");
    const rewritten = await ws.checkpoint("rewritten");
    await ws.push();
    expect(await git(barePath, "rev-parse", "refs/heads/moderator/issue-1")).toBe(rewritten);
    expect(await git(barePath, "rev-parse", "refs/heads/main")).toBe(initialSha);
  });

  it("pushes candidates' bundles to branches of their own and deletes them, leaving its own branch alone", async () => {
    const bundleOf = async (branch: string, text: string) => {
      const c = await clone({ branch });
      await writeFile(path.join(c.dir, "NOTES.md"), text);
      return { sha: await c.checkpoint(text), bundle: await c.bundle() };
    };
    const a = await bundleOf("moderator/issue-1-a", "a\n");
    const b = await bundleOf("moderator/issue-1-b", "b\n");
    const ws = await clone();
    expect(await ws.adoptBundle(a.bundle)).toBe(a.sha);
    await ws.push();
    // b (and a second push of b) on its own branch; the clone's branch still holds a.
    expect(await ws.pushBundle(b.bundle, "moderator/issue-1-b")).toBe(b.sha);
    expect(await ws.pushBundle(b.bundle, "moderator/issue-1-b")).toBe(b.sha);
    expect(await git(barePath, "rev-parse", "refs/heads/moderator/issue-1-b")).toBe(b.sha);
    expect(await ws.headSha()).toBe(a.sha);
    expect(await git(barePath, "rev-parse", "refs/heads/moderator/issue-1")).toBe(a.sha);
    expect(await ws.deleteRemoteBranch("moderator/issue-1-b")).toBe(true);
    expect(await git(barePath, "branch", "--list", "moderator/issue-1-b")).toBe("");
    expect(await ws.deleteRemoteBranch("moderator/issue-1-b")).toBe(false);
  });

  it("resumes from the remote branch when it is at resumeSha, else starts from base", async () => {
    const first = await clone();
    await writeFile(path.join(first.dir, "README.md"), "# agent result\n");
    const pushed = await first.checkpoint("agent result");
    await first.push();

    const resumed = await clone({ resumeSha: pushed! });
    expect(await resumed.headSha()).toBe(pushed);
    expect(resumed.baseSha).toBe(initialSha);
    expect(await readFile(path.join(resumed.dir, "README.md"), "utf8")).toBe("# agent result\n");
    expect(await resumed.changedFiles()).toEqual([{ path: "README.md", status: "modified" }]);

    const stale = await clone({ resumeSha: initialSha });
    expect(await stale.headSha()).toBe(initialSha);

    const missing = await clone({ branch: "moderator/issue-2", resumeSha: pushed! });
    expect(await missing.headSha()).toBe(initialSha);
    expect(await git(missing.dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("moderator/issue-2");
  });

  it("ignores hooks and config the agent planted in .git", async () => {
    const ws = await clone();
    const marker = path.join(root, "hook-ran");
    const hook = `#!/bin/sh\ntouch ${marker}\n`;
    await writeFile(path.join(ws.dir, ".git", "hooks", "post-commit"), hook, { mode: 0o755 });
    await writeFile(path.join(ws.dir, ".git", "hooks", "pre-push"), hook, { mode: 0o755 });
    await appendFile(path.join(ws.dir, ".git", "config"), `[core]\n\thooksPath = .git/hooks\n\tfsmonitor = ${path.join(ws.dir, ".git", "hooks", "post-commit")}\n`);
    await writeFile(path.join(ws.dir, "README.md"), "# hooked?\n");
    expect(await ws.checkpoint("with planted hooks")).not.toBeNull();
    await ws.push();
    expect(existsSync(marker)).toBe(false);
    expect(await readFile(path.join(ws.dir, ".git", "config"), "utf8")).not.toContain("hooksPath");
  });

  it("fails when the agent replaced .git", async () => {
    const ws = await clone();
    await rm(path.join(ws.dir, ".git"), { recursive: true });
    await writeFile(path.join(ws.dir, ".git"), "gitdir: /etc\n");
    const err = await failure(ws.checkpoint("x"));
    expect(err.message).toMatch(/\.git folder .* was removed or replaced/);
  });

  it("rejects a wrong token with a clear, non-transient error that does not leak it", async () => {
    const wrong = "ghs_wrongTokenValue0987654321";
    const err = await failure(clone({ token: wrong }));
    expect(err.transient).toBe(false);
    expect(err.infrastructure).toBe(true);
    expect(err.phase).toBe("prepare");
    expect(err.message).toContain(cloneUrl);
    expect(err.message).toMatch(/rejected the credentials/);
    const everything = `${err.message} ${err.hint ?? ""} ${String((err.cause as Error | undefined)?.message)}`;
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString("base64"));
    expect(await readdir(rootDir)).toEqual([]);
  });

  it("reports an unreachable server as a transient prepare error", async () => {
    await server.close();
    const err = await failure(clone());
    expect(err).toMatchObject({ transient: true, phase: "prepare" });
    expect(err.message).toContain(cloneUrl);
    expect(err.message).not.toContain(TOKEN);
    expect(await readdir(rootDir)).toEqual([]);
  });

  it("reports HTTP 5xx as transient", async () => {
    const broken = createServer((req, res) => {
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("maintenance");
    });
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/git/demo.git`;
      const err = await failure(clone({ cloneUrl: url }));
      expect(err).toMatchObject({ transient: true, phase: "prepare" });
      expect(err.message).toMatch(/503/);
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });

  it("reports a missing base branch as a non-transient error", async () => {
    const err = await failure(clone({ baseBranch: "develop" }));
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(/could not clone branch develop of .*the branch does not exist on the remote/);
  });

  it("rejects bad input before touching the network", async () => {
    await expect(clone({ branch: "-delete" })).rejects.toThrow(/branch "-delete" is not a valid git branch name/);
    await expect(clone({ cloneUrl: `http://x-access-token:${TOKEN}@127.0.0.1:1/demo.git` })).rejects.toThrow(/must not contain credentials/);
    await expect(clone({ cloneUrl: "ssh://git@example.com/demo.git" })).rejects.toThrow(/only https, http and file are supported/);
    await expect(clone({ resumeSha: "main" })).rejects.toThrow(/resumeSha "main" is not a commit sha/);
  });

  it("is cancelled by an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(clone({ signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(rootDir) ? await readdir(rootDir) : []).toEqual([]);
  });

  it("is cancelled while the fetch is in flight", async () => {
    const controller = new AbortController();
    // A server that never answers and aborts the run as soon as git asks it something.
    const stuck = createServer((req) => {
      req.resume();
      controller.abort();
    });
    await new Promise<void>((resolve) => stuck.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/git/demo.git`;
      const err = await clone({ cloneUrl: url, signal: controller.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe(`clone branch main of ${url} was cancelled`);
      expect(await readdir(rootDir)).toEqual([]);
    } finally {
      stuck.closeAllConnections();
      await new Promise<void>((resolve) => stuck.close(() => resolve()));
    }
  });

  it("disposes the clone, twice without error", async () => {
    const ws = await clone();
    await ws.dispose();
    expect(existsSync(ws.dir)).toBe(false);
    await ws.dispose();
  });
});

describe("mergeBundle (combining a parallel task's clone)", () => {
  async function taskClone(ws: Workspace, n: number): Promise<Workspace> {
    const { pathToFileURL } = await import("node:url");
    const c = await cloneWorkspace({ cloneUrl: pathToFileURL(ws.dir).href, token: "", baseBranch: ws.branch, branch: `${ws.branch}-task-${n}`, rootDir });
    workspaces.push(c);
    return c;
  }

  it("squash-merges clean work, and leaves a conflict in the work tree with both diffs until rolled back", async () => {
    const ws = await clone();
    const [a, b, c] = [await taskClone(ws, 1), await taskClone(ws, 2), await taskClone(ws, 3)];
    expect([a.baseSha, b.baseSha, c.baseSha]).toEqual([initialSha, initialSha, initialSha]);
    await writeFile(path.join(a.dir, "README.md"), "# demo by a\n");
    await writeFile(path.join(b.dir, "README.md"), "# demo by b\n");
    await writeFile(path.join(c.dir, "c.txt"), "c\n");
    for (const w of [a, b, c]) expect(await w.checkpoint("task")).not.toBeNull();

    const first = await ws.mergeBundle(await a.bundle());
    expect(first.conflicts).toEqual([]);
    const sha1 = await ws.checkpoint("moderator: task 1");
    expect(sha1).not.toBeNull();

    const second = await ws.mergeBundle(await b.bundle());
    expect(second).toMatchObject({ head: sha1, base: initialSha, conflicts: ["README.md"] });
    expect(second.ours).toContain("+# demo by a");
    expect(second.theirs).toContain("+# demo by b");
    expect(await readFile(path.join(ws.dir, "README.md"), "utf8")).toMatch(/^<<<<<<< HEAD\n# demo by a\n=======\n# demo by b\n>>>>>>> /);
    await ws.rollback(second.head);
    expect(await readFile(path.join(ws.dir, "README.md"), "utf8")).toBe("# demo by a\n");

    expect((await ws.mergeBundle(await c.bundle())).conflicts).toEqual([]);
    await ws.checkpoint("moderator: task 3");
    expect((await git(ws.dir, "log", "--format=%s", `${initialSha}..HEAD`)).trim().split("\n")).toEqual(["moderator: task 3", "moderator: task 1"]);
    expect((await ws.changedFiles()).map((f) => f.path).sort()).toEqual(["README.md", "c.txt"]);
  });
});
