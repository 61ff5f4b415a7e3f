import type { BackendHealth } from "../backends/backend.ts";

export interface RouteBackendInput {
  /** `/moderator run --backend <name>`. An unknown name is an error: a maintainer's explicit choice is never guessed at. */
  requested?: string;
  /** The repository config's choice. */
  repoPreference?: string;
  /** The operator config's `defaultBackend`. */
  operatorDefault?: string;
  /**
   * The repository config's `backends:` list: the learner chooses among these (by `scores`) whatever `repoPreference`
   * and `operatorDefault` say; without scores, those two (when among the candidates) and then the list order decide.
   */
  candidates?: readonly string[];
  /** The backends this run may use, in config order, with their health. */
  backends: ReadonlyArray<{ name: string; health: BackendHealth }>;
  /** Whether another healthy backend may be used when the preferred one is unhealthy (and after a crash). */
  allowFallback: boolean;
  taskType?: string;
  /** The learner's success score for a backend on a task type (higher is better); undefined when it has no data. */
  scores?: (backend: string, taskType: string) => number | undefined;
}

export interface BackendRoute {
  name: string;
  /** One sentence for the tracking comment and the event log. */
  reason: string;
  /** Healthy backends to try, in order, if the chosen one crashes; empty when fallback is not allowed. */
  fallbacks: string[];
}

export type RouteResult = BackendRoute | { error: string };

type Source = "requested" | "repo" | "operator";

interface Preference {
  source: Source;
  name: string;
}

function describePreference(p: Preference): string {
  switch (p.source) {
    case "requested":
      return `requested ${p.name} with /moderator run --backend`;
    case "repo":
      return `repo prefers ${p.name}`;
    case "operator":
      return `operator default is ${p.name}`;
  }
}

function describeHealth(health: BackendHealth | undefined): string {
  if (!health) return "not configured";
  const detail = health.detail?.trim();
  return detail ? `unavailable (${detail})` : "unavailable";
}

function validScore(value: number | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * The ExecutionRouter: which backend runs a task. Pure.
 *
 * The preference is the first of `requested`, `repoPreference` and `operatorDefault` that is set.
 * When it is healthy it is chosen. When it is not (unhealthy, or not among `backends`) and fallback
 * is allowed, the next candidate is the next of those preferences that is healthy, then the other
 * healthy backends ordered by learner score for `taskType` (highest first; backends without a score
 * after those with one; ties in config order), else in config order. With no preference at all, the
 * same ordering picks. Fallback not allowed, or nothing healthy: `{ error }` saying why.
 * `fallbacks` lists what to try, in order, if the chosen backend crashes (see nextFallback).
 * With `candidates` (the repository's `backends:` list) and no request, see routeAmongCandidates: the learner's
 * scores choose among them first, whatever the preferences say.
 */
export function routeBackend(input: RouteBackendInput): RouteResult {
  // First occurrence of a name wins; duplicates are ignored.
  const byName = new Map<string, BackendHealth>();
  for (const b of input.backends) if (!byName.has(b.name)) byName.set(b.name, b.health);
  const configured = [...byName.keys()];
  if (configured.length === 0) {
    return { error: "no backend is configured for this run; define one under `backends` in moderator.config.yml" };
  }
  const isHealthy = (name: string): boolean => byName.get(name)?.ok === true;

  if (input.requested !== undefined && !byName.has(input.requested)) {
    return {
      error: `backend ${input.requested} was requested (/moderator run --backend), but it is not configured; configured: ${configured.join(", ")}`,
    };
  }

  if (input.candidates !== undefined && input.candidates.length > 0 && input.requested === undefined) {
    return routeAmongCandidates(input, input.candidates, byName, configured);
  }

  const preferences: Preference[] = [];
  const add = (source: Source, name: string | undefined) => {
    if (name !== undefined && name !== "" && !preferences.some((p) => p.name === name)) preferences.push({ source, name });
  };
  add("requested", input.requested);
  add("repo", input.repoPreference);
  add("operator", input.operatorDefault);

  // Everything healthy, best first: remaining preferences, then the rest ranked.
  const ranked = rankHealthy(configured.filter(isHealthy), input);
  const order = [
    ...preferences.map((p) => p.name).filter(isHealthy),
    ...ranked.names.filter((n) => !preferences.some((p) => p.name === n)),
  ];

  const preferred = preferences[0];
  if (preferred === undefined) {
    const chosen = order[0];
    if (chosen === undefined) return { error: noneHealthy(byName) };
    return {
      name: chosen,
      reason: `no backend was requested or preferred; chose ${chosen} (${ranked.scored ? `best learned score for ${input.taskType} tasks` : "first healthy backend in config order"})`,
      fallbacks: input.allowFallback ? order.slice(1) : [],
    };
  }

  if (isHealthy(preferred.name)) {
    const rest = order.filter((n) => n !== preferred.name);
    return { name: preferred.name, reason: `${describePreference(preferred)}; using it`, fallbacks: input.allowFallback ? rest : [] };
  }

  const why = `${describePreference(preferred)}, which is ${describeHealth(byName.get(preferred.name))}`;
  if (!input.allowFallback) {
    return { error: `${why}, and falling back to another backend is not allowed` };
  }
  const chosen = order[0];
  if (chosen === undefined) return { error: `${why}; ${noneHealthy(byName)}` };
  const via = preferences.find((p) => p.name === chosen);
  const how = via ? ` (${via.source === "repo" ? "repo preference" : "operator default"})` : ranked.scored ? ` (best learned score for ${input.taskType} tasks)` : "";
  return { name: chosen, reason: `${why}; fell back to ${chosen}${how}`, fallbacks: order.slice(1) };
}

/** The repository listed candidates (`backends:`) and nothing was requested: learned routing among them. */
function routeAmongCandidates(
  input: RouteBackendInput,
  listed: readonly string[],
  byName: ReadonlyMap<string, BackendHealth>,
  configured: string[],
): RouteResult {
  const candidates = [...new Set(listed)].filter((n) => byName.has(n));
  const list = [...new Set(listed)].join(", ");
  if (candidates.length === 0) return { error: `none of the repository's candidate backends (${list}) is configured; configured: ${configured.join(", ")}` };
  const isHealthy = (name: string): boolean => byName.get(name)?.ok === true;
  const healthy = candidates.filter(isHealthy);
  const ranked = rankHealthy(healthy, input);
  if (ranked.scored) {
    const [chosen, ...rest] = ranked.names as [string, ...string[]];
    return {
      name: chosen,
      reason: `learned routing among the repository's candidates (${list}): ${chosen} has the best sampled merge rate for ${input.taskType} tasks`,
      fallbacks: input.allowFallback ? rest : [],
    };
  }
  // No learner data on any candidate: the repository's `backend`, the operator default (when among the candidates), then list order.
  const preferred: Preference | undefined =
    input.repoPreference !== undefined && candidates.includes(input.repoPreference)
      ? { source: "repo", name: input.repoPreference }
      : input.operatorDefault !== undefined && candidates.includes(input.operatorDefault)
        ? { source: "operator", name: input.operatorDefault }
        : undefined;
  const order = [...(preferred ? [preferred.name] : []), ...candidates.filter((n) => n !== preferred?.name)].filter(isHealthy);
  const head = `no learner data yet on the repository's candidates (${list})`;
  const chosen = order[0];
  if (chosen !== undefined) {
    const how = preferred?.name === chosen ? `${describePreference(preferred)}; using it` : preferred ? `${describePreference(preferred)}, which is ${describeHealth(byName.get(preferred.name))}; fell back to ${chosen}` : `first healthy candidate is ${chosen}`;
    return { name: chosen, reason: `${head}; ${how}`, fallbacks: input.allowFallback ? order.slice(1) : [] };
  }
  const why = `none of the repository's candidate backends (${list}) is available (${candidates.map((n) => `${n}: ${describeHealth(byName.get(n))}`).join("; ")})`;
  if (!input.allowFallback) return { error: `${why}, and falling back to another backend is not allowed` };
  const others = configured.filter((n) => isHealthy(n) && !candidates.includes(n));
  const other = others[0];
  if (other === undefined) return { error: `${why}; ${noneHealthy(byName)}` };
  return { name: other, reason: `${why}; fell back to ${other}`, fallbacks: others.slice(1) };
}

/** Healthy backends, by learner score when scores and a task type are given, else in config order. */
function rankHealthy(healthy: string[], input: RouteBackendInput): { names: string[]; scored: boolean } {
  const { scores, taskType } = input;
  if (!scores || taskType === undefined) return { names: healthy, scored: false };
  const scored = healthy.map((name, index) => {
    const value = scores(name, taskType);
    return { name, index, score: validScore(value) ? value : undefined };
  });
  if (!scored.some((s) => s.score !== undefined)) return { names: healthy, scored: false };
  scored.sort((a, b) => {
    if (a.score !== undefined && b.score !== undefined && a.score !== b.score) return b.score - a.score;
    if (a.score === undefined && b.score !== undefined) return 1;
    if (a.score !== undefined && b.score === undefined) return -1;
    return a.index - b.index;
  });
  return { names: scored.map((s) => s.name), scored: true };
}

function noneHealthy(byName: ReadonlyMap<string, BackendHealth>): string {
  const list = [...byName].map(([name, health]) => `${name}: ${describeHealth(health)}`).join("; ");
  return `no backend is available (${list})`;
}

/**
 * After `failed` crashed or failed on infrastructure: the next backend of `route.fallbacks`, or an
 * error when none is left. `why` (e.g. "exited with signal SIGSEGV") goes into the reason.
 */
export function nextFallback(route: BackendRoute, failed: string, why?: string): RouteResult {
  const remaining = route.fallbacks.filter((n) => n !== failed);
  const what = `${failed} failed${why ? ` (${why})` : ""}`;
  const next = remaining[0];
  if (next === undefined) return { error: `${what}, and no fallback backend is left` };
  return { name: next, reason: `${what}; falling back to ${next}`, fallbacks: remaining.slice(1) };
}
