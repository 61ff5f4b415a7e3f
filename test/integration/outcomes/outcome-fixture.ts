// Shared set-up of the outcome tests: the fake GitHub over real HTTP (ProbotOctokit, retry and throttle off),
// a migrated PostgreSQL schema of its own, and Moderator's PR as the pipeline leaves it (an execution with its
// PR, tasks and findings, a tracking comment, one review with inline comments, a suggestion among them).
import { ProbotOctokit } from "probot";
import { getSenderPermission } from "../../../src/app/get-sender-permission.ts";
import type { GitHubClient } from "../../../src/app/github-client.ts";
import type { CodeHost, RepoRef } from "../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import type { Execution } from "../../../src/generated/prisma/client.ts";
import type { GetPermission } from "../../../src/outcomes/outcome-deps.ts";
import { buildReview } from "../../../src/qa/build-review.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { Store } from "../../../src/store/store.ts";
import { createTestDatabase } from "../../support/db.ts";
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from "../../support/fake-github.ts";

export const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
export const ref: RepoRef = { owner: "acme", repo: "widgets" };
export const TOKEN = "ghs_outcomes_token";
export const BOT = { login: "moderator[bot]", type: "Bot" as const };

export interface OutcomeWorld {
  fake: FakeGitHub;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  store: Store;
  octokit: GitHubClient;
  codeHost: CodeHost;
  getPermission: GetPermission;
  repositoryId: number;
  close(): Promise<void>;
  /** Requests the fake answered on `route` (e.g. "GET /repos/{owner}/{repo}/collaborators/{username}/permission"). */
  byRoute(route: string): RecordedRequest[];
}

export async function createWorld(): Promise<OutcomeWorld> {
  const fake = await startFakeGitHub({ token: TOKEN });
  fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
  let db: OutcomeWorld["db"];
  try {
    db = await createTestDatabase();
  } catch (error) {
    await fake.close();
    throw error;
  }
  const store = new Store(db.prisma);
  const octokit = new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl }) as unknown as GitHubClient;
  const repository = await store.upsertRepository({ githubId: 4242, owner: ref.owner, name: ref.repo, installationId: 1, defaultBranch: "main" });
  return {
    fake,
    db,
    store,
    octokit,
    codeHost: createGitHubCodeHost(octokit),
    getPermission: (r, login) => getSenderPermission(octokit, r.owner, r.repo, login),
    repositoryId: repository.id,
    byRoute: (route) => fake.requests.filter((r) => r.route === route),
    async close() {
      try {
        await fake.close();
      } finally {
        await db.close();
      }
    },
  };
}

export const PERMISSION_ROUTE = "GET /repos/{owner}/{repo}/collaborators/{username}/permission";

/** The diff Moderator's run produced: two added lines QA comments on. */
export const DIFF = [
  "diff --git a/src/a.ts b/src/a.ts",
  "--- a/src/a.ts",
  "+++ b/src/a.ts",
  "@@ -1,2 +1,4 @@",
  " const a = 1;",
  "+const b = eval(input);",
  "+debugger;",
  " export { a };",
  "",
].join("\n");

export const EVAL_FINDING: Finding = {
  ruleId: "security/eval",
  source: "analyzer",
  severity: "high",
  confidence: 0.9,
  path: "src/a.ts",
  line: 2,
  title: "eval of input",
  message: "Do not eval input.",
  suggestion: "Parse the JSON instead.",
  replacement: "const b = JSON.parse(input);",
  fingerprint: "0e7a1f00e7a1f001",
};
export const DEBUGGER_FINDING: Finding = {
  ruleId: "debug/debugger",
  source: "analyzer",
  severity: "medium",
  confidence: 0.95,
  path: "src/a.ts",
  line: 3,
  title: "debugger statement",
  message: "A debugger statement stops the program.",
  fingerprint: "0d3b600d3b600002",
};

export interface ModeratorPr {
  execution: Execution;
  prNumber: number;
  issueNumber: number;
  headSha: string;
  trackingCommentId: number;
  /** Root review comment ids, by fingerprint. */
  commentIds: Record<string, number>;
}

/**
 * Moderator's run on issue `issueNumber` as the pipeline leaves it: the tracking comment, the PR (opened by the
 * app), Moderator's commit, an execution row with its tasks and findings, and one review whose inline comments
 * carry the findings' markers (the eval one with a ```suggestion block).
 */
export async function seedModeratorPr(
  world: OutcomeWorld,
  opts: { issueNumber?: number; backend?: string; kind?: "run" | "review"; findings?: Finding[] } = {},
): Promise<ModeratorPr> {
  const issueNumber = opts.issueNumber ?? 5;
  const { codeHost, store, fake } = world;
  world.fake.addIssue(ref.owner, ref.repo, { number: issueNumber, title: "Parse the input" });
  const tracking = await codeHost.ensureComment(ref, issueNumber, "tracking", "Moderator is on it.");
  const branch = `moderator/issue-${issueNumber}`;
  const pr = await codeHost.ensurePullRequest(ref, { branch, base: "main", title: "Parse the input", body: `Closes #${issueNumber}`, draft: false });
  const commit = fake.addPullRequestCommit(ref.owner, ref.repo, pr.number, {
    message: "moderator: parse the input",
    author: null,
    files: [{ filename: "src/a.ts", status: "modified", additions: 2, deletions: 0, changes: 2, patch: "@@ -1,2 +1,4 @@\n const a = 1;\n+const b = eval(input);\n+debugger;\n export { a };" }],
  });

  const created = await store.createExecution({ repositoryId: world.repositoryId, issueNumber, issueTitle: "Parse the input", trigger: "label", triggeredBy: "maia", kind: opts.kind ?? "run" });
  await store.createTask({ executionId: created.execution.id, index: 0, title: "Parse", description: "Parse the input", type: "bugfix" });
  await store.createTask({ executionId: created.execution.id, index: 1, title: "Test", description: "Test it", type: "test" });
  const findings = opts.findings ?? [EVAL_FINDING, DEBUGGER_FINDING];
  await store.saveFindings(created.execution.id, world.repositoryId, findings);

  const review = buildReview(findings, parseDiff(DIFF), { maxComments: 5, minConfidence: 0 });
  await codeHost.createReview(ref, pr.number, { commitSha: commit.sha, body: review.body, comments: review.comments });
  const commentIds: Record<string, number> = {};
  for (const c of fake.repo(ref.owner, ref.repo).reviewComments) {
    const f = findings.find((x) => c.body.includes(x.fingerprint));
    if (f) commentIds[f.fingerprint] = c.id;
  }
  const execution = await store.finishExecution(created.execution.id, "completed", {
    prNumber: pr.number,
    prUrl: pr.url,
    headSha: commit.sha,
    resultSha: commit.sha,
    branch,
    backend: opts.backend ?? "claude-code",
    trackingCommentId: tracking.id,
  });
  return { execution, prNumber: pr.number, issueNumber, headSha: commit.sha, trackingCommentId: tracking.id, commentIds };
}
