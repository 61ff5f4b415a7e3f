import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

export type ResolvedPath = { ok: true; abs: string; rel: string } | { ok: false; error: string };

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function touchesGit(rel: string): boolean {
  return rel.split(/[\\/]/).some((segment) => segment.toLowerCase() === ".git");
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Resolves a path the model named against the clone, or says why it may not be used. `root` must already
 * be a real path (no symlinks). Refused: non-strings, empty paths (unless `allowRoot`), NUL bytes, absolute
 * paths and `~`, any `..` segment, anything in a `.git` folder, and paths whose existing part resolves
 * (through symlinks) outside the clone or into `.git`; a dangling symlink is refused too, since writing
 * through it would create its target wherever it points. `abs` is the resolved location, `rel` its path
 * relative to the clone ("." for the root).
 */
export async function resolveInClone(root: string, requested: unknown, opts: { allowRoot?: boolean } = {}): Promise<ResolvedPath> {
  if (typeof requested !== "string") return { ok: false, error: `path must be a string, got ${JSON.stringify(requested) ?? String(requested)}` };
  const trimmed = requested.trim();
  const shown = JSON.stringify(requested);
  if (trimmed.includes("\0")) return { ok: false, error: `path ${shown} contains a NUL byte` };
  if (path.isAbsolute(trimmed) || trimmed.startsWith("~")) {
    return { ok: false, error: `path ${shown} is absolute; use a path relative to the repository root, e.g. "src/index.ts"` };
  }
  const segments = trimmed.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { ok: false, error: `path ${shown} uses "..", which is not allowed; use a path relative to the repository root` };
  if (segments.some((s) => s.toLowerCase() === ".git")) return { ok: false, error: `path ${shown} is inside .git, which may not be read or changed` };
  const rel = segments.join("/");
  if (rel === "" && !opts.allowRoot) return { ok: false, error: `path ${shown} names the repository root; name a file` };
  const abs = path.join(root, rel);

  // The deepest part of the path that exists decides where it really leads.
  let probe = abs;
  let real: string | undefined;
  for (;;) {
    try {
      real = await realpath(probe);
      break;
    } catch (err) {
      const code = errorCode(err);
      if (code === "ENOTDIR") return { ok: false, error: `path ${shown}: a part of it is a file, not a folder` };
      if (code !== "ENOENT") return { ok: false, error: `path ${shown}: ${(err as Error).message}` };
      const link = await lstat(probe).catch(() => undefined);
      if (link?.isSymbolicLink()) return { ok: false, error: `path ${shown} goes through a symbolic link whose target does not exist` };
      if (probe === root) return { ok: false, error: `the repository folder ${root} does not exist` };
      probe = path.dirname(probe);
    }
  }
  const resolved = path.join(real, path.relative(probe, abs));
  if (!isInside(resolved, root)) return { ok: false, error: `path ${shown} leads outside the repository (through a symbolic link)` };
  const resolvedRel = path.relative(root, resolved);
  if (touchesGit(resolvedRel)) return { ok: false, error: `path ${shown} leads into .git (through a symbolic link), which may not be read or changed` };
  return { ok: true, abs: resolved, rel: resolvedRel === "" ? "." : resolvedRel.split(path.sep).join("/") };
}
