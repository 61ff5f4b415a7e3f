import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createAccessPolicy } from "../../../src/console/auth/create-access-policy.ts";
import { newSession, SESSION_COOKIE, signValue } from "../../../src/console/auth/session-cookie.ts";
import { createDashboardHandler } from "../../../src/console/create-dashboard-handler.ts";
import { createEventFeed } from "../../../src/console/live/create-event-feed.ts";
import { LearnerConfig } from "../../../src/learner/learner-config.ts";
import { createLogger } from "../../../src/util/logger.ts";
import { createTestDatabase } from "../../support/db.ts";

const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const notHere = (what: string) => () => Promise.reject(new Error(`${what} is not part of the Learning view`));

/** The dashboard handler on a real database and Redis, its viewers' permissions answered by `permissions`. */
async function startConsole(permissions: Record<string, Record<string, "read" | "write" | "none">>) {
  const db = await createTestDatabase();
  cleanups.push(() => db.close());
  const subscriber = new Redis(REDIS_URL);
  const feed = await createEventFeed({ subscriber, channel: `test-learning-${randomBytes(4).toString("hex")}` });
  cleanups.push(async () => {
    await feed.close();
    subscriber.disconnect();
  });
  const sessionKey = randomBytes(32);
  const asked: string[] = [];
  const handler = createDashboardHandler({
    prisma: db.prisma,
    oauth: { clientId: "Iv1.learning", clientSecret: "secret" },
    githubWebUrl: "https://github.example",
    githubApiUrl: "https://api.github.example",
    publicUrl: undefined,
    secureCookies: false,
    sessionKey,
    access: createAccessPolicy({
      admins: ["boss"],
      permissionOf: async (repo, login) => {
        asked.push(`${login}@${repo.owner}/${repo.name}`);
        return permissions[login]?.[`${repo.owner}/${repo.name}`] ?? "none";
      },
    }),
    feed,
    backends: ["claude", "codex"],
    learner: LearnerConfig.parse({}),
    learningsFileText: async () => undefined,
    dismissFinding: notHere("dismissing"),
    cancelRun: notHere("cancelling"),
    retryRun: notHere("retrying"),
    answerRun: notHere("answering"),
    log: createLogger("silent"),
  });
  const server = http.createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, login?: string) => {
    const cookie = login ? `${SESSION_COOKIE}=${signValue(sessionKey, newSession(login, 3600_000))}` : "";
    const res = await fetch(`${url}${path}`, { headers: { cookie }, redirect: "manual" });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  return { prisma: db.prisma, get, asked };
}

describe("the Learning page", () => {
  it("renders a readable repository's table, routing and two inline SVG charts; other repositories leave no trace", async () => {
    const c = await startConsole({ rita: { "o/public": "read" } });
    const pub = await c.prisma.repository.create({ data: { githubId: 1n, owner: "o", name: "public", installationId: 7n } });
    const secret = await c.prisma.repository.create({ data: { githubId: 2n, owner: "o", name: "secret-plans", installationId: 7n } });
    for (let i = 0; i < 4; i++) await c.prisma.feedback.create({ data: { repositoryId: pub.id, kind: "dismissed", actor: "maia", detail: { ruleId: "debug/leftover" } } });
    await c.prisma.feedback.create({ data: { repositoryId: pub.id, kind: "suggestion_applied", actor: "maia", detail: { ruleId: "style/long-line" } } });
    await c.prisma.feedback.create({ data: { repositoryId: secret.id, kind: "dismissed", actor: "maia", detail: { ruleId: "hush/secret-rule" } } });
    await c.prisma.feedback.create({ data: { repositoryId: pub.id, kind: "merged", actor: "maia", backend: "claude", detail: { taskType: "change" } } });
    for (const status of ["completed", "completed", "failed"]) {
      await c.prisma.execution.create({ data: { repositoryId: pub.id, issueNumber: 1, issueTitle: "t", trigger: "label", triggeredBy: "maia", status: status as never } });
    }
    await c.prisma.execution.create({ data: { repositoryId: secret.id, issueNumber: 9, issueTitle: "Secret launch", trigger: "label", triggeredBy: "x", status: "completed" } });

    // Not signed in: the sign-in page, nothing learned.
    const anon = await c.get("/dashboard/learning/o/public");
    expect(anon.body).toContain("Sign in with GitHub");
    expect(anon.body).not.toContain("debug/leftover");

    // A reader of o/public: its page, not the other's.
    const index = await c.get("/dashboard/learning", "rita");
    expect(index.status).toBe(200);
    expect(index.body).toContain('href="/dashboard/learning/o/public"');
    expect(index.body).not.toContain("secret-plans");
    const page = await c.get("/dashboard/learning/o/public", "rita");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.body).not.toContain("<script");
    // The learner's table: the four dismissals suppress debug/leftover here; the applied suggestion keeps long-line.
    expect(page.body).toMatch(/data-rule="debug\/leftover">.*suppressed/);
    expect(page.body).toMatch(/data-rule="style\/long-line">.*posted/);
    expect(page.body).not.toContain("hush/secret-rule");
    // Routing: claude's merge on "change", codex without feedback.
    expect(page.body).toContain('data-backend="claude"');
    expect(page.body).toContain('data-backend="codex"');
    expect(page.body).toContain("Thompson sampling");
    // Two charts, as inline SVG: today's bar has 2 completed and 1 failed; one line per rule.
    const runsChart = /<div id="runs-per-day">(.*?)<\/div>/s.exec(page.body)?.[1] ?? "";
    expect(runsChart).toContain("<svg");
    const today = new Date().toISOString().slice(0, 10);
    expect(runsChart).toContain(`<title>${today}: 2 completed</title>`);
    expect(runsChart).toContain(`<title>${today}: 1 failed</title>`);
    const rulesChart = /<div id="acceptance-over-time">(.*?)<\/div>/s.exec(page.body)?.[1] ?? "";
    expect(rulesChart).toContain("<svg");
    expect(rulesChart.match(/<path /g)).toHaveLength(2);
    expect(rulesChart).toContain("debug/leftover");

    // The other repository: not found, and nothing of it said.
    const hidden = await c.get("/dashboard/learning/o/secret-plans", "rita");
    expect(hidden.status).toBe(404);
    expect(hidden.body).not.toContain("hush/secret-rule");
    expect(hidden.body).not.toContain("secret-plans");
    const unknown = await c.get("/dashboard/learning/o/nothing-here", "rita");
    expect(unknown.status).toBe(404);

    // A stranger sees no repository; an admin sees both.
    expect((await c.get("/dashboard/learning", "stranger")).body).not.toContain("/dashboard/learning/o/");
    const admin = await c.get("/dashboard/learning", "boss");
    expect(admin.body).toContain('href="/dashboard/learning/o/secret-plans"');
    expect((await c.get("/dashboard/learning/o/secret-plans", "boss")).body).toContain("hush/secret-rule");
  });
});
