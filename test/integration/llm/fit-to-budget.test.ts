import { describe, expect, it } from "vitest";
import { z } from "zod";
import { estimateTokens, fitToBudget } from "../../../src/llm/fit-to-budget.ts";
import { parseJsonAnswer } from "../../../src/llm/parse-json-answer.ts";
import { toJsonSchema } from "../../../src/llm/to-json-schema.ts";

// Pure helpers of src/llm (no I/O); they live here because this folder holds the llm tests.
describe("fitToBudget", () => {
  it("returns text that fits unchanged", () => {
    expect(fitToBudget("short", 5, "[cut]")).toBe("short");
    expect(fitToBudget("", 0, "[cut]")).toBe("");
  });

  it("keeps head and tail with the marker between them, within maxChars, saying how much was cut", () => {
    const text = "a".repeat(600) + "b".repeat(400);
    const out = fitToBudget(text, 200, "[... {cut} characters cut ...]");
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.startsWith("a")).toBe(true);
    expect(out.endsWith("b")).toBe(true);
    const match = /\[\.\.\. (\d+) characters cut \.\.\.\]/.exec(out);
    expect(match).not.toBeNull();
    const cut = Number(match?.[1]);
    const kept = out.replace(match?.[0] ?? "", "").replace(/\n/g, "");
    expect(kept.length + cut).toBe(text.length);
  });

  it("cuts at line ends when one is near", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
    const out = fitToBudget(lines, 300, "[cut {cut}]");
    expect(out.length).toBeLessThanOrEqual(300);
    const [head, tail] = out.split(/\n?\[cut \d+\]\n?/);
    expect(head?.split("\n").every((l) => /^line \d+$/.test(l))).toBe(true);
    expect(tail?.split("\n").every((l) => /^line \d+$/.test(l))).toBe(true);
    expect(tail?.endsWith("line 199")).toBe(true);
  });

  it("honours headRatio", () => {
    const text = "x".repeat(1000);
    const headOnly = fitToBudget(text, 100, "[cut]", { headRatio: 1 });
    expect(headOnly.endsWith("[cut]")).toBe(true);
    const tailOnly = fitToBudget(text, 100, "[cut]", { headRatio: 0 });
    expect(tailOnly.startsWith("[cut]")).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    const text = "😀".repeat(500);
    const out = fitToBudget(text, 101, "|");
    expect(out.length).toBeLessThanOrEqual(101);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("shows (part of) the marker when the budget is smaller than the marker", () => {
    expect(fitToBudget("x".repeat(100), 4, "[cut]")).toBe("[cut");
    expect(() => fitToBudget("x", -1, "m")).toThrow("maxChars must be a non-negative number");
  });

  it("estimateTokens is about a quarter of the characters", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("x".repeat(4001))).toBe(1001);
  });
});

describe("parseJsonAnswer", () => {
  const Schema = z.object({ items: z.array(z.string()).min(1) });
  it("lists problems with their paths", () => {
    expect(parseJsonAnswer('{"items": []}', Schema)).toEqual({ ok: false, problems: ["items: Too small: expected array to have >=1 items"] });
    expect(parseJsonAnswer("", Schema)).toEqual({ ok: false, problems: ["(root): the answer was empty; expected one JSON value"] });
    const bad = parseJsonAnswer("{items:", Schema);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatch(/^\(root\): not valid JSON \(/);
    expect(parseJsonAnswer('```\n{"items": ["a"]}\n```', Schema)).toEqual({ ok: true, value: { items: ["a"] } });
  });
});

describe("toJsonSchema", () => {
  it("describes the input side without $schema and without safe-integer bounds", () => {
    const schema = toJsonSchema(z.object({ n: z.number().int().min(1), kind: z.enum(["a", "b"]).default("a") }));
    expect(schema).toEqual({
      type: "object",
      properties: { n: { type: "integer", minimum: 1 }, kind: { default: "a", type: "string", enum: ["a", "b"] } },
      required: ["n"],
    });
  });
});
