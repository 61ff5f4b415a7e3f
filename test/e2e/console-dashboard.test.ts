import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createConsoleClient, signIn } from "../support/console-client.ts";
import { INSTALLATION_ID, MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { escapeHtml } from "../../src/console/render/escape-html.ts";
import { issueLabeled } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
const OAUTH = { clientId: "Iv1.console-test", clientSecret: "console-test-secret" };

/** One `command` backend running the scripted agent in `mode`. */
const backendYaml = (name: string, mode: string) => [
  `  ${name}:`,
  "    type: command",
  `    command: ${JSON.stringify([process.execPath, AGENT, ...mode.split(" ")])}`,
  "    timeoutSeconds: 120",
  `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
];

function operatorYaml(mode: string, extra = "", otherMode?: string): string {
  return [
    "defaultBackend: scripted",
    "sandbox: auto",
    "backends:",
    ...backendYaml("scripted", mode),
    ...(otherMode ? backendYaml("other", otherMode) : []),
    "limits: { attempts: 2, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1 }",
    extra,
  ].join("\n");
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function start(mode: string, opts: { oauth?: boolean; extra?: string; otherMode?: string } = {}): Promise<Harness> {
  const h = await startHarness({
    operatorYaml: operatorYaml(mode, opts.extra, opts.otherMode),
    env: opts.oauth === false ? {} : { GITHUB_CLIENT_ID: OAUTH.clientId, GITHUB_CLIENT_SECRET: OAUTH.clientSecret, SESSION_SECRET: "s".repeat(40) },
  });
  harnesses.push(h);
  if (opts.oauth !== false) h.fake.enableOAuth(OAUTH);
  return h;
}

async function runOf(h: Harness, issue: number, statuses: string[]) {
  return h.waitFor(`run of #${issue} to be ${statuses.join("/")}`, async () => {
    const e = await h.moderator.db.prisma.execution.findFirst({ where: { issueNumber: issue }, orderBy: { createdAt: "desc" } });
    return e && statuses.includes(e.status) ? e : undefined;
  }, 60_000);
}

/** Reads a Server-Sent Events stream until `until` says stop; returns the events seen. */
async function readSse(res: Response, until: (events: Array<{ id?: string; event?: string; data: string }>) => boolean) {
  const events: Array<{ id?: string; event?: string; data: string }> = [];
  const reader = res.body!.getReader();
  let buffer = "";
  const decoder = new TextDecoder();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const e: { id?: string; event?: string; data: string } = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) e.id = line.slice(4);
        else if (line.startsWith("event: ")) e.event = line.slice(7);
        else if (line.startsWith("data: ")) e.data += line.slice(6);
      }
      if (e.event) events.push(e);
    }
  }
  await reader.cancel();
  return events;
}

describe("the console", () => {
  it("without OAuth credentials it says how to configure them and shows nothing", async () => {
    const h = await start("clean", { oauth: false });
    h.fake.addIssue(OWNER, REPO, { number: 1, title: "Secret work" });
    await h.send("issues", issueLabeled({ number: 1, title: "Secret work", sender: MAINTAINER }));
    await runOf(h, 1, ["completed"]);
    for (const p of ["/dashboard", `/dashboard/runs/${(await runOf(h, 1, ["completed"])).id}`]) {
      const res = await fetch(`${h.moderator.url}${p}`);
      const body = await res.text();
      expect(res.status).toBe(503);
      expect(body).toContain("GITHUB_CLIENT_ID");
      expect(body).not.toContain("Secret work");
      expect(body).not.toContain(REPO);
    }
  });

  it("sign-in with GitHub; a reader sees the run but no controls and gets 403 on a forged cancel; a stranger sees no trace", async () => {
    const h = await start("clean");
    h.fake.addIssue(OWNER, REPO, { number: 2, title: "Add a greeting" });
    await h.send("issues", issueLabeled({ number: 2, title: "Add a greeting", sender: MAINTAINER }));
    const run = await runOf(h, 2, ["completed"]);

    // Not signed in: a sign-in page, nothing else; a forged session cookie is not a session.
    const anon = createConsoleClient(h.moderator.url!);
    const page = await (await anon.get("/dashboard")).text();
    expect(page).toContain("Sign in with GitHub");
    expect(page).not.toContain("Add a greeting");
    anon.cookies.set("moderator_session", `${Buffer.from(JSON.stringify({ login: MAINTAINER, nonce: "x".repeat(20), exp: Date.now() + 1e6 })).toString("base64url")}.forged`);
    expect(await (await anon.get("/dashboard")).text()).toContain("Sign in with GitHub");

    h.fake.setPermission(OWNER, REPO, "rita", "read");
    h.fake.signInAs("rita");
    const reader = await signIn(h.moderator.url!);
    expect(reader.cookies.get("moderator_session")).toBeTruthy();
    const runs = await (await reader.get("/dashboard")).text();
    expect(runs).toContain(`${OWNER}/${REPO}`);
    expect(runs).toContain("#2 Add a greeting");
    expect(runs).toContain(`/dashboard/runs/${run.id}`);
    const runPage = await (await reader.get(`/dashboard/runs/${run.id}`)).text();
    expect(runPage).toContain("phase.started");
    expect(runPage).not.toContain("Cancel run");
    const csrf = reader.csrfOf(runPage);
    const forged = await reader.post(`/dashboard/runs/${run.id}/cancel`, { csrf });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("needs write permission");

    h.fake.signInAs("stranger");
    const stranger = await signIn(h.moderator.url!);
    const strangerRuns = await (await stranger.get("/dashboard")).text();
    expect(strangerRuns).not.toContain(REPO);
    expect(strangerRuns).not.toContain("Add a greeting");
    const hidden = await stranger.get(`/dashboard/runs/${run.id}`);
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).not.toContain("Add a greeting");
    expect((await stranger.get(`/dashboard/runs/${run.id}/events`)).status).toBe(404);
  });

  it("a writer cancels a running run from the console: CSRF checked, the agent is killed, the run ends cancelled by them", async () => {
    const h = await start("hang");
    h.fake.addIssue(OWNER, REPO, { number: 3, title: "Hangs forever" });
    await h.send("issues", issueLabeled({ number: 3, title: "Hangs forever", sender: MAINTAINER }));
    const running = await runOf(h, 3, ["executing"]);
    await h.waitFor("the agent to start", async () => (await h.moderator.db.prisma.agentRun.count({ where: { executionId: running.id } })) > 0);

    h.fake.signInAs(MAINTAINER);
    const maia = await signIn(h.moderator.url!);
    const page = await (await maia.get(`/dashboard/runs/${running.id}`)).text();
    expect(page).toContain("Cancel run");
    expect((await maia.post(`/dashboard/runs/${running.id}/cancel`, {})).status).toBe(403);
    expect((await maia.post(`/dashboard/runs/${running.id}/cancel`, { csrf: "wrong" })).status).toBe(403);
    const ok = await maia.post(`/dashboard/runs/${running.id}/cancel`, { csrf: maia.csrfOf(page) });
    expect(ok.status).toBe(303);
    const ended = await runOf(h, 3, ["cancelled"]);
    expect(ended.cancelledBy).toBe(MAINTAINER);
    const requested = await h.moderator.db.prisma.executionEvent.findFirst({ where: { executionId: running.id, type: "run.cancel_requested" } });
    expect(requested?.message).toContain(`(by ${MAINTAINER})`);
    await h.waitFor("the tracking comment to say who cancelled", async () =>
      h.repo.issueComments.some((c) => c.issue_url.endsWith("/issues/3") && c.body.includes(MAINTAINER) && /cancel/i.test(c.body)),
    );
    const stray = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(AGENT) && l.includes("hang"));
    expect(stray).toEqual([]);
  });

  it("live events over SSE: appended events arrive, and a reconnect with Last-Event-ID resumes after it", async () => {
    const h = await start("clean", { extra: `dashboard: { admins: [${MAINTAINER}] }` });
    h.fake.addIssue(OWNER, REPO, { number: 4, title: "Live" });
    await h.send("issues", issueLabeled({ number: 4, title: "Live", sender: MAINTAINER }));
    const run = await runOf(h, 4, ["completed"]);
    const all = await h.moderator.db.prisma.executionEvent.findMany({ where: { executionId: run.id }, orderBy: { id: "asc" } });
    expect(all.length).toBeGreaterThan(3);
    h.fake.signInAs(MAINTAINER);
    const admin = await signIn(h.moderator.url!);

    const middle = all[1]!.id;
    const resumed = await admin.get(`/dashboard/runs/${run.id}/events`, { "last-event-id": String(middle) });
    expect(resumed.headers.get("content-type")).toContain("text/event-stream");
    const replay = await readSse(resumed, (ev) => ev.some((e) => e.event === "status"));
    expect(replay.filter((e) => e.event === "run-event").map((e) => e.id)).toEqual(all.slice(2).map((e) => String(e.id)));

    const live = await admin.get(`/dashboard/runs/${run.id}/events`, { "last-event-id": String(all.at(-1)!.id) });
    const seen = readSse(live, (ev) => ev.some((e) => e.event === "run-event" && e.data.includes("appended later")));
    await new Promise((r) => setTimeout(r, 300));
    const appended = await h.moderator.store.appendEvent(run.id, { type: "test.note", message: "appended later" });
    const got = await seen;
    expect(got.filter((e) => e.event === "run-event").map((e) => e.id)).toEqual([String(appended.id)]);
    void INSTALLATION_ID;
  });

  it("Bull Board at /dashboard/queues for admins only, its API same-origin only", async () => {
    const h = await start("clean", { extra: "dashboard: { admins: [boss] }" });
    h.fake.signInAs("boss");
    const boss = await signIn(h.moderator.url!);
    expect(await (await boss.get("/dashboard")).text()).toContain('href="/dashboard/queues"');
    const board = await boss.get("/dashboard/queues");
    expect(board.status).toBe(200);
    expect(board.headers.get("content-security-policy")).toContain("default-src 'self'");
    const api = await boss.get("/dashboard/queues/api/queues");
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(Object.values(h.queueNames).sort());
    const cross = await fetch(`${h.moderator.url}/dashboard/queues/api/queues/${h.queueNames.runs}/pause`, {
      method: "PUT",
      headers: { cookie: [...boss.cookies].map(([k, v]) => `${k}=${v}`).join("; "), origin: "https://evil.example" },
    });
    expect(cross.status).toBe(403);

    h.fake.setPermission(OWNER, REPO, MAINTAINER, "admin");
    h.fake.signInAs(MAINTAINER);
    const maia = await signIn(h.moderator.url!);
    expect(await (await maia.get("/dashboard")).text()).not.toContain('href="/dashboard/queues"');
    expect((await maia.get("/dashboard/queues")).status).toBe(404);
    expect((await maia.get("/dashboard/queues/api/queues")).status).toBe(404);
  });

  it("a writer dismisses a finding from the console: recorded with who, counted once, said on the PR; a reader cannot", async () => {
    const h = await start("clean");
    h.fake.addIssue(OWNER, REPO, { number: 5, title: "Add a greeting" });
    await h.send("issues", issueLabeled({ number: 5, title: "Add a greeting", sender: MAINTAINER }));
    const run = await runOf(h, 5, ["completed"]);
    // The finding QA would have posted on this run (the clean agent leaves none).
    const finding = await h.moderator.db.prisma.finding.create({
      data: { executionId: run.id, repositoryId: run.repositoryId, source: "analyzer", ruleId: "debug/console-log", severity: "low", confidence: 0.9, path: "src/greet.js", line: 4, message: "A console.log left in", fingerprint: "fp-console-log" },
    });

    h.fake.setPermission(OWNER, REPO, "rita", "read");
    h.fake.signInAs("rita");
    const rita = await signIn(h.moderator.url!);
    const ritaPage = await (await rita.get(`/dashboard/runs/${run.id}`)).text();
    expect(ritaPage).toContain(finding.ruleId);
    expect(ritaPage).not.toContain("Dismiss</button>");
    expect((await rita.post(`/dashboard/runs/${run.id}/findings/${finding.id}/dismiss`, { csrf: rita.csrfOf(ritaPage) })).status).toBe(403);
    expect((await h.moderator.db.prisma.finding.findUniqueOrThrow({ where: { id: finding.id } })).status).toBe("open");

    h.fake.signInAs(MAINTAINER);
    const maia = await signIn(h.moderator.url!);
    const page = await (await maia.get(`/dashboard/runs/${run.id}`)).text();
    expect(page).toContain(`/findings/${finding.id}/dismiss`);
    for (let i = 0; i < 2; i++) {
      expect((await maia.post(`/dashboard/runs/${run.id}/findings/${finding.id}/dismiss`, { csrf: maia.csrfOf(page) })).status).toBe(303);
    }
    expect((await h.moderator.db.prisma.finding.findUniqueOrThrow({ where: { id: finding.id } })).status).toBe("dismissed");
    const feedback = await h.moderator.db.prisma.feedback.findMany({ where: { kind: "dismissed", actor: MAINTAINER } });
    expect(feedback).toHaveLength(1);
    const target = run.prNumber ?? run.issueNumber;
    const said = h.repo.issueComments.filter((c) => c.issue_url.endsWith(`/issues/${target}`) && c.body.includes("Finding dismissed"));
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(`${MAINTAINER} dismissed \`${finding.ruleId}\``);
  });

  it("a writer retries a failed run on another backend from the console: the /moderator retry path, recorded with who, said on the issue", async () => {
    const h = await start("fail", { otherMode: "slow 2500" });
    h.fake.addIssue(OWNER, REPO, { number: 6, title: "Add notes" });
    await h.send("issues", issueLabeled({ number: 6, title: "Add notes", sender: MAINTAINER }));
    const failed = await runOf(h, 6, ["failed"]);
    expect(failed.backend).toBe("scripted");

    // A reader: no Retry, and a forged one is refused without a trace.
    h.fake.setPermission(OWNER, REPO, "rita", "read");
    h.fake.signInAs("rita");
    const rita = await signIn(h.moderator.url!);
    const ritaPage = await (await rita.get(`/dashboard/runs/${failed.id}`)).text();
    expect(ritaPage).not.toContain('id="retry"');
    const forged = await rita.post(`/dashboard/runs/${failed.id}/retry`, { csrf: rita.csrfOf(ritaPage), backend: "other" });
    expect(forged.status).toBe(403);
    expect(await h.moderator.db.prisma.execution.count({ where: { issueNumber: 6 } })).toBe(1);

    h.fake.signInAs(MAINTAINER);
    const maia = await signIn(h.moderator.url!);
    const page = await (await maia.get(`/dashboard/runs/${failed.id}`)).text();
    expect(page).toContain('id="retry"');
    expect(page).toContain('<option value="other">other</option>');
    expect((await maia.post(`/dashboard/runs/${failed.id}/retry`, { backend: "other" })).status).toBe(403);
    const unknown = await maia.post(`/dashboard/runs/${failed.id}/retry`, { csrf: maia.csrfOf(page), backend: "nope" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Unknown backend 'nope'");
    expect(await h.moderator.db.prisma.execution.count({ where: { issueNumber: 6 } })).toBe(1);

    const reactionsBefore = h.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/6/reactions")).length;
    const ok = await maia.post(`/dashboard/runs/${failed.id}/retry`, { csrf: maia.csrfOf(page), backend: "other" });
    expect(ok.status).toBe(303);
    const retried = await h.moderator.db.prisma.execution.findFirstOrThrow({ where: { issueNumber: 6, id: { not: failed.id } } });
    expect(ok.headers.get("location")).toBe(`/dashboard/runs/${retried.id}`);
    expect(retried).toMatchObject({ trigger: "console", triggeredBy: MAINTAINER, kind: "run" });
    expect(retried.jobId).toBeTruthy();
    // While it runs, another Retry waits for no one: it is refused, and nothing is queued.
    const busy = await maia.post(`/dashboard/runs/${failed.id}/retry`, { csrf: maia.csrfOf(page) });
    expect(busy.status).toBe(409);
    expect(await busy.text()).toContain("Not retried: a run is active on #6");
    expect(await h.moderator.db.prisma.execution.count({ where: { issueNumber: 6 } })).toBe(2);
    const done = await runOf(h, 6, ["completed", "failed"]);
    expect(done.id).toBe(retried.id);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(done.backend).toBe("other");
    const requested = await h.moderator.db.prisma.executionEvent.findFirstOrThrow({ where: { executionId: retried.id, type: "run.requested" } });
    expect(requested.message).toBe(`console by ${MAINTAINER}`);
    // On GitHub: the 👀 of a trigger, and the tracking comment names who asked from the console.
    expect(h.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/6/reactions")).length).toBe(reactionsBefore + 1);
    const tracking = h.repo.issueComments.find((c) => c.issue_url.endsWith("/issues/6") && c.body.includes("<!-- moderator:tracking -->"));
    expect(tracking?.body).toContain("✅ Done");
    expect(tracking?.body).toContain(`Requested from the Moderator console by ${MAINTAINER}`);
  });

  it("a writer answers a waiting run's question from the console: posted on the issue in their name, the run resumes with it", async () => {
    const h = await start("secret");
    h.fake.addIssue(OWNER, REPO, { number: 7, title: "Configure the API key" });
    await h.send("issues", issueLabeled({ number: 7, title: "Configure the API key", sender: MAINTAINER }));
    const waiting = await runOf(h, 7, ["waiting_for_human", "completed", "failed"]);
    expect(waiting.status, waiting.error ?? "").toBe("waiting_for_human");
    const question = (waiting.decision as { question: string }).question;

    h.fake.setPermission(OWNER, REPO, "rita", "read");
    h.fake.signInAs("rita");
    const rita = await signIn(h.moderator.url!);
    const ritaPage = await (await rita.get(`/dashboard/runs/${waiting.id}`)).text();
    expect(ritaPage).not.toContain('id="answer"');
    const forged = await rita.post(`/dashboard/runs/${waiting.id}/answer`, { csrf: rita.csrfOf(ritaPage), nonce: "n".repeat(16), answer: "ship it" });
    expect(forged.status).toBe(403);

    h.fake.signInAs(MAINTAINER);
    const maia = await signIn(h.moderator.url!);
    const page = await (await maia.get(`/dashboard/runs/${waiting.id}`)).text();
    expect(page).toContain('id="answer"');
    expect(page).toContain(escapeHtml(question));
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!;
    const csrf = maia.csrfOf(page);
    expect((await maia.post(`/dashboard/runs/${waiting.id}/answer`, { nonce, answer: "x" })).status).toBe(403);
    expect((await maia.post(`/dashboard/runs/${waiting.id}/answer`, { csrf, nonce, answer: "   " })).status).toBe(400);
    const long = await maia.post(`/dashboard/runs/${waiting.id}/answer`, { csrf, nonce, answer: "x".repeat(8001) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("longer than 8000 characters");
    expect((await maia.post(`/dashboard/runs/${waiting.id}/answer`, { csrf, nonce, answer: "é".repeat(30_000) })).status).toBe(413);
    expect((await h.moderator.db.prisma.execution.findUniqueOrThrow({ where: { id: waiting.id } })).status).toBe("waiting_for_human");
    expect(h.repo.issueComments.filter((c) => c.body.includes("Answered from the console"))).toHaveLength(0);

    const text = "It is a real key: read it from the API_KEY environment variable.";
    const ok = await maia.post(`/dashboard/runs/${waiting.id}/answer`, { csrf, nonce, answer: text });
    expect(ok.status).toBe(303);
    const said = h.repo.issueComments.filter((c) => c.issue_url.endsWith("/issues/7") && c.body.includes("Answered from the console"));
    expect(said).toHaveLength(1);
    expect(said[0]!.body).toContain(`${MAINTAINER} answered Moderator's question`);
    expect(said[0]!.body).toContain(`> ${text}`);
    const answered = await h.moderator.db.prisma.executionEvent.findFirstOrThrow({ where: { executionId: waiting.id, type: "run.answered" } });
    expect(answered.message).toBe(`answered by ${MAINTAINER} (console)`);
    expect(answered.data).toMatchObject({ commentId: said[0]!.id, via: "console" });

    const done = await runOf(h, 7, ["completed", "failed"]);
    expect(done.id).toBe(waiting.id);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(h.fake.requests.filter((r) => r.method === "DELETE" && /\/issues\/7\/labels\/moderator(%3A|:)needs-human$/.test(r.path))).toHaveLength(1);
    const tasks = await h.moderator.db.prisma.task.findMany({ where: { executionId: done.id }, orderBy: { index: "asc" } });
    expect(tasks.at(-1)?.title).toContain("maintainer's answer");
    expect(tasks.at(-1)?.description).toContain(text);
    // Pressing again (the same form): nothing waits any more, nothing more is said.
    const again = await maia.post(`/dashboard/runs/${waiting.id}/answer`, { csrf, nonce, answer: text });
    expect(again.status).toBe(409);
    expect(h.repo.issueComments.filter((c) => c.body.includes("Answered from the console"))).toHaveLength(1);
  });
});
