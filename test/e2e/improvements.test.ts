import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, REPO_ID, scriptedAgentYaml, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueCommentCreated, issueLabeled, pullRequestClosed } from "../support/payloads.ts";

// Follow-up improvements: proposed after a run, listed as checkboxes, started by a writer's tick, opened as
// stacked PRs; and /moderator learnings.

const operatorYaml = scriptedAgentYaml("debug-then-fix");

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const db = (x: Harness) => x.moderator.db.prisma;

describe("improvements", () => {
  it("lists improvements as checkboxes; a writer's tick opens a stacked follow-up PR", async () => {
    h = await startHarness({ operatorYaml });
    const x = h;
    x.fake.setFile(OWNER, REPO, ".github/moderator.yml", "improvements:\n  enabled: true\n  approval: true\n");
    x.fake.addIssue(OWNER, REPO, { number: 41, title: "Add greet" });
    await x.send("issues", issueLabeled({ number: 41, title: "Add greet", sender: MAINTAINER }));
    const parent = await x.waitFor("the run to end", async () => {
      const e = await db(x).execution.findFirst({ where: { issueNumber: 41, kind: "run" } });
      return e && ["completed", "failed", "waiting_for_human"].includes(e.status) ? e : undefined;
    });
    expect(parent.status, parent.error ?? "").toBe("completed");
    const proposed = await db(x).improvement.findMany({ where: { executionId: parent.id } });
    expect(proposed.map((i) => i.type)).toContain("tests");
    expect(proposed.every((i) => i.status === "proposed")).toBe(true);
    const checklist = x.repo.issueComments.find((c) => c.body.includes("<!-- moderator:improvements -->"));
    expect(checklist?.body).toContain("- [ ] ");
    const testsItem = proposed.find((i) => i.type === "tests");
    expect(checklist?.body).toContain(`<!-- moderator:improvement ${testsItem?.fingerprint} -->`);

    // A writer ticks the tests box: GitHub sends issue_comment.edited with the old body.
    const before = checklist?.body ?? "";
    const after = before
      .split("\n")
      .map((l) => (l.includes(testsItem?.fingerprint ?? "?") ? l.replace("- [ ]", "- [x]") : l))
      .join("\n");
    await x.send("issue_comment", {
      ...issueCommentCreated({ number: 41, title: "Add greet", body: after, sender: MAINTAINER }),
      action: "edited",
      comment: { id: checklist?.id, body: after, user: { login: "moderator[bot]", type: "Bot" } },
      changes: { body: { from: before } },
    });
    const run = await x.waitFor("the improvement run to end", async () => {
      const e = await db(x).execution.findFirst({ where: { kind: "improve" } });
      return e && ["completed", "failed", "cancelled"].includes(e.status) ? e : undefined;
    });
    expect(run.status, run.error ?? "").toBe("completed");
    const improvementPr = x.repo.pulls.find((p) => p.headRef.startsWith("moderator/improve-"));
    expect(improvementPr?.baseRef).toBe("moderator/issue-41");
    expect(improvementPr?.body).toContain(`Stacked on #${parent.prNumber}`);
    expect(improvementPr?.title).toContain(`(follow-up to #${parent.prNumber})`);
    const row = await db(x).improvement.findUnique({ where: { id: testsItem?.id ?? "" } });
    expect(row).toMatchObject({ status: "opened", prNumber: improvementPr?.number });
    expect(x.repo.issueComments.find((c) => c.body.includes("<!-- moderator:improvements -->"))?.body).toContain("- [x] ");

    // The parent PR is closed without merging: the outcome is recorded and the stacked improvement PR is closed.
    const parentPr = x.repo.pulls.find((p) => p.number === parent.prNumber);
    if (parentPr) parentPr.state = "closed";
    await x.send("pull_request", pullRequestClosed({ number: parent.prNumber ?? 0, headRef: "moderator/issue-41", merged: false, sender: MAINTAINER }));
    await x.waitFor("the stacked PR to be closed", async () => (await db(x).improvement.findUnique({ where: { id: testsItem?.id ?? "" } }))?.status === "closed");
    expect(x.fake.requests.some((r) => r.method === "PATCH" && r.path.endsWith(`/pulls/${improvementPr?.number}`) && (r.body as { state?: string }).state === "closed")).toBe(true);
    const feedback = await db(x).feedback.findMany({ where: { kind: "closed_unmerged" } });
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ executionId: parent.id, actor: MAINTAINER });
  });

  it("/moderator learnings shows what was learned; reset is recorded", async () => {
    h = await startHarness({ operatorYaml });
    const x = h;
    const repo = await db(x).repository.create({ data: { githubId: REPO_ID, owner: OWNER, name: REPO, installationId: 4242 } });
    const exec = await db(x).execution.create({ data: { repositoryId: repo.id, issueNumber: 1, trigger: "label", triggeredBy: MAINTAINER, status: "completed" } });
    for (let i = 0; i < 4; i++) {
      const f = await db(x).finding.create({
        data: { executionId: exec.id, repositoryId: repo.id, source: "analyzer", ruleId: "debug/leftover", severity: "low", confidence: 0.6, message: "m", fingerprint: `fp${i}`, title: "t" },
      });
      await db(x).feedback.create({ data: { repositoryId: repo.id, findingId: f.id, kind: "dismissed", actor: MAINTAINER, detail: { actorCanWrite: true } } });
    }
    await x.send("issue_comment", issueCommentCreated({ number: 1, title: "x", body: "/moderator learnings", sender: MAINTAINER }));
    const shown = await x.waitFor("the learnings reply", async () => x.repo.issueComments.find((c) => c.body.includes("What Moderator has learned")));
    expect(shown.body).toContain("debug/leftover");
    await x.send("issue_comment", issueCommentCreated({ number: 1, title: "x", body: "/moderator learnings reset debug/leftover", sender: MAINTAINER }));
    await x.waitFor("the reset row", async () => ((await db(x).feedback.count({ where: { kind: "learner_reset" } })) === 1 ? true : undefined));

    // Export: a worker clones, writes .github/moderator-learnings.yml, pushes a branch and opens a PR.
    await x.send("issue_comment", issueCommentCreated({ number: 1, title: "x", body: "/moderator learnings export", sender: MAINTAINER }));
    const pr = await x.waitFor("the export PR", async () => x.repo.pulls.find((p) => p.headRef === "moderator/learnings-export"));
    expect(pr.title).toContain("what it has learned");
    const file = execFileSync("git", ["--git-dir", x.barePath, "show", "moderator/learnings-export:.github/moderator-learnings.yml"], { encoding: "utf8" });
    expect(file).toContain("version: 1");
    await x.waitFor("the reply with the PR", async () => x.repo.issueComments.find((c) => c.body.includes(`Exported what Moderator has learned here in #${pr.number}`)));
  });
});
