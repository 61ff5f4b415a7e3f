import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnv } from "../../../src/config/env.ts";
import { ConfigError } from "../../../src/util/errors.ts";

const KEY = "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n";

describe("loadEnv", () => {
  it("gives defaults for an empty environment (first run: setup mode)", () => {
    const env = loadEnv({}, "/srv/app");
    expect(env.appId).toBeUndefined();
    expect(env.githubApiUrl).toBe("https://api.github.com");
    expect(env.port).toBe(3000);
    expect(env.dataDir).toBe("/srv/app/.moderator");
    expect(env.workspaceDir).toBe("/srv/app/.moderator/workspaces");
    expect(env.databaseUrl).toBeUndefined();
  });

  it("moves every API call to GHE_HOST with GHE_PROTOCOL", () => {
    const env = loadEnv({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" });
    expect(env.githubApiUrl).toBe("http://127.0.0.1:8080/api/v3");
  });

  it("reads the key from PRIVATE_KEY_PATH and unescapes \\n in PRIVATE_KEY", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "env-"));
    writeFileSync(path.join(dir, "key.pem"), KEY);
    expect(loadEnv({ APP_ID: "12", PRIVATE_KEY_PATH: "key.pem" }, dir).privateKey).toBe(KEY);
    expect(loadEnv({ APP_ID: "12", PRIVATE_KEY: KEY.replace(/\n/g, "\\n") }).privateKey).toBe(KEY);
  });

  it("reports every problem, one line each, with the variable's name", () => {
    let error: unknown;
    try {
      loadEnv({ APP_ID: "abc", PORT: "99999", REDIS_URL: "localhost:6379", GHE_PROTOCOL: "ftp", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["APP_ID", "GHE_PROTOCOL", "LOG_LEVEL", "PORT", "REDIS_URL"]);
    expect(problems.find((p) => p.startsWith("PORT"))).toContain("port number");
  });

  it("refuses an APP_ID without a key, an unreadable key file and a non-PEM key", () => {
    expect(() => loadEnv({ APP_ID: "1" })).toThrow(/PRIVATE_KEY: APP_ID is set/);
    expect(() => loadEnv({ APP_ID: "1", PRIVATE_KEY_PATH: "/nonexistent/key.pem" })).toThrow(/cannot read \/nonexistent\/key.pem \(ENOENT\)/);
    expect(() => loadEnv({ APP_ID: "1", PRIVATE_KEY: "hunter2" })).toThrow(/not a PEM private key/);
  });

  it("requires WEBHOOK_SECRET in production", () => {
    expect(() => loadEnv({ APP_ID: "1", PRIVATE_KEY: KEY, NODE_ENV: "production" })).toThrow(/WEBHOOK_SECRET: required in production/);
  });

  it("reads the console's settings: OAuth only with both halves, short secrets refused, WORKER_PORT a port", () => {
    const env = loadEnv({ GITHUB_CLIENT_ID: "Iv1.x", GITHUB_CLIENT_SECRET: "s", WORKER_PORT: "9464", METRICS_TOKEN: "t".repeat(16), PUBLIC_URL: "https://mod.example/" });
    expect(env).toMatchObject({ oauth: { clientId: "Iv1.x", clientSecret: "s" }, workerPort: 9464, metricsToken: "t".repeat(16), publicUrl: "https://mod.example", githubWebUrl: "https://github.com" });
    expect(loadEnv({ GITHUB_CLIENT_ID: "Iv1.x" }).oauth).toBeUndefined();
    expect(loadEnv({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }).githubWebUrl).toBe("http://127.0.0.1:8080");
    for (const [name, value, message] of [["METRICS_TOKEN", "short", "at least 16"], ["SESSION_SECRET", "short", "at least 32"], ["WORKER_PORT", "70000", "port number"]] as const) {
      expect(() => loadEnv({ [name]: value })).toThrow(new RegExp(`${name}: .*${message}`));
    }
  });
});
