import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { pullRequestCommentCreated } from "../support/payloads.ts";

// `/moderator review` on a pull request Moderator did not open: QA alone, posted quietly and exactly.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...args], { cwd, encoding: "utf8" });

/** Commit `files` on branch `feature` of the bare repository (as a contributor would push), return the PR files. */
function pushFeature(harness: Harness, files: Record<string, string>, message: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "contrib-"));
  git(dir, "clone", "-q", harness.barePath, ".");
  const branches = git(dir, "branch", "-r");
  if (branches.includes("origin/feature")) git(dir, "checkout", "-q", "feature");
  else git(dir, "checkout", "-q", "-b", "feature");
  for (const [p, content] of Object.entries(files)) {
    execFileSync("mkdir", ["-p", path.dirname(path.join(dir, p))]);
    writeFileSync(path.join(dir, p), content);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  git(dir, "push", "-q", "origin", "feature");
  const names = git(dir, "diff", "--name-only", "origin/main...HEAD").trim().split("\n").filter(Boolean);
  return names.map((filename) => {
    const patch = git(dir, "diff", "origin/main...HEAD", "--", filename).split("\n").slice(4).join("\n");
    const additions = patch.split("\n").filter((l) => l.startsWith("+")).length;
    return { filename, status: "modified", additions, deletions: 0, changes: additions, patch };
  });
}

function operatorYaml(): string {
  return ["backends:", "  unused:", "    type: command", "    command: [/bin/true]", "limits: { attempts: 2, backoffSeconds: 0.2 }"].join("\n");
}

async function reviewOnce(harness: Harness, n: number) {
  const before = await harness.moderator.db.prisma.execution.count({ where: { status: "completed" } });
  await harness.send("issue_comment", pullRequestCommentCreated({ number: 42, title: "Add a greeting", body: "/moderator review", sender: MAINTAINER }));
  return harness.waitFor(`review ${n} to end`, async () => {
    const done = await harness.moderator.db.prisma.execution.findMany({ where: { kind: "review", status: { in: ["completed", "failed"] } }, orderBy: { createdAt: "desc" } });
    return done.length > before ? done[0] : undefined;
  });
}

describe("/moderator review", () => {
  it("reviews any PR; a second review re-posts nothing; a fixed finding's thread is resolved", async () => {
    h = await startHarness({ operatorYaml: operatorYaml(), files: { "README.md": "# hello\n", "src/app.js": "export const x = 1;\n" } });
    const harness = h;
    harness.fake.setFile(OWNER, REPO, ".github/moderator.yml", "qa:\n  commands:\n    - name: smoke\n      run: test -f src/app.js\n");
    const first = pushFeature(harness, { "src/app.js": 'export const x = 1;\nexport function hi() {\n  console.log("hi");\n  return "hi";\n}\n' }, "add hi");
    harness.fake.addPullRequest(OWNER, REPO, { head: "feature", title: "Add a greeting", number: 42, user: { login: "contributor" } });
    harness.fake.setPullFiles(OWNER, REPO, 42, first);

    // 1: one review with the debug leftover inline, the QA check run on the PR head, no tracking comment.
    const r1 = await reviewOnce(harness, 1);
    expect(r1.status).toBe("completed");
    // Phases are recorded like other runs' (what `moderator status` lists): prepare, qa and publish, each done.
    const phases = (r1.phaseTimings ?? {}) as Record<string, { state: string; durationMs?: number }>;
    expect(Object.fromEntries(Object.entries(phases).map(([p, t]) => [p, t.state]))).toEqual({ prepare: "done", qa: "done", publish: "done" });
    expect(Object.values(phases).every((t) => typeof t.durationMs === "number")).toBe(true);
    const reviews1 = harness.fake.requests.filter((r) => r.method === "POST" && /\/pulls\/42\/reviews$/.test(r.path));
    expect(reviews1).toHaveLength(1);
    const body1 = reviews1[0]?.body as { comments: Array<{ path: string; line: number; body: string }> };
    expect(body1.comments.map((c) => `${c.path}:${c.line}`)).toContain("src/app.js:3");
    const qaRun = harness.repo.checkRuns.find((c) => c.name === "Moderator QA");
    expect(qaRun).toMatchObject({ status: "completed" });
    expect(qaRun?.output?.summary ?? "").toContain("smoke");
    expect(harness.repo.issueComments).toHaveLength(0);
    expect(harness.fake.requests.filter((r) => r.method === "POST" && /\/pulls$/.test(r.path))).toHaveLength(0);

    // 2: nothing new -> no second review; the check run is updated, not duplicated.
    const r2 = await reviewOnce(harness, 2);
    expect(r2.status).toBe("completed");
    expect(harness.fake.requests.filter((r) => r.method === "POST" && /\/pulls\/42\/reviews$/.test(r.path))).toHaveLength(1);
    expect(harness.repo.checkRuns.filter((c) => c.name === "Moderator QA")).toHaveLength(1);

    // 3: the contributor removes the console.log -> the thread of that finding is resolved.
    const fixed = pushFeature(harness, { "src/app.js": 'export const x = 1;\nexport function hi() {\n  return "hi";\n}\n' }, "drop the log");
    harness.fake.setPullFiles(OWNER, REPO, 42, fixed);
    const r3 = await reviewOnce(harness, 3);
    expect(r3.status).toBe("completed");
    const resolves = harness.fake.requests.filter((r) => r.method === "POST" && /graphql$/.test(r.path) && JSON.stringify(r.body).includes("resolveReviewThread"));
    expect(resolves).toHaveLength(1);
    const events = await harness.moderator.db.prisma.executionEvent.findMany({ where: { executionId: r3.id, type: "qa.published" } });
    expect(events[0]?.message).toContain("1 thread(s) resolved");
  });

  it("refuses a review requested by someone without write permission, and ignores /moderator review on an issue", async () => {
    h = await startHarness({ operatorYaml: operatorYaml() });
    const harness = h;
    await harness.send("issue_comment", pullRequestCommentCreated({ number: 42, title: "x", body: "/moderator review", sender: "drive-by" }));
    await harness.waitFor("delivery", async () => (await harness.moderator.db.prisma.webhookDelivery.findFirst({ where: { outcome: { not: null } } })) ?? undefined);
    expect(await harness.moderator.db.prisma.execution.count()).toBe(0);
  });
});
