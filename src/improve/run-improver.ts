import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { Llm } from "../llm/llm.ts";
import type { Finding } from "../qa/finding.ts";
import type { DiffFile } from "../qa/parse-diff.ts";
import { runJobId, type RunQueue } from "../queue/run-queue.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/logger.ts";
import { selectImprovements, type SkippedImprovement } from "./apply-budgets.ts";
import type { Improvement } from "./improvement.ts";
import type { ImprovementBudgets } from "./improvement-budgets.ts";
import { proposeImprovements } from "./propose-improvements.ts";
import { proposeRefactors } from "./propose-refactors.ts";
import { rankImprovements } from "./rank-improvements.ts";
import { renderImprovementChecklist } from "./render-improvement-checklist.ts";

/** Topic of the sticky comment that lists proposed improvements as checkboxes. */
export const IMPROVEMENTS_TOPIC = "improvements";

export interface ImproverDeps {
  store: Store;
  queue: RunQueue;
  codeHost: CodeHost;
  log: Logger;
  now?: () => Date;
}

/**
 * Propose improvements after a run (or on `/moderator improve`): detect candidates, rank them (by the learner's
 * expected acceptance x impact when a ranker is given), apply the repository's budgets, store them, and either start
 * them at once or list them as checkboxes for a writer to tick (approval).
 */
export async function runImprover(
  deps: ImproverDeps,
  input: {
    repositoryId: number;
    ref: RepoRef;
    issueNumber: number;
    parentExecutionId: string;
    parentPrNumber: number;
    backend: string | null;
    files: DiffFile[];
    findings: Finding[];
    repoFiles?: string[];
    fileHeads?: Record<string, string>;
    diff?: string;
    llm?: Llm;
    budgets: ImprovementBudgets;
    /** The learner's ranking; without it, priority then impact. */
    rank?: (candidates: Improvement[]) => Improvement[];
    /** `/moderator improve`: start what the budgets allow now, even when the repository asks for approval. */
    startNow?: boolean;
    signal?: AbortSignal;
  },
): Promise<{ proposed: Improvement[]; started: string[]; skipped: number; notes: string[] }> {
  const { store } = deps;
  const notes: string[] = [];
  let candidates = proposeImprovements({ files: input.files, findings: input.findings, ...(input.repoFiles ? { repoFiles: input.repoFiles } : {}), ...(input.fileHeads ? { fileHeads: input.fileHeads } : {}) });
  if (input.llm && input.diff && input.budgets.types.includes("refactor")) {
    const refactors = await proposeRefactors(input.llm, { diff: input.diff, files: input.files, budgetChars: 40_000, ...(input.signal ? { signal: input.signal } : {}) });
    candidates = [...candidates, ...refactors.improvements];
    notes.push(...refactors.notes);
  }
  const ranked = input.rank ? input.rank(candidates) : rankImprovements(candidates);
  const budgets = input.startNow ? { ...input.budgets, approval: false } : input.budgets;
  const selection = selectImprovements(ranked, await improvementState(store, input.repositoryId, deps.now?.() ?? new Date()), budgets, "propose");
  const started: string[] = [];
  for (const imp of selection.selected) {
    const row = await store.prisma.improvement.upsert({
      where: { repositoryId_fingerprint: { repositoryId: input.repositoryId, fingerprint: imp.fingerprint } },
      create: {
        repositoryId: input.repositoryId,
        executionId: input.parentExecutionId,
        parentPrNumber: input.parentPrNumber,
        type: imp.type,
        title: imp.title,
        rationale: imp.rationale,
        priority: imp.priority,
        impact: imp.impact,
        fingerprint: imp.fingerprint,
        task: imp.task,
        files: imp.files,
        status: "proposed",
      },
      update: {},
    });
    if (!budgets.approval) {
      await startImprovementRun(deps, { improvementId: row.id, issueNumber: input.issueNumber, backend: input.backend, by: "moderator" });
      started.push(imp.fingerprint);
    }
  }
  if (selection.selected.length > 0 || started.length > 0) {
    await renderChecklistComment(deps, { repositoryId: input.repositoryId, ref: input.ref, issueNumber: input.issueNumber, parentExecutionId: input.parentExecutionId });
  }
  return { proposed: selection.selected, started, skipped: selection.skipped.length, notes };
}

/**
 * What the budgets need to know about the repository's improvements now. `maxOpen` counts improvements queued,
 * running or opened (each becomes a pull request); `perHour` counts the improvement runs created in the last hour,
 * by creation time and whatever became of them since (merged within minutes, failed: they still count).
 */
export async function improvementState(store: Store, repositoryId: number, now: Date) {
  const rows = await store.prisma.improvement.findMany({ where: { repositoryId }, select: { fingerprint: true, status: true } });
  const startedLastHour = await store.prisma.execution.count({ where: { repositoryId, kind: "improve", createdAt: { gt: new Date(now.getTime() - 3600_000) } } });
  return {
    openImprovementPrs: rows.filter((r) => ["queued", "running", "opened"].includes(r.status)).length,
    createdLastHour: startedLastHour,
    closedUnmergedFingerprints: new Set(rows.filter((r) => r.status === "closed").map((r) => r.fingerprint)),
    existingFingerprints: new Set(rows.map((r) => r.fingerprint)),
    startedFingerprints: new Set(rows.filter((r) => r.status !== "proposed").map((r) => r.fingerprint)),
  };
}

/** Queue the run that implements one improvement (its own branch, stacked on the parent PR's branch). */
export async function startImprovementRun(
  deps: ImproverDeps,
  input: { improvementId: string; issueNumber: number; backend: string | null; by: string },
): Promise<string | undefined> {
  const improvement = await deps.store.prisma.improvement.findUnique({ where: { id: input.improvementId }, include: { repository: true } });
  if (!improvement) return undefined;
  const created = await deps.store.createExecution({
    repositoryId: improvement.repositoryId,
    issueNumber: input.issueNumber,
    issueTitle: improvement.title,
    trigger: "improvement",
    triggeredBy: input.by,
    kind: "improve",
    improvementId: improvement.id,
    ...(input.backend ? { backend: input.backend } : {}),
  });
  if (!created.created) return created.execution.id;
  await deps.store.prisma.improvement.update({ where: { id: improvement.id }, data: { status: "queued" } });
  await deps.queue.enqueue({ executionId: created.execution.id }, `${runJobId(improvement.repository.githubId, input.issueNumber, created.execution.id)}-improve`);
  return created.execution.id;
}

/** The sticky checklist of a run's improvements, re-rendered from the database (a writer ticks boxes to start them). */
export async function renderChecklistComment(
  deps: Pick<ImproverDeps, "store" | "codeHost">,
  input: {
    repositoryId: number;
    ref: RepoRef;
    issueNumber: number;
    parentExecutionId: string;
    /** What selectImprovements refused just now (a tick over a budget): the entry stays unticked and says why. */
    skipped?: readonly SkippedImprovement[];
  },
): Promise<void> {
  const rows = await deps.store.prisma.improvement.findMany({ where: { executionId: input.parentExecutionId }, orderBy: [{ priority: "asc" }, { createdAt: "asc" }] });
  if (rows.length === 0) return;
  const refused = new Map((input.skipped ?? []).map((s) => [s.improvement.fingerprint, s] as const));
  const items = rows.map((r) => ({
    fingerprint: r.fingerprint,
    title: r.title,
    type: r.type as Improvement["type"],
    rationale: r.rationale,
    state: (r.status === "proposed" ? "proposed" : r.status === "opened" || r.status === "merged" ? "opened" : r.status === "closed" ? "skipped" : "started") as "proposed" | "started" | "opened" | "skipped",
    ...(r.prNumber ? { prUrl: `#${r.prNumber}` } : {}),
    ...(r.status === "proposed" && refused.has(r.fingerprint) ? { note: refusalNote(refused.get(r.fingerprint)!) } : {}),
  }));
  const body = [
    "### Moderator · Proposed improvements",
    "",
    "Tick a box to have Moderator open a follow-up pull request for it (writers only).",
    "",
    renderImprovementChecklist(items),
  ].join("\n");
  await deps.codeHost.ensureComment(input.ref, input.issueNumber, IMPROVEMENTS_TOPIC, body);
}

/** Why a ticked entry did not start, for its checklist line. */
function refusalNote(s: SkippedImprovement): string {
  const budget = s.code === "max-open" || s.code === "per-hour";
  return `not started: ${s.reason}${budget ? "; tick it again later" : ""}`;
}
