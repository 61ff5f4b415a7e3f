import { describe, expect, it } from "vitest";
import { routeBackend } from "../../../src/pipeline/route-backend.ts";
import { applyOverrides } from "../../../src/learner/apply-overrides.ts";
import { estimateAcceptance } from "../../../src/learner/estimate-acceptance.ts";
import { regularizedIncompleteBeta } from "../../../src/learner/incomplete-beta.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { sampleBeta, sampleGamma } from "../../../src/learner/sample-beta.ts";
import { createRng, thompsonScores } from "../../../src/learner/thompson-route.ts";

const now = new Date("2025-06-01T00:00:00Z");
const merges = (backend: string, taskType: string, merged: number, closed: number, repositoryId = 1): LearnerEvent[] => [
  ...Array.from({ length: merged }, () => ({ scope: "backend" as const, key: `${backend}:${taskType}`, repositoryId, outcome: "accept" as const, at: now })),
  ...Array.from({ length: closed }, () => ({ scope: "backend" as const, key: `${backend}:${taskType}`, repositoryId, outcome: "reject" as const, at: now })),
];

describe("createRng (mulberry32)", () => {
  it("gives the reference mulberry32 sequence", () => {
    // The canonical mulberry32 (Tommy Ettinger's, as commonly published in JavaScript) for these seeds.
    const first4 = (seed: number) => {
      const rng = createRng(seed);
      return [rng(), rng(), rng(), rng()];
    };
    expect(first4(0)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]);
    expect(first4(42)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    expect(first4(123456789)).toEqual([0.2577907438389957, 0.9707721115555614, 0.7853280142880976, 0.20616457983851433]);
  });

  it("stays within [0, 1) and two generators with one seed agree", () => {
    const a = createRng(99);
    const b = createRng(99);
    for (let i = 0; i < 10_000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it("rejects a seed that is not a finite number", () => {
    expect(() => createRng(Number.NaN)).toThrow("createRng: seed must be a finite number, got NaN");
  });
});

describe("sampleBeta and sampleGamma", () => {
  it("draw from the right distribution (moments and CDF at quartiles, 20 000 seeded draws)", () => {
    for (const [a, b] of [[2, 5], [0.5, 0.5], [30, 4], [0.3, 2]] as const) {
      const rng = createRng(2024);
      const draws = Array.from({ length: 20_000 }, () => sampleBeta(a, b, rng));
      const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
      const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
      expect(Math.abs(mean - a / (a + b))).toBeLessThan(0.01);
      expect(Math.abs(variance - (a * b) / ((a + b) ** 2 * (a + b + 1)))).toBeLessThan(0.01);
      for (const q of [0.25, 0.5, 0.75]) {
        const share = draws.filter((x) => x <= q).length / draws.length;
        expect(Math.abs(share - regularizedIncompleteBeta(q, a, b))).toBeLessThan(0.015);
      }
    }
  });

  it("gives Gamma(k) mean k for shapes above and below 1", () => {
    for (const k of [0.4, 1, 3.5]) {
      const rng = createRng(7);
      const draws = Array.from({ length: 20_000 }, () => sampleGamma(k, rng));
      expect(Math.abs(draws.reduce((s, x) => s + x, 0) / draws.length - k) / k).toBeLessThan(0.03);
    }
  });

  it("fails with a message instead of looping on a broken rng", () => {
    expect(() => sampleGamma(2, () => Number.NaN)).toThrow("sampleGamma: no sample accepted in 1000 tries; is the rng returning numbers in [0, 1)?");
    expect(() => sampleBeta(0, 1, createRng(1))).toThrow("sampleBeta: shape a must be a finite number > 0, got 0");
  });
});

describe("thompsonScores", () => {
  const table = estimateAcceptance([...merges("codex", "change", 1, 1), ...merges("aider", "change", 0, 1), ...merges("claude-code", "docs", 5, 0)], { now });

  it("is exactly reproducible with a seed", () => {
    const scores = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["codex", "aider", "claude-code"], rng: createRng(7) });
    expect([...scores]).toEqual([
      ["codex", 0.6868396368471685],
      ["aider", 0.46805017049350217],
      ["claude-code", 0.313478307080478],
    ]);
    const again = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["codex", "aider", "claude-code"], rng: createRng(7) });
    expect(again).toEqual(scores);
    const other = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["codex", "aider", "claude-code"], rng: createRng(8) });
    expect(other).not.toEqual(scores);
  });

  it("samples each backend once, in order, skipping duplicates", () => {
    const rng = createRng(3);
    const scores = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["aider", "aider", "codex"], rng });
    expect([...scores.keys()]).toEqual(["aider", "codex"]);
    const replay = createRng(3);
    const aider = table.find((e) => e.key === "aider:change");
    const codex = table.find((e) => e.key === "codex:change");
    if (!aider || !codex) throw new Error("missing entries");
    expect(scores.get("aider")).toBe(sampleBeta(aider.alpha, aider.beta, replay));
    expect(scores.get("codex")).toBe(sampleBeta(codex.alpha, codex.beta, replay));
  });

  it("mostly picks the backend that gets merged, and still explores the others", () => {
    const learned = estimateAcceptance([...merges("codex", "change", 18, 2), ...merges("aider", "change", 3, 17)], { now });
    const rng = createRng(11);
    const wins = { codex: 0, aider: 0, fresh: 0 };
    for (let i = 0; i < 2000; i++) {
      const scores = thompsonScores(learned, { repositoryId: 1, taskType: "change", backends: ["codex", "aider", "fresh"], rng });
      const best = [...scores].sort((x, y) => y[1] - x[1])[0]?.[0] as keyof typeof wins;
      wins[best] += 1;
    }
    expect(wins.codex).toBeGreaterThan(1700);
    expect(wins.fresh).toBeGreaterThan(0);
    expect(wins.aider).toBeLessThan(wins.fresh);
  });

  it("uses an overridden acceptance as the score, without a draw", () => {
    const applied = applyOverrides(table, { version: 1, backends: { "aider:change": { acceptance: 0.99 } } }, 1);
    const rng = createRng(7);
    const scores = thompsonScores(applied, { repositoryId: 1, taskType: "change", backends: ["aider", "codex"], rng });
    expect(scores.get("aider")).toBe(0.99);
    // codex got the rng's first draw, as it would have had aider not been sampled at all.
    expect(scores.get("codex")).toBe(thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["codex"], rng: createRng(7) }).get("codex"));
  });

  it("plugs into routeBackend's scores hook", () => {
    const scores = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["aider", "codex", "claude-code"], rng: createRng(7) });
    const route = routeBackend({
      backends: ["aider", "codex", "claude-code"].map((name) => ({ name, health: { ok: true } })),
      allowFallback: true,
      taskType: "change",
      scores: (name) => scores.get(name),
    });
    const best = [...scores].sort((x, y) => y[1] - x[1]).map(([name]) => name);
    expect(route).toMatchObject({ name: best[0], fallbacks: best.slice(1) });
  });
});

describe("routing without learner data", () => {
  const healthy = { ok: true as const, detail: "ok" };
  const backends = [
    { name: "first", health: { ok: false as const, detail: "not installed" } },
    { name: "second", health: healthy },
    { name: "third", health: healthy },
    { name: "fourth", health: healthy },
  ];

  it("gives no scores while nothing is known about any candidate (no draw from the flat prior)", () => {
    const scores = thompsonScores([], { repositoryId: 1, taskType: "change", backends: backends.map((b) => b.name), rng: createRng(7) });
    expect([...scores.keys()]).toEqual([]);
    const table = estimateAcceptance(merges("third", "change", 3, 0), { now });
    const some = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: backends.map((b) => b.name), rng: createRng(7) });
    // Once something is known, the others are drawn from the prior: they still get explored.
    expect([...some.keys()]).toEqual(["first", "second", "third", "fourth"]);
  });

  it("falls back to the next healthy backend in config order, whatever the seed", () => {
    const chosen = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const scores = thompsonScores([], { repositoryId: 1, taskType: "change", backends: backends.map((b) => b.name), rng: createRng(seed) });
      const route = routeBackend({ operatorDefault: "first", backends, allowFallback: true, taskType: "change", scores: (name) => scores.get(name) });
      if ("error" in route) throw new Error(route.error);
      chosen.add(`${route.name} then ${route.fallbacks.join(",")}`);
    }
    expect([...chosen]).toEqual(["second then third,fourth"]);
  });
});
