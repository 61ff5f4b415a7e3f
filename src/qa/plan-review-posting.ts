import { buildReview, type BuiltReview } from "./build-review.ts";
import type { Finding } from "./finding.ts";
import type { DiffFile } from "./parse-diff.ts";
import type { PostedThread, PostingHistory } from "./posting-history.ts";
import { postingKey } from "./posting-key.ts";
import { sortFindings } from "./sort-findings.ts";

export type { PostedThread, PostingHistory } from "./posting-history.ts";

export interface PlanReviewPostingInput {
  /** Every finding of this QA pass, whatever its confidence. */
  findings: Finding[];
  /** The pull request's diff, for placing inline comments. */
  files: DiffFile[];
  /** What earlier runs posted on this pull request (see `buildPostingHistory`). */
  previous: PostingHistory;
  /** At most this many inline comments in this review (the noise budget); the rest go to its body. */
  maxComments: number;
  /** Findings below this confidence (0..1) are not posted. */
  minConfidence: number;
}

export interface PostingSummary {
  /** New findings in this review (inline + inBody). */
  posted: number;
  inline: number;
  inBody: number;
  /** Present and already posted by an earlier run: not repeated. */
  alreadyPosted: number;
  /** Present and dismissed by a maintainer: never posted again. */
  dismissed: number;
  /** New but under minConfidence: not posted (the check run still lists them). */
  belowConfidence: number;
  /** Threads whose finding is gone, to resolve. */
  resolved: number;
  /** One sentence for the tracking comment, the check run or an event. */
  text: string;
}

export interface ReviewPostingPlan {
  /** New findings to post: not posted before, not dismissed, at or above minConfidence; one per fingerprint. */
  post: Finding[];
  /** Findings already posted (open thread, a thread a person resolved, or an earlier review body) and still present. */
  keepQuiet: Finding[];
  /** Findings a maintainer dismissed that are still present. */
  dismissed: Finding[];
  /** New findings under minConfidence. */
  belowConfidence: Finding[];
  /** Ids of open threads none of whose findings is present any more: fixed, to be resolved. */
  resolve: string[];
  /** The thread entries behind `resolve` (with the root comment id, to reply before resolving). */
  fixed: PostedThread[];
  /**
   * The review to post: `buildReview` over `post` only, or null when there is nothing new, in which case
   * nothing is posted at all (the check run still reports every finding).
   */
  review: BuiltReview | null;
  summary: PostingSummary;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A replacement only makes sense for a real line range: drop it when the range is missing or backwards. */
function withSafeReplacement(finding: Finding): Finding {
  if (finding.replacement === undefined) return finding;
  const broken = finding.line === undefined || (finding.endLine !== undefined && finding.endLine < finding.line);
  if (!broken) return finding;
  const { replacement: _dropped, ...rest } = finding;
  return rest;
}

/**
 * Decides what one run posts on a pull request that may already carry Moderator's earlier reviews: only
 * new findings (never one that is posted and still open, nor one a maintainer dismissed), which threads to
 * resolve because their finding is fixed, and the review for the new findings (null when there are none,
 * so a run with nothing new says nothing). Findings are matched by fingerprint, never by line. Pure.
 */
export function planReviewPosting(input: PlanReviewPostingInput): ReviewPostingPlan {
  const { maxComments, minConfidence, previous } = input;
  if (!Number.isInteger(maxComments) || maxComments < 0) {
    throw new Error(`planReviewPosting: maxComments must be a non-negative integer, got ${String(maxComments)}`);
  }
  if (typeof minConfidence !== "number" || !(minConfidence >= 0 && minConfidence <= 1)) {
    throw new Error(`planReviewPosting: minConfidence must be a number from 0 to 1, got ${String(minConfidence)}`);
  }
  if (!Array.isArray(input.findings)) throw new Error("planReviewPosting: findings must be an array");
  if (!Array.isArray(input.files)) throw new Error("planReviewPosting: files must be an array");
  if (!(previous?.postedFingerprints instanceof Set) || !(previous.dismissedFingerprints instanceof Set) || !Array.isArray(previous.threads)) {
    throw new Error("planReviewPosting: previous must have postedFingerprints and dismissedFingerprints (Sets) and threads (an array)");
  }

  const posted = new Set([...previous.postedFingerprints].map(postingKey));
  const dismissedKeys = new Set([...previous.dismissedFingerprints].map(postingKey));

  // One finding per fingerprint: the most severe, most confident one.
  const seen = new Set<string>();
  const present = new Set<string>();
  const post: Finding[] = [];
  const keepQuiet: Finding[] = [];
  const dismissed: Finding[] = [];
  const belowConfidence: Finding[] = [];
  for (const finding of sortFindings(input.findings)) {
    const key = postingKey(finding.fingerprint);
    present.add(key);
    if (seen.has(key)) continue;
    seen.add(key);
    if (dismissedKeys.has(key)) dismissed.push(finding);
    else if (posted.has(key)) keepQuiet.push(finding);
    else if (finding.confidence < minConfidence) belowConfidence.push(finding);
    else post.push(withSafeReplacement(finding));
  }

  // A thread is fixed when it is open and none of the findings marked in it is present any more.
  const byThread = new Map<string, PostedThread[]>();
  for (const t of previous.threads) byThread.set(t.id, [...(byThread.get(t.id) ?? []), t]);
  const fixed: PostedThread[] = [];
  for (const [, entries] of byThread) {
    if (entries.some((t) => t.isResolved)) continue;
    if (entries.some((t) => present.has(postingKey(t.fingerprint)))) continue;
    fixed.push(...entries);
  }
  const resolve = [...new Set(fixed.map((t) => t.id))];

  let review: BuiltReview | null = null;
  if (post.length > 0) {
    review = buildReview(post, input.files, { maxComments, minConfidence });
    const earlier: string[] = [];
    if (keepQuiet.length > 0) earlier.push(`${plural(keepQuiet.length, "finding")} from earlier reviews still present, not repeated`);
    if (resolve.length > 0) earlier.push(`${plural(resolve.length, "earlier thread")} resolved because the finding is fixed`);
    if (earlier.length > 0) review = { ...review, body: `${review.body}\n\n<sub>${earlier.join("; ")}.</sub>` };
  }

  const inline = review?.inline.length ?? 0;
  const inBody = review?.inBody.length ?? 0;
  return {
    post,
    keepQuiet,
    dismissed,
    belowConfidence,
    resolve,
    fixed,
    review,
    summary: {
      posted: inline + inBody,
      inline,
      inBody,
      alreadyPosted: keepQuiet.length,
      dismissed: dismissed.length,
      belowConfidence: belowConfidence.length,
      resolved: resolve.length,
      text: summaryText({ inline, inBody, keepQuiet: keepQuiet.length, dismissed: dismissed.length, low: belowConfidence.length, resolved: resolve.length, minConfidence }),
    },
  };
}

function summaryText(n: {
  inline: number;
  inBody: number;
  keepQuiet: number;
  dismissed: number;
  low: number;
  resolved: number;
  minConfidence: number;
}): string {
  const parts: string[] = [];
  const total = n.inline + n.inBody;
  if (total === 0) parts.push("no new findings to post");
  else {
    const where = [n.inline > 0 ? `${n.inline} inline` : "", n.inBody > 0 ? `${n.inBody} in the review body` : ""].filter(Boolean);
    parts.push(`${plural(total, "new finding")} posted (${where.join(", ")})`);
  }
  if (n.keepQuiet > 0) parts.push(`${n.keepQuiet} already posted, not repeated`);
  if (n.dismissed > 0) parts.push(`${n.dismissed} dismissed, not repeated`);
  if (n.low > 0) parts.push(`${n.low} under ${Math.round(n.minConfidence * 100)}% confidence, not posted`);
  if (n.resolved > 0) parts.push(`${plural(n.resolved, "fixed thread")} resolved`);
  const text = parts.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
