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
  it("sign in, watch a running run's events arrive live, cancel it; a reader sees no controls", async () => {
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
    await maia.close();
  });
});
