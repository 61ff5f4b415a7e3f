import type { PrismaClient } from "../../generated/prisma/client.ts";
import { isSafetyRule, isSuppressed } from "../../learner/decide-suppression.ts";
import { estimateAcceptance, type AcceptanceEntry } from "../../learner/estimate-acceptance.ts";
import type { LearnerConfig } from "../../learner/learner-config.ts";
import { backendKey, feedbackToEvents } from "../../learner/learner-event.ts";
import { loadAcceptanceTable, loadFeedbackRows } from "../../learner/load-learnings.ts";
import { lookupAcceptance } from "../../learner/lookup-acceptance.ts";

const DAY_MS = 86_400_000;

/** How a run ended, for the runs-per-day chart ("active": still going; "waiting": asks a maintainer). */
export const RUN_OUTCOMES = ["completed", "failed", "cancelled", "waiting", "active"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** One entry of the learner's table as the page shows it (see AcceptanceEntry; lower and upper are the learned ones). */
export type LearnedRow = Pick<AcceptanceEntry, "key" | "accepts" | "rejects" | "evidence" | "mean" | "lower" | "upper" | "installationRate"> & {
  /** Set by `.github/moderator-learnings.yml` (the learned interval is shown beside it). */
  overridden: boolean;
};

export interface RuleRow extends LearnedRow {
  /** suppressed: its findings are not posted here; safety: never suppressed; kept: posted. */
  state: "suppressed" | "safety" | "kept";
}

export interface RoutingRow {
  backend: string;
  taskType: string;
  /** Posterior mean merge rate here: what the router's draws average to. */
  mean: number;
  lower: number;
  upper: number;
  evidence: number;
  configured: boolean;
}

export interface LearningView {
  enabled: boolean;
  rules: RuleRow[];
  improvements: LearnedRow[];
  /** Configured backends on the task type the router samples for ("change"), then any other backend entry here. */
  routing: RoutingRow[];
  /** Whether the router samples at all: only once some candidate has feedback (otherwise the configured order). */
  routingSampled: boolean;
  /** Oldest day first, `days` days ending today (UTC), every day present. */
  runsPerDay: Array<{ day: string; counts: Record<RunOutcome, number> }>;
  /**
   * The learned acceptance of each rule (most evidence first, at most `maxRules`) at the end of each of the last
   * `weeks` weeks, from the feedback given until then; null before the rule had feedback here.
   */
  acceptanceOverTime: { weekEnds: string[]; series: Array<{ rule: string; points: Array<number | null> }> };
  /** Problems of the learnings file (then ignored). */
  problems: string[];
}

/**
 * The console's Learning view of one repository: the learner's table (acceptance per rule with its credible
 * interval and suppression, improvement types), the routing scores of the backends, runs per day by outcome, and
 * each rule's acceptance week by week. Read from the rows the learner reads (Feedback, Execution); `now` is an input.
 */
export async function readLearning(
  prisma: PrismaClient,
  opts: { repositoryId: number; config: LearnerConfig; now: Date; backends: readonly string[]; learningsFileText?: string; days?: number; weeks?: number; maxRules?: number },
): Promise<LearningView> {
  const { repositoryId, config, now } = opts;
  const days = opts.days ?? 30;
  const weeks = opts.weeks ?? 12;
  const settings = { halfLifeDays: config.halfLifeDays, prior: config.prior, shrinkStrength: config.shrinkStrength, credibleMass: config.credibleMass };
  const [feedback, runs] = await Promise.all([
    loadFeedbackRows(prisma),
    prisma.execution.findMany({
      where: { repositoryId, kind: { not: "candidate" }, createdAt: { gte: new Date(startOfDay(now.getTime() - (days - 1) * DAY_MS)) } },
      select: { createdAt: true, status: true },
    }),
  ]);
  const { table, problems } = await loadAcceptanceTable(prisma, { config, now, repositoryId, rows: feedback, ...(opts.learningsFileText !== undefined ? { learningsFileText: opts.learningsFileText } : {}) });
  const here = table.filter((e) => e.repositoryId === repositoryId);
  const row = (e: AcceptanceEntry): LearnedRow => ({
    key: e.key,
    accepts: e.accepts,
    rejects: e.rejects,
    evidence: e.evidence,
    mean: e.mean,
    lower: e.override?.acceptance === undefined ? e.lower : e.override.learned.lower,
    upper: e.override?.acceptance === undefined ? e.upper : e.override.learned.upper,
    installationRate: e.installationRate,
    overridden: e.override !== undefined,
  });
  const rules = here
    .filter((e) => e.scope === "rule")
    .map((e): RuleRow => ({ ...row(e), state: isSafetyRule(e.key) ? "safety" : config.enabled && isSuppressed(e, config.suppression) ? "suppressed" : "kept" }));
  const improvements = here.filter((e) => e.scope === "improvement").map(row);

  const ROUTED_TASK = "change";
  const routing: RoutingRow[] = opts.backends.map((backend) => {
    const e = lookupAcceptance(table, "backend", repositoryId, backendKey(backend, ROUTED_TASK), settings);
    return { backend, taskType: ROUTED_TASK, mean: e.override?.acceptance ?? e.mean, lower: e.lower, upper: e.upper, evidence: e.evidence, configured: true };
  });
  for (const e of here.filter((x) => x.scope === "backend")) {
    const cut = e.key.lastIndexOf(":");
    const backend = e.key.slice(0, cut);
    const taskType = e.key.slice(cut + 1);
    if (routing.some((r) => r.backend === backend && r.taskType === taskType)) continue;
    routing.push({ backend, taskType, mean: e.override?.acceptance ?? e.mean, lower: e.lower, upper: e.upper, evidence: e.evidence, configured: opts.backends.includes(backend) });
  }
  // As thompsonScores decides: no draws until some candidate has feedback (in any repository) or a set value.
  const known = (b: string) => table.some((e) => e.scope === "backend" && e.key === backendKey(b, ROUTED_TASK) && (e.evidence > 0 || e.override?.acceptance !== undefined));
  const routingSampled = config.enabled && opts.backends.some(known);

  const runsPerDay = Array.from({ length: days }, (_, i) => ({ day: dayOf(startOfDay(now.getTime() - (days - 1 - i) * DAY_MS)), counts: { completed: 0, failed: 0, cancelled: 0, waiting: 0, active: 0 } as Record<RunOutcome, number> }));
  const byDay = new Map(runsPerDay.map((d) => [d.day, d.counts]));
  for (const r of runs) {
    const counts = byDay.get(dayOf(r.createdAt.getTime()));
    if (counts) counts[outcomeOf(r.status)]++;
  }

  // Week by week: the estimate as the learner would have made it then, from the feedback given until then.
  const maxRules = opts.maxRules ?? 8;
  const shown = [...rules].sort((a, b) => b.evidence - a.evidence || (a.key < b.key ? -1 : 1)).slice(0, maxRules).map((r) => r.key);
  // A rule's estimate depends on that rule's events only (in every repository: the installation rate pools them).
  const wanted = new Set(shown);
  const events = feedbackToEvents(feedback).filter((e) => e.scope === "rule" && wanted.has(e.key));
  const weekEnds = Array.from({ length: weeks }, (_, i) => new Date(now.getTime() - (weeks - 1 - i) * 7 * DAY_MS));
  const series = shown.map((rule) => ({ rule, points: [] as Array<number | null> }));
  for (const end of weekEnds) {
    const then = estimateAcceptance(events.filter((e) => e.at.getTime() <= end.getTime()), { now: end, ...settings });
    for (const s of series) {
      const e = then.find((x) => x.scope === "rule" && x.repositoryId === repositoryId && x.key === s.rule);
      s.points.push(e ? e.mean : null);
    }
  }
  return {
    enabled: config.enabled,
    rules,
    improvements,
    routing,
    routingSampled,
    runsPerDay,
    acceptanceOverTime: { weekEnds: weekEnds.map((d) => dayOf(d.getTime())), series },
    problems,
  };
}

function outcomeOf(status: string): RunOutcome {
  if (status === "completed" || status === "failed" || status === "cancelled") return status;
  return status === "waiting_for_human" ? "waiting" : "active";
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
