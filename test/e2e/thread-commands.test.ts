import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, scriptedAgentYaml, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueCommentCreated, issueLabeled, reviewCommentCreated } from "../support/payloads.ts";

// Commands through real webhooks on a Moderator PR: explain, dismiss and fix in review threads; status and retry.
const operatorYaml = scriptedAgentYaml("good");

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const db = (x: Harness) => x.moderator.db.prisma;

describe("commands on a Moderator pull request", () => {
  it("explain, dismiss and fix in review threads; status and retry on the issue", async () => {
    h = await startHarness({ operatorYaml, files: { "README.md": "# hello\n", "package.json": '{ "name": "hello", "dependencies": {} }\n' } });
    const x = h;
    x.fake.setFile(OWNER, REPO, ".github/moderator.yml", "decision:\n  maxRetries: 0\n  ask: { enabled: false }\n");
    x.fake.addIssue(OWNER, REPO, { number: 51, title: "Add a greeting" });
    await x.send("issues", issueLabeled({ number: 51, title: "Add a greeting", sender: MAINTAINER }));
    const run = await x.waitFor("the run", async () => {
      const e = await db(x).execution.findFirst({ where: { issueNumber: 51 } });
      return e && ["completed", "failed"].includes(e.status) ? e : undefined;
    });
    expect(run.status, run.error ?? "").toBe("completed");
    const pr = run.prNumber ?? 0;
    const debugComment = x.repo.reviewComments.find((c) => c.body.includes("debug/leftover"));
    const depsComment = x.repo.reviewComments.find((c) => c.body.includes("deps/undeclared"));
    expect(debugComment && depsComment).toBeTruthy();
    const thread = (root: typeof debugComment, body: string) =>
      reviewCommentCreated({ pullNumber: pr, headRef: "moderator/issue-51", headSha: run.headSha ?? "", inReplyTo: root?.id ?? 0, path: root?.path ?? "", line: root?.line ?? 1, body, sender: MAINTAINER });

    // explain: why it was raised, in the thread.
    await x.send("pull_request_review_comment", thread(depsComment, "/moderator explain"));
    await x.waitFor("the explanation", async () => x.repo.reviewComments.find((c) => c.in_reply_to_id === depsComment?.id && c.body.includes("deps/undeclared") && c.user.type === "Bot"));

    // dismiss: recorded, the thread resolved, never raised again.
    await x.send("pull_request_review_comment", thread(debugComment, "/moderator dismiss we log on purpose here"));
    await x.waitFor("the dismissal", async () => ((await db(x).feedback.count({ where: { kind: "dismissed" } })) === 1 ? true : undefined));
    const dismissed = await db(x).finding.findMany({ where: { ruleId: "debug/leftover" } });
    expect(dismissed.every((f) => f.status === "dismissed")).toBe(true);
    expect(x.fake.requests.some((r) => r.method === "POST" && /graphql$/.test(r.path) && JSON.stringify(r.body).includes("resolveReviewThread"))).toBe(true);

    // status on the issue.
    await x.send("issue_comment", issueCommentCreated({ number: 51, title: "Add a greeting", body: "/moderator status", sender: MAINTAINER }));
    await x.waitFor("the status reply", async () => x.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/51") && /completed/i.test(c.body) && c.body.includes("moderator:reply-")));

    // fix in the debug leftover's thread: a follow-up run on the PR branch, then a reply in the thread.
    await x.send("pull_request_review_comment", thread(debugComment, "/moderator fix please drop the logging"));
    const fix = await x.waitFor("the fix run", async () => {
      const e = await db(x).execution.findFirst({ where: { issueNumber: 51, trigger: "review_comment" } });
      return e && ["completed", "failed", "waiting_for_human"].includes(e.status) ? e : undefined;
    });
    expect(fix.status, fix.error ?? "").toBe("completed");
    const greet = execFileSync("git", ["--git-dir", x.barePath, "show", "moderator/issue-51:src/greet.js"], { encoding: "utf8" });
    expect(greet).not.toContain("console.log");
    await x.waitFor("the reply in the thread", async () => x.repo.reviewComments.find((c) => c.in_reply_to_id === debugComment?.id && c.body.startsWith("Addressed in ")));
    expect(x.repo.pulls).toHaveLength(1);

    // retry on the issue: a new run with the same settings.
    await x.send("issue_comment", issueCommentCreated({ number: 51, title: "Add a greeting", body: "/moderator retry", sender: MAINTAINER }));
    await x.waitFor("the retried run", async () => {
      const all = await db(x).execution.findMany({ where: { issueNumber: 51, trigger: "comment" } });
      return all.length === 1 && ["completed", "failed"].includes(all[0]?.status ?? "") ? true : undefined;
    });
  });
});
