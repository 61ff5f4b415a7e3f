import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadEnv, type Env } from "../../../src/config/env.ts";
import { OperatorConfig, parseOperatorConfig } from "../../../src/config/operator-config.ts";
import { checkBackends } from "../../../src/doctor/check-backends.ts";
import { checkDatabase } from "../../../src/doctor/check-database.ts";
import { checkGitHubApp } from "../../../src/doctor/check-github-app.ts";
import { checkRedis } from "../../../src/doctor/check-redis.ts";
import { checkSandbox } from "../../../src/doctor/check-sandbox.ts";
import { checkWorkspace } from "../../../src/doctor/check-workspace.ts";
import type { DoctorContext } from "../../../src/doctor/doctor-check.ts";
import { DOCTOR_CHECKS } from "../../../src/doctor/doctor-checks.ts";
import { runDoctor } from "../../../src/doctor/run-doctor.ts";
import { createTestDatabase, dropSchema, TEST_POSTGRES_URL, uniqueSchemaName } from "../../support/db.ts";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github.ts";

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "moderator-doctor-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function ctx(vars: Record<string, string> = {}, operator: OperatorConfig = OperatorConfig.parse({}), extra: Partial<DoctorContext> = {}): DoctorContext {
  const env: Env = loadEnv({ MODERATOR_DATA_DIR: path.join(tmp, "data"), ...vars }, tmp);
  return { env, operator, inContainer: false, timeoutMs: 3000, ...extra };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * bubblewrap as it behaves inside a default Docker container: run inside an outer bwrap whose /proc has a
 * masked path (Docker binds /dev/null over /proc/keys, /proc/kcore, ...), so the kernel refuses a fresh
 * procfs mount to the inner one ("Can't mount proc on /newroot/proc: Operation not permitted").
 */
function maskedProcBwrap(): string {
  const script = path.join(tmp, "bwrap-in-docker.sh");
  writeFileSync(
    script,
    "#!/bin/sh\nexec /usr/bin/bwrap --unshare-user --unshare-pid --ro-bind / / --dev /dev --proc /proc --ro-bind /dev/null /proc/keys -- /usr/bin/bwrap \"$@\"\n",
  );
  chmodSync(script, 0o755);
  return script;
}

describe("doctor: redis", () => {
  it("ok for a Redis that answers, fail naming the URL for one that does not", async () => {
    expect(await checkRedis.run(ctx({ REDIS_URL: "redis://127.0.0.1:6379" }))).toEqual([
      expect.objectContaining({ what: "redis", status: "ok", detail: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:6379 answers \(Redis \d/) }),
    ]);
    const port = await closedPort();
    const [row] = await checkRedis.run(ctx({ REDIS_URL: `redis://:secret@127.0.0.1:${port}` }));
    expect(row).toMatchObject({ status: "fail", fix: "start Redis or fix REDIS_URL" });
    expect(row?.detail).toContain(`cannot reach redis://127.0.0.1:${port}`);
    expect(row?.detail).not.toContain("secret");
  });
});

describe("doctor: database and migrations", () => {
  it("a migrated database is ok; an empty one has every migration pending; an unreachable one fails", async () => {
    const db = await createTestDatabase();
    try {
      const rows = await checkDatabase.run(ctx({ DATABASE_URL: db.url }));
      expect(rows.map((r) => [r.what, r.status])).toEqual([["database", "ok"], ["migrations", "ok"]]);
      expect(rows[1]?.detail).toMatch(/^all \d+ applied$/);
    } finally {
      await db.close();
    }
    const schema = uniqueSchemaName();
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set("schema", schema);
    try {
      const rows = await checkDatabase.run(ctx({ DATABASE_URL: url.toString() }));
      expect(rows[1]).toMatchObject({ what: "migrations", status: "warn", detail: expect.stringMatching(/^(\d+) of \1 pending/) });
    } finally {
      await dropSchema(schema);
    }
    const port = await closedPort();
    const [row] = await checkDatabase.run(ctx({ DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/test` }));
    expect(row).toMatchObject({ what: "database", status: "fail", fix: "start PostgreSQL or fix DATABASE_URL" });
    expect(row?.detail).not.toContain("pw@");
  });

  it("at start-up, an embedded PGlite is not opened twice (start-up opens and migrates it next)", async () => {
    const [row] = await checkDatabase.run(ctx({}, OperatorConfig.parse({}), { startUp: true }));
    expect(row).toMatchObject({ what: "database", status: "warn", detail: expect.stringContaining("one process only") });
  });

  it("a migration the database recorded as failed is a failure", async () => {
    const db = await createTestDatabase();
    try {
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('x', 'c', '29990101000000_broken', now(), 0)`,
      );
      const rows = await checkDatabase.run(ctx({ DATABASE_URL: db.url }));
      expect(rows[1]).toMatchObject({ what: "migrations", status: "fail", detail: "failed migration(s) recorded: 29990101000000_broken" });
    } finally {
      await db.close();
    }
  });
});

describe("doctor: sandbox", () => {
  it("real bubblewrap here: ok", async () => {
    expect(await checkSandbox.run(ctx())).toEqual([expect.objectContaining({ status: "ok", detail: expect.stringContaining("bubblewrap works") })]);
  });

  it("bubblewrap under Docker's masked /proc: auto in a container fails (no silent fallback), names --proc and the compose settings", async () => {
    const bwrapPath = maskedProcBwrap();
    const [inContainer] = await checkSandbox.run(ctx({}, OperatorConfig.parse({}), { inContainer: true, bwrapPath }));
    expect(inContainer?.status).toBe("fail");
    expect(inContainer?.detail).toContain("cannot create a pid namespace with its own /proc (--proc)");
    expect(inContainer?.detail).toContain("Can't mount proc");
    expect(inContainer?.detail).toContain("sandbox: auto in a container does not fall back");
    expect(inContainer?.fix).toContain("systempaths=unconfined");
    // Outside a container and not in production, auto warns loudly; `bwrap` always fails.
    const [onHost] = await checkSandbox.run(ctx({}, OperatorConfig.parse({}), { bwrapPath }));
    expect(onHost).toMatchObject({ status: "warn", detail: expect.stringContaining("WITHOUT a sandbox") });
    const [strict] = await checkSandbox.run(ctx({}, OperatorConfig.parse({ sandbox: "bwrap" }), { bwrapPath }));
    expect(strict?.status).toBe("fail");
    const [production] = await checkSandbox.run(ctx({ NODE_ENV: "production" }, OperatorConfig.parse({}), { bwrapPath }));
    expect(production?.status).toBe("fail");
  });

  it("bubblewrap missing: says to install it; sandbox: none is a warning, set knowingly", async () => {
    const [missing] = await checkSandbox.run(ctx({}, OperatorConfig.parse({}), { inContainer: true, bwrapPath: path.join(tmp, "no-bwrap") }));
    expect(missing).toMatchObject({ status: "fail", detail: expect.stringContaining("is not installed") });
    const [none] = await checkSandbox.run(ctx({}, OperatorConfig.parse({ sandbox: "none" }), { inContainer: true, bwrapPath: path.join(tmp, "no-bwrap") }));
    expect(none).toMatchObject({ status: "warn", detail: expect.stringContaining("sandbox: none") });
  });
});

describe("doctor: workspace", () => {
  it("a writable folder is ok with its free space; one that cannot be created fails", async () => {
    const [ok] = await checkWorkspace.run(ctx({ WORKSPACE_DIR: path.join(tmp, "ws") }));
    expect(ok?.detail).toMatch(new RegExp(`^${path.join(tmp, "ws")} is writable; .*GiB free$`));
    writeFileSync(path.join(tmp, "file"), "x");
    const [bad] = await checkWorkspace.run(ctx({ WORKSPACE_DIR: path.join(tmp, "file", "ws") }));
    expect(bad).toMatchObject({ status: "fail", detail: expect.stringContaining("(ENOTDIR)"), fix: "set WORKSPACE_DIR to a writable folder" });
  });
});

describe("doctor: backends", () => {
  it("each backend's health: a missing program fails as the default, warns beside a working one", async () => {
    const operator = parseOperatorConfig(
      [
        "defaultBackend: good",
        "backends:",
        "  good: { type: command, command: [node, agent.js] }",
        "  gone: { type: command, command: [moderator-no-such-agent] }",
      ].join("\n"),
    );
    const rows = await checkBackends.run(ctx({ PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, operator));
    expect(rows.map((r) => [r.what, r.status])).toEqual([["backend good (default)", "ok"], ["backend gone", "warn"]]);
    const alone = await checkBackends.run(ctx({}, parseOperatorConfig("defaultBackend: gone\nbackends:\n  gone: { type: command, command: [moderator-no-such-agent] }\n")));
    expect(alone[0]).toMatchObject({ status: "fail", detail: expect.stringContaining("moderator-no-such-agent") });
    expect(await checkBackends.run(ctx())).toEqual([expect.objectContaining({ what: "backends", status: "fail" })]);
  });
});

describe("doctor: the App's credentials against (fake) GitHub", () => {
  let fake: FakeGitHub;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  beforeAll(async () => {
    fake = await startFakeGitHub();
  });
  afterAll(async () => {
    await fake.close();
  });
  const app = (appId: string) => ({ APP_ID: appId, PRIVATE_KEY: privateKey, GHE_HOST: fake.host, GHE_PROTOCOL: "http" });

  it("GET /app with a JWT signed by PRIVATE_KEY: ok when GitHub answers for APP_ID", async () => {
    const [row] = await checkGitHubApp.run(ctx(app("1")));
    expect(row).toMatchObject({ status: "ok", detail: `App moderator (id 1) on ${fake.host}` });
    const call = fake.requests.find((r) => r.method === "GET" && r.path === "/app");
    expect(call?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const payload = JSON.parse(Buffer.from(String(call?.headers.authorization).split(".")[1] ?? "", "base64url").toString()) as { iss: string; exp: number; iat: number };
    expect(payload.iss).toBe("1");
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(600);
  });

  it("fails with the reason: another App's id, a refused key (401), unset credentials, nothing listening", async () => {
    expect((await checkGitHubApp.run(ctx(app("2"))))[0]).toMatchObject({ status: "fail", detail: `${fake.host} answered for App 1, not APP_ID 2` });
    fake.failNext("GET", /^\/app$/, 401);
    expect((await checkGitHubApp.run(ctx(app("1"))))[0]).toMatchObject({ status: "fail", detail: expect.stringContaining("refused the App's token (401") });
    expect((await checkGitHubApp.run(ctx()))[0]).toMatchObject({ status: "fail", detail: "APP_ID / PRIVATE_KEY are not set" });
    const port = await closedPort();
    const [down] = await checkGitHubApp.run(ctx({ ...app("1"), GHE_HOST: `127.0.0.1:${port}` }));
    expect(down).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED") });
  });
});

describe("runDoctor", () => {
  it("runs the checks of a role; a failing sandbox blocks the worker, not the web server", async () => {
    const c = ctx({ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "pglite:memory", WORKSPACE_DIR: path.join(tmp, "ws") }, OperatorConfig.parse({}), { inContainer: true, bwrapPath: path.join(tmp, "no-bwrap") });
    const worker = await runDoctor(DOCTOR_CHECKS, c, ["worker"]);
    expect(worker.results.map((r) => r.check)).toEqual(expect.arrayContaining(["redis", "database", "sandbox", "workspace", "backends", "github app"]));
    expect(worker.results.map((r) => r.check)).not.toContain("webhook secret");
    expect(worker.blocking.map((r) => r.what)).toEqual(["sandbox"]);
    const web = await runDoctor(DOCTOR_CHECKS, c, ["web"]);
    expect(web.results.map((r) => r.check)).not.toContain("sandbox");
    expect(web.blocking).toEqual([]);
  });

  it("a check that throws becomes a failure row", async () => {
    const report = await runDoctor([{ name: "boom", blocks: [], run: () => Promise.reject(new Error("kaboom")) }], ctx(), ["doctor"]);
    expect(report.results).toEqual([expect.objectContaining({ what: "boom", status: "fail", detail: "the check itself failed: kaboom" })]);
    expect(report.failed).toBe(true);
  });
});
