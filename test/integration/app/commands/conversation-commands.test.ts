// Conversation commands (help, status, explain, dismiss, the denied reply) against the fake GitHub over real
// HTTP (REST and GraphQL) and a real PostgreSQL schema.
import { createRequire } from "node:module";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCommandContext } from "../../../../src/app/commands/build-command-context.ts";
import type { CommandContext } from "../../../../src/app/commands/command-context.ts";
import { handleConversationCommand } from "../../../../src/app/commands/handle-conversation-command.ts";
import { handleDismiss } from "../../../../src/app/commands/handle-dismiss.ts";
import { handleExplain } from "../../../../src/app/commands/handle-explain.ts";
import { handleStatus } from "../../../../src/app/commands/handle-status.ts";
import { replyDenied } from "../../../../src/app/commands/reply-denied.ts";
import { getSenderPermission } from "../../../../src/app/get-sender-permission.ts";
import type { GitHubClient } from "../../../../src/app/github-client.ts";
import { parseCommands, type ParsedCommand } from "../../../../src/app/parse-command.ts";
import { ReviewCommentPayload } from "../../../../src/app/review-comment-payload.ts";
import { CommentPayload } from "../../../../src/app/trigger-payload.ts";
import type { CodeHost } from "../../../../src/codehost/code-host.ts";
import { createGitHubCodeHost } from "../../../../src/codehost/github-code-host.ts";
import { createFinding } from "../../../../src/qa/create-finding.ts";
import { findingMarker } from "../../../../src/qa/finding-marker.ts";
import type { Finding } from "../../../../src/qa/finding.ts";
import { Store } from "../../../../src/store/store.ts";
import { createLogger } from "../../../../src/util/logger.ts";
import { createTestDatabase } from "../../../support/db.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../../support/fake-github.ts";

const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const example = (event: string, predicate: (e: Record<string, unknown>) => boolean) =>
  structuredClone(examples.find((x) => x.name === event)!.examples.find(predicate)!);

const TOKEN = "ghs_commands_token";
const OWNER = "acme";
const log = createLogger("silent");
const NOW = new Date("2030-01-01T00:00:00Z");

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
let db: TestDatabase;
let store: Store;
let fake: FakeGitHub;
let octokit: InstanceType<typeof Octo>;
let codeHost: CodeHost;
/** Every test has its own repository (on GitHub and in the database). */
let repoName: string;
let repoGithubId = 7_000;
let repo: FakeRepo;
let pull: number;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new Store(db.prisma);
});
afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  repoGithubId += 1;
  repoName = `widgets-${repoGithubId}`;
  fake = await startFakeGitHub({ token: TOKEN });
  // Comment ids are unique on GitHub, and feedback is keyed by them: keep them unique across this file's tests.
  fake.state.nextId = repoGithubId * 10_000;
  repo = fake.addRepo({ owner: OWNER, name: repoName, id: repoGithubId, defaultBranch: "main" });
  fake.setPermission(OWNER, repoName, "maia", "write", "maintain");
  fake.setPermission(OWNER, repoName, "rita", "read");
  fake.addIssue(OWNER, repoName, { number: 1, title: "Crash on start" });
  pull = fake.addPullRequest(OWNER, repoName, { head: "moderator/issue-1", title: "Fix the crash" }).number;
  octokit = new Octo({ auth: { token: TOKEN }, baseUrl: fake.apiUrl });
  codeHost = createGitHubCodeHost(octokit);
});
afterEach(async () => {
  expect(fake.unhandled()).toEqual([]);
  await fake.close();
});

// --- Payloads: GitHub's own examples, retargeted ------------------------------------------------------

function retarget(p: Record<string, unknown>, sender: string): Record<string, unknown> {
  const repository = p["repository"] as Record<string, unknown>;
  Object.assign(repository, {
    id: repoGithubId,
    name: repoName,
    full_name: `${OWNER}/${repoName}`,
    default_branch: "main",
    owner: { ...(repository["owner"] as object), login: OWNER },
  });
  p["sender"] = { ...(p["sender"] as object), login: sender, type: "User" };
  p["installation"] = { id: 1 };
  return p;
}

/** A human's review comment with `body` in the thread rooted at `rootId`, and the context its webhook gives. */
async function threadCommand(rootId: number, body: string, sender = "maia"): Promise<{ ctx: CommandContext; commentId: number }> {
  const comment = fake.addReviewComment(OWNER, repoName, pull, { body, inReplyTo: rootId, user: { login: sender } });
  const p = retarget(example("pull_request_review_comment", (e) => e["action"] === "created" && e["installation"] !== undefined), sender);
  Object.assign(p["comment"] as object, {
    id: comment.id,
    body,
    in_reply_to_id: rootId,
    path: comment.path,
    line: comment.line,
    user: { login: sender, type: "User" },
  });
  Object.assign(p["pull_request"] as object, { number: pull });
  const payload = ReviewCommentPayload.parse(p);
  const ctx = await buildCommandContext({ event: "pull_request_review_comment", payload }, { codeHost, store, log, now: () => NOW });
  return { ctx, commentId: comment.id };
}

/** A human's issue comment with `body` on issue (or pull request) `number`, and the context its webhook gives. */
async function issueCommand(number: number, body: string, sender = "maia"): Promise<CommandContext> {
  const comment = fake.addIssueComment(OWNER, repoName, number, { body, user: { login: sender } });
  const p = retarget(
    example("issue_comment", (e) => e["action"] === "created" && !(e["issue"] as Record<string, unknown>)["pull_request"]),
    sender,
  );
  Object.assign(p["issue"] as object, { number, title: "t", state: "open" });
  if (number === pull) (p["issue"] as Record<string, unknown>)["pull_request"] = { url: `https://api.github.com/repos/${OWNER}/${repoName}/pulls/${number}` };
  Object.assign(p["comment"] as object, { id: comment.id, body, user: { login: sender, type: "User" } });
  const payload = CommentPayload.parse(p);
  return buildCommandContext({ event: "issue_comment", payload }, { codeHost, store, log, now: () => NOW });
}

const only = (body: string): ParsedCommand => {
  const commands = parseCommands(body);
  expect(commands).toHaveLength(1);
  return commands[0]!;
};
const okCommand = (body: string) => only(body) as ParsedCommand & { ok: true };
const permissionOf = (login: string) => () => getSenderPermission(octokit as unknown as GitHubClient, OWNER, repoName, login);

// --- Seeding: a run with findings, and Moderator's review with one inline comment per finding -----------

function debugFinding(overrides: Partial<Parameters<typeof createFinding>[0]> = {}): Finding {
  return createFinding({
    ruleId: "debug/leftover",
    severity: "medium",
    confidence: 0.9,
    path: "src/app.ts",
    line: 3,
    title: "console.log left in",
    message: "`console.log(user)` was added to src/app.ts.",
    suggestion: "Remove it or use the logger.",
    trigger: "console.log(user)",
    ...overrides,
  });
}

/** A run on issue 1 that found `findings`; finished (so the next one is a new run) unless `active`. */
async function seedRun(findings: Finding[], opts: { active?: boolean } = {}) {
  const repository = await store.upsertRepository({ githubId: repoGithubId, owner: OWNER, name: repoName, installationId: 1 });
  const { execution } = await store.createExecution({
    repositoryId: repository.id,
    issueNumber: 1,
    issueTitle: "Crash on start",
    trigger: "label",
    triggeredBy: "maia",
  });
  expect(execution.status).toBe("queued");
  await store.saveFindings(execution.id, repository.id, findings);
  if (!opts.active) await store.finishExecution(execution.id, "completed");
  return { repositoryId: repository.id, execution };
}

/** Moderator's review: one inline comment per finding, each with its marker. Returns the thread roots' ids. */
async function postReview(findings: Finding[]): Promise<number[]> {
  const before = repo.reviewComments.length;
  await codeHost.createReview({ owner: OWNER, repo: repoName }, pull, {
    commitSha: "c".repeat(40),
    body: "",
    comments: findings.map((f) => ({ path: f.path!, line: f.line!, body: `**${f.title}**\n\n${f.message}\n\n${findingMarker(f.fingerprint)}` })),
  });
  return repo.reviewComments.slice(before).map((c) => c.id);
}

const repliesIn = (rootId: number) => repo.reviewComments.filter((c) => c.in_reply_to_id === rootId && c.user.type === "Bot");
const botIssueComments = (number: number) => repo.issueComments.filter((c) => c.user.type === "Bot" && c.issue_url.endsWith(`/issues/${number}`));
const graphqlCalls = (operation: RegExp) =>
  fake.requests.filter((r) => r.route === "POST /graphql" && operation.test(String((r.body as { query?: string }).query)));

describe("explain", () => {
  it("replies in a finding's thread with why it was raised, once per comment", async () => {
    const f = debugFinding();
    await seedRun([f]);
    await seedRun([f]); // raised again by a second run
    const [root] = await postReview([f]);
    const { ctx } = await threadCommand(root!, "/moderator explain");

    expect(await handleExplain(ctx, okCommand("/moderator explain"))).toBe("explain: debug/leftover");
    const replies = repliesIn(root!);
    expect(replies).toHaveLength(1);
    const body = replies[0]!.body;
    expect(body).toContain("### Why Moderator raised this");
    expect(body).toContain("🟡 **Medium** · **console.log left in**");
    expect(body).toMatch(/- \*\*Rule:\*\* `debug\/leftover`: Leftover debugging statements/);
    expect(body).toContain("- **Severity:** medium · **Confidence:** 90%");
    expect(body).toContain("- **Source:** `analyzer`");
    expect(body).toContain("- **Where:** `src/app.ts` line 3");
    expect(body).toContain("- **Raised:** in 2 runs");
    expect(body).toContain("`console.log(user)` was added to src/app.ts.");
    expect(body).toContain("**Suggested fix:** Remove it or use the logger.");
    expect(body).toContain("`/moderator dismiss <reason>`");
    expect(body).toContain(`<!-- moderator:reply-${ctx.commentId} -->`);

    // The same delivery again: the reply is found in the thread, nothing is posted.
    expect(await handleExplain(ctx, okCommand("/moderator explain"))).toBe("explain: debug/leftover");
    expect(repliesIn(root!)).toHaveLength(1);
  });

  it("in a human's thread (even one quoting a marker), says where it works", async () => {
    const f = debugFinding();
    await seedRun([f]);
    const human = fake.addReviewComment(OWNER, repoName, pull, { path: "src/app.ts", line: 9, body: `hmm ${findingMarker(f.fingerprint)}` });
    const { ctx } = await threadCommand(human.id, "/moderator explain");
    expect(await handleExplain(ctx, okCommand("/moderator explain"))).toBe("explain: not in a finding's thread");
    const [reply] = repliesIn(human.id);
    expect(reply?.body).toMatch(/^`\/moderator explain` works in a reply to one of Moderator's finding comments/);
  });

  it("with a rule id, explains the rule anywhere; an unknown rule or no finding gets where it works", async () => {
    const ctx = await issueCommand(1, "/moderator explain tests/missing");
    expect(await handleExplain(ctx, okCommand("/moderator explain tests/missing"))).toBe("explain: rule tests/missing");
    expect(botIssueComments(1).at(-1)?.body).toMatch(/^### Moderator rule `tests\/missing`\n\nSource files gained code but no test file/);

    const unknown = await issueCommand(1, "/moderator explain nope/rule");
    expect(await handleExplain(unknown, okCommand("/moderator explain nope/rule"))).toBe("explain: unknown rule nope/rule");
    expect(botIssueComments(1).at(-1)?.body).toMatch(/^Moderator has no rule `nope\/rule`\. `\/moderator explain` works in a reply/);
    expect(botIssueComments(1)).toHaveLength(2);
  });

  it("says so when the thread's finding has no stored record", async () => {
    const [root] = await postReview([debugFinding()]);
    const { ctx } = await threadCommand(root!, "/moderator explain");
    expect(await handleExplain(ctx, okCommand("/moderator explain"))).toBe("explain: no stored finding");
    expect(repliesIn(root!)[0]?.body).toContain("Moderator has no stored record of finding");
  });
});

describe("dismiss", () => {
  it("dismisses every open row of the fingerprint, records feedback, resolves the thread and replies; a redelivery changes nothing", async () => {
    const f = debugFinding();
    const other = debugFinding({ trigger: "console.log(other)", line: 8 });
    const first = await seedRun([f, other]);
    const second = await seedRun([f]);
    const [root, otherRoot] = await postReview([f, other]);
    const { ctx, commentId } = await threadCommand(root!, "/moderator dismiss intended: this is the CLI's output, see @bob");
    const command = okCommand("/moderator dismiss intended: this is the CLI's output, see @bob");

    expect(await handleConversationCommand(ctx, command, { getPermission: permissionOf("maia") })).toBe(`dismissed debug/leftover (${f.fingerprint})`);

    const rows = await db.prisma.finding.findMany({ where: { repositoryId: first.repositoryId }, orderBy: { createdAt: "asc" } });
    expect(rows.filter((r) => r.fingerprint === f.fingerprint).map((r) => [r.executionId, r.status])).toEqual([
      [first.execution.id, "dismissed"],
      [second.execution.id, "dismissed"],
    ]);
    expect(rows.find((r) => r.fingerprint === other.fingerprint)?.status).toBe("open");
    expect(await store.dismissedFingerprints(first.repositoryId)).toEqual(new Set([f.fingerprint]));

    const feedback = await db.prisma.feedback.findMany({ where: { repositoryId: first.repositoryId } });
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({
      kind: "dismissed",
      actor: "maia",
      executionId: second.execution.id,
      sourceKey: `dismiss:${commentId}`,
      detail: { reason: "intended: this is the CLI's output, see @bob", fingerprint: f.fingerprint, ruleId: "debug/leftover" },
    });
    expect(feedback[0]?.findingId).toBe(rows.find((r) => r.executionId === second.execution.id)?.id);

    expect(graphqlCalls(/resolveReviewThread/)).toHaveLength(1);
    expect((graphqlCalls(/resolveReviewThread/)[0]!.body as { variables: unknown }).variables).toEqual({ threadId: fake.threadId(root!) });
    expect(repo.resolvedThreads.has(root!)).toBe(true);
    expect(repo.resolvedThreads.has(otherRoot!)).toBe(false);

    const replies = repliesIn(root!);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toBe(
      "Dismissed; Moderator will not raise this again on this repository (`debug/leftover`, dismissed by `maia`).\n\n" +
        `> intended: this is the CLI's output, see \`@bob\`\n\n<!-- moderator:reply-${commentId} -->`,
    );

    // The same webhook delivered again: no second feedback, no second reply, no second resolve.
    expect(await handleConversationCommand(ctx, command, { getPermission: permissionOf("maia") })).toBe("dismiss: already recorded");
    expect(await db.prisma.feedback.count({ where: { repositoryId: first.repositoryId } })).toBe(1);
    expect(repliesIn(root!)).toHaveLength(1);
    expect(graphqlCalls(/resolveReviewThread/)).toHaveLength(1);
  });

  it("keeps a fixed finding from coming back, and a second maintainer's dismissal is its own feedback", async () => {
    const f = debugFinding();
    const { repositoryId } = await seedRun([f]);
    await db.prisma.finding.updateMany({ where: { repositoryId }, data: { status: "fixed" } });
    const [root] = await postReview([f]);
    fake.setPermission(OWNER, repoName, "omar", "admin");

    const a = await threadCommand(root!, "/moderator dismiss");
    expect(await handleDismiss(a.ctx, okCommand("/moderator dismiss"))).toBe(`dismissed debug/leftover (${f.fingerprint})`);
    expect(await store.dismissedFingerprints(repositoryId)).toEqual(new Set([f.fingerprint]));

    const b = await threadCommand(root!, "/moderator dismiss me too", "omar");
    expect(await handleConversationCommand(b.ctx, okCommand("/moderator dismiss me too"), { getPermission: permissionOf("omar") })).toBe(
      `dismissed debug/leftover (${f.fingerprint})`,
    );
    const feedback = await db.prisma.feedback.findMany({ where: { repositoryId }, orderBy: { createdAt: "asc" } });
    expect(feedback.map((x) => [x.actor, x.sourceKey, (x.detail as { reason: string }).reason])).toEqual([
      ["maia", `dismiss:${a.commentId}`, ""],
      ["omar", `dismiss:${b.commentId}`, "me too"],
    ]);
    // Already resolved by the first dismissal: not resolved again.
    expect(graphqlCalls(/resolveReviewThread/)).toHaveLength(1);
    expect(repliesIn(root!)).toHaveLength(2);
  });

  it("records the dismissal and says so when the thread cannot be resolved", async () => {
    const f = debugFinding();
    const { repositoryId } = await seedRun([f]);
    const [root] = await postReview([f]);
    repo.threadResolutionForbidden = true;
    const { ctx } = await threadCommand(root!, "/moderator dismiss");
    expect(await handleDismiss(ctx, okCommand("/moderator dismiss"))).toBe(`dismissed debug/leftover (${f.fingerprint})`);
    expect(await store.dismissedFingerprints(repositoryId)).toEqual(new Set([f.fingerprint]));
    expect(repliesIn(root!)[0]?.body).toMatch(
      /The dismissal is recorded, but this thread could not be resolved \(resolveReviewThread\("PRRT_\d+"\): GitHub's GraphQL API answered with errors: FORBIDDEN: Resource not accessible by integration\); please resolve it by hand\./,
    );
  });

  it("outside a finding's thread records nothing and says where it works", async () => {
    const f = debugFinding();
    const { repositoryId } = await seedRun([f]);
    const ctx = await issueCommand(pull, "/moderator dismiss");
    expect(await handleConversationCommand(ctx, okCommand("/moderator dismiss"), { getPermission: permissionOf("maia") })).toBe(
      "dismiss: not in a finding's thread",
    );
    expect(botIssueComments(pull).map((c) => c.body)).toEqual([
      `\`/moderator dismiss [reason]\` works in a reply to one of Moderator's finding comments on a pull request (in that review thread).\n\n<!-- moderator:reply-${ctx.commentId} -->`,
    ]);
    expect(await store.dismissedFingerprints(repositoryId)).toEqual(new Set());
    expect(await db.prisma.feedback.count({ where: { repositoryId } })).toBe(0);
  });

  it("from a reader is denied, with one reply per sender per pull request", async () => {
    const f = debugFinding();
    const { repositoryId } = await seedRun([f]);
    const [root] = await postReview([f]);
    fake.setPermission(OWNER, repoName, "rudy", "read");

    for (const body of ["/moderator dismiss", "/moderator dismiss please"]) {
      const { ctx } = await threadCommand(root!, body, "rita");
      expect(await handleConversationCommand(ctx, okCommand(body), { getPermission: permissionOf("rita") })).toBe("denied");
    }
    const stranger = await threadCommand(root!, "/moderator dismiss", "stranger");
    expect(await handleConversationCommand(stranger.ctx, okCommand("/moderator dismiss"), { getPermission: permissionOf("stranger") })).toBe("denied");
    // replyDenied directly, as the lead's run/review path would call it.
    expect(await replyDenied(await issueCommand(pull, "/moderator review", "rita"))).toBe("denied");

    const denied = botIssueComments(pull);
    expect(denied.map((c) => c.body.split(",")[0])).toEqual(["@rita", "@stranger"]);
    expect(denied[0]!.body).toMatch(/needs write, maintain or admin permission on this repository/);
    expect(denied[0]!.body).toMatch(/<!-- moderator:denied-rita -->$/);
    expect(fake.requests.filter((r) => r.route === "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}")).toEqual([]);
    expect(repliesIn(root!)).toEqual([]);
    expect(await store.dismissedFingerprints(repositoryId)).toEqual(new Set());
    expect(await db.prisma.feedback.count({ where: { repositoryId } })).toBe(0);
  });
});

describe("help", () => {
  it("answers an unknown command with the reference and the error on top, on the issue", async () => {
    const ctx = await issueCommand(1, "/moderator frobnicate now");
    const outcome = await handleConversationCommand(ctx, only("/moderator frobnicate now"), { getPermission: permissionOf("maia") });
    expect(outcome).toBe("help (unknown command 'frobnicate')");
    const [reply] = botIssueComments(1);
    expect(reply?.body.split("\n")[0]).toBe("⚠️ `/moderator frobnicate now`: unknown command 'frobnicate'. Here is what Moderator understands:");
    expect(reply?.body).toContain("| `/moderator dismiss [reason]` |");
    expect(reply?.body).toMatch(new RegExp(`<!-- moderator:reply-${ctx.commentId} -->$`));
    // The permission is not asked for help.
    expect(fake.requests.some((r) => r.route === "GET /repos/{owner}/{repo}/collaborators/{username}/permission")).toBe(false);

    // A redelivery finds the same reply and leaves it as it is.
    await handleConversationCommand(ctx, only("/moderator frobnicate now"), { getPermission: permissionOf("maia") });
    expect(botIssueComments(1)).toHaveLength(1);
  });

  it("answers a flag the command does not take, and a plain help, in the review thread they were written in", async () => {
    const [root] = await postReview([debugFinding()]);
    const bad = await threadCommand(root!, "/moderator status --verbose yes", "rita");
    expect(await handleConversationCommand(bad.ctx, only("/moderator status --verbose yes"), { getPermission: permissionOf("rita") })).toBe(
      "help (/moderator status does not know --verbose: it takes no flags)",
    );
    const help = await threadCommand(root!, "/moderator help", "rita");
    expect(await handleConversationCommand(help.ctx, only("/moderator help"), { getPermission: permissionOf("rita") })).toBe("help");

    const replies = repliesIn(root!);
    expect(replies).toHaveLength(2);
    expect(replies[0]!.body.split("\n")[0]).toBe(
      "⚠️ `/moderator status --verbose yes`: /moderator status does not know --verbose: it takes no flags. Here is what Moderator understands:",
    );
    expect(replies[1]!.body.startsWith("### Moderator commands")).toBe(true);
    expect(botIssueComments(pull)).toEqual([]);
  });

  it("leaves other commands to their own handlers", async () => {
    const ctx = await issueCommand(1, "/moderator run");
    expect(await handleConversationCommand(ctx, only("/moderator run"), { getPermission: permissionOf("maia") })).toBe(
      "ignored: /moderator run is not a conversation command",
    );
    expect(botIssueComments(1)).toEqual([]);
  });
});

describe("status", () => {
  it("says there is no run yet", async () => {
    const ctx = await issueCommand(1, "/moderator status", "rita");
    expect(await handleConversationCommand(ctx, only("/moderator status"), { getPermission: permissionOf("rita") })).toBe("status: no run yet");
    expect(botIssueComments(1)[0]?.body).toContain("No Moderator run on this issue yet.");
  });

  it("shows the latest run on the issue and on its pull request, and updates its reply on a redelivery", async () => {
    const { execution: old } = await seedRun([]);
    await store.finishExecution(old.id, "failed", { errorPhase: "execute", error: "agent exited with code 1" });
    const { execution } = await seedRun([], { active: true });
    await store.updateExecution(execution.id, {
      status: "publishing",
      phase: "publish",
      backend: "claude-code",
      startedAt: new Date(NOW.getTime() - 95_000),
      prNumber: pull,
      prUrl: `${fake.url}/${OWNER}/${repoName}/pull/${pull}`,
      checkRunUrl: `${fake.url}/${OWNER}/${repoName}/runs/5`,
    });

    const onIssue = await issueCommand(1, "/moderator status");
    expect(await handleStatus(onIssue, okCommand("/moderator status"))).toBe(`status: publishing (${execution.id})`);
    const body = botIssueComments(1)[0]!.body;
    expect(body).toContain("### Moderator · 🔄 Publishing");
    expect(body).toContain(`Latest run on this issue: \`${execution.id}\` (1 earlier on this issue)`);
    expect(body).toContain("- **Phase:** `publish`");
    expect(body).toContain("- **Running for:** 1m 35s");
    expect(body).toContain("- **Backend:** `claude-code`");
    expect(body).toContain(`- **Pull request:** [#${pull}](${fake.url}/${OWNER}/${repoName}/pull/${pull})`);
    expect(body).toContain(`- **Check run:** [Moderator](${fake.url}/${OWNER}/${repoName}/runs/5)`);

    const onPull = await issueCommand(pull, "/moderator status");
    expect(await handleStatus(onPull, okCommand("/moderator status"))).toBe(`status: publishing (${execution.id})`);
    expect(botIssueComments(pull)[0]!.body).toContain(`Latest run on this pull request: \`${execution.id}\``);

    await store.finishExecution(execution.id, "failed", { errorPhase: "publish", error: "GitHub answered 500" });
    expect(await handleStatus(onIssue, okCommand("/moderator status"))).toBe(`status: failed (${execution.id})`);
    const comments = botIssueComments(1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("### Moderator · ❌ Failed");
    expect(comments[0]!.body).toContain("- **Last error (in publish):** GitHub answered 500");
  });
});
