import { mkdir } from "node:fs/promises";
import type { AgentTask, Backend } from "../backends/backend.ts";
import { describePeerFailure, runPeerInCopy, type PeerTaskContext } from "../qa/run-peer-in-copy.ts";
import { CancelledError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import { buildRankingPrompt } from "./build-ranking-prompt.ts";
import { extractPeerRanking } from "./peer-ranking.ts";

/** What one peer said about a race's candidates. `unparseable` and `failed` are no opinion, with the reason. */
export interface PeerRankingResult {
  peer: string;
  status: "ranked" | "unparseable" | "failed";
  /** Best first (when ranked). */
  order?: string[];
  reasons?: Record<string, string>;
  summary?: string;
  /** Why there is no ranking. */
  problem?: string;
  durationMs: number;
  costUsd?: number;
}

export interface RankWithPeersContext extends PeerTaskContext {
  /** A checkout of the base: each peer gets its own copy. */
  workdir: string;
  /** Each finished candidate's name and its diff against the base; `maxDiffChars` is shared by them. */
  candidates: ReadonlyArray<{ name: string; diff: string }>;
}

const DEFAULT_MAX_DIFF_CHARS = 60_000;

/**
 * Ask each peer backend, all at once, to rank the race's candidates side by side (each in its own copy of the base).
 * A peer that fails, times out, or answers without a valid ranking is recorded with the reason and counts for
 * nothing. Throws CancelledError when `signal` aborts; never throws for a peer's failure.
 */
export async function rankWithPeers(peers: Backend[], ctx: RankWithPeersContext): Promise<PeerRankingResult[]> {
  if (peers.length === 0 || ctx.candidates.length < 2) return [];
  const secrets = [...(ctx.knownSecrets ?? [])];
  const issue = { ...ctx.issue, title: redactSecrets(ctx.issue.title, secrets), body: redactSecrets(ctx.issue.body, secrets) };
  const prompt = buildRankingPrompt({
    repository: ctx.repository.fullName,
    issue,
    candidates: ctx.candidates.map((c) => ({ name: c.name, diff: redactSecrets(c.diff, secrets) })),
    maxDiffChars: ctx.maxDiffChars ?? DEFAULT_MAX_DIFF_CHARS,
  });
  const task: AgentTask = {
    repository: ctx.repository,
    issue,
    task: { index: 0, title: `Rank the candidate changes for #${ctx.issue.number}`, description: "Compare and rank only: do not edit files.", type: "review" },
    prompt,
    branch: ctx.branch,
    baseBranch: ctx.baseBranch,
  };
  await mkdir(ctx.scratchDir, { recursive: true });
  const names = ctx.candidates.map((c) => c.name);
  const results = await Promise.all(
    peers.map(async (peer): Promise<PeerRankingResult> => {
      const started = Date.now();
      const run = await runPeerInCopy(peer, task, ctx);
      if (!run.ok) return { peer: peer.name, status: "failed", problem: redactSecrets(run.problem, secrets), durationMs: Date.now() - started };
      const base = { peer: peer.name, durationMs: run.result.durationMs, ...(run.result.usage.costUsd !== undefined ? { costUsd: run.result.usage.costUsd } : {}) };
      if (run.result.status !== "succeeded") return { ...base, status: "failed", problem: redactSecrets(describePeerFailure(run.result), secrets) };
      const ranking = extractPeerRanking(run.texts, names);
      if ("problem" in ranking) return { ...base, status: "unparseable", problem: redactSecrets(ranking.problem, secrets) };
      const reasons = Object.fromEntries(Object.entries(ranking.reasons).map(([k, v]) => [k, redactSecrets(v, secrets)]));
      return { ...base, status: "ranked", order: ranking.order, reasons, ...(ranking.summary ? { summary: redactSecrets(ranking.summary, secrets) } : {}) };
    }),
  );
  if (ctx.signal?.aborted) throw new CancelledError("the race was cancelled during the peers' ranking");
  return results;
}
