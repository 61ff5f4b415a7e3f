import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOllamaLlm } from "../../../src/llm/create-ollama-llm.ts";
import { Finding } from "../../../src/qa/finding.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { reviewWithLlm } from "../../../src/qa/review-with-llm.ts";
import { CancelledError } from "../../../src/util/errors.ts";
import { say, sayJson, startFakeOllama, type FakeOllama } from "../../support/fake-ollama.ts";

const TOKEN = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");

const DIFF = [
  "diff --git a/src/pay.ts b/src/pay.ts",
  "index 1111111..2222222 100644",
  "--- a/src/pay.ts",
  "+++ b/src/pay.ts",
  "@@ -10,4 +10,6 @@ export function pay(amount: number) {",
  "   const fee = 2;",
  "-  return charge(amount + fee);",
  "+  const total = amount - fee;",
  `+  const key = "${TOKEN}";`,
  "+  return charge(total, key);",
  "   // end",
  " }",
  "diff --git a/README.md b/README.md",
  "index 3333333..4444444 100644",
  "--- a/README.md",
  "+++ b/README.md",
  "@@ -1,1 +1,2 @@",
  " # Pay",
  "+Charges the amount plus a fee.",
  "",
].join("\n");
const files = parseDiff(DIFF);

const finding = (extra: Record<string, unknown>) => ({
  path: "src/pay.ts",
  line: 12,
  severity: "high",
  category: "bug",
  title: "Fee is subtracted instead of added",
  message: "The total should be amount + fee; the change subtracts it, so every charge is 4 too low.",
  suggestion: "Use amount + fee.",
  score: 9,
  ...extra,
});

describe("reviewWithLlm (createOllamaLlm against a fake Ollama)", () => {
  let fake: FakeOllama;
  beforeEach(async () => {
    fake = await startFakeOllama({ models: ["reviewer:7b"] });
  });
  afterEach(async () => {
    await fake.close();
  });
  const llm = (contextTokens = 8192) => createOllamaLlm({ host: fake.url, model: "reviewer:7b", contextTokens });

  it("valid findings: scores under minScore dropped, the best maxFindings kept, lines outside the diff moved to the body", async () => {
    fake.reply(
      sayJson({
        findings: [
          finding({ score: 6, title: "Maybe rename total", category: "naming", severity: "low" }),
          finding({}),
          finding({ line: 13, category: "Security", severity: "critical", title: "Hard-coded API key", message: "A token is committed in the source.", suggestion: null, score: 10 }),
          finding({ path: "b/README.md", line: 40, category: "docs", severity: "low", title: "README says plus, code says minus", message: "The README and the code disagree.", score: 8 }),
          finding({ path: "src/other.ts", line: 3, title: "Caller not updated", message: "charge() now takes two arguments.", score: 7.9, severity: "medium" }),
          finding({ score: 7.5, title: "Fourth best", message: "x", line: 11 }),
        ],
      }),
    );
    const out = await reviewWithLlm(llm(), { diff: DIFF, files, minScore: 7, maxFindings: 3, knownSecrets: [] });

    expect(out.findings.map((f) => [f.ruleId, f.severity, f.confidence, f.path, f.line, f.title])).toEqual([
      ["llm/security", "critical", 1, "src/pay.ts", 13, "Hard-coded API key"],
      ["llm/bug", "high", 0.9, "src/pay.ts", 12, "Fee is subtracted instead of added"],
      ["llm/docs", "low", 0.8, "README.md", undefined, "README says plus, code says minus"],
    ]);
    expect(out.findings.every((f) => f.source === "llm" && Finding.safeParse(f).success)).toBe(true);
    expect(out.findings[1]!.suggestion).toBe("Use amount + fee.");
    expect(out.findings[0]!.suggestion).toBeUndefined();
    expect(out.findings[2]!.message).toBe("The README and the code disagree.\n\n(The model pointed at line 40, which the diff does not show.)");
    expect(out.dropped).toBe(3);
    expect(out.notes).toEqual([
      "1 finding the model scored under 7/10 was left out",
      "1 finding named a line outside the diff and is reported without a line",
    ]);
    expect(out.error).toBeUndefined();

    const [request] = fake.chatRequests();
    expect(request!.format).toMatchObject({ type: "object", required: ["findings"] });
    expect(request!.options).toMatchObject({ num_ctx: 8192 });
    const prompt = request!.messages[1]!.content;
    expect(prompt).toContain("=== src/pay.ts (modified) ===");
    expect(prompt).toContain("12 +   const key = \"ghp_****\";");
    expect(prompt).toContain("   -   return charge(amount + fee);");
    expect(prompt).not.toContain(TOKEN);
    expect(request!.messages[0]!.content).toContain("Report at most 3 findings");
  });

  it("a file that is not in the diff loses file and line, and says where the model pointed", async () => {
    fake.reply(sayJson({ findings: [finding({ path: "src/other.ts", line: 3, title: "Caller not updated", message: "charge() now takes two arguments." })] }));
    const out = await reviewWithLlm(llm(), { diff: DIFF, files, minScore: 7, maxFindings: 5 });
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.path).toBeUndefined();
    expect(out.findings[0]!.line).toBeUndefined();
    expect(out.findings[0]!.message).toBe("charge() now takes two arguments.\n\n(The model pointed at `src/other.ts:3`, which is not part of this change.)");
    expect(out.notes).toEqual(["1 finding named a file that is not in the diff"]);
  });

  it("invalid JSON, then valid: the corrected answer is used", async () => {
    fake.reply(say("Looks good to me! The fee logic seems wrong though."), sayJson({ findings: [finding({})] }));
    const out = await reviewWithLlm(llm(), { diff: DIFF, files: [] });
    expect(out.findings.map((f) => [f.ruleId, f.path, f.line])).toEqual([["llm/bug", "src/pay.ts", 12]]);
    expect(out.notes).toEqual([]);
    expect(fake.chatRequests()).toHaveLength(2);
    expect(fake.chatRequests()[1]!.messages[3]!.content).toMatch(/^That answer could not be used:/);
  });

  it("invalid twice: no findings and a note, never a throw", async () => {
    fake.reply(say("no JSON here"), sayJson({ findings: [{ path: "src/pay.ts", title: "missing fields" }] }));
    const out = await reviewWithLlm(llm(), { diff: DIFF, files });
    expect(out.findings).toEqual([]);
    expect(out.dropped).toBe(0);
    expect(out.error).toBeUndefined();
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^the model \(reviewer:7b\) answered with unusable JSON twice, so the LLM review has no findings: /);
  });

  it("an empty answer list is fine", async () => {
    fake.reply(sayJson({ findings: [] }));
    expect(await reviewWithLlm(llm(), { diff: DIFF, files })).toEqual({ findings: [], dropped: 0, notes: [] });
  });

  it("a diff over the budget is cut with a visible marker and a note", async () => {
    fake.reply(sayJson({ findings: [] }));
    const out = await reviewWithLlm(llm(), { diff: DIFF, files, contextBudgetChars: 300 });
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^the diff \(\d+ characters\) is larger than the model's budget \(300\), so its middle was left out; the LLM review did not see all of the change$/);
    const prompt = fake.chatRequests()[0]!.messages[1]!.content;
    expect(prompt).toMatch(/\[\.\.\. \d+ characters of the diff are left out here to fit the model's context window \.\.\.\]/);
  });

  it("a server that cannot serve the model: no findings, an error and a note", async () => {
    fake.setModels(["other:1b"]);
    const out = await reviewWithLlm(llm(), { diff: DIFF, files });
    expect(out.findings).toEqual([]);
    expect(out.error).toMatch(/reviewer:7b/);
    expect(out.notes).toEqual([`the LLM review could not run: ${out.error!}`]);
  });

  it("an abort throws CancelledError", async () => {
    fake.reply({ kind: "hang" });
    const controller = new AbortController();
    const pending = reviewWithLlm(llm(), { diff: DIFF, files, signal: controller.signal });
    setTimeout(() => controller.abort("test"), 200);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });

  it("bad options and an empty change are answered without asking the model", async () => {
    expect((await reviewWithLlm(llm(), { diff: DIFF, files, minScore: 11 })).error).toBe("reviewWithLlm: minScore must be between 0 and 10, got 11");
    expect((await reviewWithLlm(llm(), { diff: DIFF, files, maxFindings: 1.5 })).error).toBe("reviewWithLlm: maxFindings must be a non-negative integer, got 1.5");
    expect(await reviewWithLlm(llm(), { diff: "", files: [] })).toEqual({ findings: [], dropped: 0, notes: ["the change is empty; the LLM did not review it"] });
    expect(fake.chatRequests()).toHaveLength(0);
  });
});
