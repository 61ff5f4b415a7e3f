import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentEvent, AgentResult, AgentTask, Backend } from "../../../../src/backends/backend.ts";
import { DEFAULT_PATH } from "../../../../src/sandbox/default-path.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";

/** test/support/fake-clis: the fake CLIs (bin/claude, bin/codex, bin/gemini, bin/aider) and their shared module. */
export const FAKE_CLIS = fileURLToPath(new URL("../../../support/fake-clis/", import.meta.url)).replace(/\/$/, "");
export const FAKE_BIN = path.join(FAKE_CLIS, "bin");
/** test/fixtures/agent-cli: the output samples. */
export const SAMPLES = fileURLToPath(new URL("../../../fixtures/agent-cli/", import.meta.url)).replace(/\/$/, "");
/** What the sandbox must show the fake CLIs (their code and the samples they replay). */
export const FAKE_MOUNTS = [FAKE_CLIS, SAMPLES];

export const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 7, title: "Fix the README", body: "The second line is outdated.", author: "alice" },
  task: { index: 0, title: "Fix the README", description: "Replace the old line and add src/hello.js", type: "change" },
  prompt: "You are working in a clone of octo/demo.\nReplace the old line of README.md and add src/hello.js.",
  branch: "moderator/issue-7",
  baseBranch: "main",
};

export const API_KEYS = {
  ANTHROPIC_API_KEY: "test-anthropic-key-0123456789abcdef",
  CODEX_API_KEY: "test-codex-key-0123456789abcdef",
  GEMINI_API_KEY: "test-gemini-key-0123456789abcdef",
};

/** Everything a careless operator might list; GitHub credentials and Moderator's secrets must still not pass. */
export const ENV_LIST = ["PATH", "FAKE_CLI_SCENARIO", "FAKE_CLI_PROBE_PATH", "ANTHROPIC_API_KEY", "CODEX_API_KEY", "GEMINI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "GITHUB_APP_TOKEN", "PRIVATE_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL"];
export const FORBIDDEN_ENV = ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_APP_TOKEN", "PRIVATE_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL", "UNLISTED"];

export function processEnvFor(scenario: string, probePath?: string): Record<string, string | undefined> {
  return {
    PATH: `${FAKE_BIN}:${DEFAULT_PATH}`,
    FAKE_CLI_SCENARIO: scenario,
    FAKE_CLI_PROBE_PATH: probePath,
    ...API_KEYS,
    GITHUB_TOKEN: "github-token-that-must-never-reach-the-agent",
    GH_TOKEN: "gh-token-that-must-never-reach-the-agent",
    GITHUB_APP_TOKEN: "app-token-that-must-never-reach-the-agent",
    PRIVATE_KEY: "private-key-that-must-never-reach-the-agent",
    WEBHOOK_SECRET: "webhook-secret-that-must-never-reach-the-agent",
    DATABASE_URL: "postgres://moderator:secret@db/moderator",
    REDIS_URL: "redis://redis:6379",
    UNLISTED: "not in the allow-list",
  };
}

export interface Workspace {
  workdir: string;
  scratchDir: string;
  /** A host folder outside the clone, the scratch folder and the mounts (the sandbox must hide it). */
  outside: string;
}

/** Temp folders for tests; `cleanup` removes them all. */
export function createTempDirs(): { make(prefix: string): Promise<string>; cleanup(): Promise<void> } {
  const dirs: string[] = [];
  return {
    async make(prefix) {
      const dir = await mkdtemp(path.join(tmpdir(), `moderator-cli-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

export async function setupWorkspace(temp: { make(prefix: string): Promise<string> }): Promise<Workspace> {
  const workdir = await temp.make("clone");
  await writeFile(path.join(workdir, "README.md"), "# demo\nold line\n");
  const scratchDir = await temp.make("scratch");
  const outside = await temp.make("outside");
  await mkdir(path.join(outside, "secret-folder"));
  return { workdir, scratchDir, outside: path.join(outside, "secret-folder") };
}

export interface LaunchRecord {
  cli: string;
  argv: string[];
  envNames: string[];
  env: Record<string, string>;
  cwd: string;
  taskDirWritable: boolean;
  probeVisible: boolean | null;
}

/** What each launch of the fake CLI recorded, in order. */
export async function readLaunches(scratchDir: string, cli: string): Promise<LaunchRecord[]> {
  const home = path.join(scratchDir, "home");
  if (!existsSync(home)) return [];
  const names = (await readdir(home)).filter((n) => n.startsWith(`fake-${cli}-launch-`)).sort((a, b) => Number(/(\d+)\.json$/.exec(a)![1]) - Number(/(\d+)\.json$/.exec(b)![1]));
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(home, n), "utf8")) as LaunchRecord));
}

export async function runBackend(
  backend: Backend,
  ws: Workspace,
  runner: ProcessRunner,
  opts: { signal?: AbortSignal; onEvent?: (e: AgentEvent) => void } = {},
): Promise<{ result: AgentResult; events: AgentEvent[] }> {
  const events: AgentEvent[] = [];
  const result = await backend.run({
    task,
    workdir: ws.workdir,
    scratchDir: ws.scratchDir,
    runner,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onEvent: (e) => {
      events.push(e);
      opts.onEvent?.(e);
    },
  });
  return { result, events };
}

export const rawOfType = (events: AgentEvent[], type: string): Record<string, unknown>[] =>
  events.flatMap((e) => (e.kind === "raw" && e.data.type === type ? [e.data] : []));

/** Polls until the process is gone (bounded); true when it is. */
export async function processGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    // A killed process whose new parent has not reaped it yet is a zombie: it is gone.
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    if (stat === "" || /^\d+ \(.*\) Z/.test(stat)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
