import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactConversation } from "../../../../src/backends/ollama-compact-conversation.ts";
import { readPatchPaths } from "../../../../src/backends/ollama-patch-paths.ts";
import { resolveInClone } from "../../../../src/backends/ollama-resolve-path.ts";
import { parseTextToolCalls } from "../../../../src/backends/ollama-text-tool-calls.ts";
import { estimateConversationTokens } from "../../../../src/llm/estimate-conversation-tokens.ts";
import type { LlmMessage } from "../../../../src/llm/llm.ts";

// The pure helpers of the ollama backend (and resolveInClone, which reads the file system).
describe("readPatchPaths", () => {
  it("reads a/ b/ paths and picks -p1", () => {
    const patch = "diff --git a/src/x.ts b/src/x.ts\nindex 1..2 100644\n--- a/src/x.ts\n+++ b/src/x.ts\n@@ -1 +1 @@\n-a\n+b\n";
    expect(readPatchPaths(patch)).toEqual({ ok: true, paths: ["src/x.ts"], strip: 1 });
  });

  it("reads paths without prefixes and picks -p0; skips /dev/null and timestamps", () => {
    const patch = "--- /dev/null\t2024-01-01\n+++ docs/new.md\t2024-01-01\n@@ -0,0 +1 @@\n+hi\n--- src/a.ts\n+++ src/a.ts\n@@ -1 +1 @@\n-a\n+b\n";
    expect(readPatchPaths(patch)).toEqual({ ok: true, paths: ["docs/new.md", "src/a.ts"], strip: 0 });
  });

  it("does not take a removed '-- ' line inside a hunk for a header; reads renames and quoted paths", () => {
    const patch = [
      "--- a/db.sql",
      "+++ b/db.sql",
      "@@ -1,2 +1,1 @@",
      "--- a comment",
      " select 1;",
      'diff --git "a/sp ace.txt" "b/caf\\303\\251.txt"',
      "similarity index 100%",
      "rename from sp ace.txt",
      "rename to café.txt",
      "",
    ].join("\n");
    expect(readPatchPaths(patch)).toEqual({ ok: true, paths: ["db.sql", "sp ace.txt", "café.txt"], strip: 1 });
    expect(readPatchPaths('--- "a/caf\\303\\251.txt"\n+++ "b/caf\\303\\251.txt"\n')).toEqual({ ok: true, paths: ["café.txt"], strip: 1 });
  });

  it("says what is missing", () => {
    expect(readPatchPaths("@@ -1 +1 @@\n-a\n+b\n")).toEqual({ ok: false, error: expect.stringContaining("the patch has no file headers") });
    expect(readPatchPaths("diff --git a/x b/x\nold mode 100644\nnew mode 100755\n")).toEqual({ ok: false, error: expect.stringContaining("names no files") });
  });
});

describe("parseTextToolCalls", () => {
  const names = ["read_file", "finish"];
  it("accepts the shapes local models write", () => {
    expect(parseTextToolCalls('{"name": "read_file", "arguments": {"path": "a"}}', names)).toEqual([{ name: "read_file", arguments: { path: "a" } }]);
    expect(parseTextToolCalls('{"name": "read_file", "parameters": "{\\"path\\": \\"b\\"}"}', names)).toEqual([{ name: "read_file", arguments: { path: "b" } }]);
    expect(parseTextToolCalls('[{"function": {"name": "finish", "arguments": {"summary": "s"}}}]', names)).toEqual([{ name: "finish", arguments: { summary: "s" } }]);
    expect(parseTextToolCalls('<think>hmm</think>\n<tool_call>\n{"name": "finish", "arguments": {"summary": "x"}}\n</tool_call>', names)).toEqual([
      { name: "finish", arguments: { summary: "x" } },
    ]);
  });

  it("ignores prose, unknown tools and half-valid lists", () => {
    expect(parseTextToolCalls("I will read the file now.", names)).toEqual([]);
    expect(parseTextToolCalls('{"name": "rm_rf", "arguments": {}}', names)).toEqual([]);
    expect(parseTextToolCalls('[{"name": "finish", "arguments": {}}, {"name": "nope"}]', names)).toEqual([]);
    expect(parseTextToolCalls('{"answer": 42}', names)).toEqual([]);
  });
});

describe("compactConversation", () => {
  const system: LlmMessage = { role: "system", content: "system prompt" };
  const taskMessage: LlmMessage = { role: "user", content: "the task" };
  const turn = (i: number, size: number): LlmMessage[] => [
    { role: "assistant", content: "", toolCalls: [{ name: "read_file", arguments: { path: `f${i}.txt` } }] },
    { role: "tool", toolName: "read_file", content: `output ${i} `.padEnd(size, "x") },
  ];

  it("leaves a conversation under the limit alone", () => {
    const messages = [system, taskMessage, ...turn(1, 100)];
    expect(compactConversation(messages, { maxTokens: 1000, targetTokens: 700, keepRecent: 2 })).toEqual({ messages, shortened: 0, dropped: 0, tokens: estimateConversationTokens(messages) });
  });

  it("shortens old tool outputs first, visibly, and keeps the recent ones whole", () => {
    const messages = [system, taskMessage, ...turn(1, 4000), ...turn(2, 4000), ...turn(3, 1000)];
    const out = compactConversation(messages, { maxTokens: 2000, targetTokens: 1500, keepRecent: 2 });
    expect(out.dropped).toBe(0);
    expect(out.shortened).toBeGreaterThan(0);
    expect(out.tokens).toBeLessThanOrEqual(1500);
    expect(out.messages[3]?.content).toMatch(/^output 1 x+\n\[Moderator shortened this to save context: \d+ characters left out; call the tool again if you need them\]$/);
    expect(out.messages[7]).toEqual(messages[7]);
    expect(out.messages.slice(0, 2)).toEqual([system, taskMessage]);
  });

  it("shortens long tool-call arguments (written files) too", () => {
    const write: LlmMessage = { role: "assistant", content: "", toolCalls: [{ name: "write_file", arguments: { path: "big.txt", content: "y".repeat(8000) } }] };
    const messages = [system, taskMessage, write, { role: "tool", toolName: "write_file", content: "created big.txt" } as LlmMessage, ...turn(2, 100)];
    const out = compactConversation(messages, { maxTokens: 1000, targetTokens: 800, keepRecent: 2 });
    const args = out.messages[2]?.toolCalls?.[0]?.arguments as { path: string; content: string };
    expect(args.path).toBe("big.txt");
    expect(args.content).toContain("[Moderator shortened this to save context");
    expect(args.content.length).toBeLessThan(600);
  });

  it("drops the oldest turns whole when shortening is not enough, with one note counting them", () => {
    const messages = [system, taskMessage];
    for (let i = 1; i <= 20; i++) messages.push(...turn(i, 200));
    const out = compactConversation(messages, { maxTokens: 600, targetTokens: 400, keepRecent: 4 });
    expect(out.tokens).toBeLessThanOrEqual(400);
    expect(out.dropped).toBeGreaterThan(0);
    expect(out.dropped % 2).toBe(0);
    expect(out.messages[2]).toEqual({ role: "user", content: expect.stringMatching(new RegExp(`^\\[Moderator removed ${out.dropped} earlier messages to fit the context window`)) });
    expect(out.messages[3]?.role).toBe("assistant");
    expect(out.messages.slice(-4)).toEqual(messages.slice(-4));

    // A second compaction adds to the same note.
    const more = [...out.messages];
    for (let i = 21; i <= 30; i++) more.push(...turn(i, 200));
    const again = compactConversation(more, { maxTokens: 600, targetTokens: 400, keepRecent: 4 });
    expect(again.messages.filter((m) => m.content.startsWith("[Moderator removed"))).toHaveLength(1);
    expect(again.messages[2]?.content).toContain(`removed ${out.dropped + again.dropped} earlier messages`);
  });

  it("as a last resort cuts the task itself, with a marker", () => {
    const huge: LlmMessage = { role: "user", content: "T".repeat(40_000) };
    const out = compactConversation([system, huge], { maxTokens: 3000, targetTokens: 2000, keepRecent: 4 });
    expect(out.messages).toHaveLength(2);
    expect(out.messages[1]?.content).toContain("characters of the task cut by Moderator to fit the context window");
    expect(out.tokens).toBeLessThanOrEqual(3000);
  });
});

describe("resolveInClone", () => {
  let base: string;
  let root: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), "moderator-resolve-")));
    root = path.join(base, "clone");
    await mkdir(path.join(root, "src", "lib"), { recursive: true });
    await mkdir(path.join(root, ".git"));
    await writeFile(path.join(root, "src", "a.ts"), "a");
    await writeFile(path.join(base, "outside.txt"), "o");
    await symlink("src", path.join(root, "inner"));
    await symlink("../outside.txt", path.join(root, "out"));
    await symlink(".git", path.join(root, "g"));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("resolves paths inside the clone, also through symlinks that stay inside", async () => {
    await expect(resolveInClone(root, "src/a.ts")).resolves.toEqual({ ok: true, abs: path.join(root, "src/a.ts"), rel: "src/a.ts" });
    await expect(resolveInClone(root, "./src//new/file.ts")).resolves.toEqual({ ok: true, abs: path.join(root, "src/new/file.ts"), rel: "src/new/file.ts" });
    await expect(resolveInClone(root, "inner/a.ts")).resolves.toEqual({ ok: true, abs: path.join(root, "src/a.ts"), rel: "src/a.ts" });
    await expect(resolveInClone(root, ".", { allowRoot: true })).resolves.toEqual({ ok: true, abs: root, rel: "." });
  });

  it("refuses what leaves the clone or touches .git", async () => {
    const refuse = async (p: unknown, opts = {}): Promise<string> => {
      const r = await resolveInClone(root, p, opts);
      return r.ok ? `accepted ${r.rel}` : r.error;
    };
    expect(await refuse("../outside.txt")).toContain('uses ".."');
    expect(await refuse("src/../../outside.txt")).toContain('uses ".."');
    expect(await refuse("/etc/passwd")).toContain("is absolute");
    expect(await refuse("~/x")).toContain("is absolute");
    expect(await refuse("out")).toBe('path "out" leads outside the repository (through a symbolic link)');
    expect(await refuse(".git/config")).toContain("is inside .git");
    expect(await refuse("sub/.GIT/x")).toContain("is inside .git");
    expect(await refuse("g/config")).toBe('path "g/config" leads into .git (through a symbolic link), which may not be read or changed');
    expect(await refuse("src/a.ts/x")).toContain("a part of it is a file, not a folder");
    expect(await refuse("")).toContain("names the repository root");
    expect(await refuse("a\0b")).toContain("NUL byte");
    expect(await refuse(42)).toBe("path must be a string, got 42");
  });
});
