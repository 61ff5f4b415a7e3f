import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { PullRequestReviewSummary, ReviewThread } from "../../../src/codehost/code-host.ts";
import { findingMarker, parseFindingMarkers } from "../../../src/qa/finding-marker.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { planReviewPosting, type PostingHistory } from "../../../src/qa/plan-review-posting.ts";
import { buildPostingHistory } from "../../../src/qa/posting-history.ts";
import { postingKey } from "../../../src/qa/posting-key.ts";
import { fingerprint } from "../../../src/util/fingerprint.ts";

// multi-hunk.diff: big.txt shows new lines 1-6 and 45-52; small.ts shows 1-2.
const files = parseDiff(readFileSync(fileURLToPath(new URL("../../fixtures/diffs/multi-hunk.diff", import.meta.url)), "utf8"));

const finding = (name: string, over: Partial<Finding> = {}): Finding => ({
  ruleId: "test/rule",
  source: "analyzer",
  severity: "medium",
  confidence: 0.9,
  path: "big.txt",
  line: 2,
  title: `Finding ${name}`,
  message: `Message ${name}`,
  fingerprint: fingerprint("test", name),
  ...over,
});

const A = finding("A", { line: 1 });
const B = finding("B", { line: 2, severity: "high" });
const C = finding("C", { path: "small.ts", line: 2 });
const fp = (f: Finding): string => f.fingerprint;

function history(over: Partial<{ posted: string[]; dismissed: string[]; threads: PostingHistory["threads"] }> = {}): PostingHistory {
  return {
    postedFingerprints: new Set(over.posted ?? []),
    dismissedFingerprints: new Set(over.dismissed ?? []),
    threads: over.threads ?? [],
  };
}

const thread = (id: string, f: Finding, isResolved = false): PostingHistory["threads"][number] => ({
  id,
  fingerprint: f.fingerprint,
  isResolved,
  path: f.path ?? "",
  line: f.line ?? null,
  commentId: Number(id.replace(/\D/g, "")) || 1,
});

const plan = (findings: Finding[], previous: PostingHistory, over: { maxComments?: number; minConfidence?: number } = {}) =>
  planReviewPosting({ findings, files, previous, maxComments: over.maxComments ?? 10, minConfidence: over.minConfidence ?? 0.5 });

const titles = (list: Finding[]): string[] => list.map((f) => f.title);

describe("planReviewPosting: what to post, what to keep quiet, what to resolve", () => {
  const cases: Array<{
    name: string;
    findings: Finding[];
    previous: PostingHistory;
    post: string[];
    keepQuiet: string[];
    dismissed: string[];
    resolve: string[];
  }> = [
    {
      name: "a first run posts everything",
      findings: [A, B, C],
      previous: history(),
      post: ["Finding B", "Finding A", "Finding C"],
      keepQuiet: [],
      dismissed: [],
      resolve: [],
    },
    {
      name: "a second run posts only the new finding",
      findings: [A, B, C],
      previous: history({ posted: [fp(A), fp(B)], threads: [thread("T1", A), thread("T2", B)] }),
      post: ["Finding C"],
      keepQuiet: ["Finding B", "Finding A"],
      dismissed: [],
      resolve: [],
    },
    {
      name: "a dismissed finding is never posted, even when nothing else says it was posted",
      findings: [A, C],
      previous: history({ dismissed: [fp(A)] }),
      post: ["Finding C"],
      keepQuiet: [],
      dismissed: ["Finding A"],
      resolve: [],
    },
    {
      name: "a fixed finding's open thread is resolved; the others stay",
      findings: [B],
      previous: history({ posted: [fp(A), fp(B)], threads: [thread("T1", A), thread("T2", B)] }),
      post: [],
      keepQuiet: ["Finding B"],
      dismissed: [],
      resolve: ["T1"],
    },
    {
      name: "an already resolved thread is not resolved again",
      findings: [B],
      previous: history({ posted: [fp(B)], threads: [thread("T1", A, true), thread("T2", B)] }),
      post: [],
      keepQuiet: ["Finding B"],
      dismissed: [],
      resolve: [],
    },
    {
      name: "a thread stays open while any of its findings is present",
      findings: [B],
      previous: history({ posted: [fp(A), fp(B)], threads: [thread("T1", A), thread("T1", B)] }),
      post: [],
      keepQuiet: ["Finding B"],
      dismissed: [],
      resolve: [],
    },
    {
      name: "a dismissed finding that is gone gets its open thread resolved",
      findings: [],
      previous: history({ dismissed: [fp(A)], threads: [thread("T1", A)] }),
      post: [],
      keepQuiet: [],
      dismissed: [],
      resolve: ["T1"],
    },
    {
      name: "a finding that moved to another line is the same finding",
      findings: [{ ...A, line: 48 }],
      previous: history({ posted: [fp(A)], threads: [thread("T1", A)] }),
      post: [],
      keepQuiet: ["Finding A"],
      dismissed: [],
      resolve: [],
    },
    {
      name: "one thread per fingerprint: a duplicate finding is posted once, the most severe",
      findings: [A, { ...A, severity: "critical", title: "Finding A (critical)" }],
      previous: history(),
      post: ["Finding A (critical)"],
      keepQuiet: [],
      dismissed: [],
      resolve: [],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = plan(c.findings, c.previous);
      expect(titles(result.post)).toEqual(c.post);
      expect(titles(result.keepQuiet)).toEqual(c.keepQuiet);
      expect(titles(result.dismissed)).toEqual(c.dismissed);
      expect(result.resolve).toEqual(c.resolve);
      expect(result.fixed.map((t) => t.id)).toEqual(c.resolve);
      // The review carries exactly the new findings, or does not exist.
      if (c.post.length === 0) expect(result.review).toBeNull();
      else {
        const review = result.review!;
        expect(titles([...review.inline, ...review.inBody]).sort()).toEqual([...c.post].sort());
        const all = [review.body, ...review.comments.map((x) => x.body)].join("\n");
        expect(new Set(parseFindingMarkers(all))).toEqual(new Set(result.post.map((f) => postingKey(f.fingerprint))));
      }
    });
  }

  it("says nothing when there is nothing new, and says so in the summary", () => {
    const result = plan([A, B], history({ posted: [fp(A)], dismissed: [fp(B)], threads: [thread("T1", A), thread("T9", C)] }));
    expect(result.review).toBeNull();
    expect(result.post).toEqual([]);
    expect(result.summary).toEqual({
      posted: 0,
      inline: 0,
      inBody: 0,
      alreadyPosted: 1,
      dismissed: 1,
      belowConfidence: 0,
      resolved: 1,
      text: "No new findings to post; 1 already posted, not repeated; 1 dismissed, not repeated; 1 fixed thread resolved.",
    });
  });

  it("does not post new findings under minConfidence, and posts nothing when only those are new", () => {
    const unsure = finding("U", { confidence: 0.3 });
    const result = plan([A, unsure], history({ posted: [fp(A)] }));
    expect(result.belowConfidence).toEqual([unsure]);
    expect(result.review).toBeNull();
    expect(result.summary.text).toBe("No new findings to post; 1 already posted, not repeated; 1 under 50% confidence, not posted.");
    // A low-confidence finding that is still present keeps its thread open.
    expect(plan([unsure], history({ threads: [thread("T1", unsure)] })).resolve).toEqual([]);
  });

  it("notes the earlier reviews in the new review's body", () => {
    const result = plan([B, C], history({ posted: [fp(B)], threads: [thread("T1", A), thread("T2", B)] }));
    expect(result.review!.body).toContain(
      "<sub>1 finding from earlier reviews still present, not repeated; 1 earlier thread resolved because the finding is fixed.</sub>",
    );
    expect(result.summary).toMatchObject({ posted: 1, inline: 1, inBody: 0, resolved: 1 });
    expect(result.summary.text).toBe("1 new finding posted (1 inline); 1 already posted, not repeated; 1 fixed thread resolved.");
  });

  it("applies the comment budget to the new findings of this review only", () => {
    const news = [1, 2, 3, 45].map((line) => finding(`N${line}`, { line }));
    const result = plan([A, ...news], history({ posted: [fp(A)], threads: [thread("T1", A)] }), { maxComments: 2 });
    expect(result.review!.comments.map((c) => c.line)).toEqual([1, 2]);
    expect(result.review!.inBody.map((f) => f.line)).toEqual([3, 45]);
    expect(result.summary.text).toBe("4 new findings posted (2 inline, 2 in the review body); 1 already posted, not repeated.");
  });

  it("matches fingerprints that are unsafe in an HTML comment through the hash their marker carries", () => {
    const unsafe = finding("X", { fingerprint: "rule --> path.ts" });
    const marker = parseFindingMarkers(findingMarker(unsafe.fingerprint))[0]!;
    expect(marker).toMatch(/^[0-9a-f]{16}$/);
    expect(titles(plan([unsafe], history({ posted: [marker] })).keepQuiet)).toEqual(["Finding X"]);
    expect(titles(plan([unsafe], history({ dismissed: [unsafe.fingerprint] })).dismissed)).toEqual(["Finding X"]);
    expect(plan([], history({ threads: [{ ...thread("T1", unsafe), fingerprint: marker }] })).resolve).toEqual(["T1"]);
    expect(plan([unsafe], history({ threads: [{ ...thread("T1", unsafe), fingerprint: marker }] })).resolve).toEqual([]);
  });

  it("rejects invalid options and input with a clear error, even when there is nothing to post", () => {
    expect(() => plan([], history(), { maxComments: -1 })).toThrow(/planReviewPosting: maxComments must be a non-negative integer, got -1/);
    expect(() => plan([], history(), { minConfidence: 1.5 })).toThrow(/planReviewPosting: minConfidence must be a number from 0 to 1, got 1.5/);
    expect(() =>
      planReviewPosting({ findings: [], files, previous: { postedFingerprints: [] } as unknown as PostingHistory, maxComments: 1, minConfidence: 0 }),
    ).toThrow(/previous must have postedFingerprints and dismissedFingerprints \(Sets\) and threads/);
  });
});

describe("planReviewPosting: suggestion blocks", () => {
  it("replaces exactly the commented lines: start_line..line is the finding's range inside one hunk", () => {
    const f = finding("S", { line: 3, endLine: 5, replacement: "line three\nline four\nline five" });
    const [comment] = plan([f], history()).review!.comments;
    expect(comment).toMatchObject({ path: "big.txt", startLine: 3, line: 5 });
    expect(comment!.body).toContain("```suggestion\nline three\nline four\nline five\n```");
  });

  it("posts a finding whose replacement spans lines outside the hunk without the block, on its first line", () => {
    const f = finding("S", { line: 5, endLine: 9, replacement: "x" });
    const review = plan([f], history()).review!;
    expect(review.comments).toEqual([{ path: "big.txt", line: 5, body: expect.any(String) }]);
    expect(review.comments[0]!.body).not.toContain("```suggestion");
    expect(review.comments[0]!.body).toContain(findingMarker(f.fingerprint));
  });

  it("drops a replacement whose range is backwards, instead of suggesting it for one line", () => {
    const f = finding("S", { line: 5, endLine: 3, replacement: "x" });
    const result = plan([f], history());
    expect(result.post[0]).not.toHaveProperty("replacement");
    expect(result.review!.comments[0]!.body).not.toContain("```suggestion");
  });
});

describe("buildPostingHistory", () => {
  const bot = { login: "moderator[bot]", bot: true };
  const human = { login: "alice", bot: false };
  const threadOf = (id: string, f: Finding[], over: Partial<ReviewThread> = {}): ReviewThread => ({
    id,
    isResolved: false,
    isOutdated: false,
    path: "big.txt",
    line: 2,
    resolvedBy: null,
    comments: [{ id: 100 + Number(id.replace(/\D/g, "")), body: f.map((x) => findingMarker(x.fingerprint)).join("\n"), author: bot, path: "big.txt", line: 2 }],
    fingerprints: f.map(fp),
    ...over,
  });
  const review = (f: Finding[], author = bot): PullRequestReviewSummary => ({
    id: 1,
    body: f.map((x) => findingMarker(x.fingerprint)).join("\n"),
    state: "COMMENTED",
    commitId: "c".repeat(40),
    author,
    fingerprints: author.bot ? f.map(fp) : [],
  });

  it("counts open threads (outdated too), threads a person resolved, and Moderator's review bodies as posted", () => {
    const h = buildPostingHistory({
      threads: [
        threadOf("T1", [A]),
        threadOf("T2", [B], { isOutdated: true, line: null }),
        threadOf("T3", [C], { isResolved: true, resolvedBy: "alice" }),
      ],
      reviews: [review([finding("body")])],
      dismissed: ["rule --> unsafe"],
    });
    expect(h.postedFingerprints).toEqual(new Set([fp(A), fp(B), fp(C), fp(finding("body"))]));
    expect(h.dismissedFingerprints).toEqual(new Set([postingKey("rule --> unsafe")]));
    expect(h.threads).toEqual([
      { id: "T1", fingerprint: fp(A), isResolved: false, path: "big.txt", line: 2, commentId: 101 },
      { id: "T2", fingerprint: fp(B), isResolved: false, path: "big.txt", line: null, commentId: 102 },
      { id: "T3", fingerprint: fp(C), isResolved: true, path: "big.txt", line: 2, commentId: 103 },
    ]);
    expect(h.resolvedByPeople).toEqual([{ threadId: "T3", fingerprint: fp(C), login: "alice" }]);
  });

  it("lets a finding come back after Moderator resolved its thread as fixed (a regression is posted again)", () => {
    const h = buildPostingHistory({ threads: [threadOf("T1", [A], { isResolved: true, resolvedBy: null })], reviews: [] });
    expect(h.postedFingerprints.size).toBe(0);
    const result = plan([A], h);
    expect(titles(result.post)).toEqual(["Finding A"]);
    expect(result.resolve).toEqual([]);
  });

  it("ignores review bodies written by people, even when they quote a marker", () => {
    const h = buildPostingHistory({ threads: [], reviews: [{ ...review([A], human), fingerprints: [fp(A)] }] });
    expect(h.postedFingerprints.size).toBe(0);
  });
});
