import { parseDiff, type DiffFile } from "../qa/parse-diff.ts";
import type { PullRequestFile } from "./code-host.ts";

/**
 * The files of a pull request as GitHub lists them (`listPullRequestFiles`) turned into DiffFiles, so a
 * pull request Moderator did not open can be analyzed and reviewed like its own diff. Paths and status
 * come from GitHub's fields (never re-parsed from a header); only the patch's hunks are parsed.
 * A file without a patch has no hunks: GitHub leaves the patch out for binary files (counted as
 * binary when nothing was added or deleted and it is not a pure rename) and for diffs too large to show.
 * Pure; never throws.
 */
export function parsePullRequestFiles(files: readonly PullRequestFile[]): DiffFile[] {
  return files.map((f) => {
    const hunks =
      typeof f.patch === "string" && f.patch !== ""
        ? (parseDiff(`--- a/file\n+++ b/file\n${f.patch.endsWith("\n") ? f.patch : `${f.patch}\n`}`)[0]?.hunks ?? [])
        : [];
    const binary = f.patch === undefined && f.additions === 0 && f.deletions === 0 && f.status !== "renamed";
    const file: DiffFile = { path: f.path, status: f.status, binary, hunks };
    if (f.previousPath !== undefined && f.previousPath !== f.path) file.oldPath = f.previousPath;
    return file;
  });
}
