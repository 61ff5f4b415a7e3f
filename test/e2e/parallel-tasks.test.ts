import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeOllama, type FakeOllamaReply } from "../support/fake-ollama.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueCommentCreated, issueLabeled } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/parallel-agent.mjs");

/** Two operator backends, both the parallel agent: `alpha` resolves conflicts (or refuses), `beta` refuses. */
function repoConfig(parallel: boolean, extra: string[] = []): string {
  return REPO_CONFIG.replace("planning: { parallel: true }", `planning: { parallel: ${parallel} }`) + (extra.length > 0 ? `\n${extra.join("\n")}` : "");
}

function operatorYaml(ollama: FakeOllama, o: { alphaResolves?: boolean; parallelTasks?: number; sleepMs?: number } = {}): string {
  const backend = (name: string, resolver: string) => [
    `  ${name}:`,
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, String(o.sleepMs ?? 1500), resolver])}`,
    "    timeoutSeconds: 60",
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
  ];
  return [
    "defaultBackend: alpha",
    "backends:",
    ...backend("alpha", o.alphaResolves === false ? "refuse" : "resolve"),
    ...backend("beta", "refuse"),
    `llm: { host: ${JSON.stringify(ollama.url)}, model: "planner:latest", timeoutSeconds: 20 }`,
    `limits: { attempts: 1, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1, parallelTasks: ${o.parallelTasks ?? 3} }`,
  ].join("\n");
}

const REPO_CONFIG = [
  "planning: { parallel: true }",
  "backends: [alpha, beta]",
  "decision:",
  "  maxRetries: 0",
  "  ask: { enabled: false }",
  "improvements: { enabled: false }",
].join("\n");

type PlanTask = { title: string; dependsOn?: number[] };

/** The planning model answers this plan; anything else it is asked (an LLM assessment) gets an error. */
function plan(tasks: PlanTask[]): (req: { messages: Array<{ content: string }> }) => FakeOllamaReply {
  return (req) =>
    /^You plan work/.test(req.messages[0]?.content ?? "")
      ? { kind: "message", content: JSON.stringify({ tasks: tasks.map((t) => ({ title: t.title, description: t.title, type: "change", dependsOn: t.dependsOn ?? [] })) }) }
      : { kind: "error", status: 500, error: "only planning here" };
}

let h: Harness | undefined;
let ollama: FakeOllama | undefined;
afterEach(async () => {
  await h?.close();
  await ollama?.close();
  h = undefined;
  ollama = undefined;
});

async function setup(tasks: PlanTask[], o: Parameters<typeof operatorYaml>[1] = {}, files: Record<string, string> = {}, config = REPO_CONFIG): Promise<Harness> {
  ollama = await startFakeOllama({ models: ["planner:latest"] });
  for (let i = 0; i < 6; i++) ollama.reply(plan(tasks));
  const harness = await startHarness({ operatorYaml: operatorYaml(ollama, o), files: { "README.md": "# hello\n", ...files } });
  harness.fake.setFile(OWNER, REPO, ".github/moderator.yml", config);
  return harness;
}

async function runIssue(harness: Harness, number: number) {
  harness.fake.addIssue(OWNER, REPO, { number, title: `Issue ${number}`, body: "Several things at once." });
  await harness.send("issues", issueLabeled({ number, title: `Issue ${number}`, sender: MAINTAINER }));
  return harness.waitFor("the run to end", async () => {
    const e = await harness.moderator.db.prisma.execution.findFirst({ where: { issueNumber: number } });
    return e && ["completed", "failed"].includes(e.status) ? e : undefined;
  }, 90_000);
}

const git = (harness: Harness, ...args: string[]) => execFileSync("git", ["--git-dir", harness.barePath, ...args], { encoding: "utf8" });
const files = (harness: Harness, ref: string) => git(harness, "ls-tree", "-r", "--name-only", ref).split("\n").filter(Boolean);
const show = (harness: Harness, ref: string, file: string) => git(harness, "show", `${ref}:${file}`);

async function events(harness: Harness, executionId: string) {
  return harness.moderator.db.prisma.executionEvent.findMany({ where: { executionId }, orderBy: { id: "asc" } });
}
const taskOf = (e: { data: unknown }) => (e.data as { task?: number } | null)?.task;

describe("parallel tasks", () => {
  it("runs three independent tasks at once on two backends and pushes one branch with all three changes", async () => {
    h = await setup([{ title: "Write a.txt saying alpha" }, { title: "Write b.txt saying beta" }, { title: "Write c.txt saying gamma" }], { sleepMs: 3000 });
    const e = await runIssue(h, 61);
    expect(e.status, e.error ?? "").toBe("completed");
    const branch = "moderator/issue-61";
    expect(files(h, branch)).toEqual(["README.md", "a.txt", "b.txt", "c.txt"]);
    expect(show(h, branch, "b.txt")).toBe("beta\n");
    // One checkpoint commit per task, in plan order, on top of main.
    expect(git(h, "log", "--format=%s", `main..${branch}`).trim().split("\n").reverse()).toEqual([
      "moderator: Write a.txt saying alpha (#61, task 1/3)",
      "moderator: Write b.txt saying beta (#61, task 2/3)",
      "moderator: Write c.txt saying gamma (#61, task 3/3)",
    ]);
    const pulls = h.fake.requests.filter((q) => q.method === "POST" && /\/pulls$/.test(q.path));
    expect(pulls.map((p) => (p.body as { head: string }).head)).toEqual([branch]);
    const body = (pulls[0]?.body as { body: string }).body;
    expect(body).toContain("Moderator ran the `alpha` and `beta` agents on #61 and changed 3 files.");
    expect(body).toContain("Independent tasks ran at the same time, each in its own clone");
    expect(body).toContain("2. ✅ Write b.txt saying beta (`beta`)");

    // The backends in turn: alpha (routed), beta, alpha.
    const db = h.moderator.db.prisma;
    const tasks = await db.task.findMany({ where: { executionId: e.id }, orderBy: { index: "asc" }, include: { agentRuns: true } });
    expect(tasks.map((t) => [t.status, t.agentRuns.map((r) => r.backend)])).toEqual([
      ["succeeded", ["alpha"]],
      ["succeeded", ["beta"]],
      ["succeeded", ["alpha"]],
    ]);
    // Really at once: every agent started before any of them finished.
    const runs = tasks.flatMap((t) => t.agentRuns);
    const lastStart = Math.max(...runs.map((r) => r.startedAt.getTime()));
    const firstEnd = Math.min(...runs.map((r) => r.finishedAt?.getTime() ?? Infinity));
    expect(lastStart).toBeLessThan(firstEnd);
    // And in the event log: three starts, all before the first finish.
    const log = await events(h, e.id);
    const types = log.filter((x) => x.type === "task.started" || x.type === "task.finished").map((x) => `${x.type}:${taskOf(x)}`);
    expect(types.slice(0, 3).sort()).toEqual(["task.started:0", "task.started:1", "task.started:2"]);
    expect(log.find((x) => x.type === "tasks.parallel")?.message).toBe("tasks 1, 2 and 3 in parallel (at most 3 at once, on alpha, beta)");
    // What maintainers see.
    const tracking = h.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/61"))?.body ?? "";
    expect(tracking).toContain("- tasks 1, 2 and 3 in parallel (at most 3 at once, on alpha, beta)");
    // The README's example comes from here.
    const out = process.env["PARALLEL_EXAMPLE_DIR"];
    if (out) {
      writeFileSync(path.join(out, "pr-body.md"), body);
      writeFileSync(path.join(out, "tracking.md"), tracking);
    }
  });

  it("starts a dependent task only after what it needs is combined, and never runs more than the limit at once", async () => {
    h = await setup(
      [{ title: "Write a.txt saying one" }, { title: "Write b.txt saying two" }, { title: "Append to a.txt saying three", dependsOn: [0] }],
      { parallelTasks: 2 },
    );
    const e = await runIssue(h, 62);
    expect(e.status, e.error ?? "").toBe("completed");
    expect(show(h, "moderator/issue-62", "a.txt")).toBe("one\nthree\n");
    const log = await events(h, e.id);
    const at = (type: string, task: number) => log.findIndex((x) => x.type === type && taskOf(x) === task);
    expect(at("task.started", 2)).toBeGreaterThan(at("task.combined", 0));
    // Its base is the run's branch as combined when it started: task 1's commit, or task 2's on top when task 2 was
    // combined first (which of the two depends on when task 2's agent ends).
    const started = at("task.started", 2);
    const lastCombined = log.slice(0, started).filter((x) => x.type === "task.combined").at(-1)?.data as { sha: string };
    expect((log[started]?.data as { base: string }).base).toBe(lastCombined.sha);
    // The limit: at no point were more than two agents running.
    const runs = await h.moderator.db.prisma.agentRun.findMany({ where: { executionId: e.id } });
    const overlapAt = (t: number) => runs.filter((r) => r.startedAt.getTime() <= t && (r.finishedAt?.getTime() ?? Infinity) > t).length;
    expect(Math.max(...runs.map((r) => overlapAt(r.startedAt.getTime())))).toBeLessThanOrEqual(2);
    expect(log.find((x) => x.type === "tasks.parallel")?.message).toBe("tasks 1 and 2 in parallel, then 3 (at most 2 at once, on alpha, beta)");
  });

  it("gives a conflict (two tasks edit the same line) to a resolver run, with both diffs", async () => {
    h = await setup(
      [{ title: "Write greeting.txt saying hallo" }, { title: "Write greeting.txt saying bonjour" }, { title: "Write c.txt saying gamma" }],
      {},
      { "greeting.txt": "hello\n" },
    );
    const e = await runIssue(h, 63);
    expect(e.status, e.error ?? "").toBe("completed");
    const branch = "moderator/issue-63";
    expect(show(h, branch, "greeting.txt")).toBe("hallo\nbonjour\n");
    expect(files(h, branch)).toEqual(["README.md", "c.txt", "greeting.txt"]);
    const log = await events(h, e.id);
    expect(log.find((x) => x.type === "task.conflict")?.message).toBe("task 2 conflicts with the tasks combined before it in greeting.txt; alpha resolves it");
    expect(log.find((x) => x.type === "task.resolved")?.message).toBe("alpha resolved the conflict of task 2");
    expect(log.some((x) => x.type === "task.rerun")).toBe(false);
    // The resolver is an agent run of task 2 on the routed backend, after task 2's own.
    const task2 = await h.moderator.db.prisma.task.findFirstOrThrow({ where: { executionId: e.id, index: 1 }, include: { agentRuns: { orderBy: { startedAt: "asc" } } } });
    expect(task2.agentRuns.map((r) => [r.backend, r.status])).toEqual([["beta", "succeeded"], ["alpha", "succeeded"]]);
    const tracking = h.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/63"))?.body ?? "";
    expect(tracking).toContain("- task 2 conflicted in greeting.txt: alpha resolves it");
  });

  it("runs the conflicting task again after the others when the resolver fails", async () => {
    h = await setup(
      [{ title: "Write greeting.txt saying hallo" }, { title: "Write greeting.txt saying bonjour" }, { title: "Write c.txt saying gamma" }],
      { alphaResolves: false },
      { "greeting.txt": "hello\n" },
    );
    const e = await runIssue(h, 64);
    expect(e.status, e.error ?? "").toBe("completed");
    const branch = "moderator/issue-64";
    // Task 2 ran again on the branch with tasks 1 and 3: its change is the last word.
    expect(show(h, branch, "greeting.txt")).toBe("bonjour\n");
    expect(git(h, "log", "--format=%s", `main..${branch}`).trim().split("\n").reverse()).toEqual([
      "moderator: Write greeting.txt saying hallo (#64, task 1/3)",
      "moderator: Write c.txt saying gamma (#64, task 3/3)",
      "moderator: Write greeting.txt saying bonjour (#64, task 2/3)",
    ]);
    const log = await events(h, e.id);
    const rerun = log.findIndex((x) => x.type === "task.rerun");
    expect(log[rerun]?.message).toMatch(/^the conflict of task 2 was not resolved \(.*\); task 2 runs again after the others$/);
    const again = log.findIndex((x, i) => i > rerun && x.type === "task.started" && taskOf(x) === 1);
    expect(again).toBeGreaterThan(log.findIndex((x) => x.type === "task.combined" && taskOf(x) === 2));
    const task2 = await h.moderator.db.prisma.task.findFirstOrThrow({ where: { executionId: e.id, index: 1 }, include: { agentRuns: { orderBy: { startedAt: "asc" } } } });
    expect(task2.status).toBe("succeeded");
    expect(task2.agentRuns.map((r) => [r.backend, r.status])).toEqual([["beta", "succeeded"], ["alpha", "failed"], ["alpha", "succeeded"]]);
  });

  it("stops the other tasks when one fails and the repository says stop", async () => {
    h = await setup([{ title: "Write a.txt saying alpha" }, { title: "Fail now" }, { title: "Write c.txt saying gamma" }], { sleepMs: 20_000 });
    const e = await runIssue(h, 65);
    expect(e.status).toBe("failed");
    expect(e.error).toMatch(/^task 2 \(Fail now\): /);
    const tasks = await h.moderator.db.prisma.task.findMany({ where: { executionId: e.id }, orderBy: { index: "asc" }, include: { agentRuns: true } });
    // The siblings' agents (20 s each) were stopped, not waited for; nothing was pushed.
    expect(tasks.map((t) => t.agentRuns.map((r) => r.status))).toEqual([["cancelled"], ["failed"], ["cancelled"]]);
    expect(git(h, "for-each-ref", "--format=%(refname:short)", "refs/heads/").trim().split("\n")).toEqual(["main"]);
  });

  it("with planning.parallel off runs the same plan one task after the other on the routed backend", async () => {
    h = await setup([{ title: "Write a.txt saying alpha" }, { title: "Write b.txt saying beta" }, { title: "Write c.txt saying gamma" }], { sleepMs: 200 }, {}, repoConfig(false));
    const e = await runIssue(h, 66);
    expect(e.status, e.error ?? "").toBe("completed");
    expect(files(h, "moderator/issue-66")).toEqual(["README.md", "a.txt", "b.txt", "c.txt"]);
    const runs = await h.moderator.db.prisma.agentRun.findMany({ where: { executionId: e.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => r.backend)).toEqual(["alpha", "alpha", "alpha"]);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
    const log = await events(h, e.id);
    expect(log.some((x) => x.type.startsWith("task") )).toBe(false);
  });

  it("with onTaskFailure: continue rolls a failed task back, skips what depends on it and combines the rest", async () => {
    h = await setup(
      [{ title: "Write a.txt saying alpha" }, { title: "Fail now" }, { title: "Append to a.txt saying never", dependsOn: [1] }, { title: "Write d.txt saying delta" }],
      { sleepMs: 500 },
      {},
      repoConfig(true, ["onTaskFailure: continue"]),
    );
    const e = await runIssue(h, 67);
    expect(e.status, e.error ?? "").toBe("completed");
    expect(files(h, "moderator/issue-67")).toEqual(["README.md", "a.txt", "d.txt"]);
    expect(show(h, "moderator/issue-67", "a.txt")).toBe("alpha\n");
    const tasks = await h.moderator.db.prisma.task.findMany({ where: { executionId: e.id }, orderBy: { index: "asc" } });
    expect(tasks.map((t) => t.status)).toEqual(["succeeded", "failed", "skipped", "succeeded"]);
    expect(tasks[2]?.error).toBe("skipped: depends on task 2, which did not succeed");
    // Each task's checkpoint is its own commit on the branch.
    const log = git(h, "log", "--format=%H %s", "main..moderator/issue-67").trim().split("\n").reverse();
    expect(log.map((l) => l.slice(41))).toEqual(["moderator: Write a.txt saying alpha (#67, task 1/4)", "moderator: Write d.txt saying delta (#67, task 4/4)"]);
    expect([tasks[0]?.checkpointSha, tasks[3]?.checkpointSha]).toEqual(log.map((l) => l.slice(0, 40)));
  });

  it("`/moderator cancel` stops every task's agent and leaves no clone behind", async () => {
    h = await setup([{ title: "Write a.txt saying alpha" }, { title: "Write b.txt saying beta" }, { title: "Write c.txt saying gamma" }], { sleepMs: 30_000 });
    const harness = h;
    const db = harness.moderator.db.prisma;
    harness.fake.addIssue(OWNER, REPO, { number: 68, title: "Issue 68", body: "Several things at once." });
    await harness.send("issues", issueLabeled({ number: 68, title: "Issue 68", sender: MAINTAINER }));
    await harness.waitFor("three agents running", async () => (await db.agentRun.count({ where: { status: "running" } })) === 3);
    await harness.send("issue_comment", issueCommentCreated({ number: 68, title: "Issue 68", body: "/moderator cancel", sender: MAINTAINER }));
    const e = await harness.waitFor("the run to end", async () => {
      const x = await db.execution.findFirst({ where: { issueNumber: 68 } });
      return x && ["completed", "failed", "cancelled"].includes(x.status) ? x : undefined;
    });
    expect(e.status).toBe("cancelled");
    const runs = await db.agentRun.findMany({ where: { executionId: e.id } });
    expect(runs.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    // The task clones go before the run ends; the run's own clone and scratch folder right after.
    await harness.waitFor("no clone left", async () => readdirSync(path.join(harness.tmp, "workspaces")).length === 0, 10_000);
  });
});
