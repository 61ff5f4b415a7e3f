import { describe, expect, it } from "vitest";
import { buildKeywordMatcher } from "../../../src/util/build-keyword-matcher.ts";

describe("buildKeywordMatcher", () => {
  const keywords = ["sk-", "sk-ant-", "_auth", "authorization", "key", "eyj", "hooks.slack.com"];
  const find = (text: string) => [...buildKeywordMatcher(keywords).find(text)].map((i) => keywords[i]).sort();
  it("finds every keyword, overlapping and nested ones included, case-insensitively", () => {
    expect(find("X-Api-KEY: sk-ant-abc; _Authorization: Bearer eyJhbGciOi")).toEqual(["_auth", "authorization", "eyj", "key", "sk-", "sk-ant-"].sort());
    expect(find("https://hooks.slack.com/services/T0")).toEqual(["hooks.slack.com"]);
  });
  it("finds nothing in text without keywords, and survives non-ASCII text", () => {
    expect(find("const x = 1; // héllo wörld ✓")).toEqual([]);
    expect(find("ké-y key")).toEqual(["key"]);
  });
});

describe("buildKeywordMatcher: forEach and test", () => {
  const keywords = ["key", "sk-", "hooks.slack.com"];
  const matcher = buildKeywordMatcher(keywords);
  const visits = (text: string): Array<[string, number]> => {
    const out: Array<[string, number]> = [];
    matcher.forEach(text, (k, end) => out.push([keywords[k]!, end]));
    return out;
  };
  it("visits every occurrence with where it ends, in any case", () => {
    expect(visits("KEY=1 sk-x Key")).toEqual([
      ["key", 3],
      ["sk-", 9],
      ["key", 14],
    ]);
  });
  it("does not match across characters no keyword holds (non-ASCII, line breaks)", () => {
    expect(visits("ke\ny sk\u00e9- s\nk-")).toEqual([]);
    expect(matcher.test("nothing to see here")).toBe(false);
    expect(matcher.test("a Hooks.Slack.Com url")).toBe(true);
  });
  it("rejects a keyword that is not ASCII", () => {
    expect(() => buildKeywordMatcher(["cl\u00e9"])).toThrow(/not ASCII/);
  });
});
