import type { PeerReview } from "./peer-review.ts";

export type PeerAction = "request_changes_and_ask_human" | "draft_and_ask" | "comment" | "none";

export interface PeerDecision {
  /**
   * - request_changes_and_ask_human: a peer found a blocker: request changes on the PR and mark the run for a human;
   * - draft_and_ask: two or more peers have concerns: open the PR as a draft and ask the maintainer a question;
   * - comment: one peer has a concern: say so in a comment, nothing else changes;
   * - none: no blocker, no concern (all approve, or no opinion).
   */
  action: PeerAction;
  /** One line per peer that drove the action (`name: verdict: summary`). */
  reasons: string[];
  /** One paragraph for the tracking comment / PR: the counts, who said what, and who gave no opinion. */
  summary: string;
}

const MAX_SUMMARY_IN_REASON = 300;

/**
 * The fixed verdict tree over the peers' reviews. Pure:
 * any blocker -> request_changes_and_ask_human; else two or more concerns -> draft_and_ask; else one concern ->
 * comment; else none. Unparseable and failed reviews are no opinion: they never trigger an action, and the summary
 * always says how many there were (so "none" with no opinions is not mistaken for approval).
 */
export function decidePeerVerdict(reviews: ReadonlyArray<Pick<PeerReview, "peer" | "verdict"> & { summary?: string | undefined }>): PeerDecision {
  const blockers = reviews.filter((r) => r.verdict === "blocker");
  const concerns = reviews.filter((r) => r.verdict === "concern");
  const approvals = reviews.filter((r) => r.verdict === "approve");
  const unparseable = reviews.filter((r) => r.verdict === "unparseable");
  const failed = reviews.filter((r) => r.verdict === "failed");

  let action: PeerAction;
  let drivers: typeof reviews;
  if (blockers.length > 0) {
    action = "request_changes_and_ask_human";
    drivers = blockers;
  } else if (concerns.length >= 2) {
    action = "draft_and_ask";
    drivers = concerns;
  } else if (concerns.length === 1) {
    action = "comment";
    drivers = concerns;
  } else {
    action = "none";
    drivers = [];
  }
  const reasons = drivers.map((r) => `${r.peer}: ${r.verdict}${r.summary?.trim() ? `: ${clip(r.summary)}` : ""}`);
  return { action, reasons, summary: summarize(reviews.length, { blockers, concerns, approvals, unparseable, failed }, action) };
}

function summarize(
  total: number,
  groups: Record<"blockers" | "concerns" | "approvals" | "unparseable" | "failed", ReadonlyArray<{ peer: string }>>,
  action: PeerAction,
): string {
  if (total === 0) return "No peer reviewed this change.";
  const names = (list: ReadonlyArray<{ peer: string }>) => list.map((r) => r.peer).join(", ");
  const parts: string[] = [];
  if (groups.blockers.length > 0) parts.push(`${count(groups.blockers.length, "blocker")} (${names(groups.blockers)})`);
  if (groups.concerns.length > 0) parts.push(`${count(groups.concerns.length, "concern")} (${names(groups.concerns)})`);
  if (groups.approvals.length > 0) parts.push(`${count(groups.approvals.length, "approval")} (${names(groups.approvals)})`);
  const silent = groups.unparseable.length + groups.failed.length;
  if (silent > 0) {
    const why = [
      groups.unparseable.length > 0 ? `${names(groups.unparseable)}: no usable verdict` : "",
      groups.failed.length > 0 ? `${names(groups.failed)}: review failed` : "",
    ].filter(Boolean);
    parts.push(`${silent} without an opinion (${why.join("; ")})`);
  }
  const tally = `${count(total, "peer")} reviewed this change: ${parts.join(", ")}.`;
  switch (action) {
    case "request_changes_and_ask_human":
      return `${tally} A blocker was raised, so changes are requested and a maintainer must decide.`;
    case "draft_and_ask":
      return `${tally} Several peers have concerns, so the pull request is a draft until a maintainer answers.`;
    case "comment":
      return `${tally} One peer has a concern; it is noted for the maintainer.`;
    case "none":
      if (groups.approvals.length === total) return `${tally} All peers approve.`;
      if (groups.approvals.length === 0) return `${tally} No peer gave an opinion, so the peer review says nothing about this change.`;
      return `${tally} No blocker or concern was raised.`;
  }
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= MAX_SUMMARY_IN_REASON ? one : `${one.slice(0, MAX_SUMMARY_IN_REASON - 1)}…`;
}
