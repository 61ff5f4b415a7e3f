import type { GitHubClient } from "./github-client.ts";

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/**
 * Ask GitHub what `login` may do in the repository; never guessed from a name.
 * `role_name` distinguishes maintain/triage, which `permission` folds into write/read.
 * A 404 (not a collaborator) is "none".
 */
export async function getSenderPermission(octokit: GitHubClient, owner: string, repo: string, login: string): Promise<Permission> {
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
      owner,
      repo,
      username: login,
    });
    const data = res.data as { permission?: string; role_name?: string };
    const role = (data.role_name ?? "").toLowerCase();
    if (role === "admin" || role === "maintain" || role === "write" || role === "triage" || role === "read") return role;
    const p = (data.permission ?? "none").toLowerCase();
    return p === "admin" || p === "write" || p === "read" ? p : "none";
  } catch (err) {
    if ((err as { status?: number }).status === 404) return "none";
    throw err;
  }
}

export function canWrite(p: Permission): boolean {
  return p === "admin" || p === "maintain" || p === "write";
}
