import type { IssueContext } from "../app/fetch-issue-context.ts";
import type { CodeHost } from "../codehost/code-host.ts";
import type { RepoConfigResult } from "../config/repo-config.ts";
import type { BodyEdit } from "./choose-issue-body.ts";

export type { IssueContext };

/**
 * Where a run's inputs come from and where its outputs go: GitHub (through an installation) or a local
 * repository (`moderator run --repo`). The pipeline sees only this.
 */
export interface RunConnection {
  codeHost: CodeHost;
  repository(): Promise<{ cloneUrl: string; defaultBranch: string; fullName: string }>;
  issue(issueNumber: number, before: Date | undefined): Promise<IssueContext>;
  repoConfig(ref: string): Promise<RepoConfigResult>;
  /**
   * Edits of the issue's body made after `since`, oldest first, with whether each editor may write; undefined when
   * they cannot be read. Absent where issues are never edited by others (a local repository).
   */
  bodyEditsSince?(issueNumber: number, since: Date): Promise<BodyEdit[] | undefined>;
  /** Credential for git over HTTP(S); never given to the agent. Empty for a local repository. */
  gitToken: string;
  /** Values to redact from everything Moderator writes. */
  secrets: string[];
}

/** The repository as agents and reviewers see it (AgentTask.repository). */
export function agentRepository(
  ref: { owner: string; repo: string },
  info: { fullName: string; defaultBranch: string },
): { owner: string; name: string; fullName: string; defaultBranch: string } {
  return { owner: ref.owner, name: ref.repo, fullName: info.fullName, defaultBranch: info.defaultBranch };
}
