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
