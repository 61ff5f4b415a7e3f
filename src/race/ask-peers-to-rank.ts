import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { RepoRef } from "../codehost/code-host.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { agentRepository, type RunConnection } from "../pipeline/run-connection.ts";
import type { PipelineDeps } from "../pipeline/run-execution.ts";
import type { ExecutionWithRepository } from "../store/store.ts";
import { cloneWorkspace } from "../workspace/clone-workspace.ts";
import type { CandidateResult } from "./judge-race.ts";
import { rankWithPeers, type PeerRankingResult } from "./rank-with-peers.ts";

/**
 * The judge's peers: when the repository names peers (`qa.peers`) and at least two candidates finished with a
 * change, each peer ranks those candidates side by side, working in its own copy of a fresh checkout of the base.
 * Their answers (or why there is none) are recorded as a `race.peers_ranked` event. Never throws for a peer's failure;
 * a checkout that cannot be made is one recorded problem per peer.
 */
export async function askPeersToRank(
  race: ExecutionWithRepository,
  candidates: ReadonlyArray<CandidateResult & { diff?: string }>,
  d: { deps: PipelineDeps; conn: RunConnection; repoInfo: Awaited<ReturnType<RunConnection["repository"]>>; repoConfig: RepoConfig; signal?: AbortSignal },
): Promise<PeerRankingResult[]> {
  const { deps, conn } = d;
  const names = Object.keys(deps.operator.backends);
  const peers = d.repoConfig.qa.peers.filter((p) => names.includes(p));
  const eligible = candidates.filter((c) => c.status === "completed" && c.hasResult && c.score !== undefined && c.diff);
  if (peers.length === 0 || eligible.length < 2) return [];
  const { repoInfo } = d;
  const ref: RepoRef = { owner: race.repository.owner, repo: race.repository.name };
  const scratch = await mkdtemp(path.join(deps.workspaceDir, `race-peers-${race.id.slice(0, 8)}-`));
  let results: PeerRankingResult[];
  try {
    const branch = `moderator/issue-${race.issueNumber}-ranking`;
    const ws = await cloneWorkspace({ cloneUrl: repoInfo.cloneUrl, token: conn.gitToken, baseBranch: repoInfo.defaultBranch, branch, rootDir: deps.workspaceDir, ...(d.signal ? { signal: d.signal } : {}) });
    try {
      const issue = await conn.issue(race.issueNumber, race.triggeredAt ?? race.createdAt).catch(() => ({ title: race.issueTitle, body: race.approvedBody ?? "", author: race.triggeredBy ?? "" }));
      results = await rankWithPeers(
        peers.map((p) => deps.createBackend(p)),
        {
          workdir: ws.dir,
          scratchDir: scratch,
          runner: deps.runner,
          repository: agentRepository(ref, repoInfo),
          issue: { number: race.issueNumber, title: issue.title, body: issue.body, author: issue.author },
          branch,
          baseBranch: repoInfo.defaultBranch,
          candidates: eligible.map((c) => ({ name: c.name, diff: c.diff ?? "" })),
          knownSecrets: conn.secrets,
          ...(d.signal ? { signal: d.signal } : {}),
        },
      );
    } finally {
      await ws.dispose().catch(() => undefined);
    }
  } catch (err) {
    if (d.signal?.aborted) throw err;
    const problem = `the base could not be checked out for the peers: ${(err as Error).message}`;
    results = peers.map((peer) => ({ peer, status: "failed" as const, problem, durationMs: 0 }));
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  await deps.store.appendEvent(race.id, {
    type: "race.peers_ranked",
    level: results.some((r) => r.status !== "ranked") ? "warn" : "info",
    message: results.map((r) => (r.status === "ranked" ? `${r.peer}: ${(r.order ?? []).join(" > ")}` : `${r.peer}: no ranking (${r.problem ?? r.status})`)).join("; "),
    data: { peers: results } as unknown as Prisma.InputJsonObject,
  });
  return results;
}
