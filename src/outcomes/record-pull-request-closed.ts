import type { Prisma } from "../generated/prisma/client.ts";
import { isUniqueViolation } from "../store/is-unique-violation.ts";
import { cachePermissions, type CanWriteCheck } from "./cache-permissions.ts";
import type { OutcomeDeps } from "./outcome-deps.ts";
import { pullRequestOutcomeKey } from "./pull-request-outcome-key.ts";

export interface PullRequestClosedInput {
  repositoryId: number;
  prNumber: number;
  merged: boolean;
  /** When it was merged (GitHub's `merged_at`); defaults to `closedAt`. */
  mergedAt?: Date | string | null;
  /** When the pull request was opened (GitHub's `created_at`). */
  createdAt: Date | string;
  /** When it was closed (GitHub's `closed_at`); defaults to now. */
  closedAt?: Date | string | null;
  /** Login of who closed it (the `sender` of `pull_request.closed`; the merger for a merge). */
  closedBy: string;
  /** The head branch, to recognise an Improvement whose PR number was not stored. */
  headRef: string;
}

export type PullRequestClosedResult =
  | { moderatorPullRequest: false }
  | {
      moderatorPullRequest: true;
      kind: "merged" | "closed_unmerged";
      /** Whether this call wrote (or upgraded closed → merged) the Feedback row; false on a repeat. */
      recorded: boolean;
      feedbackId: string;
      executionId: string | null;
      improvementIds: string[];
      actorCanWrite: boolean;
      /** Hours from opening to merge (merged) or to closing (closed unmerged). */
      hours: number;
    };

function toDate(value: Date | string | null | undefined, what: string): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`recordPullRequestClosed: ${what} is not a valid time: ${JSON.stringify(value)}`);
  return date;
}

const hoursBetween = (from: Date, to: Date): number => Math.max(0, Math.round(((to.getTime() - from.getTime()) / 3_600_000) * 100) / 100);

/**
 * Records how one of Moderator's pull requests ended, when it is Moderator's: an Execution (`run` or `improve`,
 * not a `/moderator review` of someone else's PR) has that PR number, or an Improvement has it (or its branch).
 *
 * - One Feedback row per pull request (`pr-closed:<repositoryId>:<pr>`): `merged` or `closed_unmerged`, with
 *   the execution's backend, `detail.timeToMergeHours` (or `timeToCloseHours`), the task types of the
 *   execution, and `actorCanWrite` asked of the API for `closedBy`. A repeat (redelivered webhook, the
 *   collector finding it again) writes nothing; a PR closed, reopened and merged turns its row into `merged`.
 * - The matching Improvement rows become `merged`, or `closed` (a merged improvement stays merged).
 * Throws when the repository does not exist, the input is invalid, or the permission cannot be read (nothing is
 * written then, so a later call completes it).
 */
export async function recordPullRequestClosed(
  deps: Pick<OutcomeDeps, "store" | "getPermission"> & { canWrite?: CanWriteCheck },
  input: PullRequestClosedInput,
): Promise<PullRequestClosedResult> {
  const where = `recordPullRequestClosed(repository ${input.repositoryId}, #${input.prNumber})`;
  if (!Number.isInteger(input.prNumber) || input.prNumber < 1) throw new Error(`${where}: the PR number must be a positive integer`);
  if (typeof input.closedBy !== "string" || input.closedBy.trim() === "") throw new Error(`${where}: closedBy (a login) is required`);
  const createdAt = toDate(input.createdAt, "createdAt");
  if (createdAt === undefined) throw new Error(`${where}: createdAt is required`);
  const closedAt = toDate(input.closedAt, "closedAt") ?? new Date();
  const mergedAt = toDate(input.mergedAt, "mergedAt") ?? closedAt;

  const prisma = deps.store.prisma;
  const repository = await prisma.repository.findUnique({ where: { id: input.repositoryId } });
  if (repository === null) throw new Error(`${where}: repository ${input.repositoryId} does not exist`);

  const executions = await prisma.execution.findMany({
    where: { repositoryId: input.repositoryId, prNumber: input.prNumber, kind: { in: ["run", "improve"] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, backend: true, tasks: { orderBy: { index: "asc" }, select: { type: true } } },
  });
  const improvements = await prisma.improvement.findMany({
    where: {
      repositoryId: input.repositoryId,
      OR: [{ prNumber: input.prNumber }, ...(input.headRef ? [{ prNumber: null, branch: input.headRef }] : [])],
    },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
  });
  if (executions.length === 0 && improvements.length === 0) return { moderatorPullRequest: false };

  let execution: { id: string; backend: string | null; tasks: Array<{ type: string }> } | null = executions[0] ?? null;
  const improvement = improvements[0];
  if (execution === null && improvement?.executionId) {
    execution = await prisma.execution.findUnique({
      where: { id: improvement.executionId },
      select: { id: true, backend: true, tasks: { orderBy: { index: "asc" }, select: { type: true } } },
    });
  }
  const taskTypes = [...new Set(execution?.tasks.map((t) => t.type) ?? [])];

  const ref = { owner: repository.owner, repo: repository.name };
  const canWrite = deps.canWrite ?? cachePermissions(deps.getPermission);
  let actorCanWrite: boolean;
  try {
    actorCanWrite = await canWrite(ref, input.closedBy);
  } catch (error) {
    throw new Error(`${where}: could not read ${input.closedBy}'s permission on ${ref.owner}/${ref.repo}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }

  const kind = input.merged ? "merged" : "closed_unmerged";
  const hours = input.merged ? hoursBetween(createdAt, mergedAt) : hoursBetween(createdAt, closedAt);
  const detail: Prisma.InputJsonObject = {
    prNumber: input.prNumber,
    headRef: input.headRef,
    merged: input.merged,
    ...(input.merged ? { timeToMergeHours: hours, mergedAt: mergedAt.toISOString() } : { timeToCloseHours: hours }),
    createdAt: createdAt.toISOString(),
    closedAt: closedAt.toISOString(),
    ...(taskTypes[0] === undefined ? {} : { taskType: taskTypes[0] }),
    taskTypes,
    executionIds: executions.map((e) => e.id),
    ...(improvement ? { improvementType: improvement.type } : {}),
    actorCanWrite,
  };
  const row = {
    repositoryId: input.repositoryId,
    executionId: execution?.id ?? null,
    improvementId: improvement?.id ?? null,
    backend: execution?.backend ?? null,
    kind,
    actor: input.closedBy,
    detail,
  };
  const sourceKey = pullRequestOutcomeKey(input.repositoryId, input.prNumber);

  let recorded = false;
  let feedbackId: string;
  const existing = await prisma.feedback.findUnique({ where: { sourceKey }, select: { id: true, kind: true } });
  if (existing === null) {
    try {
      feedbackId = (await prisma.feedback.create({ data: { ...row, sourceKey }, select: { id: true } })).id;
      recorded = true;
    } catch (error) {
      if (!isUniqueViolation(error, "sourceKey")) throw error;
      feedbackId = (await prisma.feedback.findUniqueOrThrow({ where: { sourceKey }, select: { id: true } })).id;
    }
  } else {
    feedbackId = existing.id;
  }
  if (!recorded && input.merged) {
    // Closed earlier, reopened, now merged: the final outcome is the merge.
    const upgraded = await prisma.feedback.updateMany({
      where: { sourceKey, kind: "closed_unmerged" },
      data: { ...row, detail: { ...detail, reopened: true } },
    });
    recorded = upgraded.count > 0;
  }

  const improvementIds = improvements.map((i) => i.id);
  if (improvementIds.length > 0) {
    // A merged improvement stays merged (a late close event cannot undo it); one found by its branch gets its PR.
    await prisma.improvement.updateMany({
      where: { id: { in: improvementIds }, ...(input.merged ? {} : { status: { not: "merged" } }) },
      data: { status: input.merged ? "merged" : "closed" },
    });
    await prisma.improvement.updateMany({ where: { id: { in: improvementIds }, prNumber: null }, data: { prNumber: input.prNumber } });
  }

  return { moderatorPullRequest: true, kind, recorded, feedbackId, executionId: execution?.id ?? null, improvementIds, actorCanWrite, hours };
}
