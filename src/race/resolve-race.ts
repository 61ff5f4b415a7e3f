import type { RepoConfig } from "../config/repo-config.ts";

/** One racer: its name in the race (branch-safe, unique) and the operator backend it runs. */
export interface RaceCandidate {
  name: string;
  backend: string;
}

export interface RacePlan {
  candidates: RaceCandidate[];
  /** The race's total cost cap (the repository's `race.maxCostUsd`). */
  maxCostUsd?: number;
}

export interface ResolveRaceInput {
  /** The value of `--race` (`claude,codex` or `3`); absent = the repository's `race:`. */
  flag?: string | undefined;
  repoRace: RepoConfig["race"];
  /** The backend a single run would use (`--backend`, the repository's, the operator's default). */
  chosenBackend: string | undefined;
  operatorBackends: readonly string[];
  maxRaceAttempts: number;
}

/**
 * Which candidates a race runs. Pure. `--race 3` is three attempts of the chosen backend (`codex-1`, `codex-2`, ...);
 * `--race claude,codex` one candidate per backend (a backend named twice gets `-2`). Every problem is named with
 * where it comes from; more candidates than `limits.maxRaceAttempts` is refused, not cut.
 */
export function resolveRace(input: ResolveRaceInput): RacePlan | { error: string } {
  const where = input.flag !== undefined ? "`--race`" : "`race:` in .github/moderator.yml";
  let backends: string[];
  const flag = input.flag?.trim();
  if (flag !== undefined && flag !== "") {
    if (/^\d+$/.test(flag)) backends = attemptsOf(Number(flag), input.chosenBackend);
    else backends = flag.split(",").map((b) => b.trim()).filter((b) => b !== "");
  } else if (input.repoRace?.backends) {
    backends = input.repoRace.backends.flatMap((b) => Array.from({ length: input.repoRace?.attempts ?? 1 }, () => b));
  } else if (input.repoRace?.attempts !== undefined) {
    backends = attemptsOf(input.repoRace.attempts, input.chosenBackend);
  } else {
    return { error: `${where}: name the backends (\`--race claude,codex\`) or the number of attempts (\`--race 3\`)` };
  }
  if (backends.some((b) => b === "")) return { error: `${where}: no backend is configured to race (the operator sets \`defaultBackend\`)` };
  if (backends.length < 2) return { error: `${where}: a race needs at least 2 candidates, got ${backends.length}` };
  if (backends.length > input.maxRaceAttempts) {
    return { error: `${where}: ${backends.length} candidates asked, the operator allows at most ${input.maxRaceAttempts} (limits.maxRaceAttempts)` };
  }
  const unknown = [...new Set(backends.filter((b) => !input.operatorBackends.includes(b)))];
  if (unknown.length > 0) {
    return { error: `${where}: unknown backend${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => `\`${u}\``).join(", ")}; the operator's are ${input.operatorBackends.map((b) => `\`${b}\``).join(", ") || "none"}` };
  }
  const total = new Map<string, number>();
  for (const b of backends) total.set(b, (total.get(b) ?? 0) + 1);
  const seen = new Map<string, number>();
  const candidates = backends.map((backend) => {
    const n = (seen.get(backend) ?? 0) + 1;
    seen.set(backend, n);
    const base = backend.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "agent";
    return { backend, name: (total.get(backend) ?? 1) > 1 ? `${base}-${n}` : base };
  });
  return { candidates, ...(input.repoRace?.maxCostUsd !== undefined ? { maxCostUsd: input.repoRace.maxCostUsd } : {}) };
}

function attemptsOf(n: number, backend: string | undefined): string[] {
  return Array.from({ length: n }, () => backend ?? "");
}
