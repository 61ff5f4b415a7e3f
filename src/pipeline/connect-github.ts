import { fetchIssueContext } from "../app/fetch-issue-context.ts";
import { fetchRepoConfig } from "../app/fetch-repo-config.ts";
import type { GitHubClient } from "../app/github-client.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { RunConnection } from "./run-connection.ts";

/** A RunConnection to GitHub for one installation. */
export function connectGitHub(ref: RepoRef, installation: { octokit: GitHubClient; token: string }, codeHost: CodeHost): RunConnection {
  const { octokit, token } = installation;
  return {
    codeHost,
    gitToken: token,
    secrets: [token],
    async repository() {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner: ref.owner, repo: ref.repo });
      return { cloneUrl: data.clone_url, defaultBranch: data.default_branch, fullName: data.full_name };
    },
    issue: (issueNumber, before) => fetchIssueContext(octokit, { owner: ref.owner, repo: ref.repo, issueNumber, before }),
    repoConfig: (gitRef) => fetchRepoConfig(octokit, ref.owner, ref.repo, gitRef),
  };
}
