import { findHunkForLine, type DiffFile } from "./parse-diff.ts";

/** Where a reviewer's (model's, peer agent's) finding can be shown, given the diff. */
export interface DiffPlacement {
  /** Set only when the cited file is a (not deleted) file of the diff. */
  path?: string;
  /** Set only when the diff shows that new-version line (an added or context line). */
  line?: number;
  /** The text of the cited line, when shown: a stable fingerprint trigger. */
  lineText?: string;
  /** The reviewer cited a line the diff does not show (the finding keeps its file, loses its line). */
  lineMoved: boolean;
  /** The reviewer cited a file that is not in the diff (the finding loses file and line). */
  pathMoved: boolean;
}

/**
 * Place a reviewer's `path:line` on the diff, trusting the path as given first, then without quotes, `./`, a
 * leading slash or git's a/ b/ prefixes. Reviewers invent lines: only lines inside a hunk survive. Pure.
 */
export function placeInDiff(rawPath: string | undefined, line: number | undefined, files: DiffFile[]): DiffPlacement {
  if (rawPath === undefined || rawPath.trim() === "") return { lineMoved: false, pathMoved: false };
  const file = candidatePaths(rawPath)
    .map((wanted) => files.find((f) => f.path === wanted && f.status !== "deleted"))
    .find((f) => f !== undefined);
  if (!file) return { lineMoved: false, pathMoved: true };
  if (line === undefined) return { path: file.path, lineMoved: false, pathMoved: false };
  const hunk = findHunkForLine(file, line);
  if (!hunk) return { path: file.path, lineMoved: true, pathMoved: false };
  const lineText = hunk.lines.find((l) => l.kind !== "del" && l.newLine === line)?.text;
  return { path: file.path, line, ...(lineText !== undefined ? { lineText } : {}), lineMoved: false, pathMoved: false };
}

function candidatePaths(p: string): string[] {
  const clean = p.trim().replace(/^[`"']+|[`"']+$/g, "").replace(/^\.\//, "").replace(/^\/+/, "");
  return [p, clean, clean.replace(/^[ab]\//, "")];
}
