// Pure helpers of the GitHub CodeHost: no server, no mocks.
import { describe, expect, it } from "vitest";
import { appendUnplacedComments } from "../../../src/codehost/append-unplaced-comments.ts";
import { fitsHunks, parseHunkRanges } from "../../../src/codehost/parse-hunk-ranges.ts";

describe("parseHunkRanges", () => {
  it("reads the RIGHT-side range of each hunk header", () => {
    const patch = [
      "@@ -1,3 +1,4 @@",
      " a",
      "+b",
      " c",
      " d",
      "@@ -20,2 +21,3 @@ function f() {",
      " x",
      "+y",
      " z",
    ].join("\n");
    expect(parseHunkRanges(patch)).toEqual([
      { start: 1, end: 4 },
      { start: 21, end: 23 },
    ]);
  });

  it("treats a missing count as one line and skips hunks with no new lines", () => {
    expect(parseHunkRanges("@@ -5 +5 @@\n-a\n+b\n@@ -9,2 +9,0 @@\n-x\n-y")).toEqual([{ start: 5, end: 5 }]);
  });

  it("ignores text that is not a hunk header, like a git diff's file header", () => {
    const diff = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+@@ -1,1 +1,99 @@\n+y";
    expect(parseHunkRanges(diff)).toEqual([{ start: 1, end: 2 }]);
  });

  it("gives no ranges for an empty or deleted file patch", () => {
    expect(parseHunkRanges("")).toEqual([]);
    expect(parseHunkRanges("@@ -1,2 +0,0 @@\n-a\n-b")).toEqual([]);
  });
});

describe("fitsHunks", () => {
  const ranges = [
    { start: 1, end: 4 },
    { start: 21, end: 23 },
  ];
  it("accepts a line inside a hunk and a range inside one hunk", () => {
    expect(fitsHunks(ranges, 4)).toBe(true);
    expect(fitsHunks(ranges, 23, 21)).toBe(true);
  });
  it("refuses a line outside every hunk, a range across hunks and a backwards range", () => {
    expect(fitsHunks(ranges, 5)).toBe(false);
    expect(fitsHunks(ranges, 22, 3)).toBe(false);
    expect(fitsHunks(ranges, 2, 3)).toBe(false);
  });
});

describe("appendUnplacedComments", () => {
  it("returns the body unchanged when every comment was placed", () => {
    expect(appendUnplacedComments("Summary\n", [])).toBe("Summary");
  });

  it("appends a section naming each comment's file and lines", () => {
    const body = appendUnplacedComments("Summary", [
      { path: "a.ts", line: 3, body: "one" },
      { path: "b.ts", line: 9, startLine: 7, body: "two\n" },
    ]);
    expect(body).toBe(
      [
        "Summary",
        "",
        "### Could not be placed inline",
        "",
        "These comments refer to lines outside the diff of this pull request, so GitHub could not attach them to a line.",
        "",
        "**`a.ts` line 3**",
        "",
        "one",
        "",
        "**`b.ts` lines 7-9**",
        "",
        "two",
      ].join("\n"),
    );
  });

  it("starts with the section when the body is empty", () => {
    expect(appendUnplacedComments("", [{ path: "a.ts", line: 1, body: "x" }]).startsWith("### Could not be placed inline")).toBe(
      true,
    );
  });

  it("stays within the length limit and counts the comments it had to leave out", () => {
    const comments = Array.from({ length: 40 }, (_, i) => ({ path: `f${i}.ts`, line: 1, body: "x".repeat(100) }));
    const body = appendUnplacedComments("Summary", comments, 1_000);
    expect(body.length).toBeLessThanOrEqual(1_000);
    const shown = body.match(/\*\*`f\d+\.ts` line 1\*\*/g) ?? [];
    expect(shown.length).toBeGreaterThan(0);
    expect(body).toContain(`_${40 - shown.length} more comment(s) did not fit in this review._`);
  });

  it("cuts an oversized body but still says comments are missing", () => {
    const body = appendUnplacedComments("y".repeat(2_000), [{ path: "a.ts", line: 1, body: "x" }], 500);
    expect(body.length).toBeLessThanOrEqual(500);
    expect(body).toContain("1 comment(s) could not be placed inline");
  });
});
