import { describe, expect, it } from "vitest";
import { buildReview } from "../../../src/qa/build-review.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { parseSuggestionBlock } from "../../../src/outcomes/parse-suggestion-block.ts";

const diff = [
  "diff --git a/src/a.ts b/src/a.ts",
  "--- a/src/a.ts",
  "+++ b/src/a.ts",
  "@@ -1,2 +1,3 @@",
  " const a = 1;",
  "+const b = eval(input);",
  " export { a };",
  "",
].join("\n");

function finding(replacement: string): Finding {
  return {
    ruleId: "security/eval",
    source: "analyzer",
    severity: "high",
    confidence: 0.9,
    path: "src/a.ts",
    line: 2,
    title: "eval",
    message: "Do not eval input.",
    suggestion: "Parse it instead.",
    replacement,
    fingerprint: "fp-eval",
  };
}

describe("parseSuggestionBlock", () => {
  it("reads back the replacement buildReview posted, backticks included", () => {
    for (const replacement of ["const b = JSON.parse(input);", "const b = `x ${'```'} y`;\nconst c = 2;", ""]) {
      const review = buildReview([finding(replacement)], parseDiff(diff), { maxComments: 5, minConfidence: 0 });
      expect(review.comments).toHaveLength(1);
      expect(parseSuggestionBlock(review.comments[0]!.body)).toBe(replacement);
    }
  });

  it("takes the first complete block, accepts CRLF and tildes, and refuses what is not a block", () => {
    expect(parseSuggestionBlock("text\r\n```suggestion\r\nx = 1\r\n```\r\n```suggestion\ny\n```")).toBe("x = 1");
    expect(parseSuggestionBlock("~~~~ suggestion\na\n~~~~\n")).toBe("a");
    expect(parseSuggestionBlock("````suggestion\n```\ninner\n```\n````")).toBe("```\ninner\n```");
    expect(parseSuggestionBlock("```ts\nx\n```")).toBeUndefined();
    expect(parseSuggestionBlock("```suggestion\nnever closed")).toBeUndefined();
    expect(parseSuggestionBlock("")).toBeUndefined();
    expect(parseSuggestionBlock(42 as unknown as string)).toBeUndefined();
  });
});
