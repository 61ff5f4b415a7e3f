import type { GitHubClient } from "./github-client.ts";

/** A text file from the repository (default branch unless `ref`); undefined when it does not exist. */
export async function fetchRepoFile(octokit: GitHubClient, owner: string, repo: string, filePath: string, ref?: string): Promise<string | undefined> {
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path: filePath, ...(ref ? { ref } : {}) });
    const data = res.data as { type?: string; content?: string; encoding?: string };
    if (data.type !== "file" || typeof data.content !== "string") return undefined;
    return Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? "base64").toString("utf8");
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}
