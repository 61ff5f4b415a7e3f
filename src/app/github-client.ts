import type { ProbotOctokit } from "probot";

/** An authenticated Octokit as Probot builds it (installation-scoped). */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;
