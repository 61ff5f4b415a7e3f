import { DecisionConfig } from "../config/decision-config.ts";
import { formatZodIssues } from "../config/format-zod-issues.ts";
import type { SelfAssessment } from "../qa/assess-with-llm.ts";
import type { PeerDecision } from "../qa/decide-peer-verdict.ts";
import { Severity, severityRank, type Finding } from "../qa/finding.ts";
import { sortFindings } from "../qa/sort-findings.ts";
import { isFixableFinding } from "./decision-fixable.ts";
import { describeFinding, formatConfidence, listSome, plural } from "./decision-format.ts";
import { buildAskQuestion } from "./decision-question.ts";
import { scoreRun, type RunAgentSummary, type ScoreComponent } from "./decision-score.ts";

export type DecisionAction = "proceed" | "draft" | "ask" | "retry" | "escalate";

export interface Decision {
  action: DecisionAction;
  /** 0-1, two decimals (see scoreRun). */
  confidence: number;
  /** Sentences for the maintainer: why this action first, then what moved the confidence, largest effect first. */
  reasons: string[];
  /** For `ask`: the one question the maintainer is asked. */
  question?: string;
  /** For `retry`: the findings the agent must fix, most severe first. */
  feedback?: Finding[];
}

export interface DecisionInput {
  agent: RunAgentSummary;
  /** The findings that count: the caller passes those it publishes (at or above qa.minConfidence). */
  findings: readonly Finding[];
  /** qa.failOn: a finding at or above it fails QA's check run, so the pull request is at most a draft. */
  failOn: Severity;
  /** QA did not run completely (setup failed, a scanner or the LLM review could not run). */
  qaIncomplete: boolean;
  peer?: PeerDecision | undefined;
  /** The model's own assessment of the change against the issue (assessWithLlm), when it ran. */
  selfAssessment?: SelfAssessment | undefined;
  /** 1-based QA-retry round: 1 for the agent's first result, 2 after one retry with QA's feedback, ... */
  attempt: number;
  config: DecisionConfig;
  /** The repository's `draft: true`. */
  draftByConfig: boolean;
}

/**
 * The DecisionEngine: one decision per QA round of a run. Pure. Throws (with what and where) only for input a
 * caller cannot legitimately pass (a negative count, attempt 0, thresholds out of order).
 *
 * Confidence: scoreRun (src/pipeline/decision-score.ts) starts at 1.00 and subtracts, in this order:
 * agent not succeeded 0.30; unfinished tasks 0.40 × share; failing QA commands 0.25 each (≤ 0.50); timed-out
 * commands 0.10 each (≤ 0.20); hard-coded secrets 0.30 × confidence each (≤ 0.60); weakened tests 0.20 × confidence
 * each (≤ 0.40); other findings × confidence by severity, critical 0.30, high 0.15, medium 0.05 (≤ 0.60); QA
 * incomplete 0.15; peers: blocker 0.30, concerns 0.15, one concern 0.05; self-assessment s < 7: 0.05 × (7 - s);
 * 50+ agent turns 0.05. Floored at 0, then capped by size: > 2000 lines or > 60 files ≤ 0.50; > 500 lines or
 * > 20 files ≤ 0.70; ≤ 2 lines ≤ 0.80.
 *
 * Tree, first match wins (thresholds from `decision:`; defaults proceedAt 0.75, draftAt 0.5, askAt 0.3):
 * 0. the agent changed no files                                              -> escalate (confidence 0)
 * 1. fixable findings (isFixableFinding: failing commands, debug leftovers, conflict markers, linter or test fixes
 *    with an exact replacement) and attempt <= maxRetries                    -> retry, feedback = those findings
 *    (once the retries are used up, a reason says so and the tree goes on)
 * 2. confidence < askAt                                                      -> escalate: stop and say why
 * 3. a peer blocker, a finding at or above blockOn, or confidence < draftAt -> ask, with one concrete question
 *    (draft instead when ask.enabled is false)
 * 4. draftByConfig, confidence < proceedAt, a finding at or above qa.failOn (the QA check fails), or two or more
 *    peer concerns                                                           -> draft
 * 5. otherwise                                                               -> proceed
 *
 * Reasons: the action's sentence first, then a note on exhausted retries (when that applies), then one sentence
 * per score component, the largest effect first (ties in the order above), each with its effect, e.g. "(-0.25)".
 */
export function decideRun(input: DecisionInput): Decision {
  validateInput(input);
  const cfg = input.config;
  const score = scoreRun(input);
  const explained = [...score.components].sort((a, b) => b.points - a.points);
  const confidence = score.points / 100;
  const shown = formatConfidence(score.points);
  const componentReasons = explained.map(sentence);
  const notes: string[] = [];
  const decide = (action: DecisionAction, why: string, extra: Pick<Decision, "question" | "feedback"> = {}, conf = confidence): Decision => ({
    action,
    confidence: conf,
    reasons: [why, ...notes, ...(componentReasons.length > 0 ? componentReasons : action === "proceed" ? [NOTHING_WRONG] : [])],
    ...extra,
  });

  // 0. Nothing to publish.
  if (input.agent.filesChanged === 0) {
    return decide("escalate", "Stopping: the agent changed no files, so there is nothing to publish or review; a maintainer should check the issue is clear, then re-run.", {}, 0);
  }

  // 1. What the agent can fix itself goes back to it, while retries remain.
  const fixable = sortFindings(input.findings.filter(isFixableFinding));
  if (fixable.length > 0) {
    if (input.attempt <= cfg.maxRetries) {
      return decide(
        "retry",
        `Sending the change back to the agent (retry ${input.attempt} of ${cfg.maxRetries}) to fix ${plural(fixable.length, "problem")} QA found: ${listSome(fixable.map(describeFinding), 3)}.`,
        { feedback: fixable },
      );
    }
    const remain = fixable.length === 1 ? "1 problem it could fix remains" : `${fixable.length} problems it could fix remain`;
    notes.push(
      cfg.maxRetries === 0
        ? `Retries are turned off (decision.maxRetries: 0), so ${remain} for a maintainer.`
        : `The agent already had ${plural(cfg.maxRetries, "retry", "retries")} with QA's feedback and ${remain}, so Moderator does not retry again.`,
    );
  }

  // 2. Too unsure to publish or to ask about.
  if (confidence < cfg.askAt) {
    return decide(
      "escalate",
      `Stopping: confidence ${shown} is below ${cfg.askAt} (decision.askAt), too low to publish the change or to ask about it; a maintainer should read the reasons below, then clarify the issue and re-run, or take over.`,
    );
  }

  // 3. A human must answer first.
  const peerBlocker = input.peer?.action === "request_changes_and_ask_human";
  const blocking = sortFindings(input.findings.filter((f) => severityRank(f.severity) >= severityRank(cfg.blockOn)));
  const lowConfidence = confidence < cfg.draftAt;
  const askWhy = [
    peerBlocker ? "a peer reviewer raised a blocker" : "",
    blocking.length > 0 ? `QA found ${plural(blocking.length, "problem")} at or above ${cfg.blockOn} severity (decision.blockOn): ${listSome(blocking.map(describeFinding), 2)}` : "",
    lowConfidence ? `confidence ${shown} is below ${cfg.draftAt} (decision.draftAt)` : "",
  ].filter(Boolean);
  if (askWhy.length > 0) {
    if (!cfg.ask.enabled) {
      return decide("draft", `Opening the pull request as a draft instead of asking, because asking is turned off (decision.ask.enabled: false): ${askWhy.join("; ")}.`);
    }
    const question = buildAskQuestion({
      trigger: peerBlocker ? "peer-blocker" : blocking.length > 0 ? "blocking-finding" : "low-confidence",
      peer: input.peer,
      blocking: blocking[0],
      confidencePoints: score.points,
      topReasons: explained.map((c) => c.text),
      modelQuestion: input.selfAssessment?.question,
    });
    return decide("ask", `Asking a maintainer before going on: ${askWhy.join("; ")}.`, { question });
  }

  // 4. Publish, but not as ready.
  const failing = input.findings.filter((f) => severityRank(f.severity) >= severityRank(input.failOn));
  const draftWhy = [
    input.draftByConfig ? "the repository opens pull requests as drafts (draft: true)" : "",
    confidence < cfg.proceedAt ? `confidence ${shown} is below ${cfg.proceedAt} (decision.proceedAt)` : "",
    failing.length > 0 ? `QA's check fails: ${plural(failing.length, "finding")} at or above ${input.failOn} severity (qa.failOn)` : "",
    input.peer?.action === "draft_and_ask" ? "several peer reviewers have concerns" : "",
  ].filter(Boolean);
  if (draftWhy.length > 0) return decide("draft", `Opening the pull request as a draft: ${draftWhy.join("; ")}.`);

  // 5. Ready for review.
  return decide(
    "proceed",
    `Opening the pull request for review: confidence ${shown} is at or above ${cfg.proceedAt} (decision.proceedAt) and nothing needs a maintainer's answer first.`,
  );
}

const NOTHING_WRONG = "Nothing lowered the confidence: the agent finished every task, QA found nothing that counts against the change, and no reviewer objected.";

function sentence(component: ScoreComponent): string {
  return component.points > 0 ? `${component.text} (-${formatConfidence(component.points)}).` : `${component.text}.`;
}

function validateInput(input: DecisionInput): void {
  const problems: string[] = [];
  const count = (value: unknown, where: string) => {
    if (!(typeof value === "number" && Number.isInteger(value) && value >= 0)) problems.push(`${where} must be an integer >= 0, got ${String(value)}`);
  };
  const agent = input.agent;
  count(agent?.filesChanged, "agent.filesChanged");
  count(agent?.linesChanged, "agent.linesChanged");
  count(agent?.tasks?.total, "agent.tasks.total");
  count(agent?.tasks?.succeeded, "agent.tasks.succeeded");
  count(agent?.tasks?.failed, "agent.tasks.failed");
  if (agent?.tasks && agent.tasks.succeeded + agent.tasks.failed > agent.tasks.total) {
    problems.push(`agent.tasks: succeeded (${agent.tasks.succeeded}) + failed (${agent.tasks.failed}) is more than total (${agent.tasks.total})`);
  }
  if (!["succeeded", "failed", "timed_out", "cancelled", "crashed"].includes(agent?.status)) problems.push(`agent.status is not an agent status, got ${String(agent?.status)}`);
  if (agent?.turns !== undefined && !(Number.isFinite(agent.turns) && agent.turns >= 0)) problems.push(`agent.turns must be a number >= 0, got ${String(agent.turns)}`);
  if (agent?.costUsd !== undefined && !(Number.isFinite(agent.costUsd) && agent.costUsd >= 0)) problems.push(`agent.costUsd must be a number >= 0, got ${String(agent.costUsd)}`);
  if (!Array.isArray(input.findings)) problems.push("findings must be an array");
  if (!Severity.safeParse(input.failOn).success) problems.push(`failOn must be one of ${Severity.options.join(", ")}, got ${String(input.failOn)}`);
  if (!(Number.isInteger(input.attempt) && input.attempt >= 1)) problems.push(`attempt must be an integer >= 1, got ${String(input.attempt)}`);
  const self = input.selfAssessment;
  if (self !== undefined && !(typeof self.score === "number" && self.score >= 0 && self.score <= 10)) problems.push(`selfAssessment.score must be from 0 to 10, got ${String(self.score)}`);
  if (self !== undefined && !Array.isArray(self.concerns)) problems.push("selfAssessment.concerns must be an array");
  const cfg = DecisionConfig.safeParse(input.config);
  if (!cfg.success) problems.push(...formatZodIssues(cfg.error).map((p) => `config: ${p}`));
  if (problems.length > 0) throw new Error(`decideRun: invalid input: ${problems.join("; ")}`);
}
