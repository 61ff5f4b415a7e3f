/** Where `_extends` points: a file in a repository. */
export interface ConfigFileRef {
  owner: string;
  repo: string;
  path: string;
}

// Probot's (@probot/octokit-plugin-config): [owner/]repo[:path.yml]
const EXTENDS = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w\d]+)(?::([-_./\w\d]+\.ya?ml))?$/i;

/**
 * The file an `_extends` value names, as Probot's context.config reads it: `repo` (same owner, same path),
 * `owner/repo`, or `owner/repo:path/to/file.yml`. Pure.
 */
export function parseExtends(value: unknown, owner: string, path: string): { ok: true; ref: ConfigFileRef } | { ok: false; problem: string } {
  const m = typeof value === "string" ? EXTENDS.exec(value.trim()) : null;
  if (!m?.[2]) {
    return { ok: false, problem: `must be "repo", "owner/repo" or "owner/repo:path.yml", got ${JSON.stringify(value)}` };
  }
  return { ok: true, ref: { owner: m[1] ?? owner, repo: m[2], path: m[3] ?? path } };
}

/** owner/repo:path */
export function formatConfigFileRef(ref: ConfigFileRef): string {
  return `${ref.owner}/${ref.repo}:${ref.path}`;
}
