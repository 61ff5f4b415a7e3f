import type { Workspace } from "../workspace/workspace.ts";

export interface KeepLoserBranchesInput {
  issueNumber: number;
  /** The race's candidates; those without a bundle (nothing finished) have nothing to push. */
  candidates: ReadonlyArray<{ name: string; bundle: Uint8Array | null }>;
  /** The candidate the PR carries: it is not a loser. */
  shown: string;
  /** Push the losers (the repository asks and the operator allows). */
  keep: boolean;
  /** Branches an earlier publish of this race pushed. */
  previously: readonly string[];
}

/** A candidate's own branch name, as it worked on it locally. */
export function candidateBranch(issueNumber: number, candidate: string): string {
  return `moderator/issue-${issueNumber}-${candidate}`;
}

/**
 * The losers' branches after a judge or a pick: with `keep`, each losing candidate's commits are force-pushed as
 * `moderator/issue-<n>-<candidate>`; every branch pushed before that is no longer wanted (the picked candidate's, or
 * all of them once `keep` is off) is deleted. Returns the kept branch per candidate, and what was deleted.
 */
export async function keepLoserBranches(ws: Workspace, input: KeepLoserBranchesInput): Promise<{ kept: Record<string, string>; deleted: string[] }> {
  const kept: Record<string, string> = {};
  if (input.keep) {
    for (const c of input.candidates) {
      if (c.name === input.shown || !c.bundle) continue;
      const branch = candidateBranch(input.issueNumber, c.name);
      await ws.pushBundle(Buffer.from(c.bundle), branch);
      kept[c.name] = branch;
    }
  }
  const wanted = new Set(Object.values(kept));
  const deleted: string[] = [];
  for (const branch of input.previously) {
    if (wanted.has(branch)) continue;
    if (await ws.deleteRemoteBranch(branch)) deleted.push(branch);
  }
  return { kept, deleted };
}
