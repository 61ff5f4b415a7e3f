import { describe, expect, it } from "vitest";
import { addedText, deletedText, forLines, lineFlags, linesMatching, wordsPattern } from "../../../src/qa/file-text.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { hunkDiff, newFileDiff } from "./diff-text.ts";

describe("addedText and deletedText", () => {
  it("join a file's added (or deleted) lines, with where each starts, once per file", () => {
    const [file] = parseDiff(hunkDiff("src/a.ts", 1, [" keep", "-old one", "+new one", "+", "+last"]));
    const view = addedText(file!);
    expect(view.text).toBe("new one\n\nlast");
    expect(view.starts).toEqual([0, 8, 9]);
    expect(view.lines.map((l) => l.newLine)).toEqual([2, 3, 4]);
    expect(addedText(file!)).toBe(view);
    expect(deletedText(file!).text).toBe("old one");
  });
  it("are computed again when the file's hunks are replaced", () => {
    const [file] = parseDiff(newFileDiff("a.txt", ["one"]));
    expect(addedText(file!).text).toBe("one");
    const [other] = parseDiff(newFileDiff("a.txt", ["two"]));
    file!.hunks = other!.hunks;
    expect(addedText(file!).text).toBe("two");
  });
});

describe("linesMatching", () => {
  const view = addedText(parseDiff(newFileDiff("a.py", ["import os", "x = 1", "  import re  # import", "", "from a import b"]))[0]!);
  it("finds each line a pattern matches once, from one scan of the joined text", () => {
    expect(linesMatching(view, /import/gm)).toEqual([0, 2, 4]);
    expect([...lineFlags(view, /import/gm)]).toEqual([1, 0, 1, 0, 1]);
  });
  it("treats line breaks as a line's start and end (^ and $ under the m flag)", () => {
    expect(linesMatching(view, forLines(/^\s*import\b/))).toEqual([0, 2]);
    expect(linesMatching(view, forLines(/^$/))).toEqual([3]);
  });
  it("does not lose a line whose match a match on the line above would have overlapped", () => {
    // "\s+" crosses the line break: the scan restarts at the next line after each hit.
    const v = addedText(parseDiff(newFileDiff("t.py", ["assert", "assert x"]))[0]!);
    expect(linesMatching(v, /assert\s+\S/gm)).toEqual([0, 1]);
  });
  it("refuses a pattern whose negative lookaround could see the line break (a line could be missed)", () => {
    expect(() => forLines(/foo(?!\s)/)).toThrow(/negative lookaround/);
    expect(() => forLines(/(?<![^a-z])bar/)).toThrow(/negative lookaround/);
    expect(linesMatching(view, forLines(/(?<![\w.$])import(?![^\s;])/))).toEqual([0, 2, 4]);
  });
  it("finds literal words, and rejects a pattern without the g and m flags", () => {
    expect(linesMatching(view, wordsPattern(["x = ", "a.b"]))).toEqual([1]);
    expect(() => linesMatching(view, /import/g)).toThrow(/g and m flags/);
    expect(linesMatching(addedText(parseDiff(hunkDiff("a.ts", 1, ["-gone"]))[0]!), /^/gm)).toEqual([]);
  });
});
