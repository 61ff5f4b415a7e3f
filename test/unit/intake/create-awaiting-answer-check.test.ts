import { describe, expect, it } from "vitest";
import { createAwaitingAnswerCheck } from "../../../src/intake/create-awaiting-answer-check.ts";

describe("createAwaitingAnswerCheck", () => {
  it("reads the waiting issues once per period, shared by concurrent requests", async () => {
    let t = 0;
    let reads = 0;
    let waiting = new Set(["7#31"]);
    const check = createAwaitingAnswerCheck(async () => {
      reads++;
      return waiting;
    }, { maxAgeMs: 1000, now: () => t });
    expect(await Promise.all([check(7, 31), check(7, 32), check(8, 31)])).toEqual([true, false, false]);
    expect(reads).toBe(1);
    waiting = new Set(["7#32"]);
    t = 999;
    expect(await check(7, 32)).toBe(false);
    t = 1000;
    expect(await check(7, 32)).toBe(true);
    expect(reads).toBe(2);
  });

  it("stores every plain comment when the set cannot be read", async () => {
    const check = createAwaitingAnswerCheck(async () => Promise.reject(new Error("database down")));
    expect(await check(1, 1)).toBe(true);
  });
});
