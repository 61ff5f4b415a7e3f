import type { AgentResult } from "../backends/backend.ts";
import type { PeerDecision } from "../qa/decide-peer-verdict.ts";
import type { SelfAssessment } from "../qa/assess-with-llm.ts";
import type { Finding, Severity } from "../qa/finding.ts";
import { sortFindings } from "../qa/sort-findings.ts";
import { describeFinding, formatConfidence, listSome, oneLine, plural } from "./decision-format.ts";

/** What the agent did, as the DecisionEngine needs it. */
export interface RunAgentSummary {
  status: AgentResult["status"];
  /** Turns the agent reported over the run, when its backend reports them. */
  turns?: number | undefined;
  costUsd?: number | undefined;
  /** Files and lines (added + removed) the change touches. */
  filesChanged: number;
  linesChanged: number;
  /** Planned tasks; `total - succeeded - failed` were not run (a dependency failed, or the run stopped). */
  tasks: { total: number; succeeded: number; failed: number };
}

export interface ScoreInput {
  agent: RunAgentSummary;
  findings: readonly Finding[];
  qaIncomplete: boolean;
  peer?: PeerDecision | undefined;
  selfAssessment?: SelfAssessment | undefined;
}

export type ScoreComponentId =
  | "agent-status"
  | "tasks"
  | "commands-failed"
  | "commands-timed-out"
  | "secrets"
  | "tests-weakened"
  | "findings"
  | "qa-incomplete"
  | "peers"
  | "self-assessment"
  | "turns"
  | "size";

/** One line of the score's explanation. */
export interface ScoreComponent {
  id: ScoreComponentId;
  /** Points (hundredths of confidence) it took off; for a cap, what the cap took off (0 when the score was already lower). */
  points: number;
  /** What happened and what it means, one sentence without its final period or its effect. */
  text: string;
}

export interface RunScore {
  /** 0-100: the confidence in hundredths (integers, so the sum is exact). */
  points: number;
  /** In the order they are computed (the documented order); decideRun sorts them by effect. */
  components: ScoreComponent[];
}

/**
 * The numbers of the score, in points (hundredths of confidence). "× confidence" means the finding's confidence
 * (0-1) scales the weight. Every group has a ceiling, so one kind of problem cannot hide all the others.
 */
export const SCORE_WEIGHTS = {
  start: 100,
  /** The agent did not end with `succeeded` (failed, timed out, crashed, cancelled). */
  agentNotSucceeded: 30,
  /** × the share of planned tasks that did not succeed (failed or not run). */
  unfinishedTasks: 40,
  /** Each qa/command-failed (tests, lint, build exit non-zero), up to the max. */
  commandFailed: 25,
  commandFailedMax: 50,
  /** Each qa/command-timeout, up to the max. */
  commandTimedOut: 10,
  commandTimedOutMax: 20,
  /** Each secrets/hardcoded × confidence, up to the max. */
  secret: 30,
  secretMax: 60,
  /** Each tests/weakened × confidence, up to the max. */
  weakenedTest: 20,
  weakenedTestMax: 40,
  /** Each other finding × confidence, by severity, up to the max. */
  severity: { critical: 30, high: 15, medium: 5, low: 0, info: 0 } satisfies Record<Severity, number>,
  findingsMax: 60,
  /** QA could not run completely (setup failed, a scanner gave nothing, the LLM review was unreachable). */
  qaIncomplete: 15,
  /** By the peers' decision (decidePeerVerdict). */
  peer: { request_changes_and_ask_human: 30, draft_and_ask: 15, comment: 5, none: 0 } satisfies Record<PeerDecision["action"], number>,
  /** A self-assessment under `selfAssessmentFloor` costs this many points per point under it (4/10 -> 15). */
  selfAssessmentFloor: 7,
  selfAssessmentPerPoint: 5,
  /** An agent that needed at least this many turns probably struggled. */
  manyTurns: 50,
  manyTurnsPoints: 5,
  /** Size caps: the score is at most `cap` when the change is this big (or this small). The first that applies wins. */
  huge: { lines: 2000, files: 60, cap: 50 },
  large: { lines: 500, files: 20, cap: 70 },
  tiny: { lines: 2, cap: 80 },
} as const;

const W = SCORE_WEIGHTS;

const STATUS_TEXT: Record<Exclude<AgentResult["status"], "succeeded">, string> = {
  failed: "The agent reported a failure",
  timed_out: "The agent ran out of time before it finished",
  crashed: "The agent crashed before it finished",
  cancelled: "The agent was stopped before it finished",
};

/**
 * The run's confidence, from 100 points, and why. Pure. In this order:
 *  1. agent-status      the agent did not succeed                                    -30
 *  2. tasks             planned tasks that did not succeed                           -40 × share
 *  3. commands-failed   each failing QA command (qa/command-failed)                  -25 each, at most -50
 *  4. commands-timed-out each QA command that timed out                              -10 each, at most -20
 *  5. secrets           each possible hard-coded secret (secrets/hardcoded)          -30 × confidence, at most -60
 *  6. tests-weakened    each weakened test (tests/weakened)                          -20 × confidence, at most -40
 *  7. findings          every other finding: critical 30, high 15, medium 5, low/info 0, × confidence, at most -60
 *  8. qa-incomplete     QA did not run completely                                    -15
 *  9. peers             blocker -30, two or more concerns -15, one concern -5
 * 10. self-assessment   the model's score s under 7/10                                -5 × (7 - s)
 * 11. turns             the agent needed 50 turns or more                            -5
 * Then the total is floored at 0, and one size cap applies: over 2000 lines or 60 files at most 50; over 500 lines
 * or 20 files at most 70; 2 lines or fewer at most 80. Each group's points are rounded to an integer.
 */
export function scoreRun(input: ScoreInput): RunScore {
  const components: ScoreComponent[] = [];
  const add = (id: ScoreComponentId, points: number, text: string) => components.push({ id, points: Math.round(points), text });
  const { agent } = input;

  if (agent.status !== "succeeded") add("agent-status", W.agentNotSucceeded, `${STATUS_TEXT[agent.status]}, so the change may be incomplete`);

  const { total, succeeded, failed } = agent.tasks;
  if (total > 0 && succeeded < total) {
    const notRun = total - succeeded - failed;
    const parts = [failed > 0 ? `${failed} failed` : "", notRun > 0 ? `${notRun} not run` : ""].filter(Boolean).join(", ");
    add("tasks", (W.unfinishedTasks * (total - succeeded)) / total, `${total - succeeded} of ${plural(total, "planned task")} did not succeed (${parts})`);
  }

  const failedCommands: Finding[] = [];
  const timedOutCommands: Finding[] = [];
  const secrets: Finding[] = [];
  const weakened: Finding[] = [];
  const others: Finding[] = [];
  for (const f of sortFindings(input.findings)) {
    if (f.ruleId === "qa/command-failed") failedCommands.push(f);
    else if (f.ruleId === "qa/command-timeout") timedOutCommands.push(f);
    else if (f.ruleId === "secrets/hardcoded") secrets.push(f);
    else if (f.ruleId === "tests/weakened") weakened.push(f);
    else if (W.severity[f.severity] > 0) others.push(f);
  }
  if (failedCommands.length > 0) {
    add(
      "commands-failed",
      Math.min(W.commandFailedMax, W.commandFailed * failedCommands.length),
      `The repository's own checks fail: ${listSome(failedCommands.map((f) => oneLine(f.title, 160)), 3)}`,
    );
  }
  if (timedOutCommands.length > 0) {
    add(
      "commands-timed-out",
      Math.min(W.commandTimedOutMax, W.commandTimedOut * timedOutCommands.length),
      `The repository's own checks did not finish: ${listSome(timedOutCommands.map((f) => oneLine(f.title, 160)), 3)}`,
    );
  }
  if (secrets.length > 0) {
    const what = secrets.length === 1 ? "QA found what looks like a hard-coded secret" : `QA found ${secrets.length} possible hard-coded secrets`;
    add("secrets", Math.min(W.secretMax, sum(secrets.map((f) => W.secret * f.confidence))), `${what}: ${listSome(secrets.map(describeFinding), 3)}`);
  }
  if (weakened.length > 0) {
    add("tests-weakened", Math.min(W.weakenedTestMax, sum(weakened.map((f) => W.weakenedTest * f.confidence))), `The change weakens the tests: ${listSome(weakened.map(describeFinding), 3)}`);
  }
  if (others.length > 0) {
    const counts = (["critical", "high", "medium"] as const)
      .map((s) => [s, others.filter((f) => f.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    const what = others.length === 1 ? `QA found a ${others[0]!.severity}-severity problem` : `QA found ${others.length} problems (${counts})`;
    add("findings", Math.min(W.findingsMax, sum(others.map((f) => W.severity[f.severity] * f.confidence))), `${what}: ${listSome(others.map(describeFinding), 3)}`);
  }

  if (input.qaIncomplete) add("qa-incomplete", W.qaIncomplete, "QA did not run completely, so problems may have been missed");

  const peer = input.peer;
  if (peer && peer.action !== "none") {
    const said = peer.reasons.length > 0 ? ` (${listSome(peer.reasons.map((r) => oneLine(r, 200)), 3)})` : "";
    const text =
      peer.action === "request_changes_and_ask_human"
        ? `Peer review raised a blocker${said}`
        : peer.action === "draft_and_ask"
          ? `Several peer reviewers have concerns${said}`
          : `A peer reviewer has a concern${said}`;
    add("peers", W.peer[peer.action], text);
  }

  const self = input.selfAssessment;
  if (self && self.score < W.selfAssessmentFloor) {
    const concerns = self.concerns.length > 0 ? `: ${listSome(self.concerns.map((c) => oneLine(c, 200)), 2)}` : "";
    add("self-assessment", W.selfAssessmentPerPoint * (W.selfAssessmentFloor - self.score), `The model rates the change ${formatScore(self.score)}/10 against the issue${concerns}`);
  }

  if (agent.turns !== undefined && agent.turns >= W.manyTurns) {
    const cost = agent.costUsd !== undefined ? ` ($${agent.costUsd.toFixed(2)})` : "";
    add("turns", W.manyTurnsPoints, `The agent needed ${agent.turns} turns${cost}, which suggests it struggled`);
  }

  let points = Math.max(0, W.start - sum(components.map((c) => c.points)));
  const size = `${plural(agent.linesChanged, "line")} in ${plural(agent.filesChanged, "file")}`;
  const cap =
    agent.linesChanged > W.huge.lines || agent.filesChanged > W.huge.files
      ? { cap: W.huge.cap, text: `The change is very large (${size}), too much to trust without a careful read, so confidence is capped at ${formatConfidence(W.huge.cap)}` }
      : agent.linesChanged > W.large.lines || agent.filesChanged > W.large.files
        ? { cap: W.large.cap, text: `The change is large (${size}), so confidence is capped at ${formatConfidence(W.large.cap)}` }
        : agent.filesChanged > 0 && agent.linesChanged <= W.tiny.lines
          ? { cap: W.tiny.cap, text: `The change is tiny (${size}) and may not do all the issue asks, so confidence is capped at ${formatConfidence(W.tiny.cap)}` }
          : undefined;
  if (cap) {
    add("size", Math.max(0, points - cap.cap), cap.text);
    points = Math.min(points, cap.cap);
  }
  return { points, components };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function formatScore(score: number): string {
  return Number.isInteger(score) ? String(score) : score.toFixed(1);
}
