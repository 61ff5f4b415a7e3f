// Reactions, applied suggestions and threads resolved by people, collected from the fake GitHub over real HTTP
// into a real PostgreSQL schema; then collected again to show nothing is counted twice.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectPullRequestOutcomes } from "../../../src/outcomes/collect-pull-request-outcomes.ts";
import { collectReactions } from "../../../src/outcomes/collect-reactions.ts";
import { detectAppliedSuggestions } from "../../../src/outcomes/detect-applied-suggestions.ts";
import { recordThreadsResolvedByPeople } from "../../../src/outcomes/record-threads-resolved-by-people.ts";
import {
  BOT,
  createWorld,
  DEBUGGER_FINDING,
  EVAL_FINDING,
  PERMISSION_ROUTE,
  ref,
  seedModeratorPr,
  type ModeratorPr,
  type OutcomeWorld,
} from "./outcome-fixture.ts";

let world: OutcomeWorld;
let pr: ModeratorPr;

beforeEach(async () => {
  world = await createWorld();
  pr = await seedModeratorPr(world);
  world.fake.setPermission(ref.owner, ref.repo, "alice", "write");
  world.fake.setPermission(ref.owner, ref.repo, "bob", "read");
  world.fake.setPermission(ref.owner, ref.repo, "carol", "admin", "maintain");
});

afterEach(async () => {
  expect(world.fake.unhandled()).toEqual([]);
  await world.close();
});

const deps = () => ({ store: world.store, codeHost: world.codeHost, getPermission: world.getPermission });
const target = () => ({ repositoryId: world.repositoryId, ref, prNumber: pr.prNumber });
const rows = () => world.store.prisma.feedback.findMany({ orderBy: [{ kind: "asc" }, { actor: "asc" }, { sourceKey: "asc" }] });
const findingId = async (fingerprint: string) =>
  (await world.store.prisma.finding.findFirstOrThrow({ where: { fingerprint, executionId: pr.execution.id } })).id;

describe("collectReactions", () => {
  it("records +1 and -1 of people on Moderator's comments, with the finding, the run and who may write", async () => {
    const { fake } = world;
    const evalComment = pr.commentIds[EVAL_FINDING.fingerprint]!;
    fake.addReviewCommentReaction(ref.owner, ref.repo, evalComment, "+1", { login: "alice" });
    fake.addReviewCommentReaction(ref.owner, ref.repo, evalComment, "-1", { login: "bob" });
    fake.addReviewCommentReaction(ref.owner, ref.repo, evalComment, "heart", { login: "alice" });
    fake.addReviewCommentReaction(ref.owner, ref.repo, evalComment, "+1", { login: "dependabot[bot]", type: "Bot" });
    fake.addReviewCommentReaction(ref.owner, ref.repo, evalComment, "+1", { login: "alice" }); // GitHub keeps one; a repeat is one row
    fake.addIssueCommentReaction(ref.owner, ref.repo, pr.trackingCommentId, "-1", { login: "alice" });
    // Comments that are not Moderator's, even with a marker, do not count.
    const human = fake.addReviewComment(ref.owner, ref.repo, pr.prNumber, { path: "src/a.ts", line: 2, body: `me too <!-- moderator:finding ${EVAL_FINDING.fingerprint} -->` });
    fake.addReviewCommentReaction(ref.owner, ref.repo, human.id, "+1", { login: "alice" });
    const reply = fake.addReviewComment(ref.owner, ref.repo, pr.prNumber, { body: "Fixed in the next push.", inReplyTo: evalComment, user: BOT });
    fake.addReviewCommentReaction(ref.owner, ref.repo, reply.id, "+1", { login: "alice" });
    const chat = fake.addIssueComment(ref.owner, ref.repo, pr.prNumber, { body: "LGTM" });
    fake.addIssueCommentReaction(ref.owner, ref.repo, chat.id, "+1", { login: "bob" });
    const otherBot = fake.addIssueComment(ref.owner, ref.repo, pr.issueNumber, { body: "Coverage 90%", user: { login: "codecov[bot]", type: "Bot" } });
    fake.addIssueCommentReaction(ref.owner, ref.repo, otherBot.id, "-1", { login: "bob" });

    const result = await collectReactions(deps(), target());
    expect(result.skipped).toEqual([]);
    expect(result.recorded.map((r) => [r.kind, r.actor, r.actorCanWrite])).toEqual(
      expect.arrayContaining([
        ["reaction_up", "alice", true],
        ["reaction_down", "bob", false],
        ["reaction_down", "alice", true],
      ]),
    );
    expect(result.recorded).toHaveLength(3);

    const stored = await rows();
    const evalId = await findingId(EVAL_FINDING.fingerprint);
    expect(stored.map((r) => ({ kind: r.kind, actor: r.actor, findingId: r.findingId, executionId: r.executionId, backend: r.backend, sourceKey: r.sourceKey, detail: r.detail }))).toEqual([
      {
        kind: "reaction_down",
        actor: "alice",
        findingId: null,
        executionId: pr.execution.id,
        backend: "claude-code",
        sourceKey: `reaction:${world.repositoryId}:issue:${pr.trackingCommentId}:alice:-1`,
        detail: expect.objectContaining({ commentType: "issue_comment", commentId: pr.trackingCommentId, topic: "tracking", issueNumber: pr.issueNumber, content: "-1", actorCanWrite: true }),
      },
      {
        kind: "reaction_down",
        actor: "bob",
        findingId: evalId,
        executionId: pr.execution.id,
        backend: "claude-code",
        sourceKey: `reaction:${world.repositoryId}:review:${evalComment}:bob:-1`,
        detail: expect.objectContaining({ commentType: "review_comment", fingerprint: EVAL_FINDING.fingerprint, ruleId: "security/eval", path: "src/a.ts", actorCanWrite: false }),
      },
      {
        kind: "reaction_up",
        actor: "alice",
        findingId: evalId,
        executionId: pr.execution.id,
        backend: "claude-code",
        sourceKey: `reaction:${world.repositoryId}:review:${evalComment}:alice:+1`,
        detail: expect.objectContaining({ commentType: "review_comment", content: "+1", prNumber: pr.prNumber, actorCanWrite: true }),
      },
    ]);
    // One question per person, however many reactions.
    expect(world.byRoute(PERMISSION_ROUTE).map((r) => r.path.split("/").at(-2)).sort()).toEqual(["alice", "bob"]);

    const permissionCalls = world.byRoute(PERMISSION_ROUTE).length;
    const again = await collectReactions(deps(), target());
    expect(again.recorded).toEqual([]);
    expect(again.alreadyRecorded).toBe(3);
    expect(await world.store.prisma.feedback.count()).toBe(3);
    expect(world.byRoute(PERMISSION_ROUTE)).toHaveLength(permissionCalls);
  });

  it("skips a person whose permission cannot be read, and records them on the next collection", async () => {
    world.fake.addReviewCommentReaction(ref.owner, ref.repo, pr.commentIds[DEBUGGER_FINDING.fingerprint]!, "+1", { login: "carol" });
    world.fake.failNext("GET", /\/collaborators\/carol\/permission$/, 502);
    const first = await collectReactions(deps(), target());
    expect(first.recorded).toEqual([]);
    expect(first.skipped).toEqual([{ sourceKey: expect.stringContaining(":carol:+1"), reason: expect.stringMatching(/could not read carol's permission/) }]);
    expect(await world.store.prisma.feedback.count()).toBe(0);

    const second = await collectReactions(deps(), target());
    expect(second.recorded.map((r) => [r.kind, r.actor, r.actorCanWrite, r.findingId])).toEqual([
      ["reaction_up", "carol", true, await findingId(DEBUGGER_FINDING.fingerprint)],
    ]);
  });
});

describe("detectAppliedSuggestions", () => {
  it("records the suggestion a person committed, once, without reading commits again", async () => {
    const { fake } = world;
    // Someone else's unrelated commit, then alice's "Commit suggestion".
    fake.addPullRequestCommit(ref.owner, ref.repo, pr.prNumber, {
      message: "Tidy README",
      author: { login: "bob" },
      files: [{ filename: "README.md", status: "modified", additions: 1, deletions: 0, changes: 1, patch: "@@ -1 +1,2 @@\n # widgets\n+More." }],
    });
    const applied = fake.addPullRequestCommit(ref.owner, ref.repo, pr.prNumber, {
      message: "Apply suggestions from code review\n\nCo-authored-by: moderator[bot] <moderator[bot]@users.noreply.github.com>",
      author: { login: "alice" },
      files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 1, changes: 2, patch: "@@ -1,4 +1,4 @@\n const a = 1;\n-const b = eval(input);\n+const b = JSON.parse(input);\n debugger;\n export { a };" }],
    });
    fake.repo(ref.owner, ref.repo).reviewComments.find((c) => c.id === pr.commentIds[EVAL_FINDING.fingerprint])!.outdated = true;

    const result = await detectAppliedSuggestions(deps(), target());
    expect(result.skipped).toEqual([]);
    expect(result.recorded.map((r) => [r.kind, r.actor, r.actorCanWrite])).toEqual([["suggestion_applied", "alice", true]]);
    const [row] = await rows();
    expect(row).toMatchObject({
      kind: "suggestion_applied",
      actor: "alice",
      findingId: await findingId(EVAL_FINDING.fingerprint),
      executionId: pr.execution.id,
      backend: "claude-code",
      sourceKey: `suggestion:${world.repositoryId}:${pr.commentIds[EVAL_FINDING.fingerprint]}`,
      detail: {
        commentId: pr.commentIds[EVAL_FINDING.fingerprint],
        fingerprint: EVAL_FINDING.fingerprint,
        ruleId: "security/eval",
        path: "src/a.ts",
        line: 2,
        commitSha: applied.sha,
        commitMessage: "Apply suggestions from code review",
        viaGitHubSuggestion: true,
        match: "replacement",
        prNumber: pr.prNumber,
        actorCanWrite: true,
      },
    });
    // Moderator's own commit (before the comment) is never read; the two after it are.
    expect(world.byRoute("GET /repos/{owner}/{repo}/commits/{ref}").map((r) => r.path.split("/").pop())).toEqual([
      fake.repo(ref.owner, ref.repo).pullCommits.get(pr.prNumber)![1]!.sha,
      applied.sha,
    ]);

    const before = world.fake.requests.length;
    const again = await detectAppliedSuggestions(deps(), target());
    expect(again).toEqual({ recorded: [], alreadyRecorded: 1, skipped: [] });
    expect(world.fake.requests.slice(before).map((r) => r.route)).toEqual(["GET /repos/{owner}/{repo}/pulls/{pull_number}/comments"]);
  });

  it("does not count a commit by a bot, nor a suggestion nobody applied", async () => {
    world.fake.addPullRequestCommit(ref.owner, ref.repo, pr.prNumber, {
      message: "Apply suggestions from code review",
      author: { login: "autofix[bot]", type: "Bot" },
      files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 1, changes: 2, patch: "@@ -2 +2 @@\n-const b = eval(input);\n+const b = JSON.parse(input);" }],
    });
    world.fake.addPullRequestCommit(ref.owner, ref.repo, pr.prNumber, {
      message: "Use a parser",
      author: { login: "alice" },
      files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 1, changes: 2, patch: "@@ -2 +2 @@\n-const b = eval(input);\n+const b = parse(input);" }],
    });
    const result = await detectAppliedSuggestions(deps(), target());
    expect(result).toEqual({ recorded: [], alreadyRecorded: 0, skipped: [] });
    expect(await world.store.prisma.feedback.count()).toBe(0);
  });
});

describe("recordThreadsResolvedByPeople", () => {
  it("records a thread a person resolved, not one the app resolved", async () => {
    world.fake.setThreadResolved(ref.owner, ref.repo, pr.commentIds[DEBUGGER_FINDING.fingerprint]!, true, { login: "carol" });
    world.fake.setThreadResolved(ref.owner, ref.repo, pr.commentIds[EVAL_FINDING.fingerprint]!, true, null);
    const result = await recordThreadsResolvedByPeople(deps(), target());
    expect(result.recorded.map((r) => [r.kind, r.actor, r.actorCanWrite])).toEqual([["thread_resolved_by_human", "carol", true]]);
    const [row] = await rows();
    const threadId = world.fake.threadId(pr.commentIds[DEBUGGER_FINDING.fingerprint]!);
    expect(row).toMatchObject({
      findingId: await findingId(DEBUGGER_FINDING.fingerprint),
      executionId: pr.execution.id,
      sourceKey: `thread-resolved:${world.repositoryId}:${threadId}`,
      detail: { threadId, fingerprint: DEBUGGER_FINDING.fingerprint, ruleId: "debug/debugger", prNumber: pr.prNumber, actorCanWrite: true },
    });
    expect((await recordThreadsResolvedByPeople(deps(), target())).alreadyRecorded).toBe(1);
    expect(await world.store.prisma.feedback.count()).toBe(1);
  });
});

describe("finding resolution", () => {
  it("ties feedback to the newest Finding row of the fingerprint in the repository", async () => {
    const later = await world.store.createExecution({ repositoryId: world.repositoryId, issueNumber: 9, issueTitle: "t", trigger: "label", triggeredBy: "maia" });
    await world.store.finishExecution(later.execution.id, "completed", { backend: "gemini" });
    await world.store.saveFindings(later.execution.id, world.repositoryId, [DEBUGGER_FINDING]);
    const older = await world.store.createExecution({ repositoryId: world.repositoryId, issueNumber: 10, issueTitle: "t", trigger: "label", triggeredBy: "maia" });
    await world.store.finishExecution(older.execution.id, "completed", {});
    await world.store.saveFindings(older.execution.id, world.repositoryId, [DEBUGGER_FINDING]);
    await world.store.prisma.finding.updateMany({ where: { executionId: older.execution.id }, data: { createdAt: new Date("2020-01-01T00:00:00Z") } });

    world.fake.setThreadResolved(ref.owner, ref.repo, pr.commentIds[DEBUGGER_FINDING.fingerprint]!, true, { login: "carol" });
    const [row] = (await recordThreadsResolvedByPeople(deps(), target())).recorded;
    const newest = await world.store.prisma.finding.findFirstOrThrow({ where: { executionId: later.execution.id } });
    expect(row).toMatchObject({ findingId: newest.id, executionId: later.execution.id });
    expect(await world.store.prisma.feedback.findFirstOrThrow()).toMatchObject({ backend: "gemini" });
  });
});

describe("collectPullRequestOutcomes", () => {
  it("runs the three collectors with one permission question per person, and repeats as a no-op", async () => {
    const { fake } = world;
    fake.addReviewCommentReaction(ref.owner, ref.repo, pr.commentIds[EVAL_FINDING.fingerprint]!, "+1", { login: "alice" });
    fake.addPullRequestCommit(ref.owner, ref.repo, pr.prNumber, {
      message: "Update src/a.ts",
      author: { login: "alice" },
      files: [{ filename: "src/a.ts", status: "modified", additions: 1, deletions: 1, changes: 2, patch: "@@ -2 +2 @@\n-const b = eval(input);\n+const b = JSON.parse(input);" }],
    });
    fake.setThreadResolved(ref.owner, ref.repo, pr.commentIds[EVAL_FINDING.fingerprint]!, true, { login: "alice" });

    const outcomes = await collectPullRequestOutcomes(deps(), target());
    expect(outcomes.failures).toEqual([]);
    expect([outcomes.reactions, outcomes.suggestions, outcomes.threads].map((r) => r.recorded.map((x) => x.kind))).toEqual([
      ["reaction_up"],
      ["suggestion_applied"],
      ["thread_resolved_by_human"],
    ]);
    expect(world.byRoute(PERMISSION_ROUTE)).toHaveLength(1);
    expect(world.byRoute("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments")).toHaveLength(1);

    const again = await collectPullRequestOutcomes(deps(), target());
    expect([again.reactions, again.suggestions, again.threads].map((r) => [r.recorded.length, r.alreadyRecorded])).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(await world.store.prisma.feedback.count()).toBe(3);
  });

  it("returns a failing step's error and still runs the others", async () => {
    world.fake.setThreadResolved(ref.owner, ref.repo, pr.commentIds[EVAL_FINDING.fingerprint]!, true, { login: "alice" });
    world.fake.failNext("GET", /\/pulls\/\d+\/comments$/, 503);
    const outcomes = await collectPullRequestOutcomes(deps(), target());
    expect(outcomes.failures.map((f) => f.step)).toEqual(["reactions", "suggestions"]);
    expect(outcomes.failures[0]!.error).toMatch(/could not list the review comments/);
    expect(outcomes.threads.recorded.map((r) => r.kind)).toEqual(["thread_resolved_by_human"]);
  });

  it("refuses a target that is not a pull request", async () => {
    await expect(collectPullRequestOutcomes(deps(), { repositoryId: world.repositoryId, ref, prNumber: 0 })).rejects.toThrow(/prNumber must be a positive integer/);
    await expect(collectReactions(deps(), { repositoryId: world.repositoryId, ref: { owner: "", repo: "x" }, prNumber: 3 })).rejects.toThrow(/ref must name the repository/);
  });
});
