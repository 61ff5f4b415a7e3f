import { mergeConfigLayers, nameSource, type ConfigLayer } from "../config/merge-config-layers.ts";
import { formatConfigFileRef, parseExtends, type ConfigFileRef } from "../config/parse-extends.ts";
import { parseYamlDocument } from "../config/parse-yaml-document.ts";
import { REPO_CONFIG_PATH, type RepoConfigResult } from "../config/repo-config.ts";
import type { GitHubClient } from "./github-client.ts";

/** The organization's defaults live in this repository of the owner, as for Probot apps. */
const ORG_DEFAULTS_REPO = ".github";
/** `_extends` chains longer than this are refused. */
const MAX_FILES = 10;

type FileText = { kind: "text"; text: string } | { kind: "missing" } | { kind: "not-a-file" };

async function readFile(octokit: GitHubClient, ref: ConfigFileRef, gitRef?: string): Promise<FileText> {
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: ref.owner, repo: ref.repo, path: ref.path, ...(gitRef ? { ref: gitRef } : {}) });
    const data = res.data as { type?: string; content?: string; encoding?: string };
    if (data.type !== "file" || typeof data.content !== "string") return { kind: "not-a-file" };
    return { kind: "text", text: Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? "base64").toString("utf8") };
  } catch (err) {
    if ((err as { status?: number }).status === 404) return { kind: "missing" };
    throw err;
  }
}

/**
 * Read and validate .github/moderator.yml as Probot's context.config does: the repository's file at `ref`
 * (default branch when undefined), else the organization's defaults in `<owner>/.github` (same path);
 * then each `_extends` (`repo`, `owner/repo` or `owner/repo:path.yml`, default branch) under it. The files
 * are deep-merged (the closer file wins; arrays are replaced, not concatenated) before validation, and each
 * problem names the file it comes from when that is not the repository's own. No file anywhere = defaults.
 */
export async function fetchRepoConfig(octokit: GitHubClient, owner: string, repo: string, ref?: string): Promise<RepoConfigResult> {
  const own: ConfigFileRef = { owner, repo, path: REPO_CONFIG_PATH };
  let current: ConfigFileRef = own;
  let file = await readFile(octokit, own, ref);
  if (file.kind === "missing" && repo !== ORG_DEFAULTS_REPO) {
    current = { owner, repo: ORG_DEFAULTS_REPO, path: REPO_CONFIG_PATH };
    file = await readFile(octokit, current);
  }
  const layers: ConfigLayer[] = [];
  const seen = new Set<string>();
  for (;;) {
    const key = formatConfigFileRef(current);
    const source = current === own ? undefined : key;
    seen.add(key.toLowerCase());
    if (file.kind === "missing") {
      if (layers.length === 0) return mergeConfigLayers([]);
      return { ok: false, problems: [nameSource(`_extends: ${key} does not exist (or the App cannot read it)`, layers[layers.length - 1]?.source)] };
    }
    if (file.kind === "not-a-file") return { ok: false, problems: [nameSource(`(file): ${current.path} is not a file`, source)] };
    const doc = parseYamlDocument(file.text);
    if (!doc.ok) return { ok: false, problems: doc.problems.map((p) => nameSource(p, source)) };
    if (typeof doc.value !== "object" || doc.value === null || Array.isArray(doc.value)) {
      return { ok: false, problems: [nameSource("(root): must be a mapping of settings", source)] };
    }
    const { _extends: extendsValue, ...value } = doc.value as Record<string, unknown>;
    layers.push({ source, value });
    if (extendsValue === undefined) break;
    const next = parseExtends(extendsValue, current.owner, current.path);
    if (!next.ok) return { ok: false, problems: [nameSource(`_extends: ${next.problem}`, source)] };
    const nextKey = formatConfigFileRef(next.ref);
    if (seen.has(nextKey.toLowerCase())) return { ok: false, problems: [nameSource(`_extends: ${nextKey} is already part of this configuration (a loop)`, source)] };
    if (layers.length >= MAX_FILES) return { ok: false, problems: [nameSource(`_extends: more than ${MAX_FILES} files in the chain`, source)] };
    current = next.ref;
    file = await readFile(octokit, current);
  }
  return mergeConfigLayers(layers);
}
