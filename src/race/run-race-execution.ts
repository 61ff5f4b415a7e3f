import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { Execution, Prisma } from "../generated/prisma/client.ts";
import { loadAcceptanceTable } from "../learner/load-learnings.ts";
import { lookupAcceptance } from "../learner/lookup-acceptance.ts";
import { backendKey } from "../learner/learner-event.ts";
import { classifyError } from "../pipeline/classify-error.ts";
import type { PipelineDeps, RunContext, RunOutcome } from "../pipeline/run-execution.ts";
import { parseDiff } from "../qa/parse-diff.ts";
import type { Finding } from "../qa/finding.ts";
import { publishQa } from "../pipeline/publish-qa.ts";
import type { QaPhaseResult } from "../pipeline/run-qa-phase.ts";
import { runJobId } from "../queue/run-queue.ts";
import { renderPullRequestBody, renderPullRequestTitle } from "../render/render-pull-request.ts";
import type { ExecutionWithRepository } from "../store/store.ts";
import { ModeratorError } from "../util/errors.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import { askPeersToRank } from "./ask-peers-to-rank.ts";
import { keepLoserBranches } from "./keep-loser-branches.ts";
import { judgeRace, type RaceVerdict } from "./judge-race.ts";
import { renderCandidatesSection, renderRaceComment, type CandidateView } from "./render-race.ts";
import { resolveRace, type RaceCandidate } from "./resolve-race.ts";

const TRACKING_TOPIC = "tracking";
const FINAL = new Set(["completed", "failed", "cancelled"]);

/** What a race (the parent execution) keeps in its `summary`. */
export interface RaceState {
  /** The `--race` value; null = the repository's `race:`. */
  request: string | null;
  candidates?: RaceCandidate[];
  maxCostUsd?: number;
  /** The candidate the PR carries. */
  shown?: string;
  verdict?: RaceVerdict;
  /** Set when the cost cap stopped candidates. */
  capped?: { at: number; stopped: string[] };
  /** Losing candidates' branches pushed after the judge (`race.keepBranches`), to delete when no longer wanted. */
  keptBranches?: string[];
}

/** What a candidate keeps in its `summary` for the judge (written when its decision is made). */
export interface CandidateSummary {
  score: number;
  action: string;
  reasons: string[];
  findingsBySeverity: Record<string, number>;
  filesChanged: number;
  linesChanged: number;
  diff: string;
  agentSummary?: string;
  durationMs: number;
  /** Its QA, as the PR's review and `Moderator QA` check run show it when this candidate is published. */
  qa?: { findings: Finding[]; commands: QaPhaseResult["commands"]; qaError: string | null; peerDecision: QaPhaseResult["peerDecision"] | null; notes: string[] };
}

/** The job id of a race's judging (one per race: the candidate that settles last queues it, duplicates are no-ops). */
export function raceJudgeJobId(raceId: string): string {
  return `race-judge-${raceId}`;
}

export function readRaceState(summary: unknown): RaceState {
  const race = (summary as { race?: RaceState } | null)?.race;
  return race && typeof race === "object" ? race : { request: null };
}

/**
 * A race's job. A race is a parent execution (kind `race`) with one child execution (kind `candidate`) per racer.
 * Its job runs three times at most: to start (resolve the candidates, create and queue them), to judge (queued by
 * the last candidate to settle), and for each `/moderator pick` (followUp `{ pick }`). Each candidate runs the whole
 * pipeline up to its decision in its own job, clone and local branch, and leaves its commits as a git bundle in the
 * database: nothing of it is pushed before the judge.
 */
export async function runRaceExecution(execution: ExecutionWithRepository, deps: PipelineDeps, ctx: RunContext): Promise<RunOutcome> {
  const { store, log } = deps;
  const now = deps.now ?? Date.now;
  const ref: RepoRef = { owner: execution.repository.owner, repo: execution.repository.name };
  const pick = readPick(execution.followUp);
  if (FINAL.has(execution.status) && !pick) return { status: "skipped", reason: `race already ${execution.status}` };
  let codeHost: CodeHost | undefined;
  try {
    const conn = await deps.connect(execution);
    codeHost = conn.codeHost;
    const children = await store.prisma.execution.findMany({ where: { raceId: execution.id }, orderBy: { createdAt: "asc" } });
    if (children.length === 0) {
      const repoInfo = await conn.repository();
      const cfg = await conn.repoConfig(repoInfo.defaultBranch);
      if (!cfg.ok) throw new ModeratorError(`.github/moderator.yml is invalid: ${cfg.problems.join("; ")}`, { phase: "prepare", hint: "Fix .github/moderator.yml on the default branch, then trigger the run again." });
      const state = readRaceState(execution.summary);
      const names = Object.keys(deps.operator.backends);
      const plan = resolveRace({
        flag: state.request ?? undefined,
        repoRace: cfg.config.race,
        chosenBackend: execution.backend ?? cfg.config.backend ?? deps.operator.defaultBackend ?? names[0],
        operatorBackends: names,
        maxRaceAttempts: deps.operator.limits.maxRaceAttempts,
      });
      if ("error" in plan) throw new ModeratorError(plan.error, { phase: "prepare", hint: "Comment `/moderator run --race claude,codex` (backends) or `--race 3` (attempts)." });
      if (!deps.queue) throw new ModeratorError("a race needs the run queue (it is not available in local runs)", { phase: "prepare" });
      // All candidates or none: a start that crashed half-way is started again from nothing.
      const created = await store.prisma.$transaction(
        plan.candidates.map((c) =>
          store.prisma.execution.create({
            data: {
              repositoryId: execution.repositoryId,
              kind: "candidate",
              raceId: execution.id,
              candidate: c.name,
              backend: c.backend,
              issueNumber: execution.issueNumber,
              issueTitle: execution.issueTitle,
              trigger: "race",
              triggeredBy: execution.triggeredBy,
              instructions: execution.instructions,
              approvedBody: execution.approvedBody,
              triggeredAt: execution.triggeredAt ?? execution.createdAt,
              deliveryId: execution.deliveryId,
            },
          }),
        ),
      );
      const race: RaceState = { ...state, candidates: plan.candidates, ...(plan.maxCostUsd !== undefined ? { maxCostUsd: plan.maxCostUsd } : {}) };
      await store.updateExecution(execution.id, {
        status: "executing",
        phase: "execute",
        startedAt: execution.startedAt ?? new Date(now()),
        attempts: ctx.attempt,
        summary: { race } as unknown as Prisma.InputJsonObject,
      });
      await store.appendEvent(execution.id, { type: "race.started", message: plan.candidates.map((c) => `${c.name} (${c.backend})`).join(", "), data: { candidates: plan.candidates as unknown as Prisma.InputJsonArray, maxCostUsd: plan.maxCostUsd ?? null } });
      await enqueueCandidates(execution, created, deps);
      await refreshRaceComment(execution.id, { store, codeHost, ref, log });
      return { status: "waiting" };
    }
    if (children.some((c) => !FINAL.has(c.status))) {
      // Queued again before every candidate settled (a crashed start): make sure each has its job, then wait.
      if (!FINAL.has(execution.status)) await enqueueCandidates(execution, children.filter((c) => !FINAL.has(c.status)), deps);
      await refreshRaceComment(execution.id, { store, codeHost, ref, log });
      return { status: "waiting" };
    }
    return await judgeAndPublish(execution, children, { deps, codeHost, ref, conn, pick, signal: ctx.signal });
  } catch (err) {
    const classified = classifyError(err, pick ? "publish" : "prepare");
    log.warn({ err, executionId: execution.id }, "race failed");
    await store.appendEvent(execution.id, { type: "run.failed", level: "error", message: classified.message });
    if (pick) {
      await store.updateExecution(execution.id, { followUp: null as unknown as Prisma.InputJsonObject });
      if (codeHost) await codeHost.ensureComment(ref, execution.issueNumber, "race-pick", `### Moderator · ❌ Could not pick \`${pick.name}\`\n\n${classified.message}`).catch(() => undefined);
      return { status: "failed", error: classified, willRetry: false };
    }
    if (codeHost) await refreshRaceComment(execution.id, { store, codeHost, ref, log, status: "failed", error: classified.message });
    await store.finishExecution(execution.id, "failed", { errorPhase: classified.phase ?? null, error: classified.message });
    return { status: "failed", error: classified, willRetry: false };
  }
}

async function enqueueCandidates(race: Execution, candidates: readonly Execution[], deps: PipelineDeps): Promise<void> {
  const repo = await deps.store.prisma.repository.findUniqueOrThrow({ where: { id: race.repositoryId } });
  for (const c of candidates) {
    const jobId = runJobId(repo.githubId, race.issueNumber, c.id);
    await deps.queue?.enqueue({ executionId: c.id }, jobId);
    await deps.store.updateExecution(c.id, { jobId });
  }
}

/** The candidates of a race as the judge and the comments see them (cost from their agent runs). */
export async function loadCandidates(store: PipelineDeps["store"], raceId: string): Promise<Array<CandidateView & { id: string; bundle: Uint8Array | null }>> {
  const rows = await store.prisma.execution.findMany({ where: { raceId }, orderBy: { createdAt: "asc" } });
  const costs = await store.prisma.agentRun.groupBy({ by: ["executionId"], where: { executionId: { in: rows.map((r) => r.id) } }, _sum: { costUsd: true } });
  return rows.map((r) => {
    const s = (r.summary ?? {}) as Partial<CandidateSummary>;
    const cost = costs.find((c) => c.executionId === r.id)?._sum.costUsd ?? undefined;
    const status = r.status === "completed" || r.status === "failed" || r.status === "cancelled" ? r.status : "failed";
    return {
      id: r.id,
      bundle: r.resultBundle,
      name: r.candidate ?? r.id.slice(0, 8),
      backend: r.backend ?? "?",
      status,
      liveStatus: r.status,
      phase: r.phase,
      hasResult: r.resultBundle !== null,
      ...(s.score !== undefined ? { score: s.score } : {}),
      ...(s.action ? { action: s.action } : {}),
      ...(s.reasons ? { reasons: s.reasons } : {}),
      ...(s.findingsBySeverity ? { findingsBySeverity: s.findingsBySeverity } : {}),
      ...(s.filesChanged !== undefined ? { filesChanged: s.filesChanged } : {}),
      ...(s.linesChanged !== undefined ? { linesChanged: s.linesChanged } : {}),
      ...(s.diff ? { diff: s.diff } : {}),
      ...(cost !== undefined && cost !== null ? { costUsd: cost } : {}),
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : r.startedAt && r.finishedAt ? { durationMs: r.finishedAt.getTime() - r.startedAt.getTime() } : {}),
      ...(r.error ? { error: r.error } : {}),
    };
  });
}

/** Re-render the race's tracking comment from the rows (every candidate calls it on each phase; last writer wins, all render the same truth). */
export async function refreshRaceComment(raceId: string, d: { store: PipelineDeps["store"]; codeHost: CodeHost; ref: RepoRef; log: PipelineDeps["log"]; status?: string; error?: string }): Promise<void> {
  try {
    const race = await d.store.prisma.execution.findUnique({ where: { id: raceId } });
    if (!race) return;
    const state = readRaceState(race.summary);
    const candidates = await loadCandidates(d.store, raceId);
    const body = renderRaceComment({
      executionId: raceId,
      status: d.status ?? race.status,
      candidates,
      ...(state.verdict ? { verdict: state.verdict } : {}),
      ...(race.prNumber !== null ? { prNumber: race.prNumber } : {}),
      ...(race.prUrl ? { prUrl: race.prUrl } : {}),
      ...(state.shown ? { shown: state.shown } : {}),
      ...(d.error ?? race.error ? { error: d.error ?? race.error ?? "" } : {}),
      ...(state.maxCostUsd !== undefined ? { maxCostUsd: state.maxCostUsd } : {}),
    });
    const c = await d.codeHost.ensureComment(d.ref, race.issueNumber, TRACKING_TOPIC, body, race.trackingCommentId !== null ? Number(race.trackingCommentId) : undefined);
    if (race.trackingCommentId === null || Number(race.trackingCommentId) !== c.id) await d.store.updateExecution(raceId, { trackingCommentId: BigInt(c.id) });
  } catch (err) {
    d.log.warn({ err, raceId }, "could not update the race's tracking comment");
  }
}

/**
 * A candidate settled (finished, failed or was cancelled): show it, and when it was the last one, queue the judge.
 * Two candidates settling at once may both queue it: the job id makes that one job.
 */
export async function settleCandidate(candidateId: string, d: { deps: PipelineDeps; codeHost?: CodeHost; ref: RepoRef }): Promise<void> {
  const { store, log } = d.deps;
  try {
    const c = await store.prisma.execution.findUnique({ where: { id: candidateId } });
    if (!c?.raceId || !FINAL.has(c.status)) return;
    if (d.codeHost) await refreshRaceComment(c.raceId, { store, codeHost: d.codeHost, ref: d.ref, log });
    const open = await store.prisma.execution.count({ where: { raceId: c.raceId, status: { notIn: ["completed", "failed", "cancelled"] } } });
    if (open === 0) await d.deps.queue?.enqueue({ executionId: c.raceId }, raceJudgeJobId(c.raceId));
  } catch (err) {
    log.warn({ err, candidateId }, "could not settle the race candidate");
  }
}

/** A candidate in these states may still start or run an agent (and spend): the cost cap stops it. */
const SPENDING = new Set(["queued", "preparing", "planning", "executing"]);

/**
 * The race's cost cap. The race has spent what its candidates' agent runs cost: finished runs' final cost, and
 * what running agents have reported so far (their AgentRun rows grow as they report). Once that reaches
 * `maxCostUsd`, every candidate that may still spend (queued, or before the end of its agent) is stopped through the
 * cancel mechanism, except `keep` (a candidate whose agent has just ended: what was paid for is judged). Candidates
 * in QA or later go on. Each is stopped once. Returns the names stopped by this call.
 */
export async function enforceRaceBudget(raceId: string, deps: PipelineDeps, keep?: string): Promise<string[]> {
  const race = await deps.store.prisma.execution.findUnique({ where: { id: raceId }, include: { repository: true } });
  if (!race) return [];
  const state = readRaceState(race.summary);
  if (state.maxCostUsd === undefined) return [];
  const rows = await deps.store.prisma.execution.findMany({ where: { raceId }, orderBy: [{ createdAt: "asc" }, { candidate: "asc" }] });
  const spent = (await deps.store.prisma.agentRun.aggregate({ where: { executionId: { in: rows.map((r) => r.id) } }, _sum: { costUsd: true } }))._sum.costUsd ?? 0;
  if (spent < state.maxCostUsd) return [];
  const already = new Set(state.capped?.stopped ?? []);
  const running = rows.filter((r) => SPENDING.has(r.status) && r.id !== keep && !already.has(r.candidate ?? r.id));
  if (state.capped && running.length === 0) return [];
  const reason = `the race's cost cap ($${state.maxCostUsd.toFixed(2)}) was reached`;
  const stopped: string[] = [];
  for (const r of running) {
    const jobId = r.jobId ?? runJobId(race.repository.githubId, race.issueNumber, r.id);
    const result = deps.cancelRun ? await deps.cancelRun({ jobId, reason, by: "moderator" }).catch(() => "not_found" as const) : "not_found";
    if (result === "removed") await deps.store.finishExecution(r.id, "cancelled", { cancelledBy: "moderator", error: `stopped: ${reason}` });
    stopped.push(r.candidate ?? r.id);
  }
  const all = [...already, ...stopped];
  await deps.store.updateExecution(raceId, { summary: { race: { ...state, capped: { at: state.capped?.at ?? spent, stopped: all } } } as unknown as Prisma.InputJsonObject });
  await deps.store.appendEvent(raceId, { type: "race.capped", level: "warn", message: `$${spent.toFixed(4)} spent of $${state.maxCostUsd}: stopped ${stopped.join(", ") || "nothing"}`, data: { spent, stopped } });
  return stopped;
}

/**
 * What a candidate calls each time one of its agents reports a cost: checks the race's cap (one check at a time;
 * reports that arrive during a check make one more check after it). Never throws.
 */
export function watchRaceBudget(raceId: string, deps: PipelineDeps): () => void {
  let running = false;
  let again = false;
  const check = async (): Promise<void> => {
    running = true;
    try {
      do {
        again = false;
        await enforceRaceBudget(raceId, deps).catch((err: unknown) => deps.log.warn({ err, raceId }, "could not check the race's cost"));
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void check();
  };
}

async function judgeAndPublish(
  race: ExecutionWithRepository,
  children: readonly Execution[],
  d: { deps: PipelineDeps; codeHost: CodeHost; ref: RepoRef; conn: Awaited<ReturnType<PipelineDeps["connect"]>>; pick: { name: string; by: string } | undefined; signal?: AbortSignal },
): Promise<RunOutcome> {
  const { deps, codeHost, ref, conn, pick } = d;
  const { store, log } = deps;
  const now = deps.now ?? Date.now;
  const state = readRaceState(race.summary);
  const candidates = await loadCandidates(store, race.id);
  const repoInfo = await conn.repository();
  const cfg = await conn.repoConfig(repoInfo.defaultBranch);
  let verdict = state.verdict;
  if (!verdict) {
    const learner = deps.operator.learner;
    const table = learner.enabled ? (await loadAcceptanceTable(store.prisma, { config: learner, now: new Date(now()), repositoryId: race.repositoryId })).table : undefined;
    const peers = cfg.ok ? await askPeersToRank(race, candidates, { deps, conn, repoInfo, repoConfig: cfg.config, ...(d.signal ? { signal: d.signal } : {}) }) : [];
    verdict = judgeRace({
      candidates,
      ...(table ? { prior: (backend: string) => lookupAcceptance(table, "backend", race.repositoryId, backendKey(backend, "change")).mean } : {}),
      ...(peers.length > 0 ? { peers } : {}),
    });
    await store.appendEvent(race.id, { type: "race.judged", message: verdict.winner ? `winner ${verdict.winner}` : "no winner", data: verdict as unknown as Prisma.InputJsonObject });
  }
  const shownName = pick?.name ?? verdict.winner;
  const shown = candidates.find((c) => c.name === shownName);
  if (pick && (!shown || !shown.bundle)) {
    const names = candidates.filter((c) => c.bundle).map((c) => `\`${c.name}\``).join(", ");
    throw new ModeratorError(`there is no finished candidate \`${pick.name}\` in this race; pick one of ${names || "none"}`, { phase: "publish" });
  }
  if (!shown || !shown.bundle) {
    await store.updateExecution(race.id, { summary: { race: { ...state, verdict } } as unknown as Prisma.InputJsonObject });
    throw new ModeratorError(`no candidate finished with a change: ${verdict.reasons.slice(1).join(" ") || "none ran"}`, { phase: "decide", hint: "See each candidate's error above; comment `/moderator run` to try again." });
  }
  // Publish: the shown candidate's commits on moderator/issue-<n> (force: a pick replaces the branch), one PR.
  const branch = `moderator/issue-${race.issueNumber}`;
  const ws = await cloneWorkspace({ cloneUrl: repoInfo.cloneUrl, token: conn.gitToken, baseBranch: repoInfo.defaultBranch, branch, rootDir: deps.workspaceDir });
  try {
    const head = await ws.adoptBundle(Buffer.from(shown.bundle));
    await ws.push();
    const diffText = await ws.diff();
    const files = await ws.changedFiles();
    const shownRow = children.find((c) => c.id === shown.id);
    const shownSummary = (shownRow?.summary ?? {}) as Partial<CandidateSummary>;
    // The losers' branches: pushed when the repository asks and the operator allows, else (and for a picked one) deleted.
    const keepAsked = cfg.ok && cfg.config.race?.keepBranches === true;
    const keep = keepAsked && deps.operator.limits.allowRaceBranches;
    const branches = await keepLoserBranches(ws, { issueNumber: race.issueNumber, candidates, shown: shown.name, keep, previously: state.keptBranches ?? [] });
    const keptBranches = Object.values(branches.kept);
    if (keptBranches.length > 0 || branches.deleted.length > 0) {
      await store.updateExecution(race.id, { summary: { race: { ...state, verdict, keptBranches } } as unknown as Prisma.InputJsonObject });
      await store.appendEvent(race.id, { type: "race.branches", message: `kept ${keptBranches.join(", ") || "none"}; deleted ${branches.deleted.join(", ") || "none"}`, data: { kept: branches.kept, deleted: branches.deleted } });
    }
    const web = repositoryWebUrl(repoInfo.cloneUrl);
    const shownCandidates = candidates.map((c) => {
      const b = branches.kept[c.name];
      return b ? { ...c, branch: { name: b, ...(web ? { url: `${web}/tree/${b}` } : {}) } } : c;
    });
    const notes = keepAsked && !keep ? ["Losing candidates' branches were not pushed: `race.keepBranches` asks for them, but the operator does not allow it (`limits.allowRaceBranches`)."] : [];
    const storedQa = shownSummary.qa;
    const qa: QaPhaseResult | undefined = storedQa
      ? { findings: storedQa.findings, commands: storedQa.commands, qaError: storedQa.qaError ?? undefined, peerDecision: storedQa.peerDecision ?? undefined, notes: storedQa.notes, connections: [] }
      : undefined;
    const body = [
      renderPullRequestBody({
        issueNumber: race.issueNumber,
        issueTitle: race.issueTitle,
        backend: shown.backend,
        ...(shownSummary.agentSummary ? { agentSummary: shownSummary.agentSummary } : {}),
        files,
        findingsBySeverity: shown.findingsBySeverity ?? {},
        commands: qa?.commands ?? [],
        conclusion: !qa || qa.qaError ? "neutral" : failsOn(shown.findingsBySeverity ?? {}, cfg.ok ? cfg.config.qa.failOn : "high") ? "failure" : "success",
        executionId: race.id,
      }),
      "",
      renderCandidatesSection(shownCandidates, verdict, shown.name, notes),
    ].join("\n");
    const draft = shown.action === "draft" || shown.action === "ask" || shown.action === "escalate";
    const pr = await codeHost.ensurePullRequest(ref, { branch, base: repoInfo.defaultBranch, title: renderPullRequestTitle(race.issueNumber, race.issueTitle), body, draft });
    await store.updateExecution(race.id, {
      prNumber: pr.number,
      prUrl: pr.url,
      headSha: head,
      resultSha: head,
      branch,
      baseBranch: repoInfo.defaultBranch,
      backend: shown.backend,
      decision: { action: shown.action ?? "proceed", confidence: shown.score ?? 0, reasons: verdict.reasons },
      followUp: null as unknown as Prisma.InputJsonObject,
      summary: { race: { ...state, verdict, shown: shown.name, keptBranches }, prNumber: pr.number, backend: shown.backend, filesChanged: files.length } as unknown as Prisma.InputJsonObject,
    });
    // The shown candidate's QA on the PR: the review and the `Moderator QA` check run (a pick redoes them on its head).
    if (qa && cfg.ok) {
      const published = await publishQa({ codeHost, ref, pullNumber: pr.number, headSha: head, files: parseDiff(shownSummary.diff ?? diffText), qa, repoConfig: cfg.config, executionId: race.id, repositoryId: race.repositoryId, store });
      if (published.review) await store.updateExecution(race.id, { reviewId: BigInt(published.review.id), reviewUrl: published.review.url });
      await store.updateExecution(race.id, { checkRunUrl: published.checkRun.url });
    }
    // Learning: the judge's winner (once), and a maintainer's pick, per backend and task type.
    await writeRaceFeedback(store, race, shown, pick);
    // What maintainers see first, then the state: whoever watches the state finds the comment final.
    await refreshRaceComment(race.id, { store, codeHost, ref, log, status: "completed" });
    if (!FINAL.has(race.status)) await store.finishExecution(race.id, "completed", {});
    await store.appendEvent(race.id, { type: pick ? "race.picked" : "run.completed", message: `PR #${pr.number} from ${shown.name}${pick ? ` (picked by ${pick.by})` : ""}`, data: { candidate: shown.name, diffLines: parseDiff(diffText).length } });
    return { status: "completed", prNumber: pr.number, conclusion: shown.score !== undefined && shown.score >= 0.5 ? "success" : "failure" };
  } finally {
    await ws.dispose().catch(() => undefined);
  }
}

async function writeRaceFeedback(store: PipelineDeps["store"], race: Execution, shown: CandidateView & { id: string }, pick: { name: string; by: string } | undefined): Promise<void> {
  const kind = pick ? "race_picked" : "race_won";
  const sourceKey = pick ? `race-picked:${race.id}:${shown.name}:${Date.now()}` : `race-won:${race.id}`;
  await store.prisma.feedback
    .create({
      data: {
        repositoryId: race.repositoryId,
        executionId: shown.id,
        backend: shown.backend,
        kind,
        actor: pick?.by ?? "moderator",
        value: 1,
        detail: { candidate: shown.name, raceId: race.id, actorCanWrite: true },
        sourceKey,
      },
    })
    .catch((err: unknown) => {
      if (!String((err as Error).message).includes("Unique")) throw err;
    });
}

function failsOn(counts: Partial<Record<string, number>>, failOn: string): boolean {
  const order = ["info", "low", "medium", "high", "critical"];
  return order.slice(order.indexOf(failOn)).some((s) => (counts[s] ?? 0) > 0);
}

function readPick(followUp: unknown): { name: string; by: string } | undefined {
  const p = (followUp as { pick?: { name?: unknown; by?: unknown } } | null)?.pick;
  return p && typeof p.name === "string" ? { name: p.name, by: typeof p.by === "string" ? p.by : "someone" } : undefined;
}

/** The repository's web address from its clone URL (`https://github.com/o/r.git` -> `https://github.com/o/r`); none with credentials. */
function repositoryWebUrl(cloneUrl: string): string | undefined {
  try {
    const u = new URL(cloneUrl);
    if (u.username || u.password || !/^https?:$/.test(u.protocol)) return undefined;
    return `${u.origin}${u.pathname.replace(/\.git$/, "").replace(/\/+$/, "")}`;
  } catch {
    return undefined;
  }
}
