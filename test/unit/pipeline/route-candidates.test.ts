import { describe, expect, it } from "vitest";
import type { BackendHealth } from "../../../src/backends/backend.ts";
import { estimateAcceptance } from "../../../src/learner/estimate-acceptance.ts";
import type { LearnerEvent } from "../../../src/learner/learner-event.ts";
import { createRng, thompsonScores } from "../../../src/learner/thompson-route.ts";
import { routeBackend } from "../../../src/pipeline/route-backend.ts";
import { parseRepoConfig } from "../../../src/config/repo-config.ts";

const ok: BackendHealth = { ok: true };
const backends = ["claude", "codex", "aider"].map((name) => ({ name, health: ok }));
const now = new Date("2025-06-01T00:00:00Z");
const events = (backend: string, merged: number, closed: number): LearnerEvent[] => [
  ...Array.from({ length: merged }, () => ({ scope: "backend" as const, key: `${backend}:change`, repositoryId: 1, outcome: "accept" as const, at: now })),
  ...Array.from({ length: closed }, () => ({ scope: "backend" as const, key: `${backend}:change`, repositoryId: 1, outcome: "reject" as const, at: now })),
];
// codex gets merged, claude does not.
const table = estimateAcceptance([...events("codex", 12, 1), ...events("claude", 1, 12)], { now });

describe("learned routing among the repository's `backends:` candidates", () => {
  it("the repo config takes a candidate list", () => {
    const r = parseRepoConfig("backend: claude\nbackends: [claude, codex]\n");
    expect(r.ok && r.config.backends).toEqual(["claude", "codex"]);
  });

  it("the learner chooses among the candidates even when the repo's backend and the operator default are set", () => {
    const chosen: Record<string, number> = {};
    for (let seed = 1; seed <= 200; seed++) {
      const scores = thompsonScores(table, { repositoryId: 1, taskType: "change", backends: ["claude", "codex"], rng: createRng(seed) });
      const route = routeBackend({
        repoPreference: "claude",
        operatorDefault: "claude",
        candidates: ["claude", "codex"],
        backends,
        allowFallback: true,
        taskType: "change",
        scores: (name) => scores.get(name),
      });
      if ("error" in route) throw new Error(route.error);
      chosen[route.name] = (chosen[route.name] ?? 0) + 1;
      expect(route.fallbacks).not.toContain("aider");
    }
    expect(chosen["codex"]).toBeGreaterThan(180);
    expect(chosen["aider"]).toBeUndefined();
  });

  it("says so in the reason", () => {
    const route = routeBackend({ candidates: ["claude", "codex"], repoPreference: "claude", backends, allowFallback: true, taskType: "change", scores: (n) => ({ claude: 0.1, codex: 0.8 })[n] });
    expect(route).toEqual({ name: "codex", reason: "learned routing among the repository's candidates (claude, codex): codex has the best sampled merge rate for change tasks", fallbacks: ["claude"] });
  });

  it("without learner data, the repo's backend among the candidates, then list order", () => {
    expect(routeBackend({ candidates: ["codex", "claude"], repoPreference: "claude", backends, allowFallback: true, taskType: "change", scores: () => undefined })).toEqual({
      name: "claude",
      reason: "no learner data yet on the repository's candidates (codex, claude); repo prefers claude; using it",
      fallbacks: ["codex"],
    });
    expect(routeBackend({ candidates: ["codex", "claude"], backends, allowFallback: true })).toMatchObject({ name: "codex", fallbacks: ["claude"] });
  });

  it("an unhealthy candidate is skipped; none healthy falls back outside the list only when allowed; a request still wins", () => {
    const health = [
      { name: "claude", health: { ok: false, detail: "not installed" } },
      { name: "codex", health: { ok: false } },
      { name: "aider", health: ok },
    ];
    expect(routeBackend({ candidates: ["claude", "codex"], backends: health, allowFallback: false })).toEqual({
      error: "none of the repository's candidate backends (claude, codex) is available (claude: unavailable (not installed); codex: unavailable), and falling back to another backend is not allowed",
    });
    expect(routeBackend({ candidates: ["claude", "codex"], backends: health, allowFallback: true })).toMatchObject({ name: "aider", reason: expect.stringContaining("fell back to aider") });
    expect(routeBackend({ requested: "aider", candidates: ["claude", "codex"], backends, allowFallback: true })).toMatchObject({ name: "aider" });
    expect(routeBackend({ candidates: ["ghost"], backends, allowFallback: true })).toEqual({ error: "none of the repository's candidate backends (ghost) is configured; configured: claude, codex, aider" });
  });
});
