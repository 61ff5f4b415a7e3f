import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, startHarness, type Harness } from "../support/moderator-harness.ts";
import { issueLabeled } from "../support/payloads.ts";

const AGENT = path.resolve(import.meta.dirname, "../fixtures/agents/e2e-agent.mjs");
const OAUTH = { clientId: "Iv1.console-browser", clientSecret: "console-browser-secret" };
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** Screenshots: test artifacts in the temp folder; MODERATOR_SCREENSHOTS=docs refreshes the ones in docs/. */
const SHOTS = process.env["MODERATOR_SCREENSHOTS"] ?? path.join(process.env["TMPDIR"] ?? "/tmp", "moderator-console-shots");

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
});
afterAll(async () => {
  await browser?.close();
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the console in a real browser", () => {
  it("sign in, watch a running run's events arrive live, cancel it, retry it; a reader sees no controls; the Learning view", async () => {
    h = await startHarness({
      operatorYaml: [
        "defaultBackend: scripted",
        "sandbox: auto",
        "backends:",
        "  scripted:",
        "    type: command",
        `    command: ${JSON.stringify([process.execPath, AGENT, "hang"])}`,
        "    timeoutSeconds: 300",
        `    mounts: [${JSON.stringify(path.dirname(AGENT))}]`,
        "limits: { attempts: 2, backoffSeconds: 0.2, lockSeconds: 5, shutdownGraceSeconds: 1 }",
      ].join("\n"),
      env: { GITHUB_CLIENT_ID: OAUTH.clientId, GITHUB_CLIENT_SECRET: OAUTH.clientSecret, SESSION_SECRET: "b".repeat(40) },
    });
    const harness = h;
    harness.fake.enableOAuth(OAUTH);
    harness.fake.setPermission(OWNER, REPO, "rita", "read");
    harness.fake.addIssue(OWNER, REPO, { number: 21, title: "Add a dark mode toggle" });
    await harness.send("issues", issueLabeled({ number: 21, title: "Add a dark mode toggle", sender: MAINTAINER }));
    const running = await harness.waitFor("the run to execute", async () => {
      const e = await harness.moderator.db.prisma.execution.findFirst({ where: { issueNumber: 21 } });
      return e?.status === "executing" && (await harness.moderator.db.prisma.agentRun.count({ where: { executionId: e.id } })) > 0 ? e : undefined;
    });

    // Sign in as the maintainer: the button goes through GitHub's authorize page and back.
    harness.fake.signInAs(MAINTAINER);
    const maia = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const page = await maia.newPage();
    await page.goto(`${harness.moderator.url}/dashboard`);
    await page.click("#sign-in");
    await page.waitForSelector("#runs");
    expect(await page.textContent("#runs")).toContain("#21 Add a dark mode toggle");
    expect(await page.textContent("header")).toContain(MAINTAINER);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "console-runs.png"), fullPage: true });

    await page.click(`a[href="/dashboard/runs/${running.id}"]`);
    await page.waitForSelector("#cancel");
    await page.locator('#live-state:text-is("live")').waitFor();
    // A worker appends an event: it reaches the open page through Redis and SSE, without a reload.
    await harness.moderator.store.appendEvent(running.id, { type: "agent.message", phase: "execute", message: "Reading src/theme.ts to find the palette" });
    await page.locator("#events", { hasText: "Reading src/theme.ts to find the palette" }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "console-run.png"), fullPage: true });

    // A reader: the same run, no controls.
    harness.fake.signInAs("rita");
    const rita = await browser.newContext();
    const ritaPage = await rita.newPage();
    await ritaPage.goto(`${harness.moderator.url}/dashboard/login`);
    await ritaPage.waitForSelector("#runs");
    await ritaPage.goto(`${harness.moderator.url}/dashboard/runs/${running.id}`);
    await ritaPage.waitForSelector("#events");
    expect(await ritaPage.$("#cancel")).toBeNull();
    expect(await ritaPage.textContent("header")).toContain("rita");
    await rita.close();

    // Cancel: the run ends cancelled, the page says so live, and the agent process is gone.
    await page.click("#cancel");
    await page.locator('#run-status:text-is("cancelled")').waitFor({ timeout: 30_000 });
    expect(await page.$("#cancel")).toBeNull();
    const ended = await harness.moderator.db.prisma.execution.findUniqueOrThrow({ where: { id: running.id } });
    expect(ended).toMatchObject({ status: "cancelled", cancelledBy: MAINTAINER });
    const stray = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(AGENT) && l.includes("hang"));
    expect(stray).toEqual([]);

    // Retry, from the reloaded page: a new run of the issue starts, requested by the maintainer from the console.
    await page.click("#reload-to-retry");
    await page.click("#retry");
    await page.waitForURL((u) => /\/dashboard\/runs\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(running.id));
    await page.locator("#cancel").waitFor();
    const retried = await harness.moderator.db.prisma.execution.findFirstOrThrow({ where: { issueNumber: 21, id: { not: running.id } } });
    expect(retried).toMatchObject({ trigger: "console", triggeredBy: MAINTAINER });
    expect(page.url()).toContain(retried.id);
    await page.click("#cancel");
    await page.locator('#run-status:text-is("cancelled")').waitFor({ timeout: 30_000 });

    // The Learning view: what was learned in the repository, with its two charts drawn server-side.
    await seedLearning(harness);
    await page.click("#learning");
    await page.click(`a[href="/dashboard/learning/${OWNER}/${REPO}"]`);
    await page.waitForSelector("#runs-per-day svg");
    expect(await page.locator("#acceptance-over-time svg path").count()).toBe(3);
    expect(await page.textContent('#learned-rules tr[data-rule="debug/leftover"]')).toContain("suppressed");
    await page.screenshot({ path: path.join(SHOTS, "console-learning.png"), fullPage: true });
    await maia.close();
  });
});

/** Eight weeks of maintainers' feedback and three weeks of runs, so that the Learning view has something to draw. */
async function seedLearning(h: Harness): Promise<void> {
  const prisma = h.moderator.db.prisma;
  const repo = await prisma.repository.findFirstOrThrow({ where: { owner: OWNER, name: REPO } });
  const day = 86_400_000;
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day);
  const feedback: Array<{ kind: string; rule: string; daysAgo: number }> = [];
  for (let w = 0; w < 8; w++) {
    feedback.push({ kind: "dismissed", rule: "debug/leftover", daysAgo: 7 * w + 1 });
    feedback.push({ kind: w % 3 === 0 ? "dismissed" : "suggestion_applied", rule: "tests/missing", daysAgo: 7 * w + 2 });
    if (w < 5) feedback.push({ kind: "suggestion_applied", rule: "style/long-line", daysAgo: 7 * w + 3 });
  }
  await prisma.feedback.createMany({ data: feedback.map((f) => ({ repositoryId: repo.id, kind: f.kind, actor: MAINTAINER, detail: { ruleId: f.rule }, createdAt: at(f.daysAgo) })) });
  await prisma.feedback.createMany({ data: [0, 3, 9].map((d) => ({ repositoryId: repo.id, kind: "merged", actor: MAINTAINER, backend: "scripted", detail: { taskType: "change" }, createdAt: at(d) })) });
  const statuses = ["completed", "completed", "failed", "completed", "cancelled", "completed", "waiting_for_human"];
  await prisma.execution.createMany({
    data: Array.from({ length: 60 }, (_, i) => ({ repositoryId: repo.id, issueNumber: 100 + i, issueTitle: `Seeded ${i}`, trigger: "label", triggeredBy: MAINTAINER, status: statuses[(i * 5 + Math.floor(i / 21)) % statuses.length] as never, createdAt: at((i * 11) % 21 + 0.1) })),
  });
}
