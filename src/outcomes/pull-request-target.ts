import type { RepoRef } from "../codehost/code-host.ts";
import type { CanWriteCheck } from "./cache-permissions.ts";
import type { OutcomeDeps } from "./outcome-deps.ts";

/** One pull request whose outcomes are collected. */
export interface PullRequestTarget {
  repositoryId: number;
  ref: RepoRef;
  prNumber: number;
}

/** The collectors' dependencies; `canWrite` shares one permission cache across the collectors of a run. */
export type CollectorDeps = OutcomeDeps & { canWrite?: CanWriteCheck };

/** Throws a clear error for a target that cannot be a pull request. */
export function checkTarget(where: string, target: PullRequestTarget): void {
  if (!Number.isInteger(target.repositoryId) || target.repositoryId < 1) {
    throw new Error(`${where}: repositoryId must be a positive integer, got ${String(target.repositoryId)}`);
  }
  if (!Number.isInteger(target.prNumber) || target.prNumber < 1) {
    throw new Error(`${where}: prNumber must be a positive integer, got ${String(target.prNumber)}`);
  }
  if (!target.ref || typeof target.ref.owner !== "string" || target.ref.owner === "" || typeof target.ref.repo !== "string" || target.ref.repo === "") {
    throw new Error(`${where}: ref must name the repository ({ owner, repo })`);
  }
}
