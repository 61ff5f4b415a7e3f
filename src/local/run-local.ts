import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, realpath } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { simpleGit } from "simple-git";
import { createLocalCodeHost } from "../codehost/local-code-host.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config/repo-config.ts";
import { runExecution, type RunOutcome } from "../pipeline/run-execution.ts";
import { buildPipelineDeps } from "../server/build-pipeline-deps.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import type { Store } from "../store/store.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";

export interface RunLocalOptions {
  repoPath: string;
  /** A path to a Markdown file (first line = title), or the issue text itself. */
  issue: string;
  backend?: string;
  /** Issue number to use (branch moderator/issue-<n>); default: one more than the last local run on this repository. */
  number?: number;
  /** Base branch; default: the repository's current branch. */
  base?: string;
  /** Where the local code host writes what it would post; default <dataDir>/local-runs/<run id>. */
  outDir?: string;
  instructions?: string;
}

/**
 * `moderator run --repo`: the same pipeline as a webhook-started run, on a local git repository, with a
 * local CodeHost that writes the PR body, review and check run as files. The agent's result is pushed to
 * branch moderator/issue-<n> of that repository. Nothing talks to GitHub.
 */
export async function runLocal(
  opts: RunLocalOptions,
  deps: { operator: OperatorConfig; processEnv: Readonly<Record<string, string | undefined>>; store: Store; runner: ProcessRunner; dataDir: string; workspaceDir: string; log: Logger; signal: AbortSignal; print: (line: string) => void },
): Promise<{ executionId: string; outcome: RunOutcome; outDir: string; branch: string }> {
  const repoPath = await realpath(path.resolve(opts.repoPath)).catch(() => {
    throw new ModeratorError(`--repo ${opts.repoPath}: no such folder`);
  });
  const git = simpleGit({ baseDir: repoPath });
  if (!(await git.checkIsRepo().catch(() => false))) throw new ModeratorError(`--repo ${repoPath}: not a git repository`);
  const base = opts.base ?? (await git.revparse(["--abbrev-ref", "HEAD"])).trim();
  if (base === "HEAD") throw new ModeratorError(`--repo ${repoPath}: HEAD is detached; pass --base <branch>`);
  const issue = await readIssue(opts.issue);

  const name = path.basename(repoPath);
  // Local repositories have no GitHub id: a stable negative one derived from the path keeps them apart.
  const githubId = -BigInt(`0x${createHash("sha256").update(repoPath).digest("hex").slice(0, 12)}`);
  const repository = await deps.store.upsertRepository({ githubId, owner: "local", name, defaultBranch: base });
  const number = opts.number ?? (await deps.store.nextLocalIssueNumber(repository.id));
  const created = await deps.store.createExecution({
    repositoryId: repository.id,
    issueNumber: number,
    issueTitle: issue.title,
    trigger: "cli",
    triggeredBy: userInfo().username,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.instructions ? { instructions: opts.instructions } : {}),
  });
  if (!created.created) throw new ModeratorError(`a local run is already active for ${name} #${number} (run ${created.execution.id})`);
  const executionId = created.execution.id;
  const outDir = path.resolve(opts.outDir ?? path.join(deps.dataDir, "local-runs", executionId));
  await mkdir(outDir, { recursive: true });
  const codeHost = createLocalCodeHost({ outDir, log: deps.print, repoDir: repoPath });

  const pipeline = buildPipelineDeps({
    operator: deps.operator,
    processEnv: deps.processEnv,
    store: deps.store,
    runner: deps.runner,
    workspaceDir: deps.workspaceDir,
    log: deps.log,
    async connect() {
      return {
        codeHost,
        gitToken: "",
        secrets: [],
        repository: async () => ({ cloneUrl: pathToFileURL(repoPath).href, defaultBranch: base, fullName: `local/${name}` }),
        issue: async () => ({ ...issue, author: userInfo().username, comments: [], omitted: { afterTrigger: 0, editedAfterTrigger: 0, bots: 0, empty: 0 } }),
        async repoConfig(ref) {
          const text = await git.show([`${ref}:${REPO_CONFIG_PATH}`]).catch(() => undefined);
          return parseRepoConfig(text);
        },
      };
    },
  });
  const outcome = await runExecution(executionId, pipeline, { signal: deps.signal, attempt: 1, maxAttempts: 1 });
  return { executionId, outcome, outDir, branch: `moderator/issue-${number}` };
}

/** `--issue`: a file (Markdown: the first line, without #, is the title) or the text itself. */
async function readIssue(arg: string): Promise<{ title: string; body: string }> {
  const text = existsSync(arg) ? await readFile(arg, "utf8") : arg;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) throw new ModeratorError("--issue is empty");
  const title = (lines[first] ?? "").replace(/^#+\s*/, "").trim();
  return { title, body: lines.slice(first + 1).join("\n").trim() };
}
