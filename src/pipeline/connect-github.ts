import { fetchIssueContext } from "../app/fetch-issue-context.ts";
import { fetchRepoConfig } from "../app/fetch-repo-config.ts";
import type { GitHubClient } from "../app/github-client.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import { z } from "zod";
import { canWrite, getSenderPermission } from "../app/get-sender-permission.ts";
import type { BodyEdit } from "./choose-issue-body.ts";
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
    bodyEditsSince: (issueNumber, since) => fetchBodyEditsSince(octokit, ref, issueNumber, since),
  };
}

const EditsAnswer = z.object({
  repository: z.object({
    issue: z.object({
      userContentEdits: z.object({
        nodes: z.array(z.object({ editedAt: z.string(), editor: z.object({ login: z.string() }).nullish() }).nullable()),
      }),
    }),
  }),
});

/**
 * Who edited the issue's body after `since` (GraphQL `userContentEdits`; REST does not say), with whether each may
 * write. Undefined when GitHub's answer cannot be read: the caller then keeps the approved text.
 */
async function fetchBodyEditsSince(octokit: GitHubClient, ref: RepoRef, issueNumber: number, since: Date): Promise<BodyEdit[] | undefined> {
  try {
    const raw = await octokit.graphql(
      "query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { issue(number: $number) { userContentEdits(last: 50) { nodes { editedAt editor { login } } } } } }",
      { owner: ref.owner, name: ref.repo, number: issueNumber },
    );
    const answer = EditsAnswer.parse(raw);
    const later = answer.repository.issue.userContentEdits.nodes
      .filter((n): n is NonNullable<typeof n> => n !== null && Date.parse(n.editedAt) > since.getTime())
      .sort((a, b) => Date.parse(a.editedAt) - Date.parse(b.editedAt));
    const writers = new Map<string, boolean>();
    const edits: BodyEdit[] = [];
    for (const n of later) {
      const login = n.editor?.login ?? "ghost";
      if (!writers.has(login)) writers.set(login, login === "ghost" ? false : canWrite(await getSenderPermission(octokit, ref.owner, ref.repo, login)));
      edits.push({ login, editedAt: n.editedAt, canWrite: writers.get(login) === true });
    }
    return edits;
  } catch {
    return undefined;
  }
}
