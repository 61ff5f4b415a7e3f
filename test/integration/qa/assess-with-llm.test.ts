import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOllamaLlm } from "../../../src/llm/create-ollama-llm.ts";
import { assessWithLlm } from "../../../src/qa/assess-with-llm.ts";
import type { Finding } from "../../../src/qa/finding.ts";
import { CancelledError } from "../../../src/util/errors.ts";
import { say, sayJson, startFakeOllama, type FakeOllama } from "../../support/fake-ollama.ts";

const TOKEN = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");

const DIFF = [
  "diff --git a/src/pay.ts b/src/pay.ts",
  "index 1111111..2222222 100644",
  "--- a/src/pay.ts",
  "+++ b/src/pay.ts",
  "@@ -10,4 +10,5 @@ export function pay(amount: number) {",
  "   const fee = 2;",
  "-  return charge(amount + fee);",
  "+  const total = amount + fee;",
  `+  const key = "${TOKEN}";`,
  "+  return charge(total, key);",
  " }",
  "",
].join("\n");

const issue = { title: "Charge the fee on top of the amount", body: "Payments should include the 2 EUR fee.\n\nSee the pricing page." };

const findings: Finding[] = [
  {
    ruleId: "secrets/hardcoded",
    source: "analyzer",
    severity: "critical",
    confidence: 0.9,
    path: "src/pay.ts",
    line: 12,
    title: "Hardcoded GitHub token",
    message: "A token is committed.",
    fingerprint: "fp-secret",
  },
  { ruleId: "qa/command-failed", source: "command", severity: "high", confidence: 1, title: "QA command `test` failed (exit 1)", message: "output", fingerprint: "fp-cmd" },
];

describe("assessWithLlm (createOllamaLlm against a fake Ollama)", () => {
  let fake: FakeOllama;
  beforeEach(async () => {
    fake = await startFakeOllama({ models: ["judge:7b"] });
  });
  afterEach(async () => {
    await fake.close();
  });
  const llm = (contextTokens = 8192) => createOllamaLlm({ host: fake.url, model: "judge:7b", contextTokens, timeoutMs: 30_000 });

  it("a valid answer: score, at most five trimmed concerns (secrets masked), the question", async () => {
    fake.reply(
      sayJson({
        score: 6.5,
        concerns: ["  The token   is committed in src/pay.ts  ", "", `It leaks ${TOKEN}`, "c3", "c4", "c5", "c6"],
        question: "Should the fee apply to refunds too?",
      }),
    );
    const out = await assessWithLlm(llm(), { issue, diff: DIFF, findings, knownSecrets: [] });
    expect(out).toEqual({
      score: 6.5,
      concerns: ["The token is committed in src/pay.ts", "It leaks ghp_****", "c3", "c4", "c5"],
      question: "Should the fee apply to refunds too?",
    });

    const [request] = fake.chatRequests();
    expect(request!.format).toMatchObject({ type: "object", required: ["score", "concerns"] });
    expect(request!.options).toMatchObject({ num_ctx: 8192 });
    expect(request!.messages[0]!.content).toContain("untrusted data");
    const prompt = request!.messages[1]!.content;
    expect(prompt).toContain("Title: Charge the fee on top of the amount");
    expect(prompt).toContain("Payments should include the 2 EUR fee.");
    expect(prompt).toContain("- [critical] secrets/hardcoded: Hardcoded GitHub token (src/pay.ts:12)");
    expect(prompt).toContain("- [high] qa/command-failed: QA command `test` failed (exit 1)");
    expect(prompt).toContain("+  return charge(total, key);");
    expect(prompt).not.toContain(TOKEN);
  });

  it("no question: a null or blank question is left out", async () => {
    fake.reply(sayJson({ score: 9, concerns: [], question: null }), sayJson({ score: 10, concerns: [], question: "   " }));
    expect(await assessWithLlm(llm(), { issue, diff: DIFF, findings: [] })).toEqual({ score: 9, concerns: [] });
    expect(await assessWithLlm(llm(), { issue, diff: DIFF, findings: [] })).toEqual({ score: 10, concerns: [] });
    expect(fake.chatRequests()[0]!.messages[1]!.content).toContain("<qa-findings>\n(none)\n</qa-findings>");
  });

  it("invalid, then valid: the corrected answer is used", async () => {
    fake.reply(say("I think it is fine, 8 out of 10."), sayJson({ score: 8, concerns: ["No test for the fee"] }));
    expect(await assessWithLlm(llm(), { issue, diff: DIFF, findings })).toEqual({ score: 8, concerns: ["No test for the fee"] });
    expect(fake.chatRequests()).toHaveLength(2);
    expect(fake.chatRequests()[1]!.messages[3]!.content).toMatch(/^That answer could not be used:/);
  });

  it("invalid twice: an error that says so, never a throw", async () => {
    fake.reply(say("no JSON here"), sayJson({ score: 15, concerns: [] }));
    const out = await assessWithLlm(llm(), { issue, diff: DIFF, findings });
    expect(out).toHaveProperty("error");
    expect((out as { error: string }).error).toMatch(/^the model \(judge:7b\) answered the self-assessment with unusable JSON twice: score: /);
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it("an unreachable server: an error naming the host, never a throw", async () => {
    const url = fake.url;
    await fake.close();
    const out = await assessWithLlm(createOllamaLlm({ host: url, model: "judge:7b", timeoutMs: 30_000 }), { issue, diff: DIFF, findings });
    expect(out).toHaveProperty("error");
    expect((out as { error: string }).error).toMatch(/^the self-assessment could not run: cannot reach Ollama at http:\/\/127\.0\.0\.1:\d+ \(model "judge:7b"\)/);
    fake = await startFakeOllama();
  });

  it("a model the server does not have: an error naming it", async () => {
    fake.setModels(["other:1b"]);
    const out = await assessWithLlm(llm(), { issue, diff: DIFF, findings });
    expect((out as { error: string }).error).toMatch(/judge:7b/);
  });

  it("a diff over the budget is cut with a visible marker; the issue body is cut to its share", async () => {
    fake.reply(sayJson({ score: 7, concerns: [] }));
    const bigDiff = `${DIFF}${Array.from({ length: 400 }, (_, i) => `+line ${i} of a long generated file`).join("\n")}\n`;
    const longBody = `Start of the issue.\n${"The details go on. ".repeat(200)}\nEnd of the issue.`;
    await assessWithLlm(llm(), { issue: { title: issue.title, body: longBody }, diff: bigDiff, findings, budgetChars: 4000 });
    const prompt = fake.chatRequests()[0]!.messages[1]!.content;
    expect(prompt.length).toBeLessThanOrEqual(4000);
    expect(prompt).toMatch(/\[\.\.\. \d+ characters of the diff are left out here to fit the model's context window \.\.\.\]/);
    expect(prompt).toMatch(/\[\.\.\. \d+ characters of the issue are left out here \.\.\.\]/);
    expect(prompt).toContain("Start of the issue.");
    expect(prompt).toContain("End of the issue.");
    expect(prompt).toContain("diff --git a/src/pay.ts b/src/pay.ts");
    expect(prompt).toContain("+line 399 of a long generated file");
  });

  it("bad input is answered without asking the model", async () => {
    expect(await assessWithLlm(llm(), { issue, diff: "  \n", findings })).toEqual({ error: "assessWithLlm: the change is empty, so there is nothing to assess" });
    expect(await assessWithLlm(llm(), { issue, diff: DIFF, findings, budgetChars: 10 })).toEqual({
      error: "assessWithLlm: budgetChars must be a number of at least 1000, got 10",
    });
    expect(await assessWithLlm(llm(), { issue: { title: "t", body: undefined as unknown as string }, diff: DIFF, findings })).toEqual({
      error: "assessWithLlm: issue.title and issue.body must be strings",
    });
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it("an abort throws CancelledError", async () => {
    fake.reply({ kind: "hang" });
    const controller = new AbortController();
    const pending = assessWithLlm(llm(), { issue, diff: DIFF, findings, signal: controller.signal });
    setTimeout(() => controller.abort("test"), 200);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});
