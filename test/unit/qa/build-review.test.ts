import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildReview, findingMarker, parseFindingMarkers } from "../../../src/qa/build-review.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { fingerprint } from "../../../src/util/fingerprint.ts";

// multi-hunk.diff: big.txt shows new lines 1-6 and 45-52; small.ts shows 1-2.
const files = parseDiff(readFileSync(fileURLToPath(new URL("../../fixtures/diffs/multi-hunk.diff", import.meta.url)), "utf8"));

let n = 0;
const finding = (over: Partial<Finding>): Finding => {
  n++;
  return {
    ruleId: "test/rule",
    source: "analyzer",
    severity: "medium",
    confidence: 0.9,
    title: `Finding ${n}`,
    message: `Message ${n}`,
    fingerprint: fingerprint("test", String(n)),
    ...over,
  };
};

describe("buildReview: placement", () => {
  it("puts findings on hunk lines inline, ordered by severity then confidence; the rest in the body", () => {
    const low = finding({ severity: "low", path: "big.txt", line: 3 });
    const critical = finding({ severity: "critical", path: "small.ts", line: 2 });
    const highLessSure = finding({ severity: "high", confidence: 0.7, path: "big.txt", line: 48 });
    const highSure = finding({ severity: "high", confidence: 0.95, path: "big.txt", line: 50 });
    const outside = finding({ severity: "critical", path: "big.txt", line: 20 });
    const noLine = finding({ severity: "high", title: "No tests" });
    const unknownFile = finding({ severity: "medium", path: "other.ts", line: 1 });
    const review = buildReview([low, critical, highLessSure, highSure, outside, noLine, unknownFile], files, {
      maxComments: 10,
      minConfidence: 0.5,
    });
    expect(review.inline.map((f) => f.title)).toEqual([critical.title, highSure.title, highLessSure.title, low.title]);
    expect(review.comments.map((c) => [c.path, c.line])).toEqual([
      ["small.ts", 2],
      ["big.txt", 50],
      ["big.txt", 48],
      ["big.txt", 3],
    ]);
    expect(review.inBody.map((f) => f.title)).toEqual([outside.title, noLine.title, unknownFile.title]);
    expect(review.dropped).toEqual([]);
  });

  it("respects the comment budget: the overflow goes to the body", () => {
    const list = [1, 2, 3, 45, 46].map((line) => finding({ path: "big.txt", line }));
    const review = buildReview(list, files, { maxComments: 2, minConfidence: 0 });
    expect(review.comments.map((c) => c.line)).toEqual([1, 2]);
    expect(review.inBody.map((f) => f.line)).toEqual([3, 45, 46]);
    const none = buildReview(list, files, { maxComments: 0, minConfidence: 0 });
    expect(none.comments).toEqual([]);
    expect(none.inBody).toHaveLength(5);
  });

  it("drops findings under minConfidence and says how many in the body", () => {
    const sure = finding({ path: "big.txt", line: 3, confidence: 0.8 });
    const unsure = finding({ path: "big.txt", line: 4, confidence: 0.3 });
    const review = buildReview([sure, unsure], files, { maxComments: 5, minConfidence: 0.6 });
    expect(review.inline).toEqual([sure]);
    expect(review.dropped).toEqual([unsure]);
    expect(review.body).toContain("1 finding under 60% confidence not shown");
  });

  it("never comments on a deleted file", () => {
    const deleted = parseDiff("diff --git a/x.ts b/x.ts\ndeleted file mode 100644\n--- a/x.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n");
    const review = buildReview([finding({ path: "x.ts", line: 1 })], deleted, { maxComments: 5, minConfidence: 0 });
    expect(review.comments).toEqual([]);
    expect(review.inBody).toHaveLength(1);
  });
});

describe("buildReview: ranges and suggestions", () => {
  it("uses start_line..line for a range inside one hunk, with a suggestion block", () => {
    const f = finding({ path: "big.txt", line: 3, endLine: 5, replacement: "line three\nline four" });
    const [comment] = buildReview([f], files, { maxComments: 5, minConfidence: 0 }).comments;
    expect(comment).toMatchObject({ path: "big.txt", startLine: 3, line: 5 });
    expect(comment!.body).toContain("```suggestion\nline three\nline four\n```");
  });

  it("comments on the first line only, without a suggestion, when the range leaves the hunk", () => {
    const f = finding({ path: "big.txt", line: 5, endLine: 9, replacement: "x" });
    const [comment] = buildReview([f], files, { maxComments: 5, minConfidence: 0 }).comments;
    expect(comment).toEqual({ path: "big.txt", line: 5, body: expect.any(String) });
    expect(comment!.body).not.toContain("```suggestion");
  });

  it("renders an empty replacement as a suggestion that deletes the line", () => {
    const f = finding({ path: "small.ts", line: 2, replacement: "" });
    const [comment] = buildReview([f], files, { maxComments: 5, minConfidence: 0 }).comments;
    expect(comment!.body).toContain("```suggestion\n```");
  });

  it("uses a longer fence when the replacement contains backticks", () => {
    const f = finding({ path: "small.ts", line: 2, replacement: "const s = ```;" });
    const [comment] = buildReview([f], files, { maxComments: 5, minConfidence: 0 }).comments;
    expect(comment!.body).toContain("````suggestion\nconst s = ```;\n````");
  });
});

describe("buildReview: bodies and markers", () => {
  it("gives every comment a badge, title, message, fix and hidden marker", () => {
    const f = finding({ severity: "high", path: "small.ts", line: 2, title: "Bad thing", message: "Why it is bad.", suggestion: "Do this." });
    const [comment] = buildReview([f], files, { maxComments: 5, minConfidence: 0 }).comments;
    expect(comment!.body).toContain("🟠 **High** · **Bad thing** · `test/rule`");
    expect(comment!.body).toContain("Why it is bad.");
    expect(comment!.body).toContain("**Fix:** Do this.");
    expect(comment!.body).toContain(findingMarker(f.fingerprint));
  });

  it("writes a header with counts by severity and lists the non-inline findings with their markers", () => {
    const inline = finding({ severity: "critical", path: "small.ts", line: 2 });
    const body1 = finding({ severity: "medium", title: "No tests", message: "Add tests." });
    const body2 = finding({ severity: "medium", path: "big.txt", line: 30, endLine: 32 });
    const review = buildReview([inline, body1, body2], files, { maxComments: 5, minConfidence: 0 });
    expect(review.body).toContain("**3 findings**: 🔴 1 critical · 🟡 2 medium (1 inline, 2 listed below).");
    expect(review.body).toContain("`big.txt:30-32`");
    expect(review.body).toContain("Add tests.");
    expect(parseFindingMarkers(review.body)).toEqual([body1.fingerprint, body2.fingerprint]);
    const all = [review.body, ...review.comments.map((c) => c.body)].join("\n");
    expect(new Set(parseFindingMarkers(all))).toEqual(new Set([inline, body1, body2].map((f) => f.fingerprint)));
  });

  it("says so in one line when there is nothing to report", () => {
    const empty = buildReview([], files, { maxComments: 5, minConfidence: 0.5 });
    expect(empty).toEqual({ body: "✅ **Moderator QA:** no findings.", comments: [], inline: [], inBody: [], dropped: [] });
    const allUnsure = buildReview([finding({ confidence: 0.2 })], files, { maxComments: 5, minConfidence: 0.5 });
    expect(allUnsure.body.split("\n")).toHaveLength(1);
    expect(allUnsure.body).toContain("1 lower-confidence finding not shown");
  });

  it("redacts secrets that reach a comment or the body", () => {
    const token = ["gh", "p_", "aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xYaB3d"].join("");
    const review = buildReview(
      [finding({ path: "small.ts", line: 2, message: `uses ${token}` }), finding({ message: `also ${token}` })],
      files,
      { maxComments: 5, minConfidence: 0 },
    );
    const all = [review.body, ...review.comments.map((c) => c.body)].join("\n");
    expect(all).not.toContain(token);
    expect(all).toContain("ghp_****");
  });

  it("rejects invalid options with a clear error", () => {
    expect(() => buildReview([], files, { maxComments: -1, minConfidence: 0 })).toThrow(/maxComments must be a non-negative integer, got -1/);
    expect(() => buildReview([], files, { maxComments: 1, minConfidence: 2 })).toThrow(/minConfidence must be a number from 0 to 1, got 2/);
  });
});

describe("findingMarker / parseFindingMarkers", () => {
  it("round-trips fingerprints and ignores other comments", () => {
    const text = `a ${findingMarker("0123456789abcdef")} b <!-- other --> ${findingMarker("fedcba9876543210")} ${findingMarker("0123456789abcdef")}`;
    expect(parseFindingMarkers(text)).toEqual(["0123456789abcdef", "fedcba9876543210"]);
    expect(parseFindingMarkers("<!--moderator:finding  abc-->")).toEqual(["abc"]);
    expect(parseFindingMarkers("nothing here")).toEqual([]);
  });

  it("never lets a fingerprint break out of the HTML comment", () => {
    const marker = findingMarker("evil --> <img src=x>");
    expect(marker).toMatch(/^<!-- moderator:finding [0-9a-f]{16} -->$/);
    expect(parseFindingMarkers(marker)).toHaveLength(1);
  });
});
