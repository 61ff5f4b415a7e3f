import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadOperatorConfig, parseOperatorConfig } from "../../../src/config/operator-config.ts";
import { ConfigError } from "../../../src/util/errors.ts";

describe("operator config", () => {
  it("parses a command backend with defaults", () => {
    const cfg = parseOperatorConfig("defaultBackend: mine\nbackends:\n  mine:\n    type: command\n    command: [node, agent.js]\n    env: [ANTHROPIC_API_KEY]\n");
    expect(cfg.backends.mine).toEqual({ type: "command", command: ["node", "agent.js"], timeoutSeconds: 1800, env: ["ANTHROPIC_API_KEY"], network: false, mounts: [] });
    expect(cfg.sandbox).toBe("auto");
    expect(cfg.limits.attempts).toBe(4);
    expect(cfg.github).toEqual({ retry: true, throttle: true, writes: { perMinute: 80, perHour: 500 } });
    expect(cfg.intake).toEqual({ concurrency: 20, attempts: 5, orderWaitSeconds: 60, keepPayloadDays: 7, keepDays: 30 });
  });

  it("names each problem with its path", () => {
    let err: unknown;
    try {
      parseOperatorConfig("defaultBackend: ghost\nsandbox: docker\nbackends:\n  mine:\n    type: command\n    command: []\n    env: [not-a-name]\n");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.some((p) => p.startsWith("sandbox:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("backends.mine.command:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("backends.mine.env.0:"))).toBe(true);
  });

  it("refuses a defaultBackend that is not defined", () => {
    expect(() => parseOperatorConfig("defaultBackend: ghost\n")).toThrow(/defaultBackend: names backend 'ghost'/);
  });

  it("loads ./moderator.config.yml when present and defaults without it; a named missing file is an error", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "opcfg-"));
    expect(loadOperatorConfig(undefined, dir)).toEqual({ config: parseOperatorConfig(""), path: undefined });
    writeFileSync(path.join(dir, "moderator.config.yml"), "sandbox: none\n");
    expect(loadOperatorConfig(undefined, dir).config.sandbox).toBe("none");
    expect(() => loadOperatorConfig(path.join(dir, "nope.yml"), dir)).toThrow(/file not found/);
  });

  it("a config path that is a directory (what Docker bind-mounts when the file is missing) is a clear error", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "opcfg-"));
    const asDir = path.join(dir, "moderator.config.yml");
    mkdirSync(asDir);
    expect(() => loadOperatorConfig(asDir, dir)).toThrow(ConfigError);
    expect(() => loadOperatorConfig(asDir, dir)).toThrow(/moderator\.config\.yml: is a directory, not a file/);
    expect(() => loadOperatorConfig(undefined, dir)).toThrow(/is a directory, not a file/);
  });
});
