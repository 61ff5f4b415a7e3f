import { betaQuantile } from "./beta-quantile.ts";
import { resolveEstimateSettings, type EstimateSettings } from "./learner-config.ts";
import { LEARNER_SCOPES, type LearnerEvent, type LearnerScope } from "./learner-event.ts";

const DAY_MS = 86_400_000;

/** What a file of overrides (`.github/moderator-learnings.yml`) set for an entry; see applyOverrides. */
export interface AcceptanceOverride {
  acceptance?: number;
  /** Rules only: suppress (true) or never suppress (false), whatever the estimate says. */
  suppress?: boolean;
  /** Improvement types only: never propose this type. */
  disabled?: boolean;
  /** The estimate before the override, for display. */
  learned: { mean: number; lower: number; upper: number };
}

/** What the Learner believes about one thing in one repository. */
export interface AcceptanceEntry {
  scope: LearnerScope;
  repositoryId: number;
  key: string;
  /** Decayed, weighted count of acceptances in this repository. */
  accepts: number;
  /** Decayed, weighted count of rejections in this repository. */
  rejects: number;
  /** accepts + rejects. */
  evidence: number;
  /** Posterior mean of the acceptance rate. */
  mean: number;
  /** Lower bound of the central credible interval (90% by default). */
  lower: number;
  /** Upper bound of the central credible interval. */
  upper: number;
  /**
   * The rate for this (scope, key) across the installation's *other* repositories, prior included: what this
   * repository's estimate is shrunk toward (its own feedback is not counted twice). For a repository without
   * feedback (lookupAcceptance), the rate across all repositories.
   */
  installationRate: number;
  /**
   * Weighted rejections in this repository since its latest acceptance (one at the same instant counts), decayed by
   * the age of the latest of them: "dismissed N times in a row", for suppression's `minEvidence`. A suppression it
   * causes expires after a while (one half-life halves it) unless maintainers keep confirming it.
   */
  rejectStreak: number;
  /** Posterior Beta(alpha, beta) of the acceptance rate. */
  alpha: number;
  beta: number;
  /** Set by applyOverrides when the learnings file says something about this entry. */
  override?: AcceptanceOverride;
}

export type AcceptanceTable = AcceptanceEntry[];

export interface EstimateOptions extends Partial<EstimateSettings> {
  /** The time the decay is measured from. */
  now: Date;
}

/**
 * Acceptance estimates from learner events. Pure: `now` is an input.
 *
 * - Each event counts `weight · 0.5^(ageDays / halfLifeDays)`; an event dated after `now` counts as of now.
 * - For each (scope, repository, key), the installation rate pools the *other* repositories:
 *   p0 = (α + A − a) / (α + β + A − a + R − r), where A and R are the decayed accepts and rejects of every repository,
 *   a and r this repository's, and Beta(α, β) is `prior` (a repository's own feedback is not counted twice).
 * - For each (scope, repository, key) with events, the posterior is Beta(s·p0 + a, s·(1 − p0) + r), with
 *   s = `shrinkStrength`: a repository with little feedback stays near the installation rate.
 * - `mean` is the posterior mean, `lower` and `upper` its central `credibleMass` interval.
 *
 * Entries come sorted by scope (rule, improvement, backend), repository and key. Throws an Error naming the
 * event (its index, scope and key) when an event is malformed, and the option when an option is out of range.
 */
export function estimateAcceptance(events: readonly LearnerEvent[], opts: EstimateOptions): AcceptanceTable {
  const { now, ...rest } = opts;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new Error("estimateAcceptance: `now` must be a valid Date");
  const settings = resolveEstimateSettings(rest, "estimateAcceptance options");
  const nowMs = now.getTime();

  const perRepo = new Map<string, { scope: LearnerScope; repositoryId: number; key: string; accepts: number; rejects: number; lastAcceptAt: number; rejectsAt: Array<{ at: number; weight: number }> }>();
  const perKey = new Map<string, { accepts: number; rejects: number }>();
  events.forEach((event, index) => {
    checkEvent(event, index);
    const ageDays = Math.max(0, (nowMs - event.at.getTime()) / DAY_MS);
    const w = (event.weight ?? 1) * 0.5 ** (ageDays / settings.halfLifeDays);
    const repoId = `${event.scope}\u0000${event.repositoryId}\u0000${event.key}`;
    const keyId = `${event.scope}\u0000${event.key}`;
    const repo = perRepo.get(repoId) ?? { scope: event.scope, repositoryId: event.repositoryId, key: event.key, accepts: 0, rejects: 0, lastAcceptAt: -Infinity, rejectsAt: [] };
    const all = perKey.get(keyId) ?? { accepts: 0, rejects: 0 };
    if (event.outcome === "accept") {
      repo.accepts += w;
      all.accepts += w;
      repo.lastAcceptAt = Math.max(repo.lastAcceptAt, event.at.getTime());
    } else {
      repo.rejects += w;
      all.rejects += w;
      repo.rejectsAt.push({ at: event.at.getTime(), weight: event.weight ?? 1 });
    }
    perRepo.set(repoId, repo);
    perKey.set(keyId, all);
  });

  const table: AcceptanceTable = [];
  for (const repo of perRepo.values()) {
    const all = perKey.get(`${repo.scope}\u0000${repo.key}`) ?? { accepts: 0, rejects: 0 };
    const installationRate = installationRateOf(Math.max(0, all.accepts - repo.accepts), Math.max(0, all.rejects - repo.rejects), settings);
    const run = repo.rejectsAt.filter((r) => r.at >= repo.lastAcceptAt);
    const latest = Math.min(nowMs, Math.max(...run.map((r) => r.at)));
    // The run counts its events as they came; its memory fades from the latest of them.
    const rejectStreak = run.length === 0 ? 0 : run.reduce((sum, r) => sum + r.weight, 0) * 0.5 ** ((nowMs - latest) / DAY_MS / settings.halfLifeDays);
    table.push(posteriorEntry({ scope: repo.scope, repositoryId: repo.repositoryId, key: repo.key, accepts: repo.accepts, rejects: repo.rejects, rejectStreak }, installationRate, settings));
  }
  return table.sort(compareEntries);
}

/** p0 for decayed installation-wide counts, prior included. */
export function installationRateOf(accepts: number, rejects: number, settings: EstimateSettings): number {
  const { alpha, beta } = settings.prior;
  return (alpha + accepts) / (alpha + beta + accepts + rejects);
}

/** The entry for decayed counts in one repository, shrunk toward `installationRate`. */
export function posteriorEntry(
  counts: { scope: LearnerScope; repositoryId: number; key: string; accepts: number; rejects: number; rejectStreak?: number },
  installationRate: number,
  settings: EstimateSettings,
): AcceptanceEntry {
  const alpha = settings.shrinkStrength * installationRate + counts.accepts;
  const beta = settings.shrinkStrength * (1 - installationRate) + counts.rejects;
  const tail = (1 - settings.credibleMass) / 2;
  return {
    scope: counts.scope,
    repositoryId: counts.repositoryId,
    key: counts.key,
    accepts: counts.accepts,
    rejects: counts.rejects,
    evidence: counts.accepts + counts.rejects,
    mean: alpha / (alpha + beta),
    lower: betaQuantile(tail, alpha, beta),
    upper: betaQuantile(1 - tail, alpha, beta),
    installationRate,
    rejectStreak: counts.rejectStreak ?? 0,
    alpha,
    beta,
  };
}

/** Table order: scope (rule, improvement, backend), then repository, then key. */
export function compareEntries(x: AcceptanceEntry, y: AcceptanceEntry): number {
  return (
    LEARNER_SCOPES.indexOf(x.scope) - LEARNER_SCOPES.indexOf(y.scope) ||
    x.repositoryId - y.repositoryId ||
    (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  );
}

function checkEvent(event: LearnerEvent, index: number): void {
  if (typeof event !== "object" || event === null) throw new Error(`learner event #${index}: must be an object, got ${String(event)}`);
  const where = `learner event #${index}${typeof event.key === "string" ? ` (${event.scope} ${event.key})` : ""}`;
  if (!LEARNER_SCOPES.includes(event.scope)) throw new Error(`${where}: scope must be rule, improvement or backend, got ${String(event.scope)}`);
  if (typeof event.key !== "string" || event.key === "") throw new Error(`${where}: key must be a non-empty string`);
  if (!Number.isInteger(event.repositoryId)) throw new Error(`${where}: repositoryId must be an integer, got ${String(event.repositoryId)}`);
  if (event.outcome !== "accept" && event.outcome !== "reject") throw new Error(`${where}: outcome must be accept or reject, got ${String(event.outcome)}`);
  if (event.weight !== undefined && !(Number.isFinite(event.weight) && event.weight >= 0)) {
    throw new Error(`${where}: weight must be a finite number >= 0, got ${event.weight}`);
  }
  if (!(event.at instanceof Date) || Number.isNaN(event.at.getTime())) throw new Error(`${where}: at must be a valid Date`);
}
