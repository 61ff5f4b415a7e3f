import type { CodeHost, PullRequestDetails, RepoRef } from "../codehost/code-host.ts";
import type { Repository } from "../generated/prisma/client.ts";
import type { Store } from "../store/store.ts";
import { cachePermissions } from "./cache-permissions.ts";
import { collectPullRequestOutcomes, type PullRequestOutcomes } from "./collect-pull-request-outcomes.ts";
import { finishPullRequestOutcomes } from "./finish-pull-request-outcomes.ts";
import { markOutcomesFinal } from "./mark-outcomes-final.ts";
import { recordPullRequestClosed } from "./record-pull-request-closed.ts";
import type { GetPermission } from "./outcome-deps.ts";
import { OUTCOMES_FINAL_EVENT } from "./outcomes-final-event.ts";
import { pullRequestOutcomeKey } from "./pull-request-outcome-key.ts";
import type { CollectorDeps } from "./pull-request-target.ts";
import { statusOf } from "./status-of.ts";

export interface OutcomeCollectorDeps {
  store: Store;
  /** The CodeHost and permission lookup of one repository (on GitHub: its installation's Octokit). */
  connect(repository: Repository): Promise<{ codeHost: CodeHost; getPermission: GetPermission }>;
  /** One line per problem (a repository that cannot be reached, a PR whose collection failed). */
  warn?: (message: string, data: Record<string, unknown>) => void;
  now?: () => Date;
}

export interface CollectOutcomesOptions {
  /** Only these repositories (default: all). */
  repositoryIds?: readonly number[];
  /** Pull requests whose newest run is older than this are not visited any more (default 60). */
  lookbackDays?: number;
  /** At most this many pull requests per collection, newest runs first (default 200). */
  maxPullRequests?: number;
}

export interface PullRequestVisit {
  repositoryId: number;
  prNumber: number;
  state: "open" | "closed" | "gone" | "failed";
  outcomes?: PullRequestOutcomes;
  /** The merge or close this visit recorded (a closed PR whose webhook was missed). */
  recordedClose?: "merged" | "closed_unmerged";
  error?: string;
}

export interface CollectOutcomesSummary {
  visited: PullRequestVisit[];
  /** Feedback rows written, by kind. */
  recorded: Record<string, number>;
  /** Pull requests or repositories that could not be collected this time. */
  failures: Array<{ repositoryId: number; prNumber?: number; error: string }>;
}

export const DEFAULT_LOOKBACK_DAYS = 60;
export const DEFAULT_MAX_PULL_REQUESTS = 200;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

interface Candidate {
  repositoryId: number;
  prNumber: number;
}

/**
 * The repeatable collector. For every pull request Moderator ran on (an execution with a PR number, or an
 * improvement with one still open), newest first, that is not marked final:
 * - it asks the CodeHost for the pull request;
 * - open: it collects reactions, applied suggestions and resolved threads (`collectPullRequestOutcomes`);
 * - closed: it does what the `pull_request.closed` handler does (a webhook missed while Moderator was down is
 *   caught up here): the merge or close is recorded, the last collection runs, and the PR is marked final;
 * - gone (404: deleted, or the app lost access): it is marked final.
 * One repository or pull request failing does not stop the others; the failures are returned and warned.
 * Repositories are reached once each per collection, and the permission of a person is asked once per repository.
 */
export async function collectOutcomesForOpenPrs(deps: OutcomeCollectorDeps, options: CollectOutcomesOptions = {}): Promise<CollectOutcomesSummary> {
  const lookbackDays = options.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  const maxPullRequests = options.maxPullRequests ?? DEFAULT_MAX_PULL_REQUESTS;
  if (!Number.isFinite(lookbackDays) || lookbackDays <= 0) throw new Error(`collectOutcomesForOpenPrs: lookbackDays must be a positive number, got ${String(lookbackDays)}`);
  if (!Number.isInteger(maxPullRequests) || maxPullRequests < 1) throw new Error(`collectOutcomesForOpenPrs: maxPullRequests must be a positive integer, got ${String(maxPullRequests)}`);
  const prisma = deps.store.prisma;
  const now = deps.now?.() ?? new Date();
  const since = new Date(now.getTime() - lookbackDays * 86_400_000);
  const inRepos = options.repositoryIds === undefined ? {} : { repositoryId: { in: [...options.repositoryIds] } };

  const [executions, improvements, finals] = await Promise.all([
    prisma.execution.findMany({
      where: { ...inRepos, prNumber: { not: null }, createdAt: { gte: since } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      distinct: ["repositoryId", "prNumber"],
      select: { repositoryId: true, prNumber: true },
    }),
    prisma.improvement.findMany({
      where: { ...inRepos, prNumber: { not: null }, status: { notIn: ["merged", "closed"] }, updatedAt: { gte: since } },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      select: { repositoryId: true, prNumber: true },
    }),
    prisma.executionEvent.findMany({
      where: { type: OUTCOMES_FINAL_EVENT, at: { gte: since }, execution: inRepos },
      select: { data: true, execution: { select: { repositoryId: true } } },
    }),
  ]);
  const key = (c: Candidate): string => `${c.repositoryId}#${c.prNumber}`;
  const final = new Set(
    finals.flatMap((e) => {
      const pr = (e.data as { prNumber?: unknown } | null)?.prNumber;
      return typeof pr === "number" ? [key({ repositoryId: e.execution.repositoryId, prNumber: pr })] : [];
    }),
  );
  const candidates = new Map<string, Candidate>();
  for (const row of [...executions, ...improvements]) {
    const c = { repositoryId: row.repositoryId, prNumber: row.prNumber as number };
    if (!final.has(key(c)) && !candidates.has(key(c))) candidates.set(key(c), c);
  }
  const chosen = [...candidates.values()].slice(0, maxPullRequests);

  const summary: CollectOutcomesSummary = { visited: [], recorded: {}, failures: [] };
  const count = (outcomes: PullRequestOutcomes | null | undefined): void => {
    for (const part of outcomes ? [outcomes.reactions, outcomes.suggestions, outcomes.threads] : []) {
      for (const r of part.recorded) summary.recorded[r.kind] = (summary.recorded[r.kind] ?? 0) + 1;
    }
  };
  const fail = (repositoryId: number, prNumber: number | undefined, error: string): void => {
    summary.failures.push({ repositoryId, ...(prNumber === undefined ? {} : { prNumber }), error });
    deps.warn?.("outcome collection failed", { repositoryId, ...(prNumber === undefined ? {} : { prNumber }), error });
  };

  const byRepository = new Map<number, Candidate[]>();
  for (const c of chosen) byRepository.set(c.repositoryId, [...(byRepository.get(c.repositoryId) ?? []), c]);
  for (const [repositoryId, prs] of byRepository) {
    const repository = await prisma.repository.findUnique({ where: { id: repositoryId } });
    if (repository === null) {
      fail(repositoryId, undefined, `repository ${repositoryId} does not exist`);
      continue;
    }
    let collectorDeps: CollectorDeps;
    try {
      const connection = await deps.connect(repository);
      collectorDeps = { store: deps.store, ...connection, canWrite: cachePermissions(connection.getPermission) };
    } catch (error) {
      for (const pr of prs) summary.visited.push({ ...pr, state: "failed", error: messageOf(error) });
      fail(repositoryId, undefined, `could not connect to ${repository.owner}/${repository.name}: ${messageOf(error)}`);
      continue;
    }
    const ref: RepoRef = { owner: repository.owner, repo: repository.name };
    for (const { prNumber } of prs) {
      const visit = await visitPullRequest(collectorDeps, { repositoryId, ref, prNumber });
      summary.visited.push(visit);
      count(visit.outcomes);
      if (visit.recordedClose) summary.recorded[visit.recordedClose] = (summary.recorded[visit.recordedClose] ?? 0) + 1;
      if (visit.error !== undefined) fail(repositoryId, prNumber, visit.error);
      for (const f of visit.outcomes?.failures ?? []) fail(repositoryId, prNumber, `${f.step}: ${f.error}`);
    }
  }
  return summary;
}

async function visitPullRequest(
  deps: CollectorDeps,
  target: { repositoryId: number; ref: RepoRef; prNumber: number },
): Promise<PullRequestVisit> {
  const { repositoryId, prNumber } = target;
  const prisma = deps.store.prisma;
  let pr: PullRequestDetails;
  try {
    pr = await deps.codeHost.getPullRequest(target.ref, prNumber);
  } catch (error) {
    if (statusOf(error) !== 404) return { repositoryId, prNumber, state: "failed", error: `could not read the pull request: ${messageOf(error)}` };
    const newest = await prisma.execution.findFirst({ where: { repositoryId, prNumber }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    if (newest) {
      await markOutcomesFinal(deps.store, target, newest.id, {
        level: "warn",
        message: `pull request #${prNumber} is gone (404): its outcomes are no longer collected`,
        data: { prNumber, gone: true },
      });
    }
    return { repositoryId, prNumber, state: "gone" };
  }

  if (pr.state === "open") {
    return { repositoryId, prNumber, state: "open", outcomes: await collectPullRequestOutcomes(deps, target) };
  }

  // Closed while no webhook reached us (or its handler failed): catch up on the outcome first.
  const visit: PullRequestVisit = { repositoryId, prNumber, state: "closed" };
  try {
    const stored = await prisma.feedback.findUnique({ where: { sourceKey: pullRequestOutcomeKey(repositoryId, prNumber) }, select: { kind: true } });
    const settled = stored !== null && (stored.kind === "merged" || !pr.merged);
    const moderators =
      (await prisma.execution.count({ where: { repositoryId, prNumber, kind: { in: ["run", "improve"] } } })) +
      (await prisma.improvement.count({ where: { repositoryId, prNumber } }));
    if (!settled && moderators > 0) {
      const closing = await deps.codeHost.getPullRequestClosing(target.ref, prNumber);
      const closedBy = closing.mergedBy ?? closing.closedBy;
      if (closing.state !== "closed") return { ...visit, state: "failed", error: "the pull request was reopened while it was being collected" };
      if (!closedBy) return { ...visit, state: "failed", error: "could not tell who closed the pull request" };
      if (!closing.createdAt) return { ...visit, state: "failed", error: "the code host did not say when the pull request was opened" };
      const closed = await recordPullRequestClosed(deps, {
        repositoryId,
        prNumber,
        merged: closing.merged,
        mergedAt: closing.mergedAt,
        closedAt: closing.closedAt,
        createdAt: closing.createdAt,
        closedBy,
        headRef: pr.headRef,
      });
      if (closed.moderatorPullRequest && closed.recorded) visit.recordedClose = closed.kind;
    }
    const outcomes = await finishPullRequestOutcomes(deps, target, pr.merged);
    if (outcomes) visit.outcomes = outcomes;
    return visit;
  } catch (error) {
    return { ...visit, state: "failed", error: messageOf(error) };
  }
}
