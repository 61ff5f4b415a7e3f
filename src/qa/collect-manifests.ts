import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

const MANIFEST = /^(package\.json|tsconfig(\.[^/]*)?\.json|requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|go\.mod|Cargo\.toml|composer\.json|Gemfile)$/;
const MAX_BYTES = 1024 * 1024;

/**
 * Reads the dependency manifests that govern the changed files: every manifest in each changed file's folder
 * and its ancestors up to the repository root, keyed by repo-relative path (input for `deps/undeclared`).
 */
export async function collectManifests(repoDir: string, changedPaths: string[]): Promise<Record<string, string>> {
  const dirs = new Set<string>();
  for (const p of changedPaths) {
    let dir = path.posix.dirname(p);
    for (;;) {
      dirs.add(dir);
      if (dir === "." || dir === "/" || dir === "") break;
      dir = path.posix.dirname(dir);
    }
  }
  const out: Record<string, string> = {};
  for (const dir of dirs) {
    const abs = path.join(repoDir, dir);
    if (!abs.startsWith(path.resolve(repoDir))) continue;
    const names = await readdir(abs).catch(() => [] as string[]);
    for (const name of names) {
      if (!MANIFEST.test(name)) continue;
      const file = path.join(abs, name);
      const s = await stat(file).catch(() => undefined);
      if (!s?.isFile() || s.size > MAX_BYTES) continue;
      const rel = dir === "." ? name : `${dir}/${name}`;
      out[rel] = await readFile(file, "utf8").catch(() => "");
    }
  }
  return out;
}
