import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import type { GitHubClient } from "../app/github-client.ts";
import type { CodeHost } from "../codehost/code-host.ts";
import { createGitHubCodeHost } from "../codehost/github-code-host.ts";
import { createLocalCodeHost } from "../codehost/local-code-host.ts";
import type { OperatorConfig } from "../config/operator-config.ts";
import { connectGitHub } from "../pipeline/connect-github.ts";
import { runExecution, type RunOutcome } from "../pipeline/run-execution.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import { buildPipelineDeps } from "../server/build-pipeline-deps.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_PATH } from "../sandbox/default-path.ts";
import { ModeratorError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { parseIssueTarget } from "./parse-issue-target.ts";

const run = promisify(execFile);

export const TOKEN_HINT =
  "Create a fine-grained personal access token for the repository with Contents, Issues and Pull requests: read and write " +
  "(read is enough for --dry-run), and set it as GITHUB_TOKEN.";

export interface RunGitHubOptions {
  /** `owner/repo#123` or the issue's URL. */
  target: string;
  backend?: string;
  instructions?: string;
  /** Print what would be posted (and write it to files) instead of posting; nothing is written to GitHub. */
  dryRun: boolean;
  /** Where the check runs (always) and, in a dry run, the PR and review are written; default <dataDir>/github-runs/<run id>. */
  outDir?: string;
}

export interface RunGitHubDeps {
  token: string | undefined;
  /** REST API base URL (https://api.github.com, or GHE_HOST's /api/v3). */
  apiUrl: string;
  operator: OperatorConfig;
  processEnv: Readonly<Record<string, string | undefined>>;
  store: Store;
  runner: ProcessRunner;
  dataDir: string;
  workspaceDir: string;
  log: Logger;
  signal: AbortSignal;
  print: (line: string) => void;
}

/**
 * `moderator run --github owner/repo#123`: the same pipeline as an App run, on a real repository, with a personal
 * token instead of an installation: clone, agent, QA, push the branch, open the PR, post the review. Check runs need a
 * GitHub App, so they are written to a file. With `dryRun`, nothing is written to GitHub: the branch goes to a local
 * mirror and the PR, review and comments are printed and written to files (the LocalCodeHost).
 */
export async function runGitHub(
  opts: RunGitHubOptions,
  deps: RunGitHubDeps,
): Promise<{ executionId: string; outcome: RunOutcome; outDir: string; branch: string; mirror?: string }> {
  const target = parseIssueTarget(opts.target);
  const token = deps.token?.trim();
  if (!token) throw new ModeratorError("--github needs GITHUB_TOKEN: it is not set", { hint: TOKEN_HINT });
  const octokit = new Octokit({ auth: token, baseUrl: deps.apiUrl, userAgent: "moderator-cli", log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  const client = octokit as unknown as GitHubClient;
  const ref = { owner: target.owner, repo: target.repo };
  const where = `${target.owner}/${target.repo}`;

  const repo = await octokit.rest.repos.get({ owner: ref.owner, repo: ref.repo }).catch((err: unknown) => {
    throw explainRequestError(err, `GET ${where} on ${deps.apiUrl}`, `${where}: no such repository, or the token cannot see it`);
  });
  if (!opts.dryRun && repo.data.permissions?.push === false) {
    throw new ModeratorError(`GITHUB_TOKEN cannot push to ${where}`, { hint: `${TOKEN_HINT} Or try --dry-run.` });
  }
  const issue = await octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: target.issueNumber }).catch((err: unknown) => {
    throw explainRequestError(err, `GET ${where}#${target.issueNumber}`, `${where}#${target.issueNumber}: no such issue`);
  });
  if (issue.data.pull_request) throw new ModeratorError(`${where}#${target.issueNumber} is a pull request, not an issue`);

  const defaultBranch = repo.data.default_branch;
  const repository = await deps.store.upsertRepository({ githubId: BigInt(repo.data.id), owner: repo.data.owner.login, name: repo.data.name, defaultBranch });
  const created = await deps.store.createExecution({
    repositoryId: repository.id,
    issueNumber: target.issueNumber,
    issueTitle: issue.data.title,
    trigger: "cli",
    triggeredBy: userInfo().username,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.instructions ? { instructions: opts.instructions } : {}),
  });
  if (!created.created) throw new ModeratorError(`a run is already active for ${where}#${target.issueNumber} (run ${created.execution.id})`);
  const executionId = created.execution.id;
  const outDir = path.resolve(opts.outDir ?? path.join(deps.dataDir, "github-runs", executionId));
  await mkdir(outDir, { recursive: true });

  let mirror: string | undefined;
  let codeHost: CodeHost;
  if (opts.dryRun) {
    // The branch is pushed to a local mirror of the repository, so QA and the review see a real diff; GitHub gets nothing.
    mirror = path.join(outDir, "repository.git");
    await mirrorRepository(repo.data.clone_url, token, defaultBranch, mirror);
    codeHost = createLocalCodeHost({ outDir, log: deps.print, repoDir: mirror });
    deps.print(`dry run: nothing is written to ${where}; the branch goes to ${mirror}, what would be posted to ${outDir}`);
  } else {
    // A personal token cannot create check runs (GitHub Apps only): those go to a file; the rest goes to GitHub.
    const local = createLocalCodeHost({ outDir, log: deps.print });
    codeHost = { ...createGitHubCodeHost(octokit as unknown as Parameters<typeof createGitHubCodeHost>[0]), upsertCheckRun: local.upsertCheckRun };
    deps.print(`check runs need a GitHub App: with a token they are written to ${path.join(outDir, "check-run-<name>.json")} and .md`);
  }

  const pipeline = buildPipelineDeps({
    operator: deps.operator,
    processEnv: deps.processEnv,
    store: deps.store,
    runner: deps.runner,
    workspaceDir: deps.workspaceDir,
    log: deps.log,
    async connect() {
      const github = connectGitHub(ref, { octokit: client, token }, codeHost);
      if (!mirror) return github;
      const mirrorUrl = pathToFileURL(mirror).href;
      const { bodyEditsSince: _edits, ...reads } = github;
      return { ...reads, gitToken: "", repository: async () => ({ ...(await github.repository()), cloneUrl: mirrorUrl }) };
    },
  });
  const outcome = await runExecution(executionId, pipeline, { signal: deps.signal, attempt: 1, maxAttempts: 1 });
  return { executionId, outcome, outDir, branch: `moderator/issue-${target.issueNumber}`, ...(mirror ? { mirror } : {}) };
}

/** An HTTP error of the API as a sentence: a refused token says so and how to make one. */
function explainRequestError(err: unknown, what: string, notFound: string): Error {
  const status = (err as { status?: unknown }).status;
  const message = (err as { message?: unknown }).message;
  if (status === 401) return new ModeratorError(`GITHUB_TOKEN was refused (401 ${String(message ?? "Bad credentials")}) by ${what}`, { hint: TOKEN_HINT });
  if (status === 403) return new ModeratorError(`GITHUB_TOKEN may not read this (403 ${String(message ?? "")}): ${what}`, { hint: TOKEN_HINT });
  if (status === 404) return new ModeratorError(notFound, { hint: TOKEN_HINT });
  return new ModeratorError(`${what}: ${typeof status === "number" ? `${status} ` : ""}${String(message ?? err)}`);
}

/**
 * A bare clone of the default branch, for a dry run. The token is an HTTP header given through GIT_CONFIG_* variables
 * (as cloneWorkspace does): not in the URL, not in the mirror's config, not on the command line.
 */
async function mirrorRepository(cloneUrl: string, token: string, branch: string, dir: string): Promise<void> {
  const origin = new URL(cloneUrl).origin;
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  try {
    await run("git", ["clone", "--quiet", "--bare", "--single-branch", "--no-tags", "--branch", branch, cloneUrl, dir], {
      env: {
        PATH: DEFAULT_PATH,
        GIT_TERMINAL_PROMPT: "0",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_COUNT: "2",
        GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`,
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
        GIT_CONFIG_KEY_1: "credential.helper",
        GIT_CONFIG_VALUE_1: "",
      },
    });
  } catch (err) {
    const text = String((err as { stderr?: unknown }).stderr ?? err).split(token).join("***").split(basic).join("***");
    throw new ModeratorError(`could not clone ${cloneUrl} for the dry run: ${text.trim()}`, { hint: TOKEN_HINT });
  }
}
