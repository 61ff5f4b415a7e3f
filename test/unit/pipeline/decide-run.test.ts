import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DecisionConfig } from "../../../src/config/decision-config.ts";
import { decideRun, type DecisionAction, type DecisionInput } from "../../../src/pipeline/decide-run.ts";
import { isFixableFinding } from "../../../src/pipeline/decision-fixable.ts";
import type { PeerDecision } from "../../../src/qa/decide-peer-verdict.ts";
import type { Finding } from "../../../src/qa/finding.ts";

const defaults = DecisionConfig.parse({});

let serial = 0;
const finding = (over: Partial<Finding> & Pick<Finding, "ruleId">): Finding => ({
  source: "analyzer",
  severity: "medium",
  confidence: 1,
  title: `Finding ${++serial}`,
  message: "What is wrong.",
  fingerprint: `fp-${serial}`,
  ...over,
});

const commandFailed = (name = "test", exit = 1): Finding =>
  finding({ ruleId: "qa/command-failed", source: "command", severity: "high", title: `QA command \`${name}\` failed (exit ${exit})` });
const medium = (confidence: number): Finding => finding({ ruleId: "io/unhandled", severity: "medium", confidence, title: "Unhandled read error", path: "src/io.ts", line: 7 });
const secret = (confidence: number): Finding =>
  finding({ ruleId: "secrets/hardcoded", severity: "critical", confidence, title: "Hardcoded GitHub token", path: "src/config.ts", line: 3 });
const debugLeftover = (confidence: number, replacement?: string): Finding =>
  finding({
    ruleId: "debug/leftover",
    severity: "low",
    confidence,
    title: "Leftover debug statement (console.log)",
    path: "src/app.ts",
    line: 12,
    ...(replacement !== undefined ? { replacement } : {}),
  });

const peer = (action: PeerDecision["action"], reasons: string[] = []): PeerDecision => ({ action, reasons, summary: "summary" });

const input = (over: Partial<Omit<DecisionInput, "agent">> & { agent?: Partial<DecisionInput["agent"]> } = {}): DecisionInput => {
  const { agent, ...rest } = over;
  return {
    findings: [],
    failOn: "high",
    qaIncomplete: false,
    attempt: 1,
    config: defaults,
    draftByConfig: false,
    ...rest,
    agent: { status: "succeeded", filesChanged: 3, linesChanged: 40, tasks: { total: 1, succeeded: 1, failed: 0 }, ...agent },
  };
};

const PROCEED_075 = "Opening the pull request for review: confidence 0.75 is at or above 0.75 (decision.proceedAt) and nothing needs a maintainer's answer first.";

describe("decideRun: the tree and its boundaries (exact confidence)", () => {
  const table: Array<[label: string, DecisionInput, DecisionAction, number]> = [
    ["nothing wrong", input(), "proceed", 1],
    ["the repository asks for drafts", input({ draftByConfig: true }), "draft", 1],
    // 15 (QA incomplete) + 5 (one peer concern) + 5 (medium × 1) = 25
    ["exactly proceedAt proceeds", input({ qaIncomplete: true, peer: peer("comment", ["codex: concern: naming"]), findings: [medium(1)] }), "proceed", 0.75],
    // 15 + 10 (self 5/10) + 1 (medium × 0.2) = 26
    ["just under proceedAt is a draft", input({ qaIncomplete: true, selfAssessment: { score: 5, concerns: [] }, findings: [medium(0.2)] }), "draft", 0.74],
    // 15 + 15 (peers' concerns) + 20 (self 3/10) = 50
    ["exactly draftAt is a draft", input({ qaIncomplete: true, peer: peer("draft_and_ask"), selfAssessment: { score: 3, concerns: [] } }), "draft", 0.5],
    // 50 + 1
    ["just under draftAt asks", input({ qaIncomplete: true, peer: peer("draft_and_ask"), selfAssessment: { score: 3, concerns: [] }, findings: [medium(0.2)] }), "ask", 0.49],
    // 30 (agent failed) + 20 (1 of 2 tasks) + 15 + 5 (self 6/10) = 70
    [
      "exactly askAt asks",
      input({ agent: { status: "failed", tasks: { total: 2, succeeded: 1, failed: 1 } }, qaIncomplete: true, selfAssessment: { score: 6, concerns: [] } }),
      "ask",
      0.3,
    ],
    [
      "just under askAt escalates",
      input({ agent: { status: "failed", tasks: { total: 2, succeeded: 1, failed: 1 } }, qaIncomplete: true, selfAssessment: { score: 6, concerns: [] }, findings: [medium(0.2)] }),
      "escalate",
      0.29,
    ],
    ["a fixable finding on the first round retries", input({ findings: [commandFailed()] }), "retry", 0.75],
    ["retries used up: the failing check makes it a draft", input({ findings: [commandFailed()], attempt: 2 }), "draft", 0.75],
    ["maxRetries 0 never retries", input({ findings: [commandFailed()], config: { ...defaults, maxRetries: 0 } }), "draft", 0.75],
    ["a peer blocker asks even when confident", input({ peer: peer("request_changes_and_ask_human", ["claude: blocker: drops the index"]) }), "ask", 0.7],
    // 30 × 0.9 = 27
    ["a critical secret (>= blockOn) asks", input({ findings: [secret(0.9)] }), "ask", 0.73],
    ["ask disabled: a draft instead", input({ findings: [secret(0.9)], config: { ...defaults, ask: { enabled: false, timeoutHours: 72 } } }), "draft", 0.73],
    ["a blocker with confidence under askAt escalates", input({ peer: peer("request_changes_and_ask_human"), agent: { status: "crashed" }, qaIncomplete: true }), "escalate", 0.25],
    ["no files changed escalates", input({ agent: { filesChanged: 0, linesChanged: 0 } }), "escalate", 0],
    ["a very large change is capped at 0.50", input({ agent: { linesChanged: 2500, filesChanged: 12 } }), "draft", 0.5],
    ["61 files is very large too", input({ agent: { linesChanged: 300, filesChanged: 61 } }), "draft", 0.5],
    ["a large change is capped at 0.70", input({ agent: { linesChanged: 501, filesChanged: 4 } }), "draft", 0.7],
    ["500 lines is not large", input({ agent: { linesChanged: 500, filesChanged: 20 } }), "proceed", 1],
    ["a tiny change is capped at 0.80 and still proceeds", input({ agent: { linesChanged: 2, filesChanged: 1 } }), "proceed", 0.8],
    ["three failing commands cost at most 0.50", input({ findings: [commandFailed("a"), commandFailed("b"), commandFailed("c")], attempt: 2 }), "draft", 0.5],
    ["a failing check (>= failOn) is at most a draft", input({ findings: [finding({ ruleId: "deps/undeclared", severity: "high", confidence: 0.6 })] }), "draft", 0.91],
    ["findings under failOn do not force a draft", input({ failOn: "critical", findings: [finding({ ruleId: "deps/undeclared", severity: "high", confidence: 0.6 })] }), "proceed", 0.91],
    ["two peer concerns force a draft", input({ peer: peer("draft_and_ask") }), "draft", 0.85],
    ["low and info findings cost nothing", input({ findings: [debugLeftover(0.4), finding({ ruleId: "qa/analyzer-error", severity: "info" })] }), "proceed", 1],
    ["50 turns cost 0.05", input({ agent: { turns: 50, costUsd: 3.2 } }), "proceed", 0.95],
    ["49 turns cost nothing", input({ agent: { turns: 49 } }), "proceed", 1],
    // 30 × 0.9 + 30 × 0.8 + 30 × 0.7 = 72 -> capped at 60
    ["secrets cost at most 0.60", input({ findings: [secret(0.9), secret(0.8), secret(0.7)] }), "ask", 0.4],
    // 20 × 0.9 + 20 × 0.85 = 35
    [
      "weakened tests by confidence",
      input({ failOn: "critical", findings: [finding({ ruleId: "tests/weakened", severity: "high", confidence: 0.9 }), finding({ ruleId: "tests/weakened", severity: "high", confidence: 0.85 })] }),
      "draft",
      0.65,
    ],
    // 40 × 2/3 = 26.67 -> 27
    ["unfinished tasks by share", input({ agent: { tasks: { total: 3, succeeded: 1, failed: 1 } } }), "draft", 0.73],
    ["a timed-out command costs 0.10", input({ findings: [finding({ ruleId: "qa/command-timeout", source: "command", severity: "medium" })] }), "proceed", 0.9],
    // self 6.5/10: 5 × 0.5 = 2.5 -> 3
    ["a fractional self-assessment rounds", input({ selfAssessment: { score: 6.5, concerns: [] } }), "proceed", 0.97],
    ["a good self-assessment costs nothing", input({ selfAssessment: { score: 9, concerns: ["minor"] } }), "proceed", 1],
    [
      "stricter thresholds from config",
      input({ qaIncomplete: true, config: DecisionConfig.parse({ proceedAt: 0.9, draftAt: 0.86, askAt: 0.5 }) }),
      "ask",
      0.85,
    ],
  ];

  it.each(table)("%s", (_label, given, action, confidence) => {
    const decision = decideRun(given);
    expect(decision.action).toBe(action);
    expect(decision.confidence).toBe(confidence);
    expect(decision.reasons.length).toBeGreaterThan(0);
    for (const reason of decision.reasons) expect(reason).toMatch(/^[A-Z0-9].*\.$/);
    expect(decision.question !== undefined).toBe(action === "ask");
    expect(decision.feedback !== undefined).toBe(action === "retry");
  });
});

describe("decideRun: reasons, questions and feedback", () => {
  it("proceed with nothing wrong says so", () => {
    expect(decideRun(input()).reasons).toEqual([
      "Opening the pull request for review: confidence 1.00 is at or above 0.75 (decision.proceedAt) and nothing needs a maintainer's answer first.",
      "Nothing lowered the confidence: the agent finished every task, QA found nothing that counts against the change, and no reviewer objected.",
    ]);
  });

  it("components are sorted by effect, ties in the documented order, each with its number", () => {
    const decision = decideRun(input({ qaIncomplete: true, peer: peer("comment", ["codex: concern: the name is vague"]), findings: [medium(1)] }));
    expect(decision.reasons).toEqual([
      PROCEED_075,
      "QA did not run completely, so problems may have been missed (-0.15).",
      "QA found a medium-severity problem: Unhandled read error (src/io.ts:7) (-0.05).",
      "A peer reviewer has a concern (codex: concern: the name is vague) (-0.05).",
    ]);
  });

  it("retry: the fixable findings are the feedback, most severe first; the rest are not", () => {
    const failing = commandFailed();
    const leftover = debugLeftover(0.9, "");
    const notFixable = medium(1);
    const decision = decideRun(input({ findings: [leftover, notFixable, failing] }));
    expect(decision.action).toBe("retry");
    expect(decision.feedback).toEqual([failing, leftover]);
    expect(decision.confidence).toBe(0.7);
    expect(decision.reasons).toEqual([
      "Sending the change back to the agent (retry 1 of 1) to fix 2 problems QA found: QA command `test` failed (exit 1); Leftover debug statement (console.log) (src/app.ts:12).",
      "The repository's own checks fail: QA command `test` failed (exit 1) (-0.25).",
      "QA found a medium-severity problem: Unhandled read error (src/io.ts:7) (-0.05).",
    ]);
  });

  it("retries exhausted: no retry again, and the reasons say why", () => {
    const decision = decideRun(input({ findings: [commandFailed()], attempt: 2 }));
    expect(decision.action).toBe("draft");
    expect(decision.feedback).toBeUndefined();
    expect(decision.reasons).toEqual([
      "Opening the pull request as a draft: QA's check fails: 1 finding at or above high severity (qa.failOn).",
      "The agent already had 1 retry with QA's feedback and 1 problem it could fix remains, so Moderator does not retry again.",
      "The repository's own checks fail: QA command `test` failed (exit 1) (-0.25).",
    ]);
    const third = decideRun(input({ findings: [commandFailed(), commandFailed("lint", 2)], attempt: 3, config: { ...defaults, maxRetries: 2 } }));
    expect(third.action).toBe("draft");
    expect(third.reasons[1]).toBe("The agent already had 2 retries with QA's feedback and 2 problems it could fix remain, so Moderator does not retry again.");
    expect(decideRun(input({ findings: [commandFailed()], attempt: 2, config: { ...defaults, maxRetries: 2 } })).action).toBe("retry");
  });

  it("retries turned off: says so", () => {
    const decision = decideRun(input({ findings: [commandFailed()], config: { ...defaults, maxRetries: 0 } }));
    expect(decision.reasons[1]).toBe("Retries are turned off (decision.maxRetries: 0), so 1 problem it could fix remains for a maintainer.");
  });

  it("ask for low confidence: the model's question when it has one", () => {
    const given = input({
      qaIncomplete: true,
      peer: peer("draft_and_ask", ["a: concern: x", "b: concern: y"]),
      selfAssessment: { score: 3, concerns: ["It changes the public API", "No test covers the new branch"], question: "Should the old flag keep working?" },
      findings: [medium(0.2)],
    });
    const decision = decideRun(given);
    expect(decision.action).toBe("ask");
    expect(decision.question).toBe("Should the old flag keep working?");
    expect(decision.reasons).toEqual([
      "Asking a maintainer before going on: confidence 0.49 is below 0.5 (decision.draftAt).",
      "The model rates the change 3/10 against the issue: It changes the public API; No test covers the new branch (-0.20).",
      "QA did not run completely, so problems may have been missed (-0.15).",
      "Several peer reviewers have concerns (a: concern: x; b: concern: y) (-0.15).",
      "QA found a medium-severity problem: Unhandled read error (src/io.ts:7) (-0.01).",
    ]);
  });

  it("ask for low confidence without the model's question: built from the two largest reasons", () => {
    const decision = decideRun(input({ qaIncomplete: true, peer: peer("draft_and_ask"), selfAssessment: { score: 3, concerns: [] }, findings: [medium(0.2)] }));
    expect(decision.question).toBe(
      "Moderator is unsure about this change (confidence 0.49): The model rates the change 3/10 against the issue; QA did not run completely, so problems may have been missed. Should it open the pull request anyway, or can you say more about what the issue needs?",
    );
  });

  it("ask for a peer blocker quotes it", () => {
    const decision = decideRun(input({ peer: peer("request_changes_and_ask_human", ["claude: blocker: drops the users table"]) }));
    expect(decision.question).toBe("A peer reviewer raised a blocker: claude: blocker: drops the users table. Should Moderator go ahead with this change as it is, or what should change first?");
    expect(decision.reasons).toEqual([
      "Asking a maintainer before going on: a peer reviewer raised a blocker.",
      "Peer review raised a blocker (claude: blocker: drops the users table) (-0.30).",
    ]);
  });

  it("ask for a secret: is it real?", () => {
    const decision = decideRun(input({ findings: [secret(0.9)] }));
    expect(decision.question).toBe(
      "QA found what looks like a hard-coded secret: Hardcoded GitHub token (src/config.ts:3). Is it a real credential (then it must be removed and rotated) or a harmless test value?",
    );
    expect(decision.reasons).toEqual([
      "Asking a maintainer before going on: QA found 1 problem at or above critical severity (decision.blockOn): Hardcoded GitHub token (src/config.ts:3).",
      "QA found what looks like a hard-coded secret: Hardcoded GitHub token (src/config.ts:3) (-0.27).",
    ]);
  });

  it("ask for another blocking finding names it; blockOn is configurable", () => {
    const high = finding({ ruleId: "llm/security", source: "llm", severity: "high", confidence: 0.8, title: "SQL built from user input", path: "src/db.ts", line: 40 });
    expect(decideRun(input({ findings: [high] })).action).toBe("draft");
    const decision = decideRun(input({ findings: [high], config: { ...defaults, blockOn: "high" } }));
    expect(decision.action).toBe("ask");
    expect(decision.confidence).toBe(0.88);
    expect(decision.question).toBe("QA found a high-severity problem: SQL built from user input (src/db.ts:40). Is this acceptable, or what should change before the pull request is opened?");
  });

  it("ask disabled: a draft, and the reason says why", () => {
    const decision = decideRun(input({ findings: [secret(0.9)], config: { ...defaults, ask: { enabled: false, timeoutHours: 72 } } }));
    expect(decision.reasons[0]).toBe(
      "Opening the pull request as a draft instead of asking, because asking is turned off (decision.ask.enabled: false): QA found 1 problem at or above critical severity (decision.blockOn): Hardcoded GitHub token (src/config.ts:3).",
    );
    expect(decision.question).toBeUndefined();
  });

  it("escalate says why and what to do", () => {
    const decision = decideRun(input({ peer: peer("request_changes_and_ask_human"), agent: { status: "crashed" }, qaIncomplete: true }));
    expect(decision.reasons).toEqual([
      "Stopping: confidence 0.25 is below 0.3 (decision.askAt), too low to publish the change or to ask about it; a maintainer should read the reasons below, then clarify the issue and re-run, or take over.",
      "The agent crashed before it finished, so the change may be incomplete (-0.30).",
      "Peer review raised a blocker (-0.30).",
      "QA did not run completely, so problems may have been missed (-0.15).",
    ]);
    expect(decideRun(input({ agent: { filesChanged: 0, linesChanged: 0 } })).reasons).toEqual([
      "Stopping: the agent changed no files, so there is nothing to publish or review; a maintainer should check the issue is clear, then re-run.",
    ]);
  });

  it("size caps explain themselves, with their effect only when they lower the score", () => {
    expect(decideRun(input({ agent: { linesChanged: 2500, filesChanged: 12 } })).reasons).toEqual([
      "Opening the pull request as a draft: confidence 0.50 is below 0.75 (decision.proceedAt).",
      "The change is very large (2500 lines in 12 files), too much to trust without a careful read, so confidence is capped at 0.50 (-0.50).",
    ]);
    const capped = decideRun(input({ agent: { linesChanged: 1, filesChanged: 1, status: "timed_out" } }));
    expect(capped.confidence).toBe(0.7);
    expect(capped.reasons).toEqual([
      "Opening the pull request as a draft: confidence 0.70 is below 0.75 (decision.proceedAt).",
      "The agent ran out of time before it finished, so the change may be incomplete (-0.30).",
      "The change is tiny (1 line in 1 file) and may not do all the issue asks, so confidence is capped at 0.80.",
    ]);
  });

  it("tasks, turns and many findings are summarized in one sentence each", () => {
    const decision = decideRun(
      input({
        agent: { tasks: { total: 4, succeeded: 1, failed: 1 }, turns: 63, costUsd: 2.5 },
        failOn: "critical",
        findings: [
          finding({ ruleId: "llm/bug", source: "llm", severity: "high", confidence: 1, title: "Off by one" }),
          finding({ ruleId: "deps/undeclared", severity: "high", confidence: 1, title: "Undeclared dependency", path: "src/a.ts", line: 1 }),
          medium(1),
          finding({ ruleId: "io/unhandled", severity: "medium", confidence: 1, title: "Another", path: "src/b.ts" }),
        ],
      }),
    );
    // 30 (3 of 4 tasks) + 15 + 15 + 5 + 5 + 5 (turns) = 75
    expect(decision.confidence).toBe(0.25);
    expect(decision.action).toBe("escalate");
    expect(decision.reasons.slice(1)).toEqual([
      "QA found 4 problems (2 high, 2 medium): Off by one; Undeclared dependency (src/a.ts:1); Another (src/b.ts); and 1 more (-0.40).",
      "3 of 4 planned tasks did not succeed (1 failed, 2 not run) (-0.30).",
      "The agent needed 63 turns ($2.50), which suggests it struggled (-0.05).",
    ]);
  });
});

describe("isFixableFinding", () => {
  it.each<[string, Finding, boolean]>([
    ["a failing command", commandFailed(), true],
    ["a debug leftover", debugLeftover(0.6), true],
    ["a debug leftover under 0.5 confidence", debugLeftover(0.4, ""), false],
    ["conflict markers", finding({ ruleId: "conflict/markers", severity: "critical", confidence: 0.95 }), true],
    ["a linter finding with an exact replacement", finding({ ruleId: "sarif/eslint/no-unused-vars", source: "sarif", severity: "low", replacement: "const a = 1;" }), true],
    ["a linter finding without one", finding({ ruleId: "sarif/eslint/no-unused-vars", source: "sarif", severity: "low" }), false],
    ["a skipped test with the original line", finding({ ruleId: "tests/weakened", severity: "high", confidence: 0.9, replacement: "it('works', () => {" }), true],
    ["a deleted test file", finding({ ruleId: "tests/weakened", severity: "high", confidence: 0.9 }), false],
    ["a secret", secret(1), false],
    ["an LLM finding", finding({ ruleId: "llm/bug", source: "llm", severity: "high" }), false],
    ["a timed-out command", finding({ ruleId: "qa/command-timeout", source: "command" }), false],
  ])("%s -> %s", (_label, f, fixable) => {
    expect(isFixableFinding(f)).toBe(fixable);
  });
});

describe("decideRun: bad input is refused with what and where", () => {
  it("names every problem", () => {
    expect(() => decideRun(input({ attempt: 0 }))).toThrow("decideRun: invalid input: attempt must be an integer >= 1, got 0");
    expect(() => decideRun(input({ agent: { linesChanged: -1, tasks: { total: 1, succeeded: 1, failed: 1 } } }))).toThrow(
      "decideRun: invalid input: agent.linesChanged must be an integer >= 0, got -1; agent.tasks: succeeded (1) + failed (1) is more than total (1)",
    );
    expect(() => decideRun(input({ selfAssessment: { score: 11, concerns: [] } }))).toThrow("selfAssessment.score must be from 0 to 10, got 11");
    expect(() => decideRun(input({ config: { ...defaults, draftAt: 0.8 } }))).toThrow("config: draftAt: must be at most proceedAt (0.75), got 0.8");
    expect(() => decideRun(input({ failOn: "severe" as never }))).toThrow("failOn must be one of info, low, medium, high, critical, got severe");
  });
});

describe("DecisionConfig", () => {
  it("defaults everything", () => {
    expect(DecisionConfig.parse({})).toEqual({
      proceedAt: 0.75,
      draftAt: 0.5,
      askAt: 0.3,
      maxRetries: 1,
      ask: { enabled: true, timeoutHours: 72 },
      blockOn: "critical",
    });
    expect(DecisionConfig.parse({ ask: { enabled: false } }).ask).toEqual({ enabled: false, timeoutHours: 72 });
  });

  it("nests in a repository config as `decision:` with prefault, issues prefixed by its path", () => {
    const Repo = z.strictObject({ decision: DecisionConfig.prefault({}) });
    expect(Repo.parse({}).decision).toEqual(DecisionConfig.parse({}));
    const parsed = Repo.safeParse({ decision: { askAt: 0.9 } });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["decision.askAt: must be at most draftAt (0.5), got 0.9"]);
  });

  it("refuses thresholds out of order, unknown keys and out-of-range values, with paths", () => {
    const issues = (value: unknown) => {
      const parsed = DecisionConfig.safeParse(value);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues({ askAt: 0.6 })).toEqual(["askAt: must be at most draftAt (0.5), got 0.6"]);
    expect(issues({ draftAt: 0.9 })).toEqual(["draftAt: must be at most proceedAt (0.75), got 0.9"]);
    expect(issues({ proceedAt: 1.5 })[0]).toMatch(/^proceedAt: /);
    expect(issues({ maxRetries: 1.5 })[0]).toMatch(/^maxRetries: /);
    expect(issues({ blockOn: "severe" })[0]).toMatch(/^blockOn: /);
    expect(issues({ procedAt: 0.8 })[0]).toMatch(/procedAt/);
  });
});
