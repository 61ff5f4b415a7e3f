/** Lines of the new (RIGHT) side of a file that one diff hunk covers, inclusive. */
export interface HunkRange {
  start: number;
  end: number;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/**
 * The RIGHT-side line ranges of the hunks in one file's unified-diff patch (the `patch` field GitHub
 * returns for each file of a pull request). Every line inside such a range (added or context) can
 * carry an inline review comment on side RIGHT; no other line can. A hunk that only deletes lines
 * (`+n,0`) covers no RIGHT line and is left out. Lines that are not hunk headers are ignored, so a
 * whole `git diff` section for the file can be passed as well.
 */
export function parseHunkRanges(patch: string): HunkRange[] {
  const ranges: HunkRange[] = [];
  for (const line of patch.split("\n")) {
    const match = HUNK_HEADER.exec(line);
    if (!match) continue;
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count === 0) continue;
    ranges.push({ start, end: start + count - 1 });
  }
  return ranges;
}

/**
 * Whether an inline comment on `line` (optionally spanning from `startLine`) fits the hunks:
 * GitHub requires both ends to lie in the same hunk.
 */
export function fitsHunks(ranges: readonly HunkRange[], line: number, startLine?: number): boolean {
  const from = startLine ?? line;
  return ranges.some((r) => from >= r.start && line <= r.end && from <= line);
}
