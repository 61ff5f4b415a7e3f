import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { addedLines, findHunkForLine, isLineInHunks, parseDiff, unquote } from "../../../src/qa/parse-diff.ts";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/diffs/${name}`, import.meta.url)), "utf8");

describe("parseDiff on real git output", () => {
  it("parses a multi-hunk file with correct old/new line numbers", () => {
    const files = parseDiff(fixture("multi-hunk.diff"));
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ["big.txt", "modified"],
      ["small.ts", "modified"],
    ]);
    const big = files[0]!;
    expect(big.hunks).toHaveLength(2);
    const [h1, h2] = big.hunks;
    expect(h1).toMatchObject({ oldStart: 1, oldLines: 8, newStart: 1, newLines: 6, header: "@@ -1,8 +1,6 @@" });
    expect(h2).toMatchObject({ oldStart: 47, oldLines: 7, newStart: 45, newLines: 8, header: "@@ -47,7 +45,8 @@ line 46" });
    expect(h1!.lines.filter((l) => l.kind === "del").map((l) => [l.text, l.oldLine, l.newLine])).toEqual([
      ["line 3", 3, undefined],
      ["line 4", 4, undefined],
      ["line 5", 5, undefined],
    ]);
    expect(addedLines(big).map((l) => [l.newLine, l.text])).toEqual([
      [3, "line five"],
      [48, "line fifty"],
      [49, "line fifty-and-a-half"],
    ]);
    const context = h2!.lines.find((l) => l.text === "line 51");
    expect(context).toEqual({ kind: "context", text: "line 51", oldLine: 51, newLine: 50 });
    // Each hunk's line counts match its header.
    for (const h of big.hunks) {
      expect(h.lines.filter((l) => l.kind !== "add")).toHaveLength(h.oldLines);
      expect(h.lines.filter((l) => l.kind !== "del")).toHaveLength(h.newLines);
    }
  });

  it("parses added and deleted files (path of a deletion is the old path)", () => {
    const files = parseDiff(fixture("added-deleted.diff"));
    expect(files.map((f) => ({ path: f.path, status: f.status, oldPath: f.oldPath }))).toEqual([
      { path: "gone.py", status: "deleted", oldPath: undefined },
      { path: "src/new_file.py", status: "added", oldPath: undefined },
    ]);
    expect(files[0]!.hunks[0]!.lines.every((l) => l.kind === "del")).toBe(true);
    expect(addedLines(files[1]!).map((l) => [l.newLine, l.text])).toEqual([
      [1, "import os"],
      [2, ""],
      [3, "print(os.getcwd())"],
    ]);
    expect(files[1]!.newMode).toBe("100644");
  });

  it("parses renames with and without changes", () => {
    const files = parseDiff(fixture("rename.diff"));
    expect(files.map((f) => ({ path: f.path, oldPath: f.oldPath, status: f.status, hunks: f.hunks.length }))).toEqual([
      { path: "docs-edited.txt", oldPath: "lib/edited.txt", status: "renamed", hunks: 1 },
      { path: "lib/moved.js", oldPath: "lib/pure.js", status: "renamed", hunks: 0 },
    ]);
    expect(addedLines(files[0]!)).toEqual([{ kind: "add", text: "row ten", newLine: 10 }]);
  });

  it("records '\\ No newline at end of file' on the line it follows", () => {
    const files = parseDiff(fixture("no-newline.diff"));
    const [a, b, c] = files;
    const aBeta = a!.hunks[0]!.lines.find((l) => l.kind === "del" && l.text === "beta");
    expect(aBeta?.noNewlineAtEnd).toBe(true);
    expect(addedLines(a!).map((l) => l.text)).toEqual(["beta", "gamma"]);
    expect(addedLines(b!)).toEqual([{ kind: "add", text: "three", newLine: 3, noNewlineAtEnd: true }]);
    const cLines = c!.hunks[0]!.lines;
    expect(cLines.map((l) => [l.kind, l.text, l.noNewlineAtEnd ?? false])).toEqual([
      ["context", "x", false],
      ["del", "y", true],
      ["add", "z", true],
    ]);
    // The marker is never a line of its own.
    expect(files.flatMap((f) => f.hunks.flatMap((h) => h.lines)).some((l) => l.text.includes("No newline"))).toBe(false);
  });

  it("parses binary files without --binary ('Binary files ... differ')", () => {
    const files = parseDiff(fixture("binary.diff"));
    expect(files.map((f) => ({ path: f.path, status: f.status, binary: f.binary, hunks: f.hunks.length }))).toEqual([
      { path: "blob.bin", status: "modified", binary: true, hunks: 0 },
      { path: "new image.png", status: "added", binary: true, hunks: 0 },
      { path: "notes.txt", status: "modified", binary: false, hunks: 1 },
      { path: "old.png", status: "deleted", binary: true, hunks: 0 },
    ]);
  });

  it("parses GIT binary patch sections and skips their payload", () => {
    const files = parseDiff(fixture("binary-patch.diff"));
    expect(files.map((f) => ({ path: f.path, status: f.status, binary: f.binary, hunks: f.hunks.length }))).toEqual([
      { path: "blob.bin", status: "modified", binary: true, hunks: 0 },
      { path: "new image.png", status: "added", binary: true, hunks: 0 },
      { path: "notes.txt", status: "modified", binary: false, hunks: 1 },
      { path: "old.png", status: "deleted", binary: true, hunks: 0 },
    ]);
    expect(addedLines(files[2]!).map((l) => l.text)).toEqual(["more"]);
  });

  it("decodes git's C-style quoted paths (unicode, quotes, tabs) and unquoted paths with spaces", () => {
    const files = parseDiff(fixture("quoted-paths.diff"));
    expect(files.map((f) => ({ path: f.path, status: f.status, oldPath: f.oldPath }))).toEqual([
      { path: "naïve café.md", status: "modified", oldPath: undefined },
      { path: 'say "hi".txt', status: "modified", oldPath: undefined },
      { path: "tab\there.txt", status: "added", oldPath: undefined },
      { path: "with space.txt", status: "modified", oldPath: undefined },
      { path: "ünïcode dir.txt", status: "renamed", oldPath: "plain.txt" },
    ]);
    expect(addedLines(files[3]!).map((l) => l.text)).toEqual(["A"]);
  });

  it("parses mode changes, with and without content changes", () => {
    const files = parseDiff(fixture("mode-change.diff"));
    expect(files.map((f) => ({ path: f.path, status: f.status, oldMode: f.oldMode, newMode: f.newMode, hunks: f.hunks.length }))).toEqual([
      { path: "build.sh", status: "modified", oldMode: "100644", newMode: "100755", hunks: 1 },
      { path: "run.sh", status: "modified", oldMode: "100644", newMode: "100755", hunks: 0 },
    ]);
  });

  it("keeps hunk lines that look like headers ('--- ', '+++ ') as content", () => {
    const files = parseDiff(fixture("tricky-lines.diff"));
    expect(files).toHaveLength(1);
    expect(files[0]!.hunks[0]!.lines.map((l) => [l.kind, l.text])).toEqual([
      ["context", "select 1;"],
      ["del", "-- a sql comment"],
      ["add", "++ not a header"],
      ["context", "select 2;"],
    ]);
  });

  it("returns [] for an empty diff", () => {
    expect(fixture("empty.diff")).toBe("");
    expect(parseDiff(fixture("empty.diff"))).toEqual([]);
    expect(parseDiff("")).toEqual([]);
    expect(parseDiff("\n\n")).toEqual([]);
  });
});

describe("parseDiff on unusual input", () => {
  it("never throws on garbage and skips unknown lines", () => {
    const inputs = [
      "random text\nwith lines",
      "@@ -1,2 +1,2 @@", // a hunk with no file
      "diff --git",
      "diff --git a/x b/x\n@@ -1,5 +1,5 @@\n x\n", // truncated hunk
      "\\ No newline at end of file",
      "Binary files  differ",
      'diff --git "a/unterminated b/x',
      "--- a\n+++ b\n@@ -x +y @@\n+z",
    ];
    for (const input of inputs) expect(() => parseDiff(input)).not.toThrow();
    const truncated = parseDiff("diff --git a/x b/x\n@@ -1,5 +1,5 @@\n x\ndiff --git a/y b/y\n@@ -1 +1 @@\n-a\n+b\n");
    expect(truncated.map((f) => f.path)).toEqual(["x", "y"]);
    expect(addedLines(truncated[1]!)).toEqual([{ kind: "add", text: "b", newLine: 1 }]);
  });

  it("parses plain unified diffs without 'diff --git' headers and CRLF line endings", () => {
    const text = [
      "--- a/one.txt\t2024-01-01 00:00:00",
      "+++ b/one.txt\t2024-01-02 00:00:00",
      "@@ -1,2 +1,2 @@",
      " keep",
      "-old",
      "+new",
      "--- /dev/null",
      "+++ b/two.txt",
      "@@ -0,0 +1 @@",
      "+hello",
      "",
    ].join("\r\n");
    const files = parseDiff(text);
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ["one.txt", "modified"],
      ["two.txt", "added"],
    ]);
    expect(addedLines(files[0]!)).toEqual([{ kind: "add", text: "new", newLine: 2 }]);
  });

  it("unquotes C-style strings and leaves plain ones alone", () => {
    expect(unquote('"caf\\303\\251 \\"x\\"\\\\y\\tz"')).toBe('café "x"\\y\tz');
    expect(unquote("plain path")).toBe("plain path");
  });
});

describe("addedLines / isLineInHunks", () => {
  const files = parseDiff(fixture("multi-hunk.diff"));

  it("accepts added and context lines inside hunks on the new side", () => {
    expect(isLineInHunks(files, "big.txt", 3)).toBe(true); // added
    expect(isLineInHunks(files, "big.txt", 1)).toBe(true); // context
    expect(isLineInHunks(files, "big.txt", 52)).toBe(true); // last context line of hunk 2
    expect(findHunkForLine(files[0]!, 48)?.newStart).toBe(45);
  });

  it("refuses lines between hunks, past the end, in unknown files and in deleted files", () => {
    expect(isLineInHunks(files, "big.txt", 7)).toBe(false);
    expect(isLineInHunks(files, "big.txt", 44)).toBe(false);
    expect(isLineInHunks(files, "big.txt", 53)).toBe(false);
    expect(isLineInHunks(files, "nope.txt", 1)).toBe(false);
    const deleted = parseDiff(fixture("added-deleted.diff"));
    expect(isLineInHunks(deleted, "gone.py", 1)).toBe(false);
    expect(isLineInHunks(deleted, "src/new_file.py", 3)).toBe(true);
  });
});
