import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { improvementFingerprint } from "../../../src/improve/create-improvement.ts";
import { Improvement } from "../../../src/improve/improvement.ts";
import { proposeRefactors } from "../../../src/improve/propose-refactors.ts";
import { createOllamaLlm } from "../../../src/llm/create-ollama-llm.ts";
import { parseDiff } from "../../../src/qa/parse-diff.ts";
import { CancelledError } from "../../../src/util/errors.ts";
import { say, sayJson, startFakeOllama, type FakeOllama } from "../../support/fake-ollama.ts";
import { createGitFixture, type GitFixture } from "./git-fixture.ts";

const TOKEN = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");

const refactor = (extra: Record<string, unknown> = {}) => ({
  title: "Extract the retry loop into a helper",
  rationale: "fetchPage and fetchUser now repeat the same retry loop.",
  files: ["src/fetch.ts"],
  task: "Move the retry loop of fetchPage and fetchUser in src/fetch.ts into one withRetry(fn) helper.",
  priority: 4,
  impact: 0.5,
  ...extra,
});

describe("proposeRefactors (createOllamaLlm against a fake Ollama, on a real git diff)", () => {
  let fake: FakeOllama;
  let repo: GitFixture;
  let diff: string;
  beforeEach(async () => {
    fake = await startFakeOllama({ models: ["thinker:7b"] });
    repo = await createGitFixture({
      "src/fetch.ts": "export async function fetchPage(url: string) {\n  return fetch(url);\n}\n",
      "src/gone.ts": "export const gone = 1;\n",
      "README.md": "# x\n",
    });
    await repo.write({
      "src/fetch.ts": [
        "export async function fetchPage(url: string) {",
        "  for (let i = 0; i < 3; i++) {",
        "    try { return await fetch(url); } catch { /* retry */ }",
        "  }",
        "  throw new Error('failed');",
        "}",
        "export async function fetchUser(id: string) {",
        `  const key = "${TOKEN}";`,
        "  for (let i = 0; i < 3; i++) {",
        "    try { return await fetch(`/users/${id}?key=${key}`); } catch { /* retry */ }",
        "  }",
        "  throw new Error('failed');",
        "}",
        "",
      ].join("\n"),
      "src/util.ts": "export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));\n",
      "src/gone.ts": null,
    });
    await repo.commit("change");
    diff = (await repo.diff()).text;
  });
  afterEach(async () => {
    await fake.close();
    await repo.dispose();
  });
  const llm = () => createOllamaLlm({ host: fake.url, model: "thinker:7b", contextTokens: 8192 });

  it("valid answer: files outside the diff (or deleted) are dropped, a refactor with none left is dropped, at most 3 are kept, best first", async () => {
    fake.reply(
      sayJson({
        refactors: [
          refactor({ files: ["src/fetch.ts", "src/elsewhere.ts"] }),
          refactor({ title: "Use sleep() between retries", files: ["./src/util.ts", "b/src/fetch.ts"], priority: 2, impact: 0.4, rationale: "Retries hammer the server." }),
          refactor({ title: "Inline the gone constant", files: ["src/gone.ts"], rationale: "It was deleted." }),
          refactor({ title: "Name the magic number 3", files: ["src/fetch.ts"], priority: 5, impact: 0.2, rationale: "3 appears twice." }),
          refactor({ title: "Split fetchUser", files: ["src/fetch.ts"], priority: 3, impact: 0.3, rationale: "It does two things." }),
        ],
      }),
    );
    const out = await proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000 });

    // Priority is at least 3 for a refactor (never ahead of fixes and tests), then impact decides.
    expect(out.improvements.map((i) => [i.title, i.files, i.priority, i.impact])).toEqual([
      ["Use sleep() between retries", ["src/fetch.ts", "src/util.ts"], 3, 0.4],
      ["Split fetchUser", ["src/fetch.ts"], 3, 0.3],
      ["Extract the retry loop into a helper", ["src/fetch.ts"], 4, 0.5],
    ]);
    expect(out.improvements.every((i) => i.type === "refactor" && Improvement.safeParse(i).success)).toBe(true);
    expect(out.improvements[0]!.task).toContain("Files: `src/fetch.ts`, `src/util.ts`.");
    expect(out.improvements[0]!.task).toContain("behaviour must stay exactly the same");
    expect(out.notes).toEqual([
      "2 files the model named are not part of this change and were left out",
      "1 refactor named no file of this change and was dropped",
      "the model proposed 4 refactors; only the best 3 are kept",
    ]);

    const [request] = fake.chatRequests();
    expect(request!.format).toBeDefined();
    expect(request!.options?.num_ctx).toBe(8192);
    expect(request!.messages[0]!.content).toContain("untrusted data");
    const prompt = request!.messages[1]!.content;
    expect(prompt).toContain("=== src/fetch.ts (modified) ===");
    expect(prompt).not.toContain(TOKEN);
  });

  it("fingerprint = type + sorted files + normalized title: stable across casing, punctuation and file order", async () => {
    fake.reply(
      sayJson({ refactors: [refactor({ files: ["src/util.ts", "src/fetch.ts"] })] }),
      sayJson({ refactors: [refactor({ title: "  extract the RETRY loop, into a helper. ", files: ["src/fetch.ts", "src/util.ts", "src/fetch.ts"] })] }),
    );
    const a = await proposeRefactors(llm(), { diff, files: parseDiff(diff), budgetChars: 20_000 });
    const b = await proposeRefactors(llm(), { diff, files: parseDiff(diff), budgetChars: 20_000 });
    expect(a.improvements[0]!.fingerprint).toBe(b.improvements[0]!.fingerprint);
    expect(a.improvements[0]!.fingerprint).toBe(improvementFingerprint("refactor", "src/fetch.ts\u0000src/util.ts\u0000extract the retry loop into a helper"));
    expect(b.improvements[0]!.files).toEqual(["src/fetch.ts", "src/util.ts"]);
  });

  it("an invalid answer is sent back once; invalid twice means no refactors and a note, not an error", async () => {
    fake.reply(say("Sure! Here are some ideas: extract a helper."), sayJson({ refactors: [refactor({ priority: 9 })] }));
    const out = await proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000 });
    expect(out.improvements).toEqual([]);
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^the model \(thinker:7b\) answered with unusable JSON twice, so no refactors were proposed: /);
    expect(out.notes[0]).toContain("refactors.0.priority");
    const requests = fake.chatRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.messages.at(-1)!.content).toContain("That answer could not be used");
  });

  it("an invalid first answer followed by a valid one is used", async () => {
    fake.reply(say("{not json"), sayJson({ refactors: [refactor()] }));
    const out = await proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000 });
    expect(out.improvements.map((i) => i.title)).toEqual(["Extract the retry loop into a helper"]);
    expect(out.notes).toEqual([]);
  });

  it("says so when the diff is cut to the budget; an empty answer is no refactors", async () => {
    fake.reply(sayJson({ refactors: [] }));
    const out = await proposeRefactors(llm(), { diff, files: [], budgetChars: 600 });
    expect(out.improvements).toEqual([]);
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^the diff \(\d+ characters\) is larger than the refactor budget \(600\)/);
    expect(fake.chatRequests()[0]!.messages[1]!.content).toMatch(/\[\.\.\. \d+ characters of the diff are left out here/);
  });

  it("a server that fails, a missing model, an empty diff or a bad budget are notes, never throws", async () => {
    fake.reply({ kind: "error", status: 500, error: "runner crashed" });
    const failed = await proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000 });
    expect(failed.improvements).toEqual([]);
    expect(failed.notes[0]).toMatch(/^refactors could not be proposed: /);

    const missing = await proposeRefactors(createOllamaLlm({ host: fake.url, model: "absent:1b" }), { diff, files: [], budgetChars: 20_000 });
    expect(missing.notes[0]).toMatch(/^refactors could not be proposed: .*absent:1b/);

    const before = fake.chatRequests().length;
    expect(await proposeRefactors(llm(), { diff: "", files: [], budgetChars: 20_000 })).toEqual({ improvements: [], notes: ["the change is empty, so no refactors were proposed"] });
    const bad = await proposeRefactors(llm(), { diff, files: [], budgetChars: Number.NaN });
    expect(bad.notes).toEqual(["proposeRefactors: budgetChars must be a positive number, got NaN; no refactors were proposed"]);
    expect(fake.chatRequests().length).toBe(before);
  });

  it("throws CancelledError when the signal aborts, before or during the request", async () => {
    const early = new AbortController();
    early.abort();
    await expect(proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000, signal: early.signal })).rejects.toBeInstanceOf(CancelledError);

    fake.reply({ kind: "hang" });
    const controller = new AbortController();
    const pending = proposeRefactors(llm(), { diff, files: [], budgetChars: 20_000, signal: controller.signal });
    while (fake.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});
