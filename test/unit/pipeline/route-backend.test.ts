import { describe, expect, it } from "vitest";
import type { BackendHealth } from "../../../src/backends/backend.ts";
import { nextFallback, routeBackend, type RouteBackendInput, type RouteResult } from "../../../src/pipeline/route-backend.ts";

const ok: BackendHealth = { ok: true, version: "1.0" };
const missing: BackendHealth = { ok: false, detail: "binary not found" };
const down: BackendHealth = { ok: false };

const three = [
  { name: "claude-code", health: ok },
  { name: "codex", health: ok },
  { name: "aider", health: ok },
];
const withHealth = (health: Record<string, BackendHealth>) => three.map((b) => ({ name: b.name, health: health[b.name] ?? b.health }));

const table: Array<{ name: string; input: RouteBackendInput; expected: RouteResult }> = [
  {
    name: "a request wins over repo preference and operator default",
    input: { requested: "aider", repoPreference: "codex", operatorDefault: "claude-code", backends: three, allowFallback: true },
    expected: { name: "aider", reason: "requested aider with /moderator run --backend; using it", fallbacks: ["codex", "claude-code"] },
  },
  {
    name: "the repo preference wins over the operator default",
    input: { repoPreference: "codex", operatorDefault: "aider", backends: three, allowFallback: true },
    expected: { name: "codex", reason: "repo prefers codex; using it", fallbacks: ["aider", "claude-code"] },
  },
  {
    name: "the operator default applies when nothing else is set",
    input: { operatorDefault: "aider", backends: three, allowFallback: true },
    expected: { name: "aider", reason: "operator default is aider; using it", fallbacks: ["claude-code", "codex"] },
  },
  {
    name: "no preference: first healthy backend in config order",
    input: { backends: withHealth({ "claude-code": down }), allowFallback: true },
    expected: {
      name: "codex",
      reason: "no backend was requested or preferred; chose codex (first healthy backend in config order)",
      fallbacks: ["aider"],
    },
  },
  {
    name: "an unhealthy preference falls back to the next healthy one in config order",
    input: { repoPreference: "codex", backends: withHealth({ codex: missing }), allowFallback: true },
    expected: {
      name: "claude-code",
      reason: "repo prefers codex, which is unavailable (binary not found); fell back to claude-code",
      fallbacks: ["aider"],
    },
  },
  {
    name: "an unhealthy request falls back to the repo preference before the rest",
    input: { requested: "codex", repoPreference: "aider", backends: withHealth({ codex: missing }), allowFallback: true },
    expected: {
      name: "aider",
      reason: "requested codex with /moderator run --backend, which is unavailable (binary not found); fell back to aider (repo preference)",
      fallbacks: ["claude-code"],
    },
  },
  {
    name: "a repo preference the operator does not offer counts as unavailable",
    input: { repoPreference: "gemini", operatorDefault: "codex", backends: three, allowFallback: true },
    expected: {
      name: "codex",
      reason: "repo prefers gemini, which is not configured; fell back to codex (operator default)",
      fallbacks: ["claude-code", "aider"],
    },
  },
  {
    name: "fallback disallowed: an unhealthy preference is an error",
    input: { repoPreference: "codex", backends: withHealth({ codex: missing }), allowFallback: false },
    expected: { error: "repo prefers codex, which is unavailable (binary not found), and falling back to another backend is not allowed" },
  },
  {
    name: "fallback disallowed: a healthy choice has no fallbacks",
    input: { operatorDefault: "codex", backends: three, allowFallback: false },
    expected: { name: "codex", reason: "operator default is codex; using it", fallbacks: [] },
  },
  {
    name: "an unknown requested backend is an error even with fallback allowed",
    input: { requested: "cdex", backends: three, allowFallback: true },
    expected: {
      error: "backend cdex was requested (/moderator run --backend), but it is not configured; configured: claude-code, codex, aider",
    },
  },
  {
    name: "nothing healthy",
    input: { repoPreference: "codex", backends: withHealth({ "claude-code": down, codex: missing, aider: down }), allowFallback: true },
    expected: {
      error:
        "repo prefers codex, which is unavailable (binary not found); no backend is available (claude-code: unavailable; codex: unavailable (binary not found); aider: unavailable)",
    },
  },
  {
    name: "no backends at all",
    input: { backends: [], allowFallback: true },
    expected: { error: "no backend is configured for this run; define one under `backends` in moderator.config.yml" },
  },
  {
    name: "scores order the fallbacks; unscored backends come after scored ones",
    input: {
      operatorDefault: "claude-code",
      backends: [...withHealth({ "claude-code": missing }), { name: "gemini", health: ok }],
      allowFallback: true,
      taskType: "bugfix",
      scores: (b, t) => (t !== "bugfix" ? undefined : ({ codex: 0.4, aider: 0.9 } as Record<string, number>)[b]),
    },
    expected: {
      name: "aider",
      reason: "operator default is claude-code, which is unavailable (binary not found); fell back to aider (best learned score for bugfix tasks)",
      fallbacks: ["codex", "gemini"],
    },
  },
  {
    name: "scores pick when there is no preference",
    input: { backends: three, allowFallback: true, taskType: "docs", scores: (b) => (b === "codex" ? 0.7 : b === "aider" ? 0.8 : 0.1) },
    expected: {
      name: "aider",
      reason: "no backend was requested or preferred; chose aider (best learned score for docs tasks)",
      fallbacks: ["codex", "claude-code"],
    },
  },
  {
    name: "scores do not override an explicit healthy preference, but order its fallbacks",
    input: { repoPreference: "claude-code", backends: three, allowFallback: true, taskType: "docs", scores: (b) => (b === "aider" ? 1 : 0.5) },
    expected: { name: "claude-code", reason: "repo prefers claude-code; using it", fallbacks: ["aider", "codex"] },
  },
  {
    name: "scores without a task type are ignored",
    input: { backends: three, allowFallback: true, scores: () => 1 },
    expected: {
      name: "claude-code",
      reason: "no backend was requested or preferred; chose claude-code (first healthy backend in config order)",
      fallbacks: ["codex", "aider"],
    },
  },
  {
    name: "duplicate backend names: the first one counts",
    input: { backends: [{ name: "codex", health: missing }, { name: "codex", health: ok }, { name: "aider", health: ok }], allowFallback: false, operatorDefault: "codex" },
    expected: { error: "operator default is codex, which is unavailable (binary not found), and falling back to another backend is not allowed" },
  },
];

describe("routeBackend", () => {
  it.each(table)("$name", ({ input, expected }) => {
    expect(routeBackend(input)).toEqual(expected);
  });

  it("treats NaN scores as no score", () => {
    const route = routeBackend({ backends: three, allowFallback: true, taskType: "t", scores: (b) => (b === "aider" ? Number.NaN : b === "codex" ? 0.2 : undefined) });
    expect(route).toMatchObject({ name: "codex", fallbacks: ["claude-code", "aider"] });
  });
});

describe("nextFallback", () => {
  it("walks the fallbacks in order and ends with an error", () => {
    const first = routeBackend({ repoPreference: "codex", backends: three, allowFallback: true });
    if ("error" in first) throw new Error(first.error);
    const second = nextFallback(first, "codex", "exited with signal SIGSEGV");
    expect(second).toEqual({ name: "claude-code", reason: "codex failed (exited with signal SIGSEGV); falling back to claude-code", fallbacks: ["aider"] });
    if ("error" in second) throw new Error(second.error);
    const third = nextFallback(second, "claude-code");
    expect(third).toEqual({ name: "aider", reason: "claude-code failed; falling back to aider", fallbacks: [] });
    if ("error" in third) throw new Error(third.error);
    expect(nextFallback(third, "aider", "timed out")).toEqual({ error: "aider failed (timed out), and no fallback backend is left" });
  });

  it("never falls back to the backend that failed", () => {
    expect(nextFallback({ name: "codex", reason: "", fallbacks: ["codex", "aider"] }, "codex")).toMatchObject({ name: "aider", fallbacks: [] });
  });
});
