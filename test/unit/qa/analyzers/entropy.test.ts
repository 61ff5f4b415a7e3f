import { describe, expect, it } from "vitest";
import { detectCharset, isHighEntropyString, shannonEntropy } from "../../../../src/qa/entropy.ts";

/** A deterministic pseudo-random string over `alphabet` (a linear congruential generator, seeded). */
function randomString(length: number, alphabet: string, seed: number): string {
  let state = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[(state >>> 16) % alphabet.length];
  }
  return out;
}
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX = "0123456789abcdef";

describe("shannonEntropy", () => {
  it("is 0 for empty and single-symbol strings, log2(n) for n equally frequent symbols", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaaaaa")).toBe(0);
    expect(shannonEntropy("ab")).toBeCloseTo(1, 10);
    expect(shannonEntropy("abcd")).toBeCloseTo(2, 10);
    expect(shannonEntropy(HEX)).toBeCloseTo(4, 10);
    expect(shannonEntropy("aab")).toBeCloseTo(0.9183, 3);
  });

  it("counts code points, not UTF-16 units", () => {
    expect(shannonEntropy("😀😀")).toBe(0);
    expect(shannonEntropy("😀a")).toBeCloseTo(1, 10);
  });
});

describe("detectCharset", () => {
  it("tells hex from base64 from anything else", () => {
    expect(detectCharset("deadBEEF0123")).toBe("hex");
    expect(detectCharset("aGVsbG8gd29ybGQ=")).toBe("base64");
    expect(detectCharset("abc_DEF-123")).toBe("base64");
    expect(detectCharset("has space")).toBeUndefined();
    expect(detectCharset("p@ss!word")).toBeUndefined();
  });
});

describe("isHighEntropyString", () => {
  it("accepts random base64 and hex values of 20+ characters (every seed tried)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      expect(isHighEntropyString(randomString(24, BASE64.slice(0, 62), seed)), `base64 seed ${seed}`).toBe(true);
      expect(isHighEntropyString(randomString(40, HEX, seed)), `hex seed ${seed}`).toBe(true);
    }
  });

  it("rejects short values, words, identifiers, repeated and sequential strings", () => {
    for (const value of [
      "Zx8Qw3Er5Ty7",
      "my-app-production-secret-9",
      "user_profile_settings_v2",
      "aaaaaaaaaaaaaaaaaaaaaaaa1",
      "AbAbAbAbAbAbAbAbAbAbAbAb",
      "11111111111111111111111111",
      "1234567890123456789012345",
      "THIS_IS_AN_ENV_VAR_NAME_TOO",
      "getUserAuthenticationToken",
      "not a token at all, has spaces",
    ]) {
      expect(isHighEntropyString(value), value).toBe(false);
    }
  });

  it("needs letters and digits, or both cases", () => {
    expect(isHighEntropyString("QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUiOp")).toBe(true);
    expect(isHighEntropyString("qwertyuiopasdfghjklzxcvbnmqwertyuiop")).toBe(false);
  });

  it("honours minLength and ratio", () => {
    const value = randomString(16, BASE64.slice(0, 62), 7);
    expect(isHighEntropyString(value)).toBe(false);
    expect(isHighEntropyString(value, { minLength: 16 })).toBe(true);
    expect(isHighEntropyString(value, { minLength: 16, ratio: 1.01 })).toBe(false);
  });
});
