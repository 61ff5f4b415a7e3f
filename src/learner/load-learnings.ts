import type { PrismaClient } from "../generated/prisma/client.ts";
import { applyOverrides } from "./apply-overrides.ts";
import { suppressedRules } from "./decide-suppression.ts";
import { estimateAcceptance, type AcceptanceTable } from "./estimate-acceptance.ts";
import type { LearnerConfig } from "./learner-config.ts";
import { feedbackToEvents, type FeedbackRow } from "./learner-event.ts";
import { parseLearningsFile, type LearningsFile } from "./learnings-file.ts";

/** Feedback kind that marks "forget what was learned before now" for a repository (optionally one rule). */
export const LEARNER_RESET_KIND = "learner_reset";

/**
 * Every maintainer outcome as learner input: Feedback rows joined with the finding's rule, the improvement's type
 * and the run's backend and task type. Feedback from people without write access is marked and ignored by the
 * learner; a `learner_reset` row drops everything before it for its repository (and rule, when it names one).
 */
export async function loadFeedbackRows(prisma: PrismaClient): Promise<FeedbackRow[]> {
  const rows = await prisma.feedback.findMany({
    include: {
      finding: { select: { ruleId: true } },
      improvement: { select: { type: true } },
      execution: { select: { backend: true, tasks: { select: { type: true }, orderBy: { index: "asc" }, take: 1 } } },
    },
    orderBy: { createdAt: "asc" },
  });
  const resets = rows.filter((r) => r.kind === LEARNER_RESET_KIND);
  const out: FeedbackRow[] = [];
  for (const r of rows) {
    if (r.kind === LEARNER_RESET_KIND) continue;
    const ruleId = r.finding?.ruleId ?? (detailString(r.detail, "ruleId") || undefined);
    const cleared = resets.some((x) => x.repositoryId === r.repositoryId && x.createdAt >= r.createdAt && (!detailString(x.detail, "ruleId") || detailString(x.detail, "ruleId") === ruleId));
    if (cleared) continue;
    const detail = (r.detail ?? {}) as { actorCanWrite?: boolean; taskType?: string };
    const taskType = detail.taskType ?? r.execution?.tasks[0]?.type;
    const backend = r.backend ?? r.execution?.backend ?? undefined;
    out.push({
      kind: r.kind,
      at: r.createdAt,
      repositoryId: r.repositoryId,
      actorCanWrite: detail.actorCanWrite !== false,
      ...(ruleId ? { ruleId } : {}),
      ...(r.improvement?.type ? { improvementType: r.improvement.type } : {}),
      ...(backend ? { backend } : {}),
      ...(taskType ? { taskType } : {}),
    });
  }
  return out;
}

/** The acceptance table for the whole installation, now, with a repository's committed learnings file applied. */
export async function loadAcceptanceTable(
  prisma: PrismaClient,
  opts: { config: LearnerConfig; now: Date; repositoryId?: number; learningsFileText?: string; rows?: readonly FeedbackRow[] },
): Promise<{ table: AcceptanceTable; overrides?: LearningsFile; problems: string[] }> {
  const { config } = opts;
  const settings = { halfLifeDays: config.halfLifeDays, prior: config.prior, shrinkStrength: config.shrinkStrength, credibleMass: config.credibleMass };
  let table = estimateAcceptance(feedbackToEvents(opts.rows ?? (await loadFeedbackRows(prisma))), { now: opts.now, ...settings });
  if (opts.learningsFileText === undefined || opts.repositoryId === undefined) return { table, problems: [] };
  const parsed = parseLearningsFile(opts.learningsFileText);
  if (!parsed.ok) return { table, problems: parsed.problems };
  table = applyOverrides(table, parsed.file, opts.repositoryId, settings);
  return { table, overrides: parsed.file, problems: [] };
}

/** Rules the learner (or the committed learnings file) switches off in a repository. */
export function learnedSuppressions(table: AcceptanceTable, repositoryId: number, config: LearnerConfig): Set<string> {
  return config.enabled ? suppressedRules(table, repositoryId, config.suppression) : new Set();
}

function detailString(detail: unknown, key: string): string {
  const v = detail && typeof detail === "object" ? (detail as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" ? v : "";
}
