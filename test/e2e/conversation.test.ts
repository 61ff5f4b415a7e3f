import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, scriptedAgentYaml, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueCommentCreated, issueLabeled } from "../support/payloads.ts";

// Conversation and control: breakpoints, QA retry rounds, cancel, one live run per issue, commands, check-run buttons.
const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

const operatorYaml = (mode: string) => scriptedAgentYaml(mode);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const db = (x: Harness) => x.moderator.db.prisma;
const latest = (x: Harness, issue: number) => db(x).execution.findFirst({ where: { issueNumber: issue }, orderBy: { createdAt: "desc" } });
const posted = (x: Harness, method: string, re: RegExp) => x.fake.requests.filter((r) => r.method === method && re.test(r.path));
const agentProcesses = (mode: string) =>
  execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(AGENT) && l.includes(mode) && !l.includes("ps -eo"));

async function waitStatus(x: Harness, issue: number, statuses: string[], timeoutMs = 45_000) {
  return x.waitFor(`issue ${issue} to reach ${statuses.join("/")}`, async () => {
    const e = await latest(x, issue);
    return e && statuses.includes(e.status) ? e : undefined;
  }, timeoutMs);
}

describe("breakpoints", () => {
  it("never pushes a secret the agent wrote: one retry round, then nothing pushed, a question naming file and line; the answer resumes it", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("secret") });
    const x = h;
    x.fake.addIssue(OWNER, REPO, { number: 31, title: "Configure the API key" });
    await x.send("issues", issueLabeled({ number: 31, title: "Configure the API key", sender: MAINTAINER }));
    const waiting = await waitStatus(x, 31, ["waiting_for_human", "completed", "failed"]);
    expect(waiting.status, waiting.error ?? "").toBe("waiting_for_human");
    expect((waiting.decision as { action: string }).action).toBe("ask");
    // The agent had its round to remove the secret (and wrote it again).
    const firstRuns = await db(x).agentRun.findMany({ where: { executionId: waiting.id }, orderBy: { startedAt: "asc" } });
    expect(firstRuns).toHaveLength(2);
    const firstTasks = await db(x).task.findMany({ where: { executionId: waiting.id }, orderBy: { index: "asc" } });
    expect(firstTasks.map((t) => t.title)).toEqual(["Configure the API key", "Fix 1 QA finding"]);
    // Nothing left the box: no branch on GitHub, no push, no PR, no check run, no result to resume from.
    expect(() => execFileSync("git", ["--git-dir", x.barePath, "rev-parse", "--verify", "--quiet", "refs/heads/moderator/issue-31"], { stdio: "pipe" })).toThrow();
    expect(x.fake.requests.filter((r) => r.method === "POST" && /git-receive-pack$/.test(r.path))).toHaveLength(0);
    expect(x.repo.pulls).toHaveLength(0);
    expect(x.repo.checkRuns).toHaveLength(0);
    expect(waiting.resultSha).toBeNull();
    const blocked = await db(x).executionEvent.findMany({ where: { executionId: waiting.id, type: "push.blocked" }, orderBy: { id: "asc" } });
    expect(blocked.map((b) => (b.data as { retry: boolean }).retry)).toEqual([true, false]);
    // The maintainer is asked on the issue, with where the secret is and never its value.
    expect(posted(x, "POST", /\/issues\/31\/labels$/).map((r) => r.body)).toEqual([{ labels: ["moderator:needs-human"] }]);
    const question = x.repo.issueComments.find((c) => c.body.includes("<!-- moderator:question -->"));
    expect(question?.body).toContain(`@${MAINTAINER}`);
    expect(question?.body).toContain("A question before going on");
    expect(question?.body).toContain("src/config.js:1");
    expect(question?.body).toContain("Nothing was pushed");
    const everything = JSON.stringify(x.fake.requests.filter((r) => r.method !== "GET").map((r) => r.body));
    expect(everything).not.toContain(["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join(""));

    // A non-writer's reply does not resume it; a writer's does.
    x.fake.setPermission(OWNER, REPO, "passer-by", "read");
    await x.send("issue_comment", issueCommentCreated({ number: 31, title: "x", body: "just do it", sender: "passer-by" }));
    const answer = x.fake.addIssueComment(OWNER, REPO, 31, { body: "It is a real key: read it from the API_KEY environment variable.", user: { login: MAINTAINER } });
    await x.send("issue_comment", issueCommentCreated({ number: 31, title: "x", body: answer.body, commentId: answer.id, sender: MAINTAINER }));
    // The answer is acknowledged at once, before a worker picks the run up again.
    expect(x.repo.issueCommentReactions.get(answer.id)?.map((r) => r.content)).toEqual(["eyes"]);
    const done = await waitStatus(x, 31, ["completed", "failed"]);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(done.id).toBe(waiting.id);
    expect(posted(x, "DELETE", /\/issues\/31\/labels\/moderator%3Aneeds-human$|\/issues\/31\/labels\/moderator:needs-human$/)).toHaveLength(1);
    const runs = await db(x).agentRun.findMany({ where: { executionId: done.id }, orderBy: { startedAt: "asc" } });
    expect(runs).toHaveLength(3);
    const tasks = await db(x).task.findMany({ where: { executionId: done.id }, orderBy: { index: "asc" } });
    expect(tasks[2]?.title).toContain("maintainer's answer");
    expect(tasks[2]?.description).toContain("read it from the API_KEY environment variable");
    expect(execFileSync("git", ["--git-dir", x.barePath, "show", "moderator/issue-31:src/config.js"], { encoding: "utf8" })).toContain("process.env.API_KEY");
    expect(x.repo.pulls).toHaveLength(1);
  });

  it("ends a breakpoint nobody answers after the time-out", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("secret") });
    const x = h;
    x.fake.setFile(OWNER, REPO, ".github/moderator.yml", "decision:\n  ask: { timeoutHours: 0.0005 }\n");
    x.fake.addIssue(OWNER, REPO, { number: 32, title: "Nobody answers" });
    await x.send("issues", issueLabeled({ number: 32, title: "Nobody answers", sender: MAINTAINER }));
    const e = await waitStatus(x, 32, ["failed", "completed"]);
    expect(e.error).toMatch(/no maintainer answered within 0.0005 hours/);
    await x.waitFor("the label to be removed", async () => posted(x, "DELETE", /\/issues\/32\/labels\//).length === 1);
    expect(x.repo.issueComments.find((c) => c.body.includes("<!-- moderator:tracking -->"))?.body).toContain("no maintainer answered");
  });
});

describe("QA retry rounds", () => {
  it("sends fixable findings back to the agent once, then proceeds", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("debug-then-fix") });
    const x = h;
    x.fake.addIssue(OWNER, REPO, { number: 33, title: "Add greet" });
    await x.send("issues", issueLabeled({ number: 33, title: "Add greet", sender: MAINTAINER }));
    const e = await waitStatus(x, 33, ["completed", "failed", "waiting_for_human"]);
    expect(e.status, e.error ?? "").toBe("completed");
    const decisions = await db(x).executionEvent.findMany({ where: { executionId: e.id, type: "decision" }, orderBy: { id: "asc" } });
    expect(decisions.map((d) => d.message.split(" ")[0])).toEqual(["retry", "proceed"]);
    expect(await db(x).agentRun.count({ where: { executionId: e.id } })).toBe(2);
    const greet = execFileSync("git", ["--git-dir", x.barePath, "show", "moderator/issue-33:src/greet.js"], { encoding: "utf8" });
    expect(greet).not.toContain("console.log");
    expect((posted(x, "POST", /\/pulls$/)[0]?.body as { draft: boolean }).draft).toBe(false);
  });
});

describe("one live run per issue, cancel and commands", () => {
  it("`/moderator cancel` kills the agent and records who cancelled", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("slow 30000") });
    const x = h;
    x.fake.addIssue(OWNER, REPO, { number: 34, title: "Slow" });
    await x.send("issues", issueLabeled({ number: 34, title: "Slow", sender: MAINTAINER }));
    await x.waitFor("the agent to run", async () => (await db(x).agentRun.count({ where: { status: "running" } })) === 1);
    await x.send("issue_comment", issueCommentCreated({ number: 34, title: "Slow", body: "/moderator cancel", sender: MAINTAINER }));
    const e = await waitStatus(x, 34, ["cancelled", "failed", "completed"]);
    expect(e).toMatchObject({ status: "cancelled", cancelledBy: MAINTAINER });
    await x.waitFor("the agent process to be gone", async () => agentProcesses("30000").length === 0, 10_000);
    expect(x.repo.pulls).toHaveLength(0);
    const tracking = x.repo.issueComments.find((c) => c.body.includes("<!-- moderator:tracking -->"));
    expect(tracking?.body).toContain("⏹️ Cancelled");
    expect(tracking?.body).toContain(`cancelled by ${MAINTAINER}`);
  });

  it("a new `/moderator run` while a run is active cancels it and starts the new one", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("slow 4000") });
    const x = h;
    x.fake.addIssue(OWNER, REPO, { number: 35, title: "Twice" });
    await x.send("issues", issueLabeled({ number: 35, title: "Twice", sender: MAINTAINER }));
    await x.waitFor("the agent to run", async () => (await db(x).agentRun.count({ where: { status: "running" } })) === 1);
    await x.send("issue_comment", issueCommentCreated({ number: 35, title: "Twice", body: "/moderator run and keep it short", sender: MAINTAINER }));
    await x.waitFor("the second run to end", async () => {
      const all = await db(x).execution.findMany({ where: { issueNumber: 35 }, orderBy: { createdAt: "asc" } });
      return all.length === 2 && all[1]?.status === "completed" ? all : undefined;
    });
    const all = await db(x).execution.findMany({ where: { issueNumber: 35 }, orderBy: { createdAt: "asc" } });
    expect(all.map((e) => e.status)).toEqual(["cancelled", "completed"]);
    expect(all[0]?.cancelledBy).toBe(MAINTAINER);
    expect(all[1]?.instructions).toBe("and keep it short");
    expect(x.repo.pulls).toHaveLength(1);
    expect(x.repo.issueComments.filter((c) => c.body.includes("<!-- moderator:tracking -->"))).toHaveLength(1);
  });

  it("help, an unknown command, and a refusal for a non-writer (one reply only)", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("clean") });
    const x = h;
    x.fake.setPermission(OWNER, REPO, "reader", "read");
    await x.send("issue_comment", issueCommentCreated({ number: 36, title: "x", body: "/moderator help", sender: MAINTAINER }));
    await x.send("issue_comment", issueCommentCreated({ number: 36, title: "x", body: "/moderator frobnicate", sender: MAINTAINER }));
    await x.send("issue_comment", issueCommentCreated({ number: 36, title: "x", body: "/moderator run", sender: "reader" }));
    await x.send("issue_comment", issueCommentCreated({ number: 36, title: "x", body: "/moderator cancel", sender: "reader" }));
    await x.waitFor("four deliveries", async () => ((await db(x).webhookDelivery.count({ where: { outcome: { not: null } } })) === 4 ? true : undefined));
    const bodies = x.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/36")).map((c) => c.body);
    expect(bodies.filter((b) => b.includes("/moderator run"))).not.toHaveLength(0);
    expect(bodies.some((b) => b.includes("unknown command 'frobnicate'"))).toBe(true);
    expect(bodies.filter((b) => b.includes("<!-- moderator:denied-reader -->"))).toHaveLength(1);
    expect(await db(x).execution.count()).toBe(0);
  });

  it("the Re-run button on the Moderator check run starts a new run", async () => {
    h = await startHarness({ operatorYaml: operatorYaml("clean") });
    const x = h;
    x.fake.addIssue(OWNER, REPO, { number: 37, title: "Notes" });
    await x.send("issues", issueLabeled({ number: 37, title: "Notes", sender: MAINTAINER }));
    const first = await waitStatus(x, 37, ["completed", "failed"]);
    expect(first.status).toBe("completed");
    const runCheck = x.repo.checkRuns.find((c) => c.name === "Moderator");
    expect(runCheck?.actions?.map((a) => (a as { identifier: string }).identifier)).toContain("rerun");
    const payload = {
      action: "requested_action",
      check_run: { id: runCheck?.id, name: "Moderator", head_sha: runCheck?.head_sha, external_id: first.id },
      requested_action: { identifier: "rerun" },
      repository: { id: 1296269, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, default_branch: "main" },
      sender: { login: MAINTAINER, type: "User" },
      installation: { id: 4242 },
    };
    await x.send("check_run", payload);
    await x.waitFor("a second run", async () => {
      const all = await db(x).execution.findMany({ where: { issueNumber: 37 } });
      return all.length === 2 && all.every((e) => e.status === "completed") ? true : undefined;
    });
    const second = await latest(x, 37);
    expect(second?.trigger).toBe("check_run");
    expect(x.repo.pulls).toHaveLength(1);
  });
});
