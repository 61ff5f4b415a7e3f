import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { selectImprovements } from "../../../src/improve/apply-budgets.ts";
import { ImprovementBudgets } from "../../../src/improve/improvement-budgets.ts";
import type { Improvement } from "../../../src/improve/improvement.ts";
import { improvementState, renderChecklistComment } from "../../../src/improve/run-improver.ts";
import { createGitHubCodeHost } from "../../../src/codehost/github-code-host.ts";
import { Store } from "../../../src/store/store.ts";
import { createTestDatabase } from "../../support/db.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from "../../support/fake-github.ts";

const Octo = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const ref = { owner: "acme", repo: "widgets" };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let fake: FakeGitHub;
let repo: FakeRepo;
beforeEach(async () => {
  db = await createTestDatabase();
  store = new Store(db.prisma);
  fake = await startFakeGitHub({ token: "ghs_t" });
  repo = fake.addRepo({ owner: ref.owner, name: ref.repo, id: 4242, defaultBranch: "main" });
});
afterEach(async () => {
  await fake.close();
  await db.close();
});

async function setup(statuses: string[]) {
  const repository = await store.upsertRepository({ githubId: 4242, owner: ref.owner, name: ref.repo });
  const { execution: parent } = await store.createExecution({ repositoryId: repository.id, issueNumber: 7, issueTitle: "Parent", trigger: "label", triggeredBy: "maia" });
  await store.finishExecution(parent.id, "completed");
  const rows = [];
  for (const [i, status] of statuses.entries()) {
    const row = await db.prisma.improvement.create({
      data: { repositoryId: repository.id, executionId: parent.id, type: "tests", title: `Improvement ${i + 1}`, rationale: "because", fingerprint: `fp${i + 1}`, priority: i, status },
    });
    if (status !== "proposed") {
      // Started: its own run, created now (within the hour), whatever became of it since.
      const run = await store.createExecution({ repositoryId: repository.id, issueNumber: 7, issueTitle: row.title, trigger: "improvement", triggeredBy: "maia", kind: "improve", improvementId: row.id });
      if (status !== "queued" && status !== "running") await store.finishExecution(run.execution.id, "completed");
    }
    rows.push(row);
  }
  return { repository, parent, rows };
}

const asCandidate = (r: { type: string; title: string; rationale: string; priority: number; impact: number; task: string; files: string[]; fingerprint: string }): Improvement => ({
  type: r.type as Improvement["type"],
  title: r.title,
  rationale: r.rationale,
  priority: r.priority,
  impact: r.impact,
  task: r.task,
  files: r.files,
  fingerprint: r.fingerprint,
});

describe("improvement budgets", () => {
  it("perHour counts every improvement started in the last hour, whatever became of it (merged quickly too)", async () => {
    const { repository } = await setup(["merged", "merged", "opened", "failed", "proposed"]);
    const state = await improvementState(store, repository.id, new Date());
    expect(state.createdLastHour).toBe(4);
  });

  it("maxOpen counts queued and running improvements as well as opened ones", async () => {
    const { repository } = await setup(["queued", "running", "opened", "proposed"]);
    const state = await improvementState(store, repository.id, new Date());
    expect(state.openImprovementPrs).toBe(3);
    const budgets = ImprovementBudgets.parse({ enabled: true, maxOpen: 3, perHour: 10 });
    const rows = await db.prisma.improvement.findMany({ where: { fingerprint: "fp4" } });
    const { selected, skipped } = selectImprovements(rows.map(asCandidate), state, budgets, "start");
    expect(selected).toEqual([]);
    expect(skipped.map((s) => s.code)).toEqual(["max-open"]);
  });

  it("a tick refused by a budget is not silently unticked: the checklist says why", async () => {
    const { repository, parent, rows } = await setup(["merged", "merged", "proposed"]);
    const state = await improvementState(store, repository.id, new Date());
    const budgets = ImprovementBudgets.parse({ enabled: true, maxOpen: 5, perHour: 2 });
    const { skipped } = selectImprovements([asCandidate(rows[2]!)], state, budgets, "start");
    const codeHost = createGitHubCodeHost(new Octo({ auth: { token: "ghs_t" }, baseUrl: fake.apiUrl }));
    await renderChecklistComment({ store, codeHost }, { repositoryId: repository.id, ref, issueNumber: 7, parentExecutionId: parent.id, skipped });
    const body = repo.issueComments.find((c) => c.body.includes("<!-- moderator:improvements -->"))?.body ?? "";
    const line = body.split("\n").find((l) => l.includes("<!-- moderator:improvement fp3 -->")) ?? "";
    expect(line).toMatch(/^- \[ \] \*\*Improvement 3\*\*/);
    expect(line).toContain("not started: 2 improvement pull requests were created in the last hour, the limit is 2 (improvements.perHour); tick it again later");
  });
});
