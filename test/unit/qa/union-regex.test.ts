import { describe, expect, it } from "vitest";
import { unionRegex } from "../../../src/qa/union-regex.ts";

describe("unionRegex", () => {
  it("matches where any of the patterns matches, and nowhere else", () => {
    const union = unionRegex([/^\s*@skip\b/, /(?<![\w.])xit\s*\(/, /\.only\(/])!;
    expect(["  @skip", "xit('a')", "it.only(", "a.xit(", "@skipped", "it('a')"].map((t) => union.test(t))).toEqual([true, true, true, false, false, false]);
  });
  it("gives up (undefined) when the flags differ or a pattern has a backreference", () => {
    expect(unionRegex([/a/i, /b/])).toBeUndefined();
    expect(unionRegex([/(["'])x\1/, /y/])).toBeUndefined();
    expect(unionRegex([])).toBeUndefined();
    expect(unionRegex([/a/g, /b/])!.flags).toBe("");
  });
});
