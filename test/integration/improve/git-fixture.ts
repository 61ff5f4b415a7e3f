import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseDiff, type DiffFile } from "../../../src/qa/parse-diff.ts";

const execFileAsync = promisify(execFile);

/** A real git repository in a temp folder: a base commit, then a change; the diff and file list come from git. */
export interface GitFixture {
  dir: string;
  /** Writes files (creating folders); `null` deletes the file. */
  write(files: Record<string, string | null>): Promise<void>;
  commit(message: string): Promise<void>;
  /** `git diff -M` between the first commit and HEAD, as text and parsed. */
  diff(): Promise<{ text: string; files: DiffFile[] }>;
  /** `git ls-files` at HEAD. */
  lsFiles(): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function createGitFixture(base: Record<string, string>): Promise<GitFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), "improve-"));
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync("git", ["-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", ...args], {
      cwd: dir,
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    });
    return stdout;
  };
  const write = async (files: Record<string, string | null>): Promise<void> => {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(dir, rel);
      if (content === null) {
        await rm(file, { force: true });
        continue;
      }
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  };
  const commit = async (message: string): Promise<void> => {
    await git("add", "-A");
    await git("commit", "--quiet", "--allow-empty", "-m", message);
  };
  await git("init", "--quiet", "-b", "main");
  await write(base);
  await commit("base");
  const baseSha = (await git("rev-parse", "HEAD")).trim();
  return {
    dir,
    write,
    commit,
    diff: async () => {
      const text = await git("diff", "-M", "--no-color", "--no-ext-diff", baseSha, "HEAD");
      return { text, files: parseDiff(text) };
    },
    lsFiles: async () => (await git("ls-files")).split("\n").filter((l) => l.length > 0),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
