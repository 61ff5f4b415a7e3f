import { canWrite } from "../app/get-sender-permission.ts";
import type { RepoRef } from "../codehost/code-host.ts";
import type { GetPermission } from "./outcome-deps.ts";

/** Whether `login` has write, maintain or admin permission on `ref`, asked once per (repository, login). */
export type CanWriteCheck = (ref: RepoRef, login: string) => Promise<boolean>;

/**
 * Wraps `getPermission` so one collection run asks the API once per (repository, login), however many
 * reactions, threads or commits that person has. A failed question is not cached: the next call asks again.
 * Build one per collection run (nothing is kept between runs: a permission can change).
 */
export function cachePermissions(getPermission: GetPermission): CanWriteCheck {
  const asked = new Map<string, Promise<boolean>>();
  return (ref, login) => {
    const key = `${ref.owner}/${ref.repo}\u0000${login}`.toLowerCase();
    const cached = asked.get(key);
    if (cached) return cached;
    const answer = getPermission(ref, login).then(canWrite);
    asked.set(key, answer);
    answer.catch(() => asked.delete(key));
    return answer;
  };
}
