import { describe, expect, it } from "vitest";
import { resolveRace } from "../../../src/race/resolve-race.ts";

const base = { repoRace: undefined, chosenBackend: "codex", operatorBackends: ["claude", "codex"], maxRaceAttempts: 3 };

describe("resolveRace", () => {
  it("--race claude,codex: one candidate per backend", () => {
    expect(resolveRace({ ...base, flag: "claude,codex" })).toEqual({ candidates: [{ name: "claude", backend: "claude" }, { name: "codex", backend: "codex" }] });
  });
  it("--race 3: three attempts of the chosen backend, numbered", () => {
    expect(resolveRace({ ...base, flag: "3" })).toEqual({ candidates: [1, 2, 3].map((n) => ({ name: `codex-${n}`, backend: "codex" })) });
  });
  it("a backend named twice gets numbers; the repository's cap comes along", () => {
    expect(resolveRace({ ...base, flag: undefined, repoRace: { backends: ["claude", "codex"], attempts: 1, maxCostUsd: 2 } })).toEqual({
      candidates: [{ name: "claude", backend: "claude" }, { name: "codex", backend: "codex" }],
      maxCostUsd: 2,
    });
    expect(resolveRace({ ...base, flag: "codex,codex" })).toMatchObject({ candidates: [{ name: "codex-1" }, { name: "codex-2" }] });
  });
  it("the flag wins over the repository's race:", () => {
    expect(resolveRace({ ...base, flag: "2", repoRace: { backends: ["claude", "codex"] } })).toMatchObject({ candidates: [{ name: "codex-1" }, { name: "codex-2" }] });
  });
  it("refuses more than limits.maxRaceAttempts, unknown backends, fewer than two, and says where", () => {
    expect(resolveRace({ ...base, flag: "4" })).toEqual({ error: "`--race`: 4 candidates asked, the operator allows at most 3 (limits.maxRaceAttempts)" });
    expect(resolveRace({ ...base, flag: undefined, repoRace: { attempts: 5 } })).toEqual({ error: "`race:` in .github/moderator.yml: 5 candidates asked, the operator allows at most 3 (limits.maxRaceAttempts)" });
    expect(resolveRace({ ...base, flag: "claude,gemini" })).toEqual({ error: "`--race`: unknown backend `gemini`; the operator's are `claude`, `codex`" });
    expect(resolveRace({ ...base, flag: "1" })).toEqual({ error: "`--race`: a race needs at least 2 candidates, got 1" });
    expect(resolveRace({ ...base, flag: "" })).toMatchObject({ error: expect.stringContaining("name the backends") });
  });
});
