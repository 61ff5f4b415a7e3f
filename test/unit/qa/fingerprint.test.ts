import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../../src/util/fingerprint.ts";

describe("fingerprint", () => {
  it("is 16 hex characters of sha256 over the parts joined with NUL", () => {
    const expected = createHash("sha256").update("rule\u0000src/a.ts\u0000x = 1").digest("hex").slice(0, 16);
    expect(fingerprint("rule", "src/a.ts", "x = 1")).toBe(expected);
    expect(fingerprint("a")).toMatch(/^[0-9a-f]{16}$/);
  });

  it("ignores whitespace differences (indentation, runs of spaces, trailing newlines)", () => {
    expect(fingerprint("rule", "p", "  const  x =\t1;\n")).toBe(fingerprint("rule", "p", "const x = 1;"));
  });

  it("keeps part boundaries: moving text between parts changes the result", () => {
    expect(fingerprint("ab", "c")).not.toBe(fingerprint("a", "bc"));
    expect(fingerprint("rule", "p", "x")).not.toBe(fingerprint("rule", "p", "y"));
  });
});
