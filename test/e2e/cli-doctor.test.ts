import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// The built CLI as an operator runs it: --version, per-command --help, `doctor`, and the start-up checks of `worker`.
const CLI = path.resolve(import.meta.dirname, "../../dist/src/cli/main.js");
const VERSION = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string }).version;

let tmp: string;
beforeEach(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  tmp = mkdtempSync(path.join(tmpdir(), "moderator-cli-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: tmp, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmp, MODERATOR_DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "warn", ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("moderator CLI", () => {
  it("--version prints the package version; each command has its own --help; bad flags exit 2 with the usage", async () => {
    expect(await cli(["--version"])).toMatchObject({ code: 0, stdout: `moderator ${VERSION}\n` });
    const help = await cli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: moderator run [--repo <path>] [--issue <file|text>] [--github <owner/repo#N>] [--dry-run]");
    const bad = await cli(["list", "--limit", "0", "--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--bogus: unknown option (list takes --limit)");
    expect(bad.stderr).toContain("usage: moderator list [--limit <N>]");
  });

  it("doctor prints one table and exits 1 when something fails", async () => {
    const r = await cli(["doctor", "--timeout", "2"], { REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test?schema=doctor_never_created" });
    expect(r.code).toBe(1);
    const rows = r.stdout.split("\n");
    for (const what of ["environment", "operator config", "redis", "database", "migrations", "sandbox", "workspace", "backends", "github app", "webhook secret"]) {
      expect(rows.some((l) => l.startsWith(`${what} `))).toBe(true);
    }
    expect(r.stdout).toMatch(/^github app\s+FAIL\s+APP_ID \/ PRIVATE_KEY are not set$/m);
    expect(r.stdout).toMatch(/^redis\s+ok\s+redis:\/\/127\.0\.0\.1:6379 answers/m);
    expect(r.stdout).toMatch(/\d+ ok, \d+ warning\(s\), [1-9]\d* failure\(s\)/);
  });

  it("doctor reports an invalid environment as a failed row instead of crashing", async () => {
    const r = await cli(["doctor"], { REDIS_URL: "http://nope" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^environment\s+FAIL\s+REDIS_URL: must start with redis:\/\/ or rediss:\/\//m);
  });

  it("a worker whose workspace cannot be written refuses to start, with the doctor's table and the fix", async () => {
    writeFileSync(path.join(tmp, "not-a-dir"), "x");
    const config = path.join(tmp, "moderator.config.yml");
    writeFileSync(config, "sandbox: none\n");
    const r = await cli(["worker"], {
      REDIS_URL: "redis://127.0.0.1:6379",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test?schema=doctor_never_created",
      MODERATOR_CONFIG: config,
      WORKSPACE_DIR: path.join(tmp, "not-a-dir", "workspaces"),
      APP_ID: "1",
      PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----",
      GHE_HOST: "127.0.0.1:9",
      GHE_PROTOCOL: "http",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("moderator: refusing to start worker: workspace: cannot write in");
    expect(r.stderr).toContain("set WORKSPACE_DIR to a writable folder");
    expect(r.stdout).toContain("start-up checks (moderator doctor)");
  });
});
