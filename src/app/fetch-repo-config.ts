import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfigResult } from "../config/repo-config.ts";
import type { GitHubClient } from "./github-client.ts";

/** Read and validate .github/moderator.yml from `ref` (default branch when undefined). Missing file = defaults. */
export async function fetchRepoConfig(octokit: GitHubClient, owner: string, repo: string, ref?: string): Promise<RepoConfigResult> {
  let text: string | undefined;
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner,
      repo,
      path: REPO_CONFIG_PATH,
      ...(ref ? { ref } : {}),
    });
    const data = res.data as { type?: string; content?: string; encoding?: string };
    if (data.type !== "file" || typeof data.content !== "string") {
      return { ok: false, problems: [`(file): ${REPO_CONFIG_PATH} is not a file`] };
    }
    text = Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? "base64").toString("utf8");
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
  return parseRepoConfig(text);
}
