import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadAcceptanceTable } from "../../src/learner/load-learnings.ts";
import { lookupAcceptance } from "../../src/learner/lookup-acceptance.ts";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { callTools, startFakeOllama, type FakeOllama, type RecordedChatBody } from "../support/fake-ollama.ts";
import { issueCommentCreated } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");

/** Three operator backends, each the scripted agent in another mode: a clean fix, a fix that breaks the tests, one that hangs. */
function raceYaml(o: { clean?: string; broken?: string; brokenTimeout?: number; hang?: string; hangTimeout?: number; concurrency?: number; maxRaceAttempts?: number; moreBackends?: string[]; allowRaceBranches?: boolean } = {}): string {
  const backend = (name: string, mode: string, timeout: number) => [
    `  ${name}:`,
    "    type: command",
    `    command: ${JSON.stringify([process.execPath, AGENT, ...mode.split(" ")])}`,
    `    timeoutSeconds: ${timeout}`,
    `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
  ];
  return [
    "defaultBackend: alpha",
    "backends:",
    ...backend("alpha", o.clean ?? "racer-clean", 60),
    ...backend("beta", o.broken ?? "racer-broken-tests", o.brokenTimeout ?? 60),
    ...backend("gamma", o.hang ?? "hang", o.hangTimeout ?? 3),
    ...(o.moreBackends ?? []),
    `limits: { attempts: 1, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1, concurrency: ${o.concurrency ?? 3}, maxRaceAttempts: ${o.maxRaceAttempts ?? 3}, allowRaceBranches: ${o.allowRaceBranches ?? false} }`,
    "learner: { enabled: true }",
  ].join("\n");
}

const REPO_CONFIG = [
  "planning: single",
  "decision:",
  "  maxRetries: 0",
  "  ask: { enabled: false }",
  "qa:",
  "  commands:",
  "    - name: unit tests",
  "      run: test ! -f BROKEN && echo 'all tests passed'",
].join("\n");

let h: Harness | undefined;
let ollama: FakeOllama | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await ollama?.close();
  ollama = undefined;
});

async function race(harness: Harness) {
  return harness.moderator.db.prisma.execution.findFirst({ where: { kind: "race" }, orderBy: { createdAt: "desc" } });
}

async function waitForRaceEnd(harness: Harness, timeoutMs = 90_000) {
  return harness.waitFor("the race to end", async () => {
    const e = await race(harness);
    return e && ["completed", "failed", "cancelled"].includes(e.status) ? e : undefined;
  }, timeoutMs);
}

function command(harness: Harness, body: string) {
  return harness.send("issue_comment", issueCommentCreated({ number: 5, title: "Write the notes", body, sender: MAINTAINER }));
}

function gitLs(harness: Harness, ref: string): string[] {
  return execFileSync("git", ["--git-dir", harness.barePath, "ls-tree", "-r", "--name-only", ref], { encoding: "utf8" }).split("\n").filter(Boolean);
}

function branches(harness: Harness): string[] {
  return execFileSync("git", ["--git-dir", harness.barePath, "for-each-ref", "--format=%(refname:short)", "refs/heads/"], { encoding: "utf8" }).split("\n").filter(Boolean);
}

async function setup(yaml: string, repoConfig = REPO_CONFIG): Promise<Harness> {
  const harness = await startHarness({ operatorYaml: yaml, files: { "README.md": "# hello\n" } });
  harness.fake.setFile(OWNER, REPO, ".github/moderator.yml", repoConfig);
  harness.fake.addIssue(OWNER, REPO, { number: 5, title: "Write the notes", body: "Please add NOTES.md.", user: { login: "reporter" } });
  return harness;
}

describe("races: several agents, one issue", () => {
  it("races three candidates: the clean fix wins, one PR with three scored candidates, pick swaps it, the learner moves", async () => {
    h = await setup(raceYaml());
    const db = h.moderator.db.prisma;
    const prior = async (backend: string) => {
      const { table } = await loadAcceptanceTable(db, { config: h!.operator.learner, now: new Date() });
      return lookupAcceptance(table, "backend", (await db.repository.findFirstOrThrow()).id, `${backend}:change`).mean;
    };
    expect((await command(h, "/moderator run --race alpha,beta,gamma")).status).toBe(202);
    // Before the judge (the candidates take seconds): what the learner knew of each backend.
    const alphaBefore = await prior("alpha");
    const betaBefore = await prior("beta");
    expect(await db.feedback.count()).toBe(0);
    const r = await waitForRaceEnd(h);
    expect(r.status).toBe("completed");

    // Three candidate executions, each its own job; the hanging one timed out and did not fail the race.
    const candidates = await db.execution.findMany({ where: { raceId: r.id }, orderBy: { candidate: "asc" } });
    expect(candidates.map((c) => [c.candidate, c.backend, c.kind])).toEqual([["alpha", "alpha", "candidate"], ["beta", "beta", "candidate"], ["gamma", "gamma", "candidate"]]);
    expect(candidates.map((c) => c.status)).toEqual(["completed", "completed", "failed"]);
    expect(candidates[2]?.error).toBe("agent did not finish within 3s");
    expect(new Set(candidates.map((c) => c.jobId)).size).toBe(3);
    const score = (c: (typeof candidates)[number]) => (c.summary as { score: number }).score;
    expect(score(candidates[0]!)).toBeGreaterThan(score(candidates[1]!));

    // Nothing of a candidate was pushed: only the PR branch, with the winner's change.
    expect(branches(h).sort()).toEqual(["main", "moderator/issue-5"]);
    expect(gitLs(h, "moderator/issue-5")).toEqual(["NOTES.md", "README.md"]);

    // One PR, its body with the Candidates section: three candidates, scores, the judge's reasons, diffs.
    const pulls = h.fake.requests.filter((q) => q.method === "POST" && /\/pulls$/.test(q.path));
    expect(pulls).toHaveLength(1);
    const pr = pulls[0]?.body as { head: string; body: string };
    expect(pr.head).toBe("moderator/issue-5");
    expect(pr.body).toContain("## Candidates");
    expect(pr.body).toMatch(new RegExp(`\\| \`alpha\` \\| \`alpha\` \\| ${score(candidates[0]!).toFixed(2)} \\|.*🏆 shown`));
    expect(pr.body).toMatch(new RegExp(`\\| \`beta\` \\| \`beta\` \\| ${score(candidates[1]!).toFixed(2)} \\|`));
    expect(pr.body).toMatch(/\| `gamma` \| `gamma` \| – \|.*❌ failed/);
    expect(pr.body).toContain("`alpha` has the best score");
    expect(pr.body).toContain("<details><summary><code>beta</code>");
    expect(pr.body).toContain("+the tests fail while this file exists");
    // The QA line names what a race's PR has: the `Moderator QA` check run (no review: no findings; no `Moderator` run check).
    expect(pr.body).toContain("QA passed: no findings. Details are in the **Moderator QA** check run.\n");
    expect(pr.body).not.toContain("**Moderator** check run");
    writeFileSync(path.join(process.env["RACE_PR_BODY_OUT"] ?? path.join(h.tmp, "pr-body.md")), pr.body);

    // The tracking comment shows the race: each candidate's state, then the verdict and the PR.
    const tracking = h.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/5") && c.body.includes("Race"));
    expect(tracking).toHaveLength(1);
    expect(tracking[0]?.body).toContain("Moderator · ✅ Race judged");
    expect(tracking[0]?.body).toMatch(/\| `gamma` \| `gamma` \| ❌ failed/);
    expect(tracking[0]?.body).toContain(`**Pull request:** [#${r.prNumber}]`);

    // The winner's QA is on the PR: the `Moderator QA` check run on its head.
    expect(h.repo.checkRuns.filter((c) => c.name === "Moderator QA").map((c) => [c.head_sha, c.conclusion])).toEqual([[r.headSha, "success"]]);

    // The learner: the winner's backend gained.
    const alphaAfter = await prior("alpha");
    expect(alphaAfter).toBeGreaterThan(alphaBefore);
    expect(await db.feedback.count({ where: { kind: "race_won", backend: "alpha" } })).toBe(1);

    // `/moderator pick beta` swaps the PR: beta's commits force-pushed, the body rewritten, the learner told.
    await command(h, "/moderator pick beta");
    await h.waitFor("the pick", async () => (await db.executionEvent.count({ where: { executionId: r.id, type: "race.picked" } })) > 0);
    expect(gitLs(h, "moderator/issue-5")).toEqual(["BROKEN", "NOTES.md", "README.md"]);
    const patch = h.fake.requests.filter((q) => q.method === "PATCH" && new RegExp(`/pulls/${r.prNumber}$`).test(q.path)).at(-1)?.body as { body: string };
    expect(patch.body).toMatch(/\| `beta` \| `beta` \| [0-9.]+ \|.*🏆 shown/);
    expect(h.fake.requests.filter((q) => q.method === "POST" && /\/pulls$/.test(q.path))).toHaveLength(1);
    expect(await prior("beta")).toBeGreaterThan(betaBefore);
    // The review is redone on the new head: beta's failing tests in a review and a failing QA check run.
    const picked = await race(h);
    expect(picked?.headSha).not.toBe(r.headSha);
    expect(h.repo.checkRuns.find((c) => c.name === "Moderator QA" && c.head_sha === picked?.headSha)?.conclusion).toBe("failure");
    const reviews = h.fake.requests.filter((q) => q.method === "POST" && /\/pulls\/\d+\/reviews$/.test(q.path));
    expect((reviews.at(-1)?.body as { commit_id: string; body: string }).commit_id).toBe(picked?.headSha);

    // Picking what is not a finished candidate is refused with the choices.
    await command(h, "/moderator pick gamma");
    const refused = h.repo.issueComments.at(-1)?.body ?? "";
    expect(refused).toContain("`gamma` is not a finished candidate of this race; pick one of `alpha`, `beta`");
  }, 150_000);

  it("`/moderator cancel` stops every candidate", async () => {
    h = await setup(raceYaml({ clean: "slow 30000", broken: "slow 30000", hang: "hang", hangTimeout: 60 }));
    const db = h.moderator.db.prisma;
    await command(h, "/moderator run --race 3");
    const r = await h.waitFor("the race to start", async () => race(h!));
    await h.waitFor("three candidates to run", async () => (await db.execution.count({ where: { raceId: r.id, status: "executing" } })) === 3);
    await command(h, "/moderator cancel");
    const ended = await waitForRaceEnd(h);
    expect(ended.status).toBe("cancelled");
    await h.waitFor("every candidate to stop", async () => (await db.execution.count({ where: { raceId: r.id, status: "cancelled" } })) === 3);
    const candidates = await db.execution.findMany({ where: { raceId: r.id } });
    expect(candidates.map((c) => c.backend)).toEqual(["alpha", "alpha", "alpha"]);
    expect(candidates.every((c) => c.cancelledBy === MAINTAINER)).toBe(true);
    expect(h.fake.requests.filter((q) => q.method === "POST" && /\/pulls$/.test(q.path))).toHaveLength(0);
    expect(branches(h)).toEqual(["main"]);
  }, 120_000);

  it("the race's cost cap stops the candidates still running, from the cost their agents report as they go", async () => {
    // alpha spends $0.10 and finishes; beta reports $0.03 a second and never finishes; gamma hangs. The cap is $0.25:
    // beta's own reports bring the race there while its agent runs, so beta and gamma are stopped, alpha is judged.
    h = await setup(raceYaml({ clean: "racer-clean 0.1", broken: "spend 0.03 1000", brokenTimeout: 40, hang: "hang", hangTimeout: 60 }), `${REPO_CONFIG}\nrace: { backends: [alpha, beta, gamma], maxCostUsd: 0.25 }\n`);
    const db = h.moderator.db.prisma;
    await command(h, "/moderator run");
    const r = await waitForRaceEnd(h);
    expect(r.error).toBeNull();
    expect(r.status).toBe("completed");
    const candidates = await db.execution.findMany({ where: { raceId: r.id }, orderBy: { candidate: "asc" } });
    expect(candidates.map((c) => [c.candidate, c.status, c.cancelledBy])).toEqual([["alpha", "completed", null], ["beta", "cancelled", "moderator"], ["gamma", "cancelled", "moderator"]]);
    const capped = await db.executionEvent.findFirst({ where: { executionId: r.id, type: "race.capped" } });
    expect(capped?.message).toMatch(/^\$0\.(2[5-9]|3\d)\d* spent of \$0\.25: stopped beta, gamma$/);
    // beta was stopped while its agent ran (not at its 40 s timeout): its agent run ended cancelled, its cost recorded.
    const betaRun = await db.agentRun.findFirstOrThrow({ where: { executionId: candidates[1]!.id } });
    expect(betaRun.status).toBe("cancelled");
    expect(betaRun.costUsd).toBeGreaterThanOrEqual(0.15);
    const body = (h.fake.requests.find((q) => q.method === "POST" && /\/pulls$/.test(q.path))?.body as { body: string }).body;
    expect(body).toContain("`alpha` is the only candidate that finished with a change");
  }, 120_000);

  it("peers rank the candidates side by side: their ranking breaks a tie on score, a malformed answer is recorded and ignored", async () => {
    // Two peers on a fake model server: `critic` ranks alpha-2 first with reasons; `mute` answers without a ranking.
    ollama = await startFakeOllama({ models: ["critic-model", "mute-model"] });
    const prompts: Array<{ model: string; prompt: string }> = [];
    const finish = (summary: string) => callTools(["finish", { summary }]);
    const answer = (req: RecordedChatBody) => {
      const prompt = req.messages.find((m) => m.role === "user")?.content ?? "";
      prompts.push({ model: req.model, prompt });
      if (!prompt.includes("rank them")) return finish('{"verdict": "approve", "summary": "Fine."}');
      if (req.model === "mute-model") return finish("Both are fine, I cannot choose.");
      return finish('Compared.\n{"ranking": [{"candidate": "alpha-2", "reason": "same change, and its commit is clearer"}, {"candidate": "alpha-1", "reason": "equal, second"}], "summary": "Both add NOTES.md."}');
    };
    ollama.reply(...Array.from({ length: 8 }, () => answer));
    const peer = (name: string, model: string) => [`  ${name}:`, "    type: ollama", `    host: ${ollama!.url}`, `    model: ${model}`, "    timeoutSeconds: 30"];
    h = await setup(raceYaml({ moreBackends: [...peer("critic", "critic-model"), ...peer("mute", "mute-model")] }), `${REPO_CONFIG}\n  peers: [critic, mute]\n`);
    const db = h.moderator.db.prisma;
    await command(h, "/moderator run --race 2");
    const r = await waitForRaceEnd(h);
    expect(r.status).toBe("completed");
    const candidates = await db.execution.findMany({ where: { raceId: r.id }, orderBy: { candidate: "asc" } });
    expect(candidates.map((c) => [c.candidate, c.status])).toEqual([["alpha-1", "completed"], ["alpha-2", "completed"]]);
    const scores = candidates.map((c) => (c.summary as { score: number }).score);
    expect(scores[0]).toBe(scores[1]);

    // Each peer got both diffs together in one prompt.
    const ranking = prompts.filter((p) => p.prompt.includes("rank them"));
    expect(ranking.map((p) => p.model).sort()).toEqual(["critic-model", "mute-model"]);
    expect(ranking[0]?.prompt).toContain('<candidate name="alpha-1">');
    expect(ranking[0]?.prompt).toContain('<candidate name="alpha-2">');
    expect(ranking[0]?.prompt).toContain("+Notes for issue #5.");

    // Equal score and size: the peers decide (without them, alpha-1 would win by name); the reasons are recorded and shown.
    const event = await db.executionEvent.findFirstOrThrow({ where: { executionId: r.id, type: "race.peers_ranked" } });
    expect(event.message).toBe('critic: alpha-2 > alpha-1; mute: no ranking (its final message has no JSON object with a "ranking" key)');
    const body = (h.fake.requests.find((q) => q.method === "POST" && /\/pulls$/.test(q.path))?.body as { body: string }).body;
    expect(body).toMatch(/\| `alpha-2` \| `alpha` \| [0-9.]+ \|.*🏆 shown/);
    expect(body).toContain('the peers prefer `alpha-2` (1 point against 0): `critic` ranks `alpha-2` higher ("same change, and its commit is clearer").');
    expect(body).toContain('Peer `mute` gave no ranking: its final message has no JSON object with a "ranking" key.');
    expect(body).toContain("**Peers, side by side:**\n- `critic`: `alpha-2` > `alpha-1`. Both add NOTES.md.");
    expect(body).toContain("- `critic` (peer, places it 2nd): equal, second");
    writeFileSync(path.join(process.env["RACE_PEERS_PR_BODY_OUT"] ?? path.join(h.tmp, "pr-body-peers.md")), body);
  }, 150_000);

  it("keeps the losers' branches when the repository asks and the operator allows: pushed, linked, moved by a pick", async () => {
    h = await setup(raceYaml({ allowRaceBranches: true }), `${REPO_CONFIG}\nrace: { keepBranches: true }\n`);
    const db = h.moderator.db.prisma;
    await command(h, "/moderator run --race alpha,beta");
    const r = await waitForRaceEnd(h);
    expect(r.status).toBe("completed");
    // The winner on the PR branch, the loser on its own branch with its own commits.
    expect(branches(h).sort()).toEqual(["main", "moderator/issue-5", "moderator/issue-5-beta"]);
    expect(gitLs(h, "moderator/issue-5-beta")).toEqual(["BROKEN", "NOTES.md", "README.md"]);
    const body = (h.fake.requests.find((q) => q.method === "POST" && /\/pulls$/.test(q.path))?.body as { body: string }).body;
    const link = (b: string) => `[\`${b}\`](${h!.fake.url}/git/${OWNER}/${REPO}/tree/${b})`;
    expect(body).toMatch(new RegExp(`\\| \`beta\` \\| \`beta\` \\| [0-9.]+ \\|.*\\| ${escape(link("moderator/issue-5-beta"))} \\|`));
    expect(body).toContain(`- Its commits are on branch ${link("moderator/issue-5-beta")}.`);
    expect(body).toContain("<details><summary><code>beta</code>");

    // A pick swaps them: beta is on the PR branch, its own branch is deleted, alpha's is kept instead.
    await command(h, "/moderator pick beta");
    await h.waitFor("the pick", async () => (await db.executionEvent.count({ where: { executionId: r.id, type: "race.picked" } })) > 0);
    expect(branches(h).sort()).toEqual(["main", "moderator/issue-5", "moderator/issue-5-alpha"]);
    expect(gitLs(h, "moderator/issue-5-alpha")).toEqual(["NOTES.md", "README.md"]);
    const patch = h.fake.requests.filter((q) => q.method === "PATCH" && new RegExp(`/pulls/${r.prNumber}$`).test(q.path)).at(-1)?.body as { body: string };
    expect(patch.body).toContain(`- Its commits are on branch ${link("moderator/issue-5-alpha")}.`);
    expect(patch.body).not.toContain("moderator/issue-5-beta");
  }, 150_000);

  it("without the operator's leave, a repository's keepBranches pushes nothing and says why", async () => {
    h = await setup(raceYaml(), `${REPO_CONFIG}\nrace: { keepBranches: true }\n`);
    await command(h, "/moderator run --race alpha,beta");
    const r = await waitForRaceEnd(h);
    expect(r.status).toBe("completed");
    expect(branches(h).sort()).toEqual(["main", "moderator/issue-5"]);
    const body = (h.fake.requests.find((q) => q.method === "POST" && /\/pulls$/.test(q.path))?.body as { body: string }).body;
    expect(body).toContain("- Losing candidates' branches were not pushed: `race.keepBranches` asks for them, but the operator does not allow it (`limits.allowRaceBranches`).");
  }, 150_000);

  it("refuses more candidates than the operator allows, with where the number came from", async () => {
    h = await setup(raceYaml({ maxRaceAttempts: 2 }));
    await command(h, "/moderator run --race 3");
    const r = await waitForRaceEnd(h);
    expect(r.status).toBe("failed");
    expect(r.error).toBe("`--race`: 3 candidates asked, the operator allows at most 2 (limits.maxRaceAttempts)");
    const tracking = h.repo.issueComments.filter((c) => c.body.includes("Race failed"));
    expect(tracking[0]?.body).toContain("limits.maxRaceAttempts");
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
