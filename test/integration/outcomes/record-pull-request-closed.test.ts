// Merges and closes of Moderator's pull requests as Feedback rows, with the Improvement rows they settle;
// permissions asked of the fake GitHub over real HTTP, rows in a real PostgreSQL schema.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordPullRequestClosed } from "../../../src/outcomes/record-pull-request-closed.ts";
import { handlePullRequestClosed } from "../../../src/outcomes/handle-pull-request-closed.ts";
import { OUTCOMES_FINAL_EVENT } from "../../../src/outcomes/outcomes-final-event.ts";
import { toPullRequestClosedInput } from "../../../src/outcomes/to-pull-request-closed-input.ts";
import { createWorld, EVAL_FINDING, PERMISSION_ROUTE, ref, seedModeratorPr, type OutcomeWorld } from "./outcome-fixture.ts";

let world: OutcomeWorld;

beforeEach(async () => {
  world = await createWorld();
  world.fake.setPermission(ref.owner, ref.repo, "alice", "write");
  world.fake.setPermission(ref.owner, ref.repo, "bob", "read");
});

afterEach(async () => {
  expect(world.fake.unhandled()).toEqual([]);
  await world.close();
});

const deps = () => ({ store: world.store, codeHost: world.codeHost, getPermission: world.getPermission });

async function improvement(over: { prNumber?: number | null; branch?: string; status?: string; executionId?: string } = {}) {
  return world.store.prisma.improvement.create({
    data: {
      repositoryId: world.repositoryId,
      type: "refactor",
      title: "Split the parser",
      rationale: "It is long.",
      fingerprint: `imp-${Math.random()}`,
      prNumber: over.prNumber === undefined ? 120 : over.prNumber,
      ...(over.branch ? { branch: over.branch } : {}),
      ...(over.status ? { status: over.status } : {}),
      ...(over.executionId ? { executionId: over.executionId } : {}),
    },
  });
}

describe("recordPullRequestClosed", () => {
  it("records a merge of Moderator's PR with the time to merge, backend and task types, once", async () => {
    const pr = await seedModeratorPr(world, { backend: "codex" });
    const input = {
      repositoryId: world.repositoryId,
      prNumber: pr.prNumber,
      merged: true,
      createdAt: "2024-05-01T10:00:00Z",
      mergedAt: "2024-05-01T15:30:00Z",
      closedAt: "2024-05-01T15:30:00Z",
      closedBy: "alice",
      headRef: "moderator/issue-5",
    };
    const result = await recordPullRequestClosed(deps(), input);
    expect(result).toEqual({
      moderatorPullRequest: true,
      kind: "merged",
      recorded: true,
      feedbackId: expect.any(String),
      executionId: pr.execution.id,
      improvementIds: [],
      actorCanWrite: true,
      hours: 5.5,
    });
    const rows = await world.store.prisma.feedback.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: "merged",
      actor: "alice",
      backend: "codex",
      executionId: pr.execution.id,
      findingId: null,
      sourceKey: `pr-closed:${world.repositoryId}:${pr.prNumber}`,
      detail: {
        prNumber: pr.prNumber,
        headRef: "moderator/issue-5",
        merged: true,
        timeToMergeHours: 5.5,
        taskType: "bugfix",
        taskTypes: ["bugfix", "test"],
        executionIds: [pr.execution.id],
        actorCanWrite: true,
      },
    });

    const again = await recordPullRequestClosed(deps(), input);
    expect(again).toMatchObject({ moderatorPullRequest: true, recorded: false, feedbackId: rows[0]!.id });
    expect(await world.store.prisma.feedback.count()).toBe(1);
  });

  it("marks an improvement closed when its PR is closed unmerged, by someone who cannot write; a later merge wins", async () => {
    const imp = await improvement({ prNumber: 120 });
    const closed = await recordPullRequestClosed(deps(), {
      repositoryId: world.repositoryId,
      prNumber: 120,
      merged: false,
      createdAt: new Date("2024-05-01T10:00:00Z"),
      closedAt: new Date("2024-05-03T10:00:00Z"),
      closedBy: "bob",
      headRef: "moderator/improve-split",
    });
    expect(closed).toMatchObject({ moderatorPullRequest: true, kind: "closed_unmerged", recorded: true, executionId: null, improvementIds: [imp.id], actorCanWrite: false, hours: 48 });
    expect(await world.store.prisma.improvement.findUniqueOrThrow({ where: { id: imp.id } })).toMatchObject({ status: "closed" });
    expect(await world.store.prisma.feedback.findFirstOrThrow()).toMatchObject({
      kind: "closed_unmerged",
      actor: "bob",
      improvementId: imp.id,
      detail: expect.objectContaining({ timeToCloseHours: 48, improvementType: "refactor", actorCanWrite: false }),
    });

    // Reopened and merged: the same row now says merged.
    const merged = await recordPullRequestClosed(deps(), {
      repositoryId: world.repositoryId,
      prNumber: 120,
      merged: true,
      createdAt: "2024-05-01T10:00:00Z",
      mergedAt: "2024-05-04T10:00:00Z",
      closedBy: "alice",
      headRef: "moderator/improve-split",
    });
    expect(merged).toMatchObject({ kind: "merged", recorded: true, actorCanWrite: true, hours: 72 });
    const rows = await world.store.prisma.feedback.findMany();
    expect(rows.map((r) => [r.kind, r.actor, (r.detail as { reopened?: boolean }).reopened])).toEqual([["merged", "alice", true]]);
    expect(await world.store.prisma.improvement.findUniqueOrThrow({ where: { id: imp.id } })).toMatchObject({ status: "merged" });

    // Closing it again changes nothing: merged is final.
    const late = await recordPullRequestClosed(deps(), { repositoryId: world.repositoryId, prNumber: 120, merged: false, createdAt: "2024-05-01T10:00:00Z", closedBy: "bob", headRef: "x" });
    expect(late).toMatchObject({ recorded: false });
    expect(await world.store.prisma.improvement.findUniqueOrThrow({ where: { id: imp.id } })).toMatchObject({ status: "merged" });
  });

  it("finds an improvement by its branch when its PR number was not stored, and stores it", async () => {
    const imp = await improvement({ prNumber: null, branch: "moderator/improve-docs" });
    const result = await recordPullRequestClosed(deps(), { repositoryId: world.repositoryId, prNumber: 131, merged: false, createdAt: "2024-05-01T10:00:00Z", closedBy: "alice", headRef: "moderator/improve-docs" });
    expect(result).toMatchObject({ moderatorPullRequest: true, improvementIds: [imp.id] });
    expect(await world.store.prisma.improvement.findUniqueOrThrow({ where: { id: imp.id } })).toMatchObject({ status: "closed", prNumber: 131 });
  });

  it("records nothing for a PR that is not Moderator's, even one it reviewed", async () => {
    const reviewed = await seedModeratorPr(world, { kind: "review" });
    for (const prNumber of [reviewed.prNumber, 999]) {
      const result = await recordPullRequestClosed(deps(), { repositoryId: world.repositoryId, prNumber, merged: true, createdAt: "2024-05-01T10:00:00Z", closedBy: "alice", headRef: "feature" });
      expect(result).toEqual({ moderatorPullRequest: false });
    }
    expect(await world.store.prisma.feedback.count()).toBe(0);
    expect(world.byRoute(PERMISSION_ROUTE)).toEqual([]);
  });

  it("writes nothing when the permission cannot be read, and says why", async () => {
    const pr = await seedModeratorPr(world);
    world.fake.failNext("GET", /\/collaborators\/alice\/permission$/, 500);
    await expect(
      recordPullRequestClosed(deps(), { repositoryId: world.repositoryId, prNumber: pr.prNumber, merged: true, createdAt: "2024-05-01T10:00:00Z", closedBy: "alice", headRef: "moderator/issue-5" }),
    ).rejects.toThrow(/could not read alice's permission on acme\/widgets/);
    expect(await world.store.prisma.feedback.count()).toBe(0);
  });

  it("refuses bad input with a clear error", async () => {
    const base = { repositoryId: world.repositoryId, prNumber: 1, merged: false, createdAt: "2024-05-01T10:00:00Z", closedBy: "alice", headRef: "x" };
    await expect(recordPullRequestClosed(deps(), { ...base, prNumber: -2 })).rejects.toThrow(/PR number must be a positive integer/);
    await expect(recordPullRequestClosed(deps(), { ...base, closedBy: " " })).rejects.toThrow(/closedBy/);
    await expect(recordPullRequestClosed(deps(), { ...base, createdAt: "yesterday" })).rejects.toThrow(/createdAt is not a valid time: "yesterday"/);
    await expect(recordPullRequestClosed(deps(), { ...base, repositoryId: 987654 })).rejects.toThrow(/repository 987654 does not exist/);
  });
});

describe("handlePullRequestClosed", () => {
  it("records the close from a real pull_request.closed payload, collects one last time and marks the PR final", async () => {
    const pr = await seedModeratorPr(world);
    world.fake.addReviewCommentReaction(ref.owner, ref.repo, pr.commentIds[EVAL_FINDING.fingerprint]!, "-1", { login: "bob" });
    const { createRequire } = await import("node:module");
    const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
    const payload = structuredClone(examples.find((x) => x.name === "pull_request")!.examples.find((e) => e["action"] === "closed")!);
    Object.assign(payload["pull_request"], { number: pr.prNumber, head: { ...payload["pull_request"].head, ref: "moderator/issue-5" } });
    payload["repository"] = { ...payload["repository"], name: ref.repo, owner: { ...payload["repository"].owner, login: ref.owner } };
    payload["sender"] = { ...payload["sender"], login: "bob" };

    const input = toPullRequestClosedInput(payload, world.repositoryId);
    const first = await handlePullRequestClosed(deps(), input);
    expect(first.closed).toMatchObject({ moderatorPullRequest: true, kind: "closed_unmerged", recorded: true, actorCanWrite: false });
    expect(first.outcomes?.failures).toEqual([]);
    expect(first.outcomes?.reactions.recorded.map((r) => [r.kind, r.actor])).toEqual([["reaction_down", "bob"]]);
    // bob's permission was asked once for both rows.
    expect(world.byRoute(PERMISSION_ROUTE)).toHaveLength(1);
    const events = await world.store.prisma.executionEvent.findMany({ where: { type: OUTCOMES_FINAL_EVENT } });
    expect(events.map((e) => [e.executionId, e.data])).toEqual([[pr.execution.id, { prNumber: pr.prNumber, merged: false }]]);

    const second = await handlePullRequestClosed(deps(), input);
    expect(second.closed).toMatchObject({ recorded: false });
    expect(second.outcomes?.reactions.recorded).toEqual([]);
    expect(await world.store.prisma.feedback.count()).toBe(2);
    expect(await world.store.prisma.executionEvent.count({ where: { type: OUTCOMES_FINAL_EVENT } })).toBe(1);
  });

  it("makes no API call for a pull request Moderator never ran on", async () => {
    const before = world.fake.requests.length;
    const result = await handlePullRequestClosed(deps(), {
      repositoryId: world.repositoryId,
      ref,
      prNumber: 77,
      merged: true,
      createdAt: "2024-05-01T10:00:00Z",
      closedBy: "alice",
      headRef: "feature",
    });
    expect(result).toEqual({ closed: { moderatorPullRequest: false }, outcomes: null });
    expect(world.fake.requests.length).toBe(before);
  });
});
