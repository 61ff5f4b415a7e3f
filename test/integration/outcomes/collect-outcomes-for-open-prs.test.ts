// The repeatable collector over several pull requests: open ones collected, closed ones caught up (a missed
// webhook) and marked final, gone ones dropped, an unreachable repository reported without stopping the rest.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectOutcomesForOpenPrs, type OutcomeCollectorDeps } from "../../../src/outcomes/collect-outcomes-for-open-prs.ts";
import { OUTCOMES_FINAL_EVENT } from "../../../src/outcomes/outcomes-final-event.ts";
import { BOT, createWorld, EVAL_FINDING, ref, seedModeratorPr, type OutcomeWorld } from "./outcome-fixture.ts";

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

const GET_PULL = "GET /repos/{owner}/{repo}/pulls/{pull_number}";
const pullsRead = () => world.byRoute(GET_PULL).map((r) => Number(r.path.split("/").pop()));

function collectorDeps(connected: string[] = []): OutcomeCollectorDeps {
  return {
    store: world.store,
    async connect(repository) {
      connected.push(`${repository.owner}/${repository.name}`);
      if (repository.id !== world.repositoryId) throw new Error("the app is not installed on this repository");
      return { codeHost: world.codeHost, getPermission: world.getPermission };
    },
  };
}

describe("collectOutcomesForOpenPrs", () => {
  it("collects open PRs, catches up closed ones, drops gone ones, and repeats without new rows", async () => {
    const { fake, store } = world;
    const open = await seedModeratorPr(world, { issueNumber: 5 });
    fake.addReviewCommentReaction(ref.owner, ref.repo, open.commentIds[EVAL_FINDING.fingerprint]!, "+1", { login: "alice" });

    const merged = await seedModeratorPr(world, { issueNumber: 6, backend: "aider" });
    fake.addReviewCommentReaction(ref.owner, ref.repo, merged.commentIds[EVAL_FINDING.fingerprint]!, "-1", { login: "bob" });
    fake.closePullRequest(ref.owner, ref.repo, merged.prNumber, { merged: true, by: { login: "alice" } });

    const improvementPr = fake.addPullRequest(ref.owner, ref.repo, { head: "moderator/improve-docs", title: "Docs", user: BOT });
    fake.closePullRequest(ref.owner, ref.repo, improvementPr.number, { by: { login: "bob" } });
    const improvement = await store.prisma.improvement.create({
      data: { repositoryId: world.repositoryId, type: "docs", title: "Docs", rationale: "r", fingerprint: "imp-docs", prNumber: improvementPr.number, branch: "moderator/improve-docs", status: "opened" },
    });

    const gone = await store.createExecution({ repositoryId: world.repositoryId, issueNumber: 8, issueTitle: "t", trigger: "label", triggeredBy: "maia" });
    await store.finishExecution(gone.execution.id, "completed", { prNumber: 555 });

    const elsewhere = await store.upsertRepository({ githubId: 77, owner: "acme", name: "uninstalled" });
    const other = await store.createExecution({ repositoryId: elsewhere.id, issueNumber: 1, issueTitle: "t", trigger: "label", triggeredBy: "maia" });
    await store.finishExecution(other.execution.id, "completed", { prNumber: 3 });

    const connected: string[] = [];
    const summary = await collectOutcomesForOpenPrs(collectorDeps(connected), {});
    expect(connected.sort()).toEqual(["acme/uninstalled", "acme/widgets"]);
    expect(summary.recorded).toEqual({ reaction_up: 1, reaction_down: 1, merged: 1, closed_unmerged: 1 });
    expect(summary.failures).toEqual([{ repositoryId: elsewhere.id, error: expect.stringMatching(/could not connect to acme\/uninstalled: the app is not installed/) }]);
    const states = Object.fromEntries(summary.visited.map((v) => [`${v.repositoryId}#${v.prNumber}`, v.state]));
    expect(states).toEqual({
      [`${world.repositoryId}#${open.prNumber}`]: "open",
      [`${world.repositoryId}#${merged.prNumber}`]: "closed",
      [`${world.repositoryId}#${improvementPr.number}`]: "closed",
      [`${world.repositoryId}#555`]: "gone",
      [`${elsewhere.id}#3`]: "failed",
    });

    const mergedRow = await store.prisma.feedback.findFirstOrThrow({ where: { kind: "merged" } });
    expect(mergedRow).toMatchObject({ actor: "alice", backend: "aider", executionId: merged.execution.id, detail: expect.objectContaining({ actorCanWrite: true, taskTypes: ["bugfix", "test"] }) });
    expect((mergedRow.detail as { timeToMergeHours: number }).timeToMergeHours).toBeGreaterThanOrEqual(0);
    expect(await store.prisma.feedback.findFirstOrThrow({ where: { kind: "closed_unmerged" } })).toMatchObject({ actor: "bob", improvementId: improvement.id });
    expect(await store.prisma.improvement.findUniqueOrThrow({ where: { id: improvement.id } })).toMatchObject({ status: "closed" });
    const finals = await store.prisma.executionEvent.findMany({ where: { type: OUTCOMES_FINAL_EVENT }, orderBy: { id: "asc" } });
    expect(finals.map((e) => (e.data as { prNumber: number }).prNumber).sort()).toEqual([555, merged.prNumber].sort());

    // The next collection visits the open PR only, and finds nothing new.
    fake.requests.length = 0;
    const again = await collectOutcomesForOpenPrs(collectorDeps(), {});
    expect(again.recorded).toEqual({});
    expect(again.visited.filter((v) => v.repositoryId === world.repositoryId).map((v) => [v.prNumber, v.state])).toEqual([[open.prNumber, "open"]]);
    expect(pullsRead()).toEqual([open.prNumber]);
    expect(await store.prisma.feedback.count()).toBe(4);
  });

  it("visits only the repositories asked for, and not PRs of runs older than the look-back", async () => {
    const recent = await seedModeratorPr(world, { issueNumber: 5 });
    const old = await seedModeratorPr(world, { issueNumber: 6 });
    await world.store.prisma.execution.update({ where: { id: old.execution.id }, data: { createdAt: new Date(Date.now() - 90 * 86_400_000) } });

    const none = await collectOutcomesForOpenPrs(collectorDeps(), { repositoryIds: [world.repositoryId + 1000] });
    expect(none.visited).toEqual([]);
    const summary = await collectOutcomesForOpenPrs(collectorDeps(), { repositoryIds: [world.repositoryId], lookbackDays: 30 });
    expect(summary.visited.map((v) => v.prNumber)).toEqual([recent.prNumber]);
    const capped = await collectOutcomesForOpenPrs(collectorDeps(), { lookbackDays: 365, maxPullRequests: 1 });
    expect(capped.visited.map((v) => v.prNumber)).toEqual([recent.prNumber]);
  });

  it("reports a pull request GitHub fails on and goes on with the others", async () => {
    const a = await seedModeratorPr(world, { issueNumber: 5 });
    const b = await seedModeratorPr(world, { issueNumber: 6 });
    world.fake.addReviewCommentReaction(ref.owner, ref.repo, a.commentIds[EVAL_FINDING.fingerprint]!, "+1", { login: "alice" });
    world.fake.failNext("GET", new RegExp(`/pulls/${b.prNumber}$`), 502);
    const summary = await collectOutcomesForOpenPrs(collectorDeps(), {});
    expect(summary.failures).toEqual([{ repositoryId: world.repositoryId, prNumber: b.prNumber, error: expect.stringMatching(/could not read the pull request/) }]);
    expect(summary.recorded).toEqual({ reaction_up: 1 });
  });

  it("refuses bad options", async () => {
    await expect(collectOutcomesForOpenPrs(collectorDeps(), { lookbackDays: 0 })).rejects.toThrow(/lookbackDays must be a positive number/);
    await expect(collectOutcomesForOpenPrs(collectorDeps(), { maxPullRequests: 1.5 })).rejects.toThrow(/maxPullRequests must be a positive integer/);
  });
});
